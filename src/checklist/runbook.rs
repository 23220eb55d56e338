//! A runbook: a TOML file of typed parameters and ordered steps. Step fields may
//! hold `{param}` placeholders, filled in when a step runs (so the journal keeps
//! the templates, never a password that a parameter carried).

use crate::config::source::{SourceError, parse_toml};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub params: Vec<Param>,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub kind: ParamKind,
    #[serde(default)]
    pub default: String,
    #[serde(default)]
    pub help: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// The run does not start when this equals that parameter (a source and
    /// its copy, an old and a new server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differs_from: Option<String>,
    /// A value without this ending must be typed twice (a preview database
    /// not named `*_pr` might be a real one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_unless_suffix: Option<String>,
}

fn yes() -> bool {
    true
}

/// What a parameter holds, checked when a run starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    #[default]
    Text,
    /// A Hetzner server of the active context.
    Server,
    /// A Coolify application (name or uuid).
    App,
    /// A Coolify database (name or uuid).
    Database,
    /// A DNS zone of the active context.
    Zone,
    /// A host name like `new.example.com`.
    Domain,
    /// A URL; a password in it is kept out of the journal.
    Url,
    /// Where to run commands: a server name, a Coolify server or an ssh_config alias.
    Host,
    /// An IP address.
    Ip,
    Number,
    /// Never written to disk; asked again when a run resumes.
    Secret,
}

/// One step. Which kind it is follows from the table present (`ssh`, `api`,
/// `verify`, `wait`, `gate`, `django`); with none it is a manual step whose
/// `text` the operator follows and confirms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Deletes or overwrites something: gated, never re-run blindly.
    #[serde(default)]
    pub destructive: bool,
    /// May run again after a failure (default: unless destructive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<bool>,
    /// Skipped when this renders empty (an optional parameter left blank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Steps whose result this one builds on (a copy it switches to, a check
    /// it trusts): if one of them was skipped or failed, this step is blocked
    /// unless the operator overrides it with a typed reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// What tells whether the step took effect, when that is unknown (cutover
    /// stopped while it ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<Check>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<Wait>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub django: Option<Django>,
}

/// The kinds, for display and dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Manual,
    Ssh,
    Api,
    Verify,
    Wait,
    Gate,
    Django,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Manual => "manual",
            Kind::Ssh => "ssh",
            Kind::Api => "api",
            Kind::Verify => "verify",
            Kind::Wait => "wait",
            Kind::Gate => "gate",
            Kind::Django => "django",
        }
    }
}

impl Step {
    pub fn kind(&self) -> Kind {
        if self.ssh.is_some() {
            Kind::Ssh
        } else if self.api.is_some() {
            Kind::Api
        } else if self.verify.is_some() {
            Kind::Verify
        } else if self.wait.is_some() {
            Kind::Wait
        } else if self.gate.is_some() {
            Kind::Gate
        } else if self.django.is_some() {
            Kind::Django
        } else {
            Kind::Manual
        }
    }

    /// What tells whether a step took effect.
    /// Whether `<C-c>` can stop it while it runs: a remote command is killed,
    /// a wait stops, a deployment is cancelled in Coolify. Other steps are
    /// single API calls or checks that end by themselves.
    pub fn cancellable(&self) -> bool {
        match self.kind() {
            Kind::Ssh | Kind::Wait | Kind::Django => true,
            Kind::Api => matches!(self.api, Some(ApiAction::Deploy { .. })),
            _ => false,
        }
    }

