//! What changes State (actions) and what State asks the outside world to do (effects).

use crate::hetzner::{self, RateLimit, Server};
use crate::input::Key;

#[derive(Debug)]
pub enum Action {
    Key(Key),
    Paste(String),
    Resize(u16, u16),
    /// The spinner advances (sent only while something is pending).
    Tick,
    ServersPage {
        generation: u64,
        servers: Vec<Server>,
        page: u64,
        last_page: Option<u64>,
        total: Option<u64>,
        rate: Option<RateLimit>,
    },
    ServersDone {
        generation: u64,
        result: Result<(), hetzner::Error>,
        rate: Option<RateLimit>,
    },
    CoolifyVersion(Result<String, String>),
}

/// Work for the runtime: each is spawned as a background job (busy counter +1)
/// whose final action is applied before the counter goes back down.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadServers {
        generation: u64,
    },
    LoadCoolifyVersion,
    /// Handled by the terminal layer, not spawned.
    Suspend,
}

impl Effect {
    /// What the status line says while this job runs.
    pub fn label(&self) -> &'static str {
        match self {
            Effect::LoadServers { .. } => "loading servers",
            Effect::LoadCoolifyVersion => "checking Coolify",
            Effect::Suspend => "suspending",
        }
    }

    pub fn is_job(&self) -> bool {
        !matches!(self, Effect::Suspend)
    }
}
