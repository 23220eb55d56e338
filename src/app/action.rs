//! What changes State (actions) and what State asks the outside world to do (effects).

use crate::checklist::{Event, Run, Runbook, Step};
use crate::config::Secret;
use crate::coolify::Inventory;
use crate::coolify::model::{Backup, Deployment, EnvVar};
use crate::hetzner::model::{Firewall, Metrics, Pricing, Rrset, Volume, Zone};
use crate::hetzner::{self, RateLimit, Server};
use crate::input::Key;
use crate::ssh::HostRef;
use crate::ssh::Question;
use crate::ssh::tail::{Batch, TailSource, TailStatus};
use std::collections::BTreeMap;

pub use crate::ops::coolify::CfOp;
pub use crate::ops::hetzner::HzOp;
use std::path::PathBuf;

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
    Pricing(Result<(Pricing, Vec<Volume>), String>),
    Metrics {
        id: i64,
        result: Result<Metrics, String>,
    },
    Firewalls(Result<Vec<Firewall>, String>),
    Zones(Result<Vec<Zone>, String>),
    Rrsets {
        zone: String,
        result: Result<Vec<Rrset>, String>,
    },
    /// Progress of the actions an operation started.
    HzProgress {
        label: String,
        percent: i64,
    },
    HzDone {
        label: String,
        result: Result<String, crate::ops::Error>,
        after: After,
    },
    Exported(Result<(String, String), String>),
    FileRead {
        purpose: ReadPurpose,
        path: String,
        result: Result<String, String>,
    },
    ContextSwitched(Result<(String, String, bool), String>),
    Envs {
        app: String,
        result: Result<Vec<EnvVar>, String>,
    },
    History {
        app: String,
        result: Result<Vec<Deployment>, String>,
    },
    /// A deployment is being followed (a new one, or one picked from history).
    DeployFollow {
        app: String,
        deployment: String,
        note: Option<String>,
    },
    /// One poll of a followed deployment: its status and the log entries new
    /// since the last poll (by index, as lines; hidden entries have none),
    /// secrets redacted.
    DeployUpdate {
        deployment: String,
        status: crate::coolify::model::DeployStatus,
        entries: Vec<(usize, Vec<(String, bool)>)>,
        logs_hidden: bool,
        created: Option<String>,
        finished: Option<String>,
    },
    DeployDone {
        app: String,
        deployment: String,
        result: Result<crate::coolify::model::DeployStatus, crate::ops::Error>,
    },
    CfDone {
        label: String,
        result: Result<String, crate::ops::Error>,
        after: CfAfter,
    },
    /// Scheduled backups of every database, by database uuid, read at `at`.
    Backups {
        at: chrono::DateTime<chrono::Utc>,
        result: Result<Vec<(String, Vec<Backup>)>, String>,
    },
    BackupDone {
        db: String,
        result: Result<String, crate::ops::Error>,
    },
    /// Versions read from one application's build settings and running container.
    Probed {
        app: String,
        build_python: Option<String>,
        runtime: Result<Vec<(String, String)>, String>,
    },
    ProbesDone {
        ok: usize,
        failed: usize,
    },
    /// The runbooks on offer and the runs found in the journal directory.
    Checklist {
        runbooks: Vec<(Runbook, String)>,
        errors: Vec<String>,
        runs: Vec<Run>,
    },
    RunCreated(Result<Run, String>),
    /// An event written to a run's journal (a job wrote it before sending this).
    RunEvent {
        journal: PathBuf,
        result: Result<Event, String>,
    },
    /// Live output of the step that runs (not journaled; its tail is, at the end).
    StepOutput {
        journal: PathBuf,
        lines: Vec<(String, bool)>,
    },
    /// A wait step checked and goes on waiting.
    StepWaiting {
        journal: PathBuf,
        deadline: chrono::DateTime<chrono::Utc>,
        status: String,
    },
}

/// What to reload once Coolify calls are done.
#[derive(Clone, Debug, PartialEq)]
pub enum CfAfter {
    Envs(String),
    /// Domains changed: offer the deployment that brings them to the proxy.
    OfferRedeploy {
        app: String,
        name: String,
    },
    Inventory,
    Databases,
}

/// Where the version inventory probes an application.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeTarget {
    pub app: String,
    pub host: Option<HostRef>,
}