    pub fn settling_check(&self) -> Option<Check> {
        if let Some(c) = &self.check {
            return Some(c.clone());
        }
        match self.kind() {
            Kind::Verify => self.verify.clone(),
            Kind::Wait => self.wait.as_ref().map(|w| w.check.clone()),
            Kind::Django => {
                let d = self.django.as_ref()?;
                match (d.action(), &d.migration) {
                    // Applied or not: `showmigrations` says.
                    (DjangoAction::Migrate, Some(m)) => Some(Check::Applied { at: d.at(), migration: m.clone() }),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub fn retryable(&self) -> bool {
        self.retry.unwrap_or(!self.destructive)
    }

    fn kinds_present(&self) -> usize {
        [self.ssh.is_some(), self.api.is_some(), self.verify.is_some(), self.wait.is_some(), self.gate.is_some(), self.django.is_some()]
            .iter()
            .filter(|x| **x)
            .count()
    }

    /// One line saying what the step does.
    pub fn summary(&self) -> String {
        match self.kind() {
            Kind::Manual => "confirm when done".into(),
            Kind::Ssh => self.ssh.as_ref().map(|s| format!("on {}: {}", s.host, s.command)).unwrap_or_default(),
            Kind::Api => self.api.as_ref().map(ApiAction::summary).unwrap_or_default(),
            Kind::Verify => self.verify.as_ref().map(Check::summary).unwrap_or_default(),
            Kind::Wait => self.wait.as_ref().map(|w| format!("wait up to {} until {}", w.timeout, w.check.summary())).unwrap_or_default(),
            Kind::Gate => self.gate.as_ref().map(|g| format!("type `{}` to go on", g.confirm)).unwrap_or_default(),
            Kind::Django => self.django.as_ref().map(Django::summary).unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssh {
    pub host: String,
    pub command: String,
    /// The exit status that means success.
    #[serde(default)]
    pub exit: u32,
    /// How long the command may run (`30m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Reads progress from the output of `pg_dump -v` or `pg_restore -v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
    /// Run inside this Coolify database's (or application's) container
    /// (`docker exec`, found by its uuid). Empty: on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Run in a throwaway container of this image (`docker run --rm`, host
    /// network): a pg_dump as new as the server when the host's is older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// With `image`: a host directory mounted at the same path (where dumps go).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
    /// A file on the host fed to the command's standard input (a dump to
    /// restore into a container that cannot see the host's files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    /// Output lines matching this regex are kept as the step's notes (a
    /// dump's size and checksum in the journal and the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    PgDump,
    PgRestore,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// What the operator must type (the target's name).
    pub confirm: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    pub check: Check,
    /// `30m`, `2h`.
    pub timeout: String,
    #[serde(default = "default_interval")]
    pub interval: String,
}

fn default_interval() -> String {
    "10s".into()
}

/// Calls of the Hetzner and Coolify APIs a runbook can make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ApiAction {
    /// Sets an RRSet's records (created if missing): `values`, or the addresses of `server`.
    DnsSet {
        zone: String,
        name: String,
        #[serde(rename = "type")]
        rtype: String,
        #[serde(default)]
        values: Vec<String>,
        #[serde(default)]
        server: Option<String>,
        #[serde(default)]
        ttl: Option<u32>,
    },
    /// Points a name at a server: A to its IPv4, AAAA to its IPv6 (or the
    /// AAAA removed when it has none, so no visitor stays on the old host).
    /// Refuses a name that is a CNAME.
    DnsPoint {
        zone: String,
        name: String,
        server: String,
        #[serde(default)]
        ttl: Option<u32>,
    },
    /// Sets the TTL of the name's A and AAAA (`type` = `A+AAAA`) or of one type;
    /// the old TTL goes to the notes. `restore` names an earlier `dns_ttl`
    /// step whose old TTL to put back instead of `ttl`.
    DnsTtl {
        zone: String,
        name: String,
        #[serde(rename = "type")]
        rtype: String,
        #[serde(default)]
        ttl: Option<u32>,
        #[serde(default)]
        restore: Option<String>,
    },
    DnsDelete {
        zone: String,
        name: String,
        #[serde(rename = "type")]
        rtype: String,
    },
    DomainAdd {
        app: String,
        domain: String,
    },
    DomainRemove {
        app: String,
        domain: String,
    },
    /// Sets a variable; its old value goes to the journal (passwords masked).
    EnvSet {
        app: String,
        key: String,
        value: String,
    },
    /// Adds an item to a list variable (`ALLOWED_HOSTS`) unless it is there.
    EnvAppend {
        app: String,
        key: String,
        value: String,
        #[serde(default = "comma")]
        separator: String,
    },
    /// Removes an item from a list variable (the temporary name from `ALLOWED_HOSTS`).
    EnvRemove {
        app: String,
        key: String,
        value: String,
        #[serde(default = "comma")]
        separator: String,
    },
    Deploy {
        app: String,
        /// The step that stopped it: the notes say how long it was down.
        #[serde(default)]
        since: Option<String>,
    },
    /// A command Coolify runs in the application's container on a schedule
    /// (`frequency`: cron, or daily/hourly...); created, or updated by name.
    ScheduledTask {
        app: String,
        name: String,
        command: String,
        frequency: String,
    },
    /// Sets the command Coolify runs in the new release's container before it
    /// takes traffic (migrations belong there, not in the running old release).
    PreDeploy {
        app: String,
        command: String,
    },
    /// Stops an application (a write freeze) and follows it until it is exited.
    Stop {
        app: String,
    },
    /// Starts an application and follows it; `since` names the step that
    /// stopped it, so the notes say how long it was down.
    Start {
        app: String,
        #[serde(default)]
        since: Option<String>,
    },
    Backup {
        database: String,
    },
    /// Finds the newest successful backup of a Coolify database: its file
    /// becomes `{backup_file}` for the steps after it, its time `{backup_taken}`.
    LatestBackup {
        database: String,
    },
    /// Makes sure a backup file is on `host`: when it is not (Coolify kept it
    /// only on S3), it is downloaded there from the database's S3 destination
    /// through a short-lived presigned URL handed to `curl` on stdin; the
    /// secret never leaves cutover. `{fetched}` is the file it wrote, or empty.
    FetchBackup {
        host: String,
        database: String,
        file: String,
        #[serde(default)]
        access_key: Option<String>,
        #[serde(default)]
        secret_key: Option<String>,
        /// The S3 destination's name, when Coolify has several.
        #[serde(default)]
        storage: Option<String>,
    },
    /// A snapshot of a Hetzner server's disk, followed until it is taken (the
    /// image id goes to the notes): a way back before a destructive step.
    Snapshot {
        server: String,
        #[serde(default)]
        description: Option<String>,
    },
    /// Adds a rule: `port`/tcp from the addresses of `server`.
    FirewallAllow {
        firewall: String,
        port: String,
        server: String,
    },
    /// Removes the rule `FirewallAllow` adds (`port`/tcp from the addresses of
    /// `server`), keeping every other rule.
    FirewallRemove {
        firewall: String,
        port: String,
        server: String,
    },
}

fn comma() -> String {
    ",".into()
}

impl ApiAction {
    pub fn summary(&self) -> String {
        match self {
            ApiAction::DnsSet { zone, name, rtype, values, server, ttl } => format!(
                "DNS {name}.{zone} {rtype} -> {}{}",
                server.as_ref().map(|s| format!("the addresses of {s}")).unwrap_or_else(|| values.join(" ")),
                ttl.map(|t| format!(" (TTL {t})")).unwrap_or_default()
            ),
            ApiAction::DnsPoint { zone, name, server, ttl } => {
                format!(
                    "DNS {name}.{zone} A and AAAA -> the addresses of {server}{}",
                    ttl.map(|t| format!(" (TTL {t})")).unwrap_or_default()
                )
            }
            ApiAction::DnsTtl { zone, name, rtype, ttl, restore } => match (ttl, restore) {
                (_, Some(step)) => format!("DNS {name}.{zone} {rtype}: TTL back to what it was before step `{step}`"),
                (Some(t), None) => format!("DNS {name}.{zone} {rtype}: TTL {t}"),
                (None, None) => format!("DNS {name}.{zone} {rtype}: TTL unchanged"),
            },
            ApiAction::DnsDelete { zone, name, rtype } => format!("DNS {name}.{zone} {rtype}: delete"),
            ApiAction::DomainAdd { app, domain } => format!("Coolify {app}: add domain {domain}"),
            ApiAction::DomainRemove { app, domain } => format!("Coolify {app}: remove domain {domain}"),
            ApiAction::EnvSet { app, key, .. } => format!("Coolify {app}: set {key}"),
            ApiAction::EnvAppend { app, key, value, .. } => format!("Coolify {app}: add {value} to {key}"),
            ApiAction::EnvRemove { app, key, value, .. } => format!("Coolify {app}: remove {value} from {key}"),
            ApiAction::Deploy { app, .. } => format!("Coolify {app}: deploy and follow"),
            ApiAction::ScheduledTask { app, name, frequency, .. } => format!("Coolify {app}: scheduled task `{name}` ({frequency})"),
            ApiAction::PreDeploy { app, command } => format!("Coolify {app}: pre-deployment command `{command}`"),
            ApiAction::Stop { app } => format!("Coolify {app}: stop (writes stop here)"),
            ApiAction::Start { app, .. } => format!("Coolify {app}: start and follow"),
            ApiAction::Backup { database } => format!("Coolify {database}: back up now"),
            ApiAction::LatestBackup { database } => format!("Coolify {database}: find the newest successful backup"),
            ApiAction::FetchBackup { host, file, .. } => format!("on {host}: {file}, fetched from S3 when not there"),
            ApiAction::Snapshot { server, description } => {
                format!("Hetzner {server}: snapshot{}", description.as_ref().map(|d| format!(" \"{d}\"")).unwrap_or_default())
            }
            ApiAction::FirewallAllow { firewall, port, server } => format!("firewall {firewall}: allow tcp/{port} from {server}"),
            ApiAction::FirewallRemove { firewall, port, server } => format!("firewall {firewall}: remove tcp/{port} from {server}"),
        }
    }
}

/// Something that can be checked (a `verify` step, a `wait` step's condition,
/// or how to settle a step whose outcome is unknown).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    Http {
        url: String,
        #[serde(default = "ok_status")]
        status: u16,
        #[serde(default)]
        contains: Option<String>,
        /// Connect to this Hetzner server instead of what DNS says (like curl --resolve).
        #[serde(default)]
        server: Option<String>,
        #[serde(default)]
        connect_to: Option<String>,
        /// Accept any certificate (the proxy's default one, before DNS lets it
        /// get a real one); the result says which certificate it was.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        insecure: bool,
    },
    /// The old TTL recorded by the `dns_ttl` step `after` has passed since it
    /// finished: resolvers no longer hold the old answer.
    TtlPassed { after: String },
    Tls {
        host: String,
        #[serde(default = "https_port")]
        port: u16,
        #[serde(default = "min_days")]
        min_days: i64,
        #[serde(default)]
        server: Option<String>,
        #[serde(default)]
        connect_to: Option<String>,
    },
    /// The authoritative name servers all answer `values` (or the addresses of `server`).
    Dns {
        name: String,
        #[serde(rename = "type")]
        rtype: String,
        #[serde(default)]
        values: Vec<String>,
        #[serde(default)]
        server: Option<String>,
    },
    /// Exact row counts per table equal on both sides, and checksums of `checksum` tables.
    RowCounts {
        source_host: String,
        source_url: String,
        target_host: String,
        target_url: String,
        /// Comma-separated tables to compare row by row (md5 of the ordered rows).
        #[serde(default)]
        checksum: String,
        /// Comma-separated tables whose counts are compared; empty: every
        /// table (a source still written to differs in the tables it writes).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        only: String,
        /// How far (percent of the source's rows) a table's count may be from
        /// the source's: a backup of a live database is behind by the rows
        /// written since. Empty: exactly equal.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        tolerance: String,
    },
    Command {
        host: String,
        command: String,
        /// A regex its standard output must match (stderr is shown, not matched:
        /// a login script's warnings must not decide a check).
        #[serde(default)]
        matches: Option<String>,
        #[serde(default)]
        exit: u32,
    },
    /// `migrate --check`: nothing left to apply.
    Migrated(DjangoAt),
    /// One migration (`app.name`) is recorded as applied.
    Applied { at: DjangoAt, migration: String },
}

fn ok_status() -> u16 {
    200
}
fn https_port() -> u16 {
    443
}
fn min_days() -> i64 {
    14
}

impl Check {
    pub fn summary(&self) -> String {
        match self {
            Check::Http { url, status, server, connect_to, insecure, .. } => format!(
                "GET {url} answers {status}{}{}",
                server.as_ref().or(connect_to.as_ref()).map(|s| format!(" (connecting to {s})")).unwrap_or_default(),
                if *insecure { ", accepting the proxy's default certificate" } else { "" }
            ),
            Check::TtlPassed { after } => format!("the old TTL recorded by step `{after}` has passed"),
            Check::Tls { host, port, min_days, .. } => format!("TLS certificate of {host}:{port} valid for {min_days}+ days"),
            Check::Dns { name, rtype, values, server } => format!(
                "DNS {name} {rtype} = {} on every authoritative server",
                server.as_ref().map(|s| format!("the addresses of {s}")).unwrap_or_else(|| values.join(" "))
            ),
            Check::RowCounts { source_host, target_host, tolerance, .. } if !tolerance.trim().is_empty() => {
                format!("row counts within {} % on {source_host} and {target_host}", tolerance.trim().trim_end_matches('%').trim())
            }
            Check::RowCounts { source_host, target_host, .. } => format!("row counts equal on {source_host} and {target_host}"),
            Check::Command { host, command, .. } => format!("on {host}: {command}"),
            Check::Migrated(at) => format!("on {}: manage.py migrate --check", at.host),
            Check::Applied { at, migration } => format!("on {}: {migration} is applied (showmigrations)", at.host),
        }
    }
}

/// Where a Django project runs: a directory on a host, or an application's container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DjangoAt {
    pub host: String,
    /// The project directory (where manage.py is), on the host or in the container.
    #[serde(default = "dot")]
    pub dir: String,
    #[serde(default = "python")]
    pub python: String,
    /// `KEY=value` pairs set for manage.py (`DATABASE_URL=...`).
    #[serde(default)]
    pub env: Vec<String>,
    /// Run inside this Coolify application's container (docker exec).
    #[serde(default)]
    pub container: Option<String>,
}

fn dot() -> String {
    ".".into()
}
fn python() -> String {
    "python3".into()
}

/// Apply pending migrations one at a time: the plan is read when the step runs,
/// and each migration gets a lint step, a gate when the lint finds something,
/// and its own migrate step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Django {
    pub host: String,
    #[serde(default = "dot")]
    pub dir: String,
    #[serde(default = "python")]
    pub python: String,
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub container: Option<String>,
    /// Only this app's migrations (default: all).
    #[serde(default)]
    pub app: Option<String>,
    #[serde(default = "lock_timeout")]
    pub lock_timeout: String,
    #[serde(default = "statement_timeout")]
    pub statement_timeout: String,
    #[serde(default = "pg_version")]
    pub pg_version: String,
    /// Set by cutover on the steps it inserts: which migration and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<DjangoAction>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DjangoAction {
    Plan,
    Lint,
    Migrate,
}

fn lock_timeout() -> String {
    "5s".into()
}
fn statement_timeout() -> String {
    "15min".into()
}
fn pg_version() -> String {
    "15".into()
}

impl Django {
    pub fn at(&self) -> DjangoAt {
        DjangoAt {
            host: self.host.clone(),
            dir: self.dir.clone(),
            python: self.python.clone(),
            env: self.env.clone(),
            container: self.container.clone(),
        }
    }

    pub fn action(&self) -> DjangoAction {
        self.action.unwrap_or(DjangoAction::Plan)
    }

    pub fn summary(&self) -> String {
        match (self.action(), &self.migration) {
            (DjangoAction::Lint, Some(m)) => format!("sqlmigrate {m}, lint the SQL"),
            (DjangoAction::Migrate, Some(m)) => {
                format!("migrate {m} (lock_timeout {}, statement_timeout {})", self.lock_timeout, self.statement_timeout)
            }
            _ => format!("on {}: list pending migrations{}", self.host, self.app.as_ref().map(|a| format!(" of {a}")).unwrap_or_default()),
        }
    }
}

/// Parameters every runbook has without declaring them.
pub const BUILTIN_PARAMS: &[&str] = &["run"];

impl ApiAction {
    /// The placeholders this action fills for the steps after it.
    pub fn outputs(&self) -> &'static [&'static str] {
        match self {
            ApiAction::LatestBackup { .. } => &["backup_file", "backup_taken"],
            ApiAction::FetchBackup { .. } => &["fetched"],
            _ => &[],
        }
    }
}

impl Runbook {
    /// Parses and checks a runbook file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Runbook, SourceError> {
        let rb: Runbook = parse_toml(path, text)?;
        let at = |needle: &str| text.find(needle).unwrap_or(0);
        let err = |needle: &str, msg: String| SourceError::at_offset(path, text, at(needle), msg);
        if rb.steps.is_empty() {
            return Err(err("name", "a runbook needs at least one [[steps]]".into()));
        }
        let mut ids: Vec<&str> = Vec::new();
        for s in &rb.steps {
            if ids.contains(&s.id.as_str()) {
                return Err(err(&format!("\"{}\"", s.id), format!("step id `{}` is used twice", s.id)));
            }
            ids.push(&s.id);
            if s.kinds_present() > 1 {
                return Err(err(
                    &format!("\"{}\"", s.id),
                    format!("step `{}` has more than one of ssh, api, verify, wait, gate, django", s.id),
                ));
            }
            use crate::config::duration::{MAX_STEP, parse};
            let second = std::time::Duration::from_secs(1);
            let mut durations: Vec<(&String, std::time::Duration)> = Vec::new();
            if let Some(w) = &s.wait {
                durations.push((&w.timeout, second));
                durations.push((&w.interval, second));
            }
            if let Some(t) = s.ssh.as_ref().and_then(|x| x.timeout.as_ref()) {
                durations.push((t, second));
            }
            for (d, min) in durations {
                if let Err(m) = parse(d, min, MAX_STEP) {
                    return Err(err(d, format!("step `{}`: {m}", s.id)));
                }
            }
        }
        // Placeholders in commands are quoted when they are filled in; quotes
        // around one in the file would break that quoting.
        for s in &rb.steps {
            let Ok(v) = serde_json::to_value(s) else { continue };
            let mut commands = Vec::new();
            collect_commands(&v, &mut commands);
            for c in commands {
                for (at, name) in placeholders(&c) {
                    let before = c[..at].chars().next_back();
                    let after = c[at + name.len() + 2..].chars().next();
                    if matches!(before, Some('\'' | '"')) || matches!(after, Some('\'' | '"')) {
                        return Err(err(
                            &format!("{{{name}}}"),
                            format!(
                                "step `{}`: `{{{name}}}` is in quotes; cutover quotes every placeholder in a command for the shell: remove the quotes (in SQL, pass it as a psql variable: -v {name}={{{name}}} and :'{name}')",
                                s.id
                            ),
                        ));
                    }
                }
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for p in &rb.params {
            if names.contains(&p.name.as_str()) {
                return Err(err(&format!("\"{}\"", p.name), format!("parameter `{}` is declared twice", p.name)));
            }
            names.push(&p.name);
        }
        for p in &rb.params {
            if let Some(o) = &p.differs_from
                && !names.contains(&o.as_str())
            {
                return Err(err(
                    &format!("differs_from = \"{o}\""),
                    format!("parameter `{}`: differs_from names no parameter `{o}`", p.name),
                ));
            }
        }
        for (i, s) in rb.steps.iter().enumerate() {
            for r in &s.requires {
                for alt in r.split('|') {
                    if !rb.steps[..i].iter().any(|e| e.id == alt) {
                        return Err(err(&format!("\"{r}\""), format!("step `{}` requires `{alt}`, which is not a step before it", s.id)));
                    }
                }
            }
            if let Some(ApiAction::DnsTtl { ttl: None, restore: None, .. }) = &s.api {
                return Err(err(&format!("\"{}\"", s.id), format!("step `{}`: dns_ttl needs `ttl` or `restore`", s.id)));
            }
            if let Some(ApiAction::DnsTtl { restore: Some(r), .. }) = &s.api
                && !rb.steps[..i].iter().any(|e| &e.id == r)
            {
                return Err(err(&format!("\"{r}\""), format!("step `{}` restores the TTL of `{r}`, which is not a step before it", s.id)));
            }
            if let Some(k) = s.ssh.as_ref().and_then(|x| x.keep.as_ref())
                && let Err(e) = regex::Regex::new(k)
            {
                return Err(err(k, format!("step `{}`: keep is not a regex: {e}", s.id)));
            }
        }
        // Every placeholder names a parameter (comments aside; offsets kept).
        let code: String = text
            .split_inclusive('\n')
            .map(|l| {
                if l.trim_start().starts_with('#') {
                    l.chars().map(|c| if c == '\n' { "\n".to_string() } else { " ".repeat(c.len_utf8()) }).collect()
                } else {
                    l.to_string()
                }
            })
            .collect();
        let found: Vec<&str> = rb.steps.iter().filter_map(|s| s.api.as_ref()).flat_map(ApiAction::outputs).copied().collect();
        for (start, name) in placeholders(&code) {
            if !names.contains(&name.as_str()) && !BUILTIN_PARAMS.contains(&name.as_str()) && !found.contains(&name.as_str()) {
                return Err(SourceError::at_offset(path, text, start, format!("`{{{name}}}` is not a parameter of this runbook")));
            }
        }
        Ok(rb)
    }

    /// The title before a run fills it in: `Restore drill of {database}`
    /// reads `Restore drill of <database>`.
    pub fn plain_title(&self) -> String {
        let names: BTreeMap<String, String> = placeholders(&self.title).into_iter().map(|(_, n)| (n.clone(), format!("<{n}>"))).collect();
        render(&self.title, &names)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

fn collect_commands(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            let has_host = m.contains_key("host");
            for (k, x) in m {
                match x {
                    serde_json::Value::String(s) if k == "command" && has_host => out.push(s.clone()),
                    _ => collect_commands(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_commands(x, out)),
        _ => {}
    }
}

/// `{name}` placeholders in a text, with their byte offsets.
pub fn placeholders(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            let rest = &text[i + 1..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            if let Some(e) = end
                && e > 0
                && rest.as_bytes()[e] == b'}'
                && rest.as_bytes()[0].is_ascii_alphabetic()
            {
                out.push((i, rest[..e].to_string()));
                i += e + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Fills `{name}` placeholders.
pub fn render(s: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (at, name) in placeholders(s) {
        if let Some(v) = params.get(&name) {
            out.push_str(&s[last..at]);
            out.push_str(v);
            last = at + name.len() + 2;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// A step with every string field rendered.
pub fn render_step(step: &Step, params: &BTreeMap<String, String>) -> Step {
    fn walk(v: &mut serde_json::Value, params: &BTreeMap<String, String>) {
        match v {
            serde_json::Value::String(s) => *s = render(s, params),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, params)),
            serde_json::Value::Object(m) => m.values_mut().for_each(|x| walk(x, params)),
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::to_value(step) else { return step.clone() };
    walk(&mut v, params);
    serde_json::from_value(v).unwrap_or_else(|_| step.clone())
}

/// A step ready to run: in remote commands every placeholder is quoted for the
/// shell (a value cannot become shell syntax), and a URL's password is taken
/// out of commands, database URLs and Django's environment; the returned
/// pgpass lines carry those passwords to libpq instead (see `libpq`).
pub fn render_exec(step: &Step, params: &BTreeMap<String, String>) -> (Step, Vec<String>) {
    let mut pgpass: Vec<String> = Vec::new();
    let mut strip = |v: &str| -> String {
        let (url, line) = super::libpq::split_password(v);
        if let Some(l) = line
            && !pgpass.contains(&l)
        {
            pgpass.push(l);
        }
        url
    };
    let mut quoted: BTreeMap<String, String> = BTreeMap::new();
    let mut plain_stripped: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in params {
        let bare = strip(v);
        quoted.insert(k.clone(), crate::ssh::quote::sh(&bare));
        plain_stripped.insert(k.clone(), bare);
    }
    fn walk(
        v: &mut serde_json::Value,
        key: &str,
        parent_has_host: bool,
        params: &BTreeMap<String, String>,
        quoted: &BTreeMap<String, String>,
        stripped: &BTreeMap<String, String>,
    ) {
        match v {
            serde_json::Value::String(s) => {
                *s = match key {
                    // A remote command (an ssh step, a command check).
                    "command" if parent_has_host => render(s, quoted),
                    // Database URLs read by psql, and Django's environment.
                    "source_url" | "target_url" | "env" => render(s, stripped),
                    _ => render(s, params),
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key, parent_has_host, params, quoted, stripped)),
            serde_json::Value::Object(m) => {
                let has_host = m.contains_key("host");
                for (k, x) in m.iter_mut() {
                    walk(x, k, has_host, params, quoted, stripped);
                }
            }
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::to_value(step) else { return (step.clone(), pgpass) };
    walk(&mut v, "", false, params, &quoted, &plain_stripped);
    (serde_json::from_value(v).unwrap_or_else(|_| step.clone()), pgpass)
}

/// The runbooks that ship with cutover (as data, like user runbooks).
pub const BUILTIN: &[(&str, &str)] = &[
    ("move-site.toml", include_str!("runbooks/move-site.toml")),
    ("move-database.toml", include_str!("runbooks/move-database.toml")),
    ("django-migrate.toml", include_str!("runbooks/django-migrate.toml")),
    ("refresh-preview-db.toml", include_str!("runbooks/refresh-preview-db.toml")),
    ("restore-drill.toml", include_str!("runbooks/restore-drill.toml")),
];

/// Built-in runbooks, then the user's (`dir/*.toml`); a user runbook with a
/// built-in's name replaces it. Malformed files are reported, not fatal.
pub fn load_all(dir: Option<&Path>) -> (Vec<(Runbook, String)>, Vec<SourceError>) {
    let mut out: Vec<(Runbook, String)> = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in BUILTIN {
        match Runbook::parse(Path::new(&format!("(built-in)/{file}")), text) {
            Ok(rb) => out.push((rb, "built-in".into())),
            Err(e) => errors.push(e),
        }
    }
    let Some(dir) = dir else { return (out, errors) };
    for (path, text) in crate::config::source::toml_files(dir) {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match Runbook::parse(&path, &text) {
            Ok(rb) => {
                out.retain(|(x, _)| x.name != rb.name);
                out.push((rb, path.display().to_string()));
            }
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_runbooks_parse() {
        let (all, errors) = load_all(None);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<&str> = all.iter().map(|(r, _)| r.name.as_str()).collect();
        assert_eq!(names, ["move-site", "move-database", "django-migrate", "refresh-preview-db", "restore-drill"]);
    }

    #[test]
    fn malformed_runbooks_name_file_line_and_reason() {
        let p = Path::new("rb.toml");
        let e = Runbook::parse(
            p,
            "name = \"x\"\ntitle = \"X\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\n[steps.ssh]\nhost = \"h\"\ncommand = \"{nope}\"\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (8, 12), "{e}");
        assert!(e.message.contains("`{nope}` is not a parameter"), "{e}");
        let e =
            Runbook::parse(p, "name = \"x\"\ntitle = \"X\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\n[steps.api.dns_explode]\nzone = \"z\"\n")
                .unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("dns_explode"), "{e}");
        let e = Runbook::parse(p, "name = \"x\"\ntitle = \"X\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\n[steps.wait]\ntimeout = \"soon\"\n[steps.wait.check.command]\nhost = \"h\"\ncommand = \"true\"\n").unwrap_err();
        assert!(e.message.contains("`soon` is not a duration"), "{e}");
        let e = Runbook::parse(p, "name = \"x\"\ntitle = \"X\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\ncolour = 1\n").unwrap_err();
        assert_eq!(e.line, 6, "{e}");
    }

    #[test]
    fn user_runbooks_replace_built_ins_and_bad_ones_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("move-site.toml"),
            "name = \"move-site\"\ntitle = \"Our own move\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.toml"), "name = \"b\"\ntitle = \"B\"\n[[steps]]\nid = \"a\"\n").unwrap();
        let (all, errors) = load_all(Some(dir.path()));
        assert_eq!(all.iter().filter(|(r, _)| r.name == "move-site").count(), 1);
        assert!(all.iter().any(|(r, src)| r.title == "Our own move" && src.ends_with("move-site.toml")));
        assert_eq!(errors.len(), 1);
        let e = errors[0].to_string();
        assert!(e.contains("broken.toml:3:1") && e.contains("missing field `title`"), "{e}");
    }

    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../README.md");
        let at = readme.find("### Writing runbooks").expect("section");
        let start = readme[at..].find("```toml\n").expect("example") + at + 8;
        let end = readme[start..].find("```").expect("end") + start;
        let rb = Runbook::parse(Path::new("README.md"), &readme[start..end]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rb.steps.len(), 3);
    }

    #[test]
    fn rendering_fills_every_field() {
        let mut params = BTreeMap::new();
        params.insert("db".to_string(), "shop".to_string());
        params.insert("host".to_string(), "db-1".to_string());
        let s = Step {
            id: "x".into(),
            title: "Dump {db}".into(),
            ssh: Some(Ssh { host: "{host}".into(), command: "pg_dump {db} {unknown}".into(), ..Default::default() }),
            ..Default::default()
        };
        let r = render_step(&s, &params);
        assert_eq!(r.title, "Dump shop");
        assert_eq!(r.ssh.unwrap().command, "pg_dump shop {unknown}");
        assert_eq!(render("{a}{b} {", &BTreeMap::new()), "{a}{b} {");
    }
    #[test]
    fn commands_get_quoted_values_and_no_passwords() {
        let mut params = BTreeMap::new();
        params.insert("url".to_string(), "postgres://shop:it's;rm -rf /@db/shop".to_string());
        params.insert("db".to_string(), "x'; touch /tmp/pwned; '".to_string());
        let s = Step {
            id: "x".into(),
            title: "t".into(),
            ssh: Some(Ssh { host: "h".into(), command: "pg_dump -d {url} -v db={db}".into(), ..Default::default() }),
            ..Default::default()
        };
        let (r, pg) = render_exec(&s, &params);
        let cmd = r.ssh.unwrap().command;
        assert_eq!(cmd, r#"pg_dump -d postgres://shop@db/shop -v db='x'\''; touch /tmp/pwned; '\'''"#);
        assert_eq!(pg, ["db:5432:*:shop:it's;rm -rf /"]);
        // Quotes around a placeholder in a command are refused at load.
        let text = "name = \"x\"\ntitle = \"X\"\n[[params]]\nname = \"u\"\nlabel = \"U\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\n[steps.ssh]\nhost = \"h\"\ncommand = \"psql -d '{u}'\"\n";
        let e = Runbook::parse(Path::new("q.toml"), text).unwrap_err();
        assert!(e.message.contains("in quotes"), "{e}");
    }
}
