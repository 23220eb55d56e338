//! What changes State (actions) and what State asks the outside world to do
//! (effects). An action says where it goes: the chrome (keys, prompts,
//! messages), the world ([`WorldMsg`]) or the pane that started the job
//! ([`PaneMsg`]).

use super::panes::{PaneId, PaneMsg};
use super::state::Level;
use super::world::WorldMsg;
use crate::checklist::{Event, Step};
use crate::config::Secret;
use crate::input::Key;
use crate::ssh::tail::TailSource;
use crate::ssh::{HostRef, Question};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use crate::ops::coolify::CfOp;
pub use crate::ops::hetzner::HzOp;

#[derive(Debug)]
pub enum Action {
    Key(Key),
    Paste(String),
    Resize(u16, u16),
    /// The spinner advances (sent only while something is pending).
    Tick,
    World(WorldMsg),
    Pane(PaneMsg),
    /// A background job needs an answer from the operator.
    Ask {
        id: u64,
        question: Question,
    },
    /// The job that asked gave up (its connection attempt ended): the
    /// question goes away unanswered.
    Withdrawn {
        id: u64,
    },
    /// A file was written: what to say, or why not.
    Saved(Result<String, String>),
    /// Progress of a running operation.
    Progress {
        label: String,
        percent: i64,
    },
    /// An operation a pane asked for ended.
    OpDone {
        to: PaneId,
        label: String,
        result: Result<String, crate::ops::Error>,
        after: After,
    },
    /// A job's last action was applied (the busy counter goes down).
    JobFinished(&'static str),
    /// A job panicked: it failed with this message (the console goes on).
    JobFailed {
        label: &'static str,
        message: String,
    },
    /// A status-line message from outside the app (a running playbook).
    Notice {
        level: Level,
        text: String,
    },
    /// A live playbook's progress (not a message: it must not cover one).
    Playing(Option<String>),
    /// SIGHUP / SIGTERM: leave.
    Quit,
    /// Read-only on or off from outside (a playbook without `Set Mode write`).
    SetReadonly(bool),
}

/// What to reload (or wait for, or offer) once an operation is done.
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
    /// A zone was created: say how to delegate it once the list has it.
    ZoneCreated(String),
    Envs(String),
    /// The application's scheduled tasks changed.
    Tasks(String),
    /// A preview of the application was deleted.
    Previews(String),
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

/// What the server choices are loaded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoicesFor {
    NewServer,
    ChangeType(i64),
    Rebuild(i64),
}

/// A site the fleet checks look at.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetTarget {
    /// The application's uuid.
    pub app: String,
    pub domain: String,
    pub url: String,
}

/// Work for the runtime: each is spawned as a background job (busy counter +1)
/// whose final action is applied before the counter goes back down.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadServers {
        generation: u64,
    },
    LoadPricing,
    LoadPrimaryIps,
    LoadNetworks,
    LoadCoolifyVersion,
    /// The Coolify inventory; `known` is reused where it cannot have changed unseen.
    LoadCoolify {
        known: Option<Box<crate::coolify::Inventory>>,
    },
    LoadZones,
    LoadBackups,
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
    LoadMetrics {
        id: i64,
    },
    LoadFirewalls,
    LoadRrsets {
        zone: String,
    },
    /// Runs API calls in order, following each one's actions to the end.
    Hz {
        to: PaneId,
        label: String,
        ops: Vec<HzOp>,
        after: After,
    },
    ExportZone {
        zone: String,
        path: String,
    },
    /// Reads a zone file to import into `zone`.
    ReadZoneFile {
        path: String,
        zone: String,
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
    LoadTasks {
        app: String,
    },
    /// Coolify calls in order; stops at the first failure and says what was done.
    Cf {
        to: PaneId,
        label: String,
        ops: Vec<CfOp>,
        after: After,
    },
    /// Runs a scheduled backup now and follows its execution.
    TriggerBackup {
        db: String,
        backup: String,
    },
    /// Reads versions: build settings over the API, the running container over SSH.
    Probe {
        targets: Vec<ProbeTarget>,
    },
    /// What a server can be: types with prices, images, locations, keys, firewalls.
    LoadServerChoices {
        purpose: ChoicesFor,
    },
    LoadSshKeys,
    /// Adds a public key to the project: `key` is the key, or a local `.pub`
    /// file (a path), read here, bounded.
    AddSshKey {
        name: String,
        key: String,
    },
    /// Overwrites a server's disk with an image, followed until it runs again;
    /// a root password (no keys) goes to the Servers pane once.
    RebuildServer {
        id: i64,
        name: String,
        image: String,
    },
    /// Creates a server, follows it until it runs; the cloud-init file (if
    /// any) is read here, bounded. The root password goes to the Servers pane once.
    CreateServer {
        req: Box<crate::hetzner::model::NewServer>,
        user_data_file: Option<String>,
    },
    /// The last lines of an application's log, through the API.
    LoadAppLogs {
        app: String,
    },
    /// The last lines of a database's log, through the API.
    LoadDbLogs {
        db: String,
    },
    /// An application's volumes.
    LoadStorages {
        app: String,
    },
    /// An application's preview deployments.
    LoadPreviews {
        app: String,
    },
    /// Coolify's services with their parts.
    LoadServices,
    /// The last lines of a service part's log, through the API.
    ServiceLogs {
        service: String,
        part: String,
    },
    /// A service's variables.
    ServiceEnvs {
        service: String,
    },
    /// Coolify's S3 destinations, for a backup schedule of `db`.
    LoadS3 {
        db: String,
    },
    /// Checks every site: HTTP, TLS, DNS and where DATABASE_URL points.
    CheckFleet {
        sites: Vec<FleetTarget>,
    },
    LoadChecklist,
    /// Writes a new campaign file (checked first; never over another), then
    /// reloads runbooks, campaigns and runs.
    SaveCampaign {
        name: String,
        text: String,
    },
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
    /// A job that panics: `:debug-job-panic` in debug builds, so the tests can
    /// show that a job's panic is its own failure and the console goes on.
    Panic,
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
    /// Lines of a PGPASSFILE this step's remote commands read from stdin
    /// (passwords taken out of URLs, never on a command line).
    pub pgpass: Vec<String>,
    /// Earlier steps of the run by id: when they finished and their notes
    /// (a recorded old TTL, when an application was stopped).
    pub steps: BTreeMap<String, (Option<chrono::DateTime<chrono::Utc>>, Vec<String>)>,
}

