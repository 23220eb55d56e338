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
        algorithm: String,
        fingerprint: String,
        known_hosts: String,
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
            Question::HostKey { host, port, algorithm, fingerprint, known_hosts } => format!(
                "The authenticity of host '[{host}]:{port}' can't be established. {algorithm} key fingerprint is {fingerprint}. Type yes to trust it and add it to {known_hosts}."
            ),
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
