//! SSH the way OpenSSH users expect (russh): ssh_config, known_hosts, agent /
//! key / password auth, ProxyJump, keepalives; exec streams and log tails.

pub mod host;
pub mod prompt;
pub mod quote;
pub mod session;
pub mod tail;
pub mod target;

pub use crate::config::SshOverride;
pub use host::HostRef;
pub use prompt::{Prompter, Question};
pub use session::{Credentials, Exec, ExecEvent, Exit, Output, Session, SshEnv};
pub use target::{SshSettings, Target};

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub enum SshError {
    Config(String),
    Connect {
        target: String,
        reason: String,
    },
    /// Like OpenSSH: a changed host key refuses to connect.
    HostKeyChanged {
        host: String,
        port: u16,
        known_hosts: PathBuf,
        line: usize,
        fingerprint: String,
    },
    HostKeyRejected {
        host: String,
        fingerprint: String,
    },
    Auth {
        target: String,
        remaining: Vec<String>,
    },
    Channel(String),
    /// The container for an application is not running on its server.
    NoContainer(String),
}

impl fmt::Display for SshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SshError::Config(m) => write!(f, "ssh config: {m}"),
            SshError::Connect { target, reason } => write!(f, "ssh {target}: {reason}"),
            SshError::HostKeyChanged { host, port, known_hosts, line, fingerprint } => write!(
                f,
                "REMOTE HOST IDENTIFICATION HAS CHANGED for [{host}]:{port}: the server now offers {fingerprint}, which does not match {}:{line}. Someone could be intercepting the connection, or the host key was changed. Refusing to connect; if the change is expected, remove that line and connect again.",
                known_hosts.display()
            ),
            SshError::HostKeyRejected { host, fingerprint } => write!(f, "host key of {host} ({fingerprint}) not trusted: not connecting"),
            SshError::Auth { target, remaining } => write!(f, "ssh {target}: permission denied (server accepts: {})", remaining.join(", ")),
            SshError::Channel(m) => write!(f, "ssh channel: {m}"),
            SshError::NoContainer(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for SshError {}
