//! What changes State (actions) and what State asks the outside world to do (effects).

use super::logs::HostRef;
use crate::config::Secret;
use crate::coolify::Inventory;
use crate::hetzner::{self, RateLimit, Server};
use crate::input::Key;
use crate::ssh::Question;
use crate::ssh::tail::{Batch, TailSource, TailStatus};

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
    CoolifyInventory(Result<Inventory, String>),
    TailStatus {
        tab: u64,
        status: TailStatus,
    },
    LogLines {
        tab: u64,
        batch: Batch,
    },
    RunStarted {
        tab: u64,
        target: String,
    },
    RunDone {
        tab: u64,
        result: Result<String, String>,
    },
    /// A background job needs an answer from the operator.
    Ask {
        id: u64,
        question: Question,
    },
    Saved(Result<(String, usize), String>),
}

/// Work for the runtime: each is spawned as a background job (busy counter +1)
/// whose final action is applied before the counter goes back down.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadServers {
        generation: u64,
    },
    LoadCoolifyVersion,
    LoadCoolify,
    /// A long-running stream: not counted as busy.
    StartTail {
        tab: u64,
        host: HostRef,
        source: TailSource,
    },
    StopTail {
        tab: u64,
    },
    Run {
        tab: u64,
        host: HostRef,
        command: String,
        container: Option<String>,
    },
    CancelRun {
        tab: u64,
    },
    /// The operator's answer to an `Ask`.
    Answer {
        id: u64,
        answer: Option<Secret>,
    },
    WriteFile {
        path: String,
        contents: String,
        lines: usize,
    },
    /// Handled by the terminal layer, not spawned.
    Suspend,
}

impl Effect {
    /// What the status line says while this job runs.
    pub fn label(&self) -> &'static str {
        match self {
            Effect::LoadServers { .. } => "loading servers",
            Effect::LoadCoolifyVersion => "checking Coolify",
            Effect::LoadCoolify => "loading Coolify resources",
            Effect::StartTail { .. } => "tailing",
            Effect::StopTail { .. } => "stopping a tail",
            Effect::Run { .. } => "running a command",
            Effect::CancelRun { .. } => "cancelling",
            Effect::Answer { .. } => "answering",
            Effect::WriteFile { .. } => "saving",
            Effect::Suspend => "suspending",
        }
    }

    /// Whether the effect is a background job counted by the busy counter.
    /// Tails are streams (like lazygit's pollers they do not count); answers,
    /// stops and cancels are immediate.
    pub fn is_job(&self) -> bool {
        !matches!(
            self,
            Effect::Suspend | Effect::StartTail { .. } | Effect::StopTail { .. } | Effect::CancelRun { .. } | Effect::Answer { .. }
        )
    }
}
