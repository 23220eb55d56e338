//! The operations layer: every write the console makes to Hetzner or Coolify,
//! followed to its end (actions polled until done, deployments and backups
//! until they finish) at the context's poll interval, with one error text.
//! Panes (through effects) and checklist steps call the same functions, so no
//! write is coded twice. Reads that are not part of a write stay in the
//! clients.

pub(crate) mod coolify;
pub(crate) mod hetzner;

use std::fmt;

/// Why an operation did not complete.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    Hetzner(crate::hetzner::Error),
    Coolify(crate::coolify::Error),
    /// An action Hetzner started ended in `error`.
    ActionFailed {
        command: String,
        code: String,
        message: String,
    },
    /// What the operation names is not there.
    NotFound(String),
    /// Refused before anything was sent (the input is wrong).
    Refused(String),
    /// It ran and ended badly (a failed deployment, a failed backup).
    Failed(String),
    /// It did not end in the time it has.
    Timeout(String),
    /// Part of a sequence was done before the failure.
    Partial {
        error: Box<Error>,
        done: Vec<String>,
        not_sent: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Hetzner(e) => write!(f, "{e}"),
            Error::Coolify(e) => write!(f, "{e}"),
            Error::ActionFailed { command, code, message } => write!(f, "action {command} failed: {code}: {message}"),
            Error::NotFound(m) | Error::Refused(m) | Error::Failed(m) | Error::Timeout(m) => f.write_str(m),
            Error::Partial { error, done, not_sent } => {
                write!(f, "{error}")?;
                if !done.is_empty() {
                    write!(f, "; done before it: {}", done.join(", "))?;
                }
                if *not_sent > 0 {
                    write!(f, "; {not_sent} later change(s) not sent")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::hetzner::Error> for Error {
    fn from(e: crate::hetzner::Error) -> Self {
        Error::Hetzner(e)
    }
}

impl From<crate::coolify::Error> for Error {
    fn from(e: crate::coolify::Error) -> Self {
        Error::Coolify(e)
    }
}

impl Error {
    /// The service's HTTP status, when the service refused.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Hetzner(crate::hetzner::Error::Api(e)) => Some(e.status),
            Error::Coolify(e) => e.status(),
            Error::Partial { error, .. } => error.status(),
            _ => None,
        }
    }
}