impl Effect {
    /// What the status line says while this job runs.
    pub fn label(&self) -> &'static str {
        match self {
            Effect::LoadServers { .. } => "loading servers",
            Effect::LoadPricing => "loading prices",
            Effect::LoadPrimaryIps => "loading primary IPs",
            Effect::LoadNetworks => "loading networks",
            Effect::LoadCoolifyVersion => "checking Coolify",
            Effect::LoadCoolify { .. } => "loading Coolify resources",
            Effect::LoadZones => "loading DNS zones",
            Effect::LoadBackups => "loading backups",
            Effect::StartTail { .. } => "tailing",
            Effect::StopTail { .. } => "stopping a tail",
            Effect::Run { .. } => "running a command",
            Effect::CancelRun { .. } => "cancelling",
            Effect::Answer { .. } => "answering",
            Effect::WriteFile { .. } => "saving",
            Effect::SaveCampaign { .. } => "saving the campaign",
            Effect::LoadMetrics { .. } => "loading metrics",
            Effect::LoadFirewalls => "loading firewalls",
            Effect::LoadRrsets { .. } => "loading records",
            Effect::Hz { .. } => "waiting for Hetzner",
            Effect::ExportZone { .. } => "exporting the zone",
            Effect::ReadZoneFile { .. } => "reading",
            Effect::SwitchContext { .. } => "switching context",
            Effect::Deploy { .. } | Effect::FollowDeployment { .. } => "following a deployment",
            Effect::CancelDeployment { .. } => "cancelling the deployment",
            Effect::LoadEnvs { .. } => "loading variables",
            Effect::LoadHistory { .. } => "loading deployments",
            Effect::LoadTasks { .. } => "loading scheduled tasks",
            Effect::Cf { .. } => "waiting for Coolify",
            Effect::TriggerBackup { .. } => "backing up",
            Effect::Probe { .. } => "probing versions",
            Effect::CheckFleet { .. } => "checking sites",
            Effect::LoadS3 { .. } => "loading S3 destinations",
            Effect::LoadServices => "loading services",
            Effect::LoadStorages { .. } => "loading volumes",
            Effect::LoadPreviews { .. } => "loading previews",
            Effect::LoadAppLogs { .. } | Effect::LoadDbLogs { .. } => "reading the log",
            Effect::ServiceLogs { .. } => "reading a service's log",
            Effect::ServiceEnvs { .. } => "loading a service's variables",
            Effect::LoadServerChoices { .. } => "loading server types",
            Effect::RebuildServer { .. } => "rebuilding the server",
            Effect::LoadSshKeys => "loading SSH keys",
            Effect::AddSshKey { .. } => "adding the SSH key",
            Effect::CreateServer { .. } => "creating the server",
            Effect::LoadChecklist => "loading runbooks",
            Effect::StartRun { .. } => "starting the run",
            Effect::Journal { .. } => "writing the journal",
            Effect::ExecStep { .. } => "running the step",
            Effect::CancelStep { .. } => "cancelling the step",
            Effect::Suspend => "suspending",
            Effect::Panic => "panicking on purpose",
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

    /// Whether it changes something outside the console (refused read-only).
    /// Writing local files (exports, reports, saved logs) is not such a change.
    pub fn writes(&self) -> bool {
        match self {
            Effect::Hz { .. }
            | Effect::Cf { .. }
            | Effect::Deploy { .. }
            | Effect::CancelDeployment { .. }
            | Effect::TriggerBackup { .. }
            | Effect::Run { .. }
            | Effect::StartRun { .. }
            | Effect::CreateServer { .. }
            | Effect::RebuildServer { .. }
            | Effect::AddSshKey { .. }
            | Effect::Journal { .. } => true,
            Effect::ExecStep { settle, .. } => !settle,
            _ => false,
        }
    }
}

/// Jobs spawned and not yet finished: the playbooks' `WaitIdle` and the
/// status line's spinner.
#[derive(Clone, Debug, Default)]
pub struct Jobs {
    pub busy: usize,
    /// Labels of the pending jobs, oldest first.
    pub pending: Vec<&'static str>,
    pub spinner: usize,
    /// A running operation's progress.
    pub progress: Option<(String, i64)>,
}

impl Jobs {
    /// Counts the jobs among `effects` (the runtime spawns them next).
    pub fn started(&mut self, effects: &[Effect]) {
        for e in effects.iter().filter(|e| e.is_job()) {
            self.busy += 1;
            self.pending.push(e.label());
        }
    }

    pub fn finished(&mut self, label: &'static str) {
        self.busy = self.busy.saturating_sub(1);
        if let Some(i) = self.pending.iter().position(|l| *l == label) {
            self.pending.remove(i);
        }
    }
}
