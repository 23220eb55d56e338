//! SSH the way OpenSSH users expect (russh): ssh_config, known_hosts, agent /
//! key / password auth, ProxyJump, keepalives; exec streams and log tails.

mod auth;
mod connect;
pub mod host;
pub mod known_hosts;
pub mod openssh;
pub mod options;
pub mod prompt;
mod proxy;
pub mod quote;
pub mod session;
pub mod ssh_config;
pub mod tail;
pub mod target;

pub use crate::config::SshOverride;
pub use host::HostRef;
pub use prompt::{Prompter, Question};
pub use session::{Credentials, Exec, ExecEvent, Exit, Output, Session, SshEnv};
pub use target::{AgentChoice, Named, SshSettings, StrictHostKeyChecking, Target};

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
        /// The name it is filed under (`[host]:port`, or the HostKeyAlias).
        host: String,
        algorithm: String,
        known_hosts: PathBuf,
        line: usize,
        fingerprint: String,
    },
    /// The key is marked `@revoked`.
    HostKeyRevoked {
        host: String,
        algorithm: String,
        fingerprint: String,
        place: String,
    },
    /// StrictHostKeyChecking yes (or BatchMode) and no key is known.
    HostKeyUnknown {
        host: String,
        algorithm: String,
        fingerprint: String,
        why: String,
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
            SshError::HostKeyChanged { host, algorithm, known_hosts, line, fingerprint } => write!(
                f,
                "REMOTE HOST IDENTIFICATION HAS CHANGED for {host}: the server now offers the {algorithm} key {fingerprint}, which does not match {}:{line}. Someone could be intercepting the connection, or the host key was changed. Refusing to connect; if the change is expected, remove that line and connect again.",
                known_hosts.display()
            ),
            SshError::HostKeyRevoked { host, algorithm, fingerprint, place } => write!(
                f,
                "REVOKED HOST KEY DETECTED: the {algorithm} host key {fingerprint} offered by {host} is marked as revoked ({place}). A stolen key could be used to impersonate this host. Host key verification failed."
            ),
            SshError::HostKeyUnknown { host, algorithm, fingerprint, why } => write!(
                f,
                "No {algorithm} host key is known for {host} and you have requested {why} ({fingerprint}). Host key verification failed."
            ),
            SshError::HostKeyRejected { host, fingerprint } => write!(f, "host key of {host} ({fingerprint}) not trusted: not connecting"),
            SshError::Auth { target, remaining } => write!(f, "ssh {target}: permission denied (server accepts: {})", remaining.join(", ")),
            SshError::Channel(m) => write!(f, "ssh channel: {m}"),
            SshError::NoContainer(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for SshError {}
