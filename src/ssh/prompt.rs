//! Questions the SSH layer asks the operator (inside the console): trust an
//! unknown host key, a key's passphrase, a password. Answers are never stored
//! on disk.

use crate::config::Secret;
use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Debug, PartialEq)]
pub enum Question {
    /// Unknown host key: trust it (the operator types `yes`) and add it to known_hosts?
    HostKey {
        host: String,
        port: u16,
        /// The known_hosts name (`[host]:port`, or the HostKeyAlias).
        name: String,
        algorithm: String,
        fingerprint: String,
        known_hosts: String,
        /// Keys of other types already known for this host (OpenSSH warns).
        others: Vec<String>,
    },
    Passphrase {
        key: String,
    },
    Password {
        user: String,
        host: String,
    },
}

impl Question {
    pub fn text(&self) -> String {
        match self {
            // OpenSSH names the host as it is filed: `[host]:port`, or the alias.
            Question::HostKey { name: shown, algorithm, fingerprint, known_hosts, others, .. } => {
                let warn = if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        " WARNING: this host is already known by other keys ({}); a different key type may mean the server was replaced.",
                        others.join(", ")
                    )
                };
                format!(
                    "The authenticity of host '{shown}' can't be established. {algorithm} key fingerprint is {fingerprint}.{warn} Type yes to trust it and add it to {known_hosts}."
                )
            }
            Question::Passphrase { key } => format!("Enter passphrase for key '{key}':"),
            Question::Password { user, host } => format!("{user}@{host}'s password:"),
        }
    }

    /// Whether the answer must be masked on screen.
    pub fn secret(&self) -> bool {
        !matches!(self, Question::HostKey { .. })
    }
}

pub type Answer = Pin<Box<dyn Future<Output = Option<Secret>> + Send>>;

/// Asks the operator. `None` means cancelled.
pub trait Prompter: Send + Sync {
    fn ask(&self, q: Question) -> Answer;
}

/// A prompter with fixed answers (tests, non-interactive use).
pub struct Fixed {
    pub host_key: bool,
    pub passphrase: Option<String>,
    pub password: Option<String>,
}

impl Prompter for Fixed {
    fn ask(&self, q: Question) -> Answer {
        let a = match q {
            Question::HostKey { .. } => self.host_key.then(|| Secret::new("yes")),
            Question::Passphrase { .. } => self.passphrase.clone().map(Secret::new),
            Question::Password { .. } => self.password.clone().map(Secret::new),
        };
        Box::pin(async move { a })
    }
}