/// What to reload (or wait for) once an operation's actions are done.
#[derive(Clone, Debug, PartialEq)]
pub enum After {
    Servers,
    /// A shutdown succeeded: follow the server until it is really off.
    WaitOff {
        id: i64,
        name: String,
    },
    Firewalls,
    Rrsets(String),
    Zones,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReadPurpose {
    ImportZone(String),
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
    LoadPricing,
    LoadMetrics {
        id: i64,
    },
    LoadFirewalls,
    LoadZones,
    LoadRrsets {
        zone: String,
    },
    /// Runs API calls in order, following each one's actions to the end.
    Hz {
        label: String,
        ops: Vec<HzOp>,
        after: After,
    },
    ExportZone {
        zone: String,
        path: String,
    },
    ReadFile {
        path: String,
        purpose: ReadPurpose,
    },
    SwitchContext {
        name: String,
    },
    /// `POST /deploy`, then follows the deployment to its end.
    Deploy {
        app: String,
        force: bool,
    },
    FollowDeployment {
        app: String,
        deployment: String,
    },
    CancelDeployment {
        deployment: String,
    },
    LoadEnvs {
        app: String,
    },
    LoadHistory {
        app: String,
    },
    /// Coolify calls in order; stops at the first failure and says what was done.
    Cf {
        label: String,
        ops: Vec<CfOp>,
        after: CfAfter,
    },
    LoadBackups,
    /// Runs a scheduled backup now and follows its execution.
    TriggerBackup {
        db: String,
        backup: String,
    },
    /// Reads versions: build settings over the API, the running container over SSH.
    Probe {
        targets: Vec<ProbeTarget>,
    },
    LoadChecklist,
    /// Creates the run's journal with its first event.
    StartRun {
        event: Event,
    },
    /// Appends an event the operator caused (a confirmation, a skip).
    Journal {
        journal: PathBuf,
        event: Event,
    },
    /// Runs a step (or, with `settle`, checks an unknown one). `step` is
    /// rendered with the real parameters; `template` is what the journal keeps.
    ExecStep {
        journal: PathBuf,
        index: usize,
        template: Box<Step>,
        step: Box<Step>,
        ctx: Box<ExecContext>,
        settle: bool,
    },
    CancelStep {
        journal: PathBuf,
    },
    /// Handled by the terminal layer, not spawned.
    Suspend,
}

/// What a step needs to know about the console's world, resolved by the
/// console: where hosts are, servers' addresses, Coolify names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecContext {
    pub hosts: BTreeMap<String, HostRef>,
    /// Hetzner server name -> (IPv4, IPv6 address).
    pub servers: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Coolify application or database name (or uuid) -> uuid.
    pub apps: BTreeMap<String, String>,
    pub databases: BTreeMap<String, String>,
    /// Values the journal and the screen must not show.
    pub secrets: Vec<String>,
    /// The parameters, rendered into the steps a step inserts.
    pub params: BTreeMap<String, String>,
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
            Effect::LoadPricing => "loading prices",
            Effect::LoadMetrics { .. } => "loading metrics",
            Effect::LoadFirewalls => "loading firewalls",
            Effect::LoadZones => "loading DNS zones",
            Effect::LoadRrsets { .. } => "loading records",
            Effect::Hz { .. } => "waiting for Hetzner",
            Effect::ExportZone { .. } => "exporting the zone",
            Effect::ReadFile { .. } => "reading",
            Effect::SwitchContext { .. } => "switching context",
            Effect::Deploy { .. } | Effect::FollowDeployment { .. } => "following a deployment",
            Effect::CancelDeployment { .. } => "cancelling the deployment",
            Effect::LoadEnvs { .. } => "loading variables",
            Effect::LoadHistory { .. } => "loading deployments",
            Effect::Cf { .. } => "waiting for Coolify",
            Effect::LoadBackups => "loading backups",
            Effect::TriggerBackup { .. } => "backing up",
            Effect::Probe { .. } => "probing versions",
            Effect::LoadChecklist => "loading runbooks",
            Effect::StartRun { .. } => "starting the run",
            Effect::Journal { .. } => "writing the journal",
            Effect::ExecStep { .. } => "running the step",
            Effect::CancelStep { .. } => "cancelling the step",
            Effect::Suspend => "suspending",
        }
    }

    /// Whether the effect is a background job counted by the busy counter.
    /// Tails are streams (like lazygit's pollers they do not count); answers,
    /// stops and cancels are immediate.
    pub fn is_job(&self) -> bool {
        !matches!(
            self,
            Effect::Suspend
                | Effect::StartTail { .. }
                | Effect::StopTail { .. }
                | Effect::CancelRun { .. }
                | Effect::Answer { .. }
                | Effect::CancelStep { .. }
        )
    }
}
