//! The Deployments pane: Coolify's resources grouped by project and
//! environment, an application's overview, environment variables and
//! deployment history, and a deployment followed live.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, CfOp, Effect};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Menu, MenuItem, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Cursor, Row, SortKey, Table, cursor_delta, move_cursor};
use crate::coolify::env::{check_database_url, env_key_ok};
use crate::coolify::model::{Application, DeployStatus, Deployment, EnvVar, Inventory, ScheduledTask};
use crate::coolify::redact::{mask_value, unmask};
use crate::input::{Command, Scope};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Overview,
    Envs,
    History,
    Tasks,
    Storages,
    Logs,
    Previews,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    App,
    Db,
}

/// One Coolify resource in the list.
#[derive(Clone, Debug, PartialEq)]
pub struct ResRow {
    pub uuid: String,
    pub kind: Kind,
    /// `Project/environment`.
    pub group: String,
    pub name: String,
    pub status: String,
    /// Build pack, or the database image.
    pub build: String,
    pub domains: String,
    /// `branch@commit7`.
    pub git: String,
    pub last: String,
}

const RES_COLUMNS: &[Column] = &[
    Column { title: "PROJECT/ENV", width: 20, align: Align::Left, priority: 0 },
    Column { title: "NAME", width: 20, align: Align::Left, priority: 0 },
    Column { title: "STATUS", width: 15, align: Align::Left, priority: 0 },
    Column { title: "BUILD", width: 13, align: Align::Left, priority: 1 },
    Column { title: "LAST DEPLOY", width: 11, align: Align::Left, priority: 1 },
    Column { title: "DOMAINS", width: 28, align: Align::Left, priority: 2 },
    Column { title: "GIT", width: 16, align: Align::Left, priority: 3 },
];

impl Row for ResRow {
    fn columns() -> &'static [Column] {
        RES_COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        Cow::Borrowed(match col {
            0 => &self.group,
            1 => &self.name,
            2 => &self.status,
            3 => &self.build,
            4 => &self.last,
            5 => &self.domains,
            6 => &self.git,
            _ => "",
        })
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            // Grouped like a tree: project/environment, applications before databases.
            0 => SortKey::Text(Cow::Owned(format!("{}\u{1}{}\u{1}{}", self.group, self.kind == Kind::Db, self.name))),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        // The name last, so `/shop-uat$` finds it.
        format!("{} {} {} {} {} {}", self.group, self.status, self.build, self.domains, self.git, self.name)
    }
    fn id(&self) -> String {
        self.uuid.clone()
    }
}

/// The resources of an inventory as rows.
pub fn rows(inv: &Inventory) -> Vec<ResRow> {
    let group = |env: Option<i64>| inv.env_of(env).map(|(p, e)| format!("{p}/{e}")).unwrap_or_else(|| "(elsewhere)".into());
    let mut out: Vec<ResRow> = inv
        .applications
        .iter()
        .map(|a| ResRow {
            uuid: a.uuid.clone(),
            kind: Kind::App,
            group: group(a.environment_id),
            name: a.name.clone(),
            status: a.status.clone(),
            build: a.build_pack.clone(),
            domains: if a.build_pack == "dockercompose" {
                a.compose_domains()
                    .into_iter()
                    .filter(|(_, d)| !d.is_empty())
                    .map(|(s, d)| format!("{s}:{d}"))
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                a.domains().join(",")
            },
            git: format!(
                "{}@{}",
                a.git_branch.as_deref().unwrap_or("?"),
                a.git_commit_sha.as_deref().map(|c| &c[..c.len().min(7)]).unwrap_or("?")
            ),
            last: a.last_deployment_status.clone().unwrap_or_else(|| "-".into()),
        })
        .collect();
    out.extend(inv.databases.iter().map(|d| ResRow {
        uuid: d.uuid.clone(),
        kind: Kind::Db,
        group: group(d.environment_id),
        name: d.name.clone(),
        status: d.status.clone(),
        build: d.image.clone().unwrap_or_else(|| d.database_type.clone().unwrap_or_default()),
        domains: d.public_port.map(|p| format!("public port {p}")).unwrap_or_default(),
        git: String::new(),
        last: "-".into(),
    }));
    out
}

/// A deployment being followed.
#[derive(Clone, Debug, PartialEq)]
pub struct Follow {
    pub app: String,
    pub deployment: String,
    pub status: DeployStatus,
    pub created: Option<String>,
    pub finished: Option<String>,
    /// (line, is stderr), sanitised and redacted by the job.
    pub lines: Vec<(String, bool)>,
    /// Coolify withheld the log: the token lacks read:sensitive.
    pub logs_hidden: bool,
    pub note: Option<String>,
    /// Lines scrolled up from the end; 0 follows the tail.
    pub scroll: usize,
    /// Log entries applied so far: two jobs may follow one deployment, each
    /// entry is shown once.
    pub seen: usize,
}

impl Follow {
    pub fn is_running(&self) -> bool {
        self.status.is_running()
    }
}

pub const MAX_LOG_LINES: usize = 20_000;

#[derive(Default)]
pub struct DeploymentsPane {
    pub table: Table<ResRow>,
    /// The application open in the App view (by uuid); `None` shows the list.
    pub app: Option<String>,
    pub tab: Tab,
    pub envs: Option<(String, Vec<EnvVar>)>,
    pub reveal: bool,
    pub env_cursor: Cursor,
    pub history: Option<(String, Vec<Deployment>)>,
    pub hist_cursor: Cursor,
    /// The open application's scheduled tasks.
    pub tasks: Option<(String, Vec<ScheduledTask>)>,
    pub task_cursor: Cursor,
    pub follow: Option<Follow>,
    /// Long lines of the deployment log wrap instead of being cut.
    pub log_wrap: bool,
    /// Columns the deployment log is scrolled sideways (when not wrapping).
    pub log_hscroll: u16,
    /// One line of the deployment log shown whole (its index).
    pub log_line: Option<usize>,
    /// The selected variable shown whole.
    pub env_detail: bool,
    /// The open application's last log lines (through the API).
    pub app_logs: Option<(String, Vec<String>)>,
    /// The open application's volumes.
    pub storages: Option<(String, Vec<crate::coolify::model::Storage>)>,
    /// The open application's preview deployments, and the one selected.
    pub previews: Option<(String, Vec<crate::coolify::model::PreviewRow>)>,
    pub preview_cursor: Cursor,
    /// The applications a campaign is being drafted from.
    pub draft: Vec<crate::checklist::campaign::DraftApp>,
}

#[derive(Debug)]
pub enum Msg {
    Envs { app: String, result: Result<Vec<EnvVar>, String> },
    History { app: String, result: Result<Vec<Deployment>, String> },
    Tasks { app: String, result: Result<Vec<ScheduledTask>, String> },
    Storages { app: String, result: Result<Vec<crate::coolify::model::Storage>, String> },
    Previews { app: String, result: Result<Vec<crate::coolify::model::PreviewRow>, String> },
    AppLogs { app: String, result: Result<Vec<String>, String> },
    /// A deployment is being followed (a new one, or one picked from history).
    DeployFollow { app: String, deployment: String, note: Option<String> },
    /// One poll of a followed deployment: its status and the log entries new
    /// since the last poll (by index, as lines; hidden entries have none),
    /// secrets redacted.
    DeployUpdate {
        deployment: String,
        status: DeployStatus,
        entries: Vec<(usize, Vec<(String, bool)>)>,
        logs_hidden: bool,
        created: Option<String>,
        finished: Option<String>,
    },
    DeployDone { app: String, deployment: String, result: Result<DeployStatus, crate::ops::Error> },
}

impl PaneInfo for DeploymentsPane {
    const TITLE: &'static str = "Deployments";
    const NAMES: &'static [&'static str] = &["deployments", "deployment", "deploy", "dp", "apps", "applications", "app"];
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Envs { app, result } => match result {
                Ok(v) => {
                    self.env_cursor.clamp(v.len());
                    self.envs = Some((app, v));
                }
                Err(e) => cx.say(Level::Error, format!("variables: {e}")),
            },
            Msg::AppLogs { app, result } => match result {
                Ok(v) => self.app_logs = Some((app, v)),
                Err(e) => {
                    self.app_logs = Some((app, vec![]));
                    cx.say(Level::Warn, format!("log: {e}"));
                }
            },
            Msg::Storages { app, result } => match result {
                Ok(v) => self.storages = Some((app, v)),
                Err(e) => cx.say(Level::Error, format!("volumes: {e}")),
            },
            Msg::Previews { app, result } => match result {
                Ok(v) => {
                    self.preview_cursor.clamp(v.len());
                    self.previews = Some((app, v));
                }
                Err(e) => cx.say(Level::Error, format!("previews: {e}")),
            },
            Msg::Tasks { app, result } => match result {
                Ok(v) => {
                    self.task_cursor.clamp(v.len());
                    self.tasks = Some((app, v));
                }
                Err(e) => cx.say(Level::Error, format!("scheduled tasks: {e}")),
            },
            Msg::History { app, result } => match result {
                Ok(v) => {
                    self.hist_cursor.clamp(v.len());
                    self.history = Some((app, v));
                }
                Err(e) => cx.say(Level::Error, format!("deployments: {e}")),
            },
            Msg::DeployFollow { app, deployment, note } => {
                if let Some(n) = &note {
                    cx.say(Level::Info, n.clone());
                }
                if self.follow.as_ref().is_some_and(|f| f.deployment == deployment) {
                    // A second follower of the same deployment (it was already queued).
                    return vec![];
                }
                self.follow = Some(Follow {
                    app: app.clone(),
                    deployment,
                    status: DeployStatus::Queued,
                    created: None,
                    finished: None,
                    lines: Vec::new(),
                    logs_hidden: false,
                    note,
                    scroll: 0,
                    seen: 0,
                });
                // Deployed from the list: show the deployment's log.
                if cx.shown && self.app.is_none() {
                    self.app = Some(app.clone());
                }
                if self.app.as_deref() == Some(app.as_str()) {
                    self.tab = Tab::Overview;
                }
            }
            Msg::DeployUpdate { deployment, status, entries, logs_hidden, created, finished } => {
                self.on_update(&deployment, status, entries, logs_hidden, created, finished)
            }
            Msg::DeployDone { app, deployment, result } => {
                let name = cx.world.app(&app).map(|a| a.name.clone()).unwrap_or_else(|| app.clone());
                match result {
                    Ok(status) => {
                        let level = match status {
                            DeployStatus::Finished => Level::Ok,
                            DeployStatus::Failed => Level::Error,
                            _ => Level::Warn,
                        };
                        cx.say(level, format!("deployment of {name}: {status}"));
                    }
                    Err(e) => {
                        if let Some(f) = self.follow.as_mut().filter(|f| f.deployment == deployment) {
                            f.note = Some(format!("stopped following: {e}"));
                        }
                        cx.say(Level::Error, format!("deployment of {name}: {e}"));
                    }
                }
                cx.load(Load::Coolify);
                if self.app.as_deref() == Some(app.as_str()) {
                    return vec![Effect::LoadHistory { app }];
                }
            }
        }
        vec![]
    }
}

/// Why the Coolify panes are empty.
pub fn coolify_missing(cx: &Cx) -> String {
    let c = &cx.world.contexts;
    match (&c.coolify, &c.coolify_error) {
        (None, _) => "no Coolify instance: set COOLIFY_URL and COOLIFY_TOKEN, or configure one (see README)".into(),
        (Some(n), Some(e)) => format!("Coolify {n}: {e}"),
        (Some(n), None) => format!("Coolify {n}: still loading"),
    }
}

impl DeploymentsPane {
    /// The application under the cursor (list) or open (app view).
    pub fn selected_app<'a>(&self, cx: &'a Cx) -> Option<&'a Application> {
        match &self.app {
            Some(u) => cx.world.app(u),
            None => self.table.selected().filter(|r| r.kind == Kind::App).and_then(|r| cx.world.app(&r.uuid)),
        }
    }

    /// Opens an application on a tab, loading what the tab shows.
    /// When the history's ages ("3m ago") next read differently.
    pub fn clock(&self, now: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
        let (_, list) = self.history.as_ref().filter(|_| self.app.is_some() && self.tab == Tab::History)?;
        list.iter()
            .filter_map(|d| d.created_at.as_deref().and_then(crate::coolify::schedule::parse_time))
            .map(|t| crate::coolify::schedule::next_age_change(t, now))
            .min()
    }

    fn open_app(&mut self, app: String, tab: Tab) -> Vec<Effect> {
        if self.app.as_deref() != Some(app.as_str()) {
            self.env_cursor = Cursor::default();
            self.hist_cursor = Cursor::default();
            self.reveal = false;
        }
        self.tab = tab;
        self.app = Some(app.clone());
        self.log_line = None;
        self.env_detail = false;
        match tab {
            Tab::Envs => vec![Effect::LoadEnvs { app }],
            Tab::Tasks => vec![Effect::LoadTasks { app }],
            Tab::Storages => vec![Effect::LoadStorages { app }],
            Tab::Previews => vec![Effect::LoadPreviews { app }],
            Tab::Logs => vec![Effect::LoadAppLogs { app }],
            _ => vec![Effect::LoadHistory { app }],
        }
    }

    /// Applies a followed deployment's poll.
    fn on_update(
        &mut self,
        deployment: &str,
        status: DeployStatus,
        entries: Vec<(usize, Vec<(String, bool)>)>,
        logs_hidden: bool,
        created: Option<String>,
        finished: Option<String>,
    ) {
        let Some(f) = self.follow.as_mut().filter(|f| f.deployment == deployment) else { return };
        f.status = status;
        f.logs_hidden = logs_hidden;
        f.created = created.or(f.created.take());
        f.finished = finished.or(f.finished.take());
        let mut added = 0;
        for (i, lines) in entries {
            if i >= f.seen {
                added += lines.len();
                f.lines.extend(lines);
                f.seen = i + 1;
            }
        }
        if f.lines.len() > MAX_LOG_LINES {
            let cut = f.lines.len() - MAX_LOG_LINES;
            f.lines.drain(..cut);
        }
        // Someone reading older lines keeps their place.
        if f.scroll > 0 {
            f.scroll += added;
        }
    }

    /// After domains changed: offer the deployment that applies them.
    fn offer_redeploy(&self, app: &str, name: &str, cx: &mut Cx) {
        if cx.readonly {
            return;
        }
        let c = Confirm::new(
            &format!("Deploy {name} now?"),
            vec![format!("~ {name}: redeploy so the proxy serves the new domains")],
            &cx.world.coolify_name(),
            vec![Effect::Deploy { app: app.to_string(), force: false }],
        );
        cx.open(Dialog::Confirm(c));
    }

    fn write(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if !cmd.writes() {
            return vec![];
        }
        let Some(app) = self.selected_app(cx).cloned() else {
            cx.say(Level::Info, "select an application first");
            return vec![];
        };
        let ctx = cx.world.coolify_name();
        match cmd {
            Command::Deploy | Command::ForceDeploy => {
                let force = cmd == Command::ForceDeploy;
                let commit = app.git_commit_sha.clone().unwrap_or_default();
                let mut lines = vec![
                    format!("~ {} ({}) from {}", app.name, app.build_pack, app.git_branch.as_deref().unwrap_or("?")),
                    format!("  commit {}", &commit[..commit.len().min(12)]),
                ];
                if force {
                    lines.push("  rebuilt without the build cache".into());
                }
                let c = Confirm::new(
                    &format!("{} {}", if force { "Rebuild and deploy" } else { "Deploy" }, app.name),
                    lines,
                    &ctx,
                    vec![Effect::Deploy { app: app.uuid.clone(), force }],
                );
                cx.open(Dialog::Confirm(c));
            }
            Command::CancelDeployment => {
                match &self.follow {
                    Some(f) if f.app == app.uuid && f.is_running() => {
                        let c = Confirm::new(
                            &format!("Cancel the deployment of {}", app.name),
                            vec![format!("- deployment {} ({})", f.deployment, f.status)],
                            &ctx,
                            vec![Effect::CancelDeployment { deployment: f.deployment.clone() }],
                        );
                        cx.open(Dialog::Confirm(c));
                    }
                    _ => cx.say(Level::Info, format!("no running deployment of {} is being followed", app.name)),
                }
            }
            Command::AppMenu => {
                let item = |verb: &str, label: &str, detail: &str| {
                    let mut c = Confirm::new(
                        &format!("{label} {}", app.name),
                        vec![format!("~ {} ({}) -> {verb}", app.name, app.status), format!("  {detail}")],
                        &ctx,
                        vec![Effect::Cf {
                            to: PaneId::Deployments,
                            label: format!("{verb} {}", app.name),
                            ops: vec![CfOp::AppAction { app: app.uuid.clone(), name: app.name.clone(), verb: verb.into() }],
                            after: After::Inventory,
                        }],
                    );
                    if verb == "stop" {
                        c = c.warn("The site is down until it is started again.").typed(&app.name);
                    }
                    MenuItem { label: label.into(), detail: detail.into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
                };
                let items = vec![
                    item("start", "Start", "start the containers (queues a deployment if there is no image)"),
                    item("restart", "Restart", "restart the containers without rebuilding; picks up variable changes"),
                    item("stop", "Stop", "stop the containers"),
                ];
                cx.open(Dialog::Menu(Menu { title: format!("{} ({})", app.name, app.status), items, cursor: 0 }));
            }
            Command::EditDomains => {
                let compose = app.build_pack == "dockercompose";
                let fields = if compose {
                    app.compose_domains()
                        .iter()
                        .map(|(svc, d)| Field::new(&format!("service {svc}"), d, "https://host (empty: none)"))
                        .collect()
                } else {
                    vec![Field::new("domains", &app.domains().join(", "), "comma separated: https://old.example.com, https://new.example.com")]
                };
                let mut f = Form::new(&format!("Domains of {}", app.name), FormKind::Domains { app: app.uuid.clone() }, fields);
                f.note = vec![if compose {
                    "A docker-compose application has domains per service. The proxy picks a change up with the next deployment.".into()
                } else {
                    "Add the new domain beside the old one, deploy and check it, then remove the old one. The proxy picks a change up with the next deployment.".into()
                }];
                cx.open(Dialog::Form(f));
            }
            Command::AddEnv => {
                let f = Form::new(
                    &format!("New environment variable of {}", app.name),
                    FormKind::EnvAdd { app: app.uuid.clone() },
                    vec![
                        Field::new("key", "", "letters, digits and _"),
                        Field::new("value", "", ""),
                        Field::new("build time", "no", "yes: also set while building"),
                    ],
                );
                cx.open(Dialog::Form(f));
            }
            Command::EditEnv | Command::DeleteEnv => {
                let d = &*self;
                let Some(e) =
                    d.envs.as_ref().filter(|(a, _)| *a == app.uuid && d.tab == Tab::Envs).and_then(|(_, v)| v.get(d.env_cursor.pos)).cloned()
                else {
                    cx.say(Level::Info, "open the variables (v) and select one first");
                    return vec![];
                };
                if cmd == Command::DeleteEnv {
                    let c = Confirm::new(
                        &format!("Delete {} from {}", e.key, app.name),
                        vec![format!("- {}{}", e.key, if e.is_preview { " (preview)" } else { "" })],
                        &ctx,
                        vec![Effect::Cf {
                            to: PaneId::Deployments,
                            label: format!("delete {} of {}", e.key, app.name),
                            ops: vec![CfOp::DeleteEnv { app: app.uuid.clone(), uuid: e.uuid.clone(), key: e.key.clone() }],
                            after: After::Envs(app.uuid.clone()),
                        }],
                    )
                    .warn("The application loses it at its next deployment or restart.")
                    .typed(&e.key);
                    cx.open(Dialog::Confirm(c));
                    return vec![];
                }
                if e.value.is_none() {
                    cx.say(
                        Level::Warn,
                        if e.is_shown_once {
                            "a shown-once value cannot be read back: delete the variable and add it again"
                        } else {
                            "Coolify withholds the value: the token lacks read:sensitive"
                        },
                    );
                    return vec![];
                }
                let mut f = Form::new(
                    &format!("{} of {}", e.key, app.name),
                    FormKind::EnvEdit { app: app.uuid.clone(), key: e.key.clone() },
                    vec![Field::new("value", &mask_value(&e.key, e.value.as_deref().unwrap_or("")), "")],
                );
                f.note = vec!["Secrets stay masked: a **** left in place keeps the current secret.".into()];
                if e.key == "DATABASE_URL" {
                    f.note.push("Checked as a URL before it is sent. The application reads it at its next deployment or restart.".into());
                }
                cx.open(Dialog::Form(f));
            }
            Command::BulkEnv => {
                let Some((_, vars)) = self.envs.as_ref().filter(|(a, _)| *a == app.uuid) else {
                    cx.say(Level::Info, "open the variables first (v)");
                    return vec![];
                };
                if vars.iter().any(|e| e.value.is_none() && !e.is_shown_once) {
                    cx.say(Level::Warn, "bulk editing needs the values, which Coolify withholds from this token (read:sensitive)");
                    return vec![];
                }
                let lines: Vec<String> = vars
                    .iter()
                    .filter(|e| !e.is_preview && !e.is_shown_once)
                    .map(|e| format!("{}={}", e.key, mask_value(&e.key, e.value.as_deref().unwrap_or(""))))
                    .collect();
                let mut fields: Vec<Field> = lines.iter().enumerate().map(|(i, l)| Field::new(&format!("line {}", i + 1), l, "")).collect();
                fields.push(Field::new(&format!("line {}", lines.len() + 1), "", "KEY=value"));
                let mut f = Form::new(&format!("Environment of {} (bulk)", app.name), FormKind::EnvBulk { app: app.uuid.clone() }, fields);
                f.growing = Some("line ".into());
                f.note = vec![
                    "One KEY=value per line; empty a line to delete that variable. A **** left in place keeps the secret it hides. You see the diff before anything is sent. Shown-once and preview variables are not listed.".into(),
                ];
                cx.open(Dialog::Form(f));
            }
            _ => {}
        }
        vec![]
    }

    /// A campaign drafted from the applications shown: their projects are the
    /// sites, their environments the stages; asked once: the runbooks, the limit
    /// and what every run shares.
    fn new_campaign(&mut self, cx: &mut Cx) {
        let Some(inv) = &cx.world.coolify else { return };
        let zones: Vec<String> = cx.world.zones.list.iter().map(|z| z.name.clone()).collect();
        let t = &self.table;
        self.draft = (0..t.len())
            .filter_map(|i| t.row(i))
            .filter(|r| r.kind == Kind::App)
            .filter_map(|r| {
                let a = inv.applications.iter().find(|a| a.uuid == r.uuid)?;
                let (project, environment) = inv.env_of(a.environment_id)?;
                let domain = a
                    .domains()
                    .into_iter()
                    .chain(a.compose_domains().into_iter().map(|(_, d)| d))
                    .find(|d| !d.is_empty())
                    .map(|d| d.split_once("://").map_or(d.as_str(), |(_, h)| h).split(['/', ':']).next().unwrap_or("").to_string())
                    .filter(|d| !d.is_empty());
                // The zone: the longest zone name the domain ends with.
                let zone = domain.as_ref().and_then(|d| {
                    zones.iter().filter(|z| d == *z || d.ends_with(&format!(".{z}"))).max_by_key(|z| z.len()).cloned()
                });
                Some(crate::checklist::campaign::DraftApp {
                    project: project.to_string(),
                    environment: environment.to_string(),
                    app: a.name.clone(),
                    domain,
                    zone,
                })
            })
            .collect();
        if self.draft.is_empty() {
            cx.say(Level::Info, "no application is shown: filter the list (/) to the ones to move, then M");
            return;
        }
        let mut sites: Vec<&str> = self.draft.iter().map(|d| d.project.as_str()).collect();
        sites.sort();
        sites.dedup();
        let mut f = Form::new(
            "Draft a campaign",
            FormKind::NewCampaign,
            vec![
                Field::new("name", &format!("move-{}", cx.now.format("%Y%m%d")), "letters, digits, - and _: the file's name"),
                Field::new("runbooks", "move-database, move-site", "each stage runs these, in order"),
                Field::new("parallel", "1", "runs open at once"),
                Field::new("shared", "", "what every run shares: key=value, key=value (e.g. new_server=web-prod-1)"),
            ],
        );
        f.note = vec![format!(
            "{} applications of {} sites ({}); their environments are the stages, production last.",
            self.draft.len(),
            sites.len(),
            sites.join(", ")
        )];
        cx.ensure(Load::Zones);
        cx.open(Dialog::Form(f));
    }

    /// A new application from a public Git repository.
    fn new_app_form(&mut self, cx: &mut Cx) {
        let Some(inv) = &cx.world.coolify else { return };
        let places: Vec<String> = inv.projects.iter().flat_map(|p| p.environments.iter().map(move |e| format!("{}/{}", p.name, e.name))).collect();
        let servers: Vec<String> = inv.servers.iter().map(|s| s.name.clone()).collect();
        fn s(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        let mut f = Form::new(
            "New application",
            FormKind::NewApp,
            vec![
                Field::choice("where", &s(&places), "", "project/environment"),
                Field::choice("server", &s(&servers), "", "the Coolify server it runs on"),
                Field::new("repository", "https://github.com/", "a public Git repository"),
                Field::new("branch", "main", ""),
                Field::choice("build_pack", &["nixpacks", "dockerfile", "dockercompose", "railpack", "static"], "nixpacks", "how Coolify builds it"),
                Field::new("python", "3.12", "with nixpacks: NIXPACKS_PYTHON_VERSION (Nixpacks has up to 3.13)"),
                Field::new("port", "8000", "the port the app listens on"),
                Field::new("name", "", "as Coolify lists it, e.g. shop-production"),
                Field::new("domain", "", "https://example.com (empty: none yet)"),
            ],
        );
        f.note = vec!["Created stopped: add its variables (DATABASE_URL, ALLOWED_HOSTS...), then deploy.".into()];
        cx.open(Dialog::Form(f));
    }

    fn submit_form(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.coolify_name();
        match form.kind.clone() {
            FormKind::NewApp => {
                let Some(inv) = cx.world.coolify.clone() else { return Err(Box::new(form)) };
                let (project, env) = form.get("where").split_once('/').map(|(p, e)| (p.to_string(), e.to_string())).unwrap_or_default();
                let p = inv.projects.iter().find(|x| x.name == project).cloned();
                let server = inv.servers.iter().find(|s| s.name == form.get("server")).cloned();
                let repo = form.get("repository").trim().to_string();
                if !(repo.starts_with("https://") && repo.trim_end_matches('/').matches('/').count() >= 4 || repo.starts_with("git@")) {
                    form.set_error("repository", "https://host/owner/repo (or git@host:owner/repo)");
                }
                let name = form.get("name").trim().to_string();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    form.set_error("name", "letters, digits, - and _");
                } else if inv.app_by_name(&name).is_some() {
                    form.set_error("name", format!("Coolify has an application named {name}"));
                }
                let domain = form.get("domain").trim().trim_end_matches('/').to_string();
                if !(domain.is_empty() || domain.starts_with("https://") || domain.starts_with("http://")) {
                    form.set_error("domain", "https://host");
                }
                if form.get("port").trim().parse::<u16>().is_err() {
                    form.set_error("port", "a port number");
                }
                let pack = form.get("build_pack").to_string();
                let python = form.get("python").trim().to_string();
                if pack == "nixpacks" {
                    let mut it = python.split('.').map(|x| x.parse::<u32>().ok());
                    match (it.next().flatten(), it.next().flatten()) {
                        (Some(a), Some(b)) if (a, b) > (3, 13) => form.set_error(
                            "python",
                            format!("Nixpacks provides Python up to 3.13, not {python}: build with dockerfile (python:{python}-slim) or railpack, or use 3.13"),
                        ),
                        (Some(_), Some(_)) => {}
                        _ => form.set_error("python", "a version like 3.12"),
                    }
                }
                if p.is_none() {
                    form.set_error("where", "choose a project/environment");
                }
                if server.is_none() {
                    form.set_error("server", "choose a server");
                }
                let (Some(p), Some(server)) = (p, server) else { return Err(Box::new(form)) };
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let env_uuid = p.environments.iter().find(|e| e.name == env).map(|e| e.uuid.clone()).unwrap_or_default();
                let mut body = serde_json::json!({
                    "project_uuid": p.uuid, "server_uuid": server.uuid, "environment_name": env, "environment_uuid": env_uuid,
                    "git_repository": repo, "git_branch": form.get("branch"), "build_pack": pack, "ports_exposes": form.get("port").trim(),
                    "name": name, "instant_deploy": false,
                });
                if !domain.is_empty() {
                    body["domains"] = serde_json::json!(domain);
                }
                let mut lines = vec![
                    format!("+ application {name} in {project}/{env} on {}", server.name),
                    format!("  {repo} ({}), built with {pack}, port {}", form.get("branch"), form.get("port").trim()),
                ];
                if pack == "nixpacks" {
                    lines.push(format!("  NIXPACKS_PYTHON_VERSION={python}"));
                }
                lines.push(if domain.is_empty() { "  no domain yet".into() } else { format!("  domain {domain}") });
                let c = Confirm::new(
                    &format!("Create {name}"),
                    lines,
                    &ctx,
                    vec![Effect::Cf {
                        to: PaneId::Deployments,
                        label: format!("create {name}"),
                        ops: vec![CfOp::CreateApp { name: name.clone(), body, python: (pack == "nixpacks").then_some(python) }],
                        after: After::Inventory,
                    }],
                )
                .warn("It is created stopped: nothing is deployed yet.");
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::NewCampaign => {
                let name = form.get("name").trim().to_string();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    form.set_error("name", "letters, digits, - and _ only");
                }
                let runbooks: Vec<String> = form.get("runbooks").split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
                if runbooks.is_empty() {
                    form.set_error("runbooks", "at least one runbook");
                }
                let parallel = form.get("parallel").trim().parse::<usize>().ok().filter(|n| (1..=50).contains(n));
                if parallel.is_none() {
                    form.set_error("parallel", "a number from 1 to 50");
                }
                let mut shared = std::collections::BTreeMap::new();
                let given = form.get("shared").to_string();
                for kv in given.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match kv.split_once('=') {
                        Some((k, v)) if !k.trim().is_empty() && k.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                            shared.insert(k.trim().to_string(), v.trim().to_string());
                        }
                        _ => form.set_error("shared", format!("`{kv}` is not key=value")),
                    }
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let text = crate::checklist::campaign::draft(&name, &runbooks, parallel.unwrap_or(1), &shared, &self.draft);
                let mut lines = vec![format!("+ campaigns/{name}.toml")];
                lines.extend(text.lines().map(|l| format!("  {l}")));
                let c = Confirm::new(&format!("Save campaign {name}"), lines, &ctx, vec![Effect::SaveCampaign { name, text }])
                    .warn("Nothing runs: the board starts each run when you say.");
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::Domains { app } => {
                let Some(a) = cx.world.app(&app).cloned() else {
                    form.error = Some("the application is gone: refresh (C-r)".into());
                    return Err(Box::new(form));
                };
                let compose = a.build_pack == "dockercompose";
                let mut new: Vec<String> = Vec::new();
                let mut per_service = Vec::new();
                for f in form.fields.clone() {
                    let list: Vec<String> =
                        f.value().split(',').map(|d| d.trim().trim_end_matches('/').to_string()).filter(|d| !d.is_empty()).collect();
                    for d in &list {
                        let host = d.strip_prefix("https://").or_else(|| d.strip_prefix("http://"));
                        if host.is_none_or(|h| h.is_empty() || !h.contains('.') || h.contains(char::is_whitespace)) {
                            form.set_error(&f.label, format!("`{d}` is not a URL like https://new.example.com"));
                        } else if new.contains(d) {
                            form.set_error(&f.label, format!("{d} is listed twice"));
                        }
                        new.push(d.clone());
                    }
                    if compose {
                        per_service.push((f.label.trim_start_matches("service ").to_string(), list.join(",")));
                    }
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let old: Vec<String> =
                    if compose { a.compose_domains().into_iter().map(|(_, d)| d).filter(|d| !d.is_empty()).collect() } else { a.domains() };
                let mut lines: Vec<String> = new.iter().filter(|d| !old.contains(d)).map(|d| format!("+ {d}")).collect();
                lines.extend(old.iter().filter(|d| !new.contains(d)).map(|d| format!("- {d}")));
                if lines.is_empty() {
                    form.error = Some("nothing changed".into());
                    return Err(Box::new(form));
                }
                lines.extend(new.iter().filter(|d| old.contains(d)).map(|d| format!("  {d}")));
                let body = if compose {
                    serde_json::json!({"docker_compose_domains": per_service.iter().map(|(s, d)| serde_json::json!({"name": s, "domain": d})).collect::<Vec<_>>()})
                } else {
                    serde_json::json!({"domains": new.join(",")})
                };
                let removes = old.iter().any(|d| !new.contains(d));
                let mut c = Confirm::new(
                    &format!("Domains of {}", a.name),
                    lines,
                    &ctx,
                    vec![Effect::Cf {
                            to: PaneId::Deployments,
                        label: format!("domains of {}", a.name),
                        ops: vec![CfOp::Patch { app: app.clone(), body }],
                        after: After::OfferRedeploy { app: app.clone(), name: a.name.clone() },
                    }],
                )
                .warn("The proxy picks the domains up with the next deployment: you will be offered one.");
                if removes {
                    // Removing a domain takes a site off that name.
                    c = c.typed(&a.name);
                }
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::AddTask { app } => {
                let (name, command, frequency) = (form.get("name").to_string(), form.get("command").to_string(), form.get("frequency").to_string());
                if name.is_empty() {
                    form.set_error("name", "a name, to find it again");
                }
                if command.is_empty() {
                    form.set_error("command", "what to run");
                }
                let cron = crate::coolify::schedule::cron_of(&frequency);
                if frequency.is_empty() || <croner::Cron as std::str::FromStr>::from_str(&cron).is_err() {
                    form.set_error("frequency", "a cron expression like 0 3 * * *, or hourly, daily, weekly, monthly");
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let app_name = cx.world.app(&app).map(|a| a.name.clone()).unwrap_or_default();
                let exists = self.tasks.as_ref().is_some_and(|(a, v)| *a == app && v.iter().any(|t| t.name == name));
                let line = if exists { format!("~ task {name}: {command} ({frequency})") } else { format!("+ task {name}: {command} ({frequency})") };
                let c = Confirm::new(
                    &format!("Scheduled task of {app_name}"),
                    vec![line, "  It runs in the application's container, with its environment.".into()],
                    &ctx,
                    vec![Effect::Cf {
                        to: PaneId::Deployments,
                        label: format!("task {name} of {app_name}"),
                        ops: vec![CfOp::PutTask { app: app.clone(), name, command, frequency }],
                        after: After::Tasks(app),
                    }],
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::EnvAdd { app } => {
                let key = form.get("key").to_string();
                let value = form.get("value").to_string();
                if !env_key_ok(&key) {
                    form.set_error("key", "letters, digits and _, not starting with a digit");
                } else if self.envs.as_ref().is_some_and(|(a, v)| *a == app && v.iter().any(|e| e.key == key && !e.is_preview)) {
                    form.set_error("key", format!("{key} exists: edit it instead (e)"));
                }
                if key == "DATABASE_URL"
                    && let Err(m) = check_database_url(&value)
                {
                    form.set_error("value", m);
                }
                let bt = form.get("build time").to_lowercase();
                if !matches!(bt.as_str(), "yes" | "no" | "y" | "n" | "") {
                    form.set_error("build time", "yes or no");
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let name = cx.world.app(&app).map(|a| a.name.clone()).unwrap_or_default();
                let c = Confirm::new(
                    &format!("Add {key} to {name}"),
                    vec![format!("+ {key} ({})", if bt.starts_with('y') { "build time and runtime" } else { "runtime" })],
                    &ctx,
                    vec![Effect::Cf {
                            to: PaneId::Deployments,
                        label: format!("add {key} to {name}"),
                        ops: vec![CfOp::CreateEnv { app: app.clone(), key, value, buildtime: bt.starts_with('y') }],
                        after: After::Envs(app),
                    }],
                )
                .warn("The application reads it at its next deployment or restart.");
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::EnvEdit { app, key } => {
                let old = self
                    .envs
                    .as_ref()
                    .and_then(|(_, v)| v.iter().find(|e| e.key == key && !e.is_preview))
                    .and_then(|e| e.value.clone())
                    .unwrap_or_default();
                let value = unmask(form.get("value"), &old);
                if key == "DATABASE_URL"
                    && let Err(m) = check_database_url(&value)
                {
                    form.set_error("value", m);
                    return Err(Box::new(form));
                }
                if value == old {
                    form.error = Some("nothing changed".into());
                    return Err(Box::new(form));
                }
                let name = cx.world.app(&app).map(|a| a.name.clone()).unwrap_or_default();
                let c = Confirm::new(
                    &format!("Change {key} of {name}"),
                    change_lines(&key, &old, &value),
                    &ctx,
                    vec![Effect::Cf {
                            to: PaneId::Deployments,
                        label: format!("set {key} of {name}"),
                        ops: vec![CfOp::UpdateEnv { app: app.clone(), key: key.clone(), value }],
                        after: After::Envs(app),
                    }],
                )
                .warn("The application reads it at its next deployment or restart.")
                .typed(&key);
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::EnvBulk { app } => {
                let Some((_, vars)) = self.envs.clone().filter(|(a, _)| *a == app) else {
                    form.error = Some("the variables are not loaded: open them again (v)".into());
                    return Err(Box::new(form));
                };
                let mut wanted: Vec<(String, String)> = Vec::new();
                for f in form.fields.clone().iter().filter(|f| f.label.starts_with("line ")) {
                    let v = f.value();
                    if v.is_empty() {
                        continue;
                    }
                    match v.split_once('=') {
                        Some((k, val)) if env_key_ok(k.trim()) => {
                            let k = k.trim().to_string();
                            let old = vars.iter().find(|e| e.key == k && !e.is_preview).and_then(|e| e.value.clone()).unwrap_or_default();
                            let val = unmask(val, &old);
                            let val = val.as_str();
                            if wanted.iter().any(|(x, _)| *x == k) {
                                form.set_error(&f.label, format!("{k} is set twice"));
                            } else if k == "DATABASE_URL"
                                && let Err(m) = check_database_url(val)
                            {
                                form.set_error(&f.label, m);
                            } else {
                                wanted.push((k, val.to_string()));
                            }
                        }
                        _ => form.set_error(&f.label, "KEY=value, the key in letters, digits and _"),
                    }
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let plan = bulk_plan(&vars, &wanted);
                if plan.lines.is_empty() {
                    form.error = Some("nothing changed".into());
                    return Err(Box::new(form));
                }
                let name = cx.world.app(&app).map(|a| a.name.clone()).unwrap_or_default();
                let mut ops = Vec::new();
                if !plan.upserts.is_empty() {
                    ops.push(CfOp::Bulk { app: app.clone(), items: plan.upserts });
                }
                // The bulk endpoint never deletes: each removal is its own call.
                ops.extend(plan.deletes.iter().map(|(uuid, key)| CfOp::DeleteEnv { app: app.clone(), uuid: uuid.clone(), key: key.clone() }));
                let mut c = Confirm::new(
                    &format!("Environment of {name}"),
                    plan.lines,
                    &ctx,
                    vec![Effect::Cf {
                            to: PaneId::Deployments, label: format!("environment of {name}"), ops, after: After::Envs(app) }],
                )
                .warn("The application reads them at its next deployment or restart.");
                if !plan.deletes.is_empty() {
                    c = c.typed(&name);
                }
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            _ => Err(Box::new(form)),
        }
    }
}

impl Pane for DeploymentsPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Deployments, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.coolify.is_none() && cmd != Command::Refresh {
            cx.say(Level::Warn, coolify_missing(cx));
            return vec![];
        }
        let h = cx.height;
        if self.app.is_none() && self.table.navigate_in(cmd, h, cx.width) {
            return vec![];
        }
        match (self.app.clone(), cmd) {
            (None, Command::Open) => match self.table.selected().map(|r| (r.kind, r.uuid.clone())) {
                Some((Kind::App, uuid)) => return self.open_app(uuid, Tab::Overview),
                Some((Kind::Db, uuid)) => cx.go_to(PaneId::Databases, &uuid),
                None => {}
            },
            (None, Command::Back) => self.table.set_filter(None),
            (Some(_), Command::Back) if self.log_line.is_some() || self.env_detail => {
                self.log_line = None;
                self.env_detail = false;
            }
            (Some(_), Command::Back) => self.app = None,
            // A line of the log shown whole: up and down walk the lines.
            (Some(_), Command::Down | Command::Up | Command::ScrollDown | Command::ScrollUp) if self.log_line.is_some() => {
                let n = self.follow.as_ref().map_or(0, |f| f.lines.len());
                let down = matches!(cmd, Command::Down | Command::ScrollDown);
                self.log_line = self.log_line.map(|i| move_cursor(i, n, if down { 1 } else { -1 }));
            }
            (Some(_), Command::Open) if self.tab == Tab::Overview => match self.follow.as_ref().filter(|f| !f.lines.is_empty()) {
                // The line at the bottom of the view (scrolling up picks another).
                Some(f) => self.log_line = Some(f.lines.len().saturating_sub(f.scroll + 1)),
                None => cx.say(Level::Info, "no deployment log to open"),
            },
            (Some(_), Command::Open) if self.tab == Tab::Envs => {
                self.env_detail = self.envs.as_ref().is_some_and(|(_, v)| !v.is_empty());
            }
            (Some(_), Command::LogLeft | Command::LogRight) if self.log_wrap => {
                cx.say(Level::Info, "the deployment log wraps: nothing to scroll sideways (w)")
            }
            (Some(_), Command::LogLeft) => self.log_hscroll = self.log_hscroll.saturating_sub(super::side_step(cx.width)),
            (Some(_), Command::LogRight) => {
                let longest = self.follow.as_ref().map_or(0, |f| {
                    f.lines.iter().map(|(t, _)| unicode_width::UnicodeWidthStr::width(t.as_str())).max().unwrap_or(0)
                });
                let room = cx.width.saturating_sub(4) / 2;
                self.log_hscroll = (self.log_hscroll + super::side_step(cx.width)).min((longest as u16).saturating_sub(room));
            }
            (Some(_), c) if cursor_delta(c, h).is_some() => match self.tab {
                Tab::Envs => {
                    let n = self.envs.as_ref().map(|e| e.1.len()).unwrap_or(0);
                    self.env_cursor.navigate(c, n, h);
                }
                Tab::History => {
                    let n = self.history.as_ref().map(|e| e.1.len()).unwrap_or(0);
                    self.hist_cursor.navigate(c, n, h);
                }
                Tab::Tasks => {
                    let n = self.tasks.as_ref().map(|e| e.1.len()).unwrap_or(0);
                    self.task_cursor.navigate(c, n, h);
                }
                Tab::Previews => {
                    let n = self.previews.as_ref().map(|e| e.1.len()).unwrap_or(0);
                    self.preview_cursor.navigate(c, n, h);
                }
                Tab::Storages | Tab::Logs => {}
                // Scrolling the followed log: up moves away from the tail.
                Tab::Overview => {
                    if let Some(f) = &mut self.follow {
                        f.scroll = move_cursor(f.scroll, f.lines.len(), cursor_delta(c, h).unwrap_or(0).saturating_neg());
                    }
                }
            },
            (Some(_), Command::WrapLog) => {
                self.log_wrap = !self.log_wrap;
                self.log_hscroll = 0;
                cx.say(Level::Info, if self.log_wrap { "deployment log: long lines wrap" } else { "deployment log: long lines are cut" });
            }
            (Some(_), Command::Open) if self.tab == Tab::History => {
                if let Some((app, list)) = &self.history
                    && let Some(dep) = list.get(self.hist_cursor.pos)
                {
                    let (app, deployment) = (app.clone(), dep.deployment_uuid.clone());
                    self.tab = Tab::Overview;
                    return vec![Effect::FollowDeployment { app, deployment }];
                }
            }
            (open, Command::Refresh) => {
                // The version call is also the token and reachability check.
                cx.load(Load::CoolifyVersion);
                cx.load(Load::CoolifyFresh);
                if let Some(app) = open {
                    return vec![match self.tab {
                        Tab::Envs => Effect::LoadEnvs { app },
                        Tab::Tasks => Effect::LoadTasks { app },
                        Tab::Storages => Effect::LoadStorages { app },
                        Tab::Previews => Effect::LoadPreviews { app },
                        Tab::Logs => Effect::LoadAppLogs { app },
                        _ => Effect::LoadHistory { app },
                    }];
                }
            }
            (Some(app), Command::DeletePreview) if self.tab == Tab::Previews => {
                let Some(r) = self.previews.as_ref().filter(|(a, _)| *a == app).and_then(|(_, v)| v.get(self.preview_cursor.pos)).cloned() else {
                    cx.say(Level::Info, "no preview selected");
                    return vec![];
                };
                let name = cx.world.app(&app).map(|a| a.name.clone()).unwrap_or_else(|| app.clone());
                let pr = r.preview.pull_request_id;
                let url = r.preview.fqdn.clone().unwrap_or_default();
                let c = Confirm::new(
                    &format!("Delete the preview of PR #{pr}"),
                    vec![format!("- preview #{pr} of {name}"), format!("  its containers and {url} go; the pull request stays")],
                    &cx.world.contexts.coolify.clone().unwrap_or_default(),
                    vec![Effect::Cf {
                        to: PaneId::Deployments,
                        label: format!("delete preview #{pr} of {name}"),
                        ops: vec![CfOp::DeletePreview { app: app.clone(), pr }],
                        after: After::Previews(app),
                    }],
                )
                .typed(&format!("#{pr}"));
                cx.open(Dialog::Confirm(c));
            }
            (_, Command::ShowOverview | Command::ShowEnvs | Command::ShowHistory | Command::ShowTasks | Command::ShowStorages | Command::ShowAppLogs | Command::ShowPreviews) => {
                let tab = match cmd {
                    Command::ShowEnvs => Tab::Envs,
                    Command::ShowHistory => Tab::History,
                    Command::ShowTasks => Tab::Tasks,
                    Command::ShowStorages => Tab::Storages,
                    Command::ShowPreviews => Tab::Previews,
                    Command::ShowAppLogs => Tab::Logs,
                    _ => Tab::Overview,
                };
                match self.selected_app(cx).map(|a| a.uuid.clone()) {
                    Some(app) => return self.open_app(app, tab),
                    None => cx.say(Level::Info, "select an application first"),
                }
            }
            (_, Command::ShowInventory) => cx.go(PaneId::Versions),
            (_, Command::ShowFleet) => cx.go(PaneId::Fleet),
            (None, Command::NewCampaign) => self.new_campaign(cx),
            (None, Command::NewApp) => self.new_app_form(cx),
            (_, Command::AddTask) => match self.selected_app(cx).map(|a| (a.uuid.clone(), a.name.clone())) {
                Some((app, name)) => {
                    let mut f = Form::new(
                        &format!("Scheduled task of {name}"),
                        FormKind::AddTask { app },
                        vec![
                            Field::new("name", "", "a name; one that exists is changed"),
                            Field::new("command", "", "runs in the application's container"),
                            Field::new("frequency", "0 3 * * *", "cron (minute hour day month weekday) or hourly, daily, weekly..."),
                        ],
                    );
                    f.note = vec!["e.g. a nightly copy of production into the preview database (`_pr`), at 03:00.".into()];
                    cx.open(Dialog::Form(f));
                }
                None => cx.say(Level::Info, "select an application first"),
            },
            (_, Command::RevealValues) => {
                self.reveal = !self.reveal;
                let withheld = self.envs.as_ref().is_some_and(|(_, v)| v.iter().any(|e| e.value.is_none() && !e.is_shown_once));
                if self.reveal && withheld {
                    cx.say(Level::Warn, "Coolify withholds the values: the token lacks read:sensitive");
                }
            }
            (_, c) => return self.write(c, cx),
        }
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if what == Changed::Coolify
            && let Some(inv) = &cx.world.coolify
        {
            self.table.set_items(rows(inv));
            self.table.scroll_to_cursor(cx.height);
            if let Some(app) = &self.app
                && cx.world.app(app).is_none()
            {
                cx.say(Level::Warn, format!("application {app} is gone from Coolify: back to the list"));
                self.app = None;
            }
        }
        vec![]
    }

    fn on_op_done(&mut self, after: &After, ok: bool, cx: &mut Cx) -> Vec<Effect> {
        match after {
            After::Envs(app) => vec![Effect::LoadEnvs { app: app.clone() }],
            After::Tasks(app) => {
                self.tab = Tab::Tasks;
                vec![Effect::LoadTasks { app: app.clone() }]
            }
            After::Previews(app) => vec![Effect::LoadPreviews { app: app.clone() }],
            After::OfferRedeploy { app, name } => {
                if ok {
                    self.offer_redeploy(app, name, cx);
                }
                cx.load(Load::Coolify);
                vec![]
            }
            After::Inventory => {
                cx.load(Load::Coolify);
                vec![]
            }
            _ => vec![],
        }
    }

    /// `:app NAME` puts the cursor on that application.
    fn on_line(&mut self, _word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let name = args.trim();
        if !name.is_empty() {
            self.app = None;
            super::select_named_or_wait(&mut self.table, 1, "application", "app", name, cx);
        }
        vec![]
    }

    fn focus(&mut self, id: &str, cx: &mut Cx) -> Vec<Effect> {
        self.app = None;
        self.table.select_id(id);
        self.table.scroll_to_cursor(cx.height);
        vec![]
    }

    fn reload(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.contexts.coolify.is_none() {
            return vec![];
        }
        // After a change (a runbook's API step): only what can have changed.
        cx.load(Load::Coolify);
        self.envs.as_ref().map(|(app, _)| vec![Effect::LoadEnvs { app: app.clone() }]).unwrap_or_default()
    }

    fn filter(&self) -> Option<String> {
        self.app.is_none().then(|| self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn submit(&mut self, form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        self.submit_form(form, cx)
    }

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
}

/// A variable's change as the screen may show it: old and new with secrets
/// masked (a URL keeps its host and database, so a switch of DATABASE_URL says
/// where it goes), or why nothing more is shown.
pub fn change_lines(key: &str, old: &str, new: &str) -> Vec<String> {
    let (o, n) = (mask_value(key, old), mask_value(key, new));
    if o == n {
        let why = if o == crate::coolify::redact::MASK { "a secret: the values are not shown" } else { "only the password changed" };
        return vec![format!("~ {key} ({why})")];
    }
    vec![format!("~ {key}"), format!("-     {o}"), format!("+     {n}")]
}

/// What a bulk edit changes: the diff lines, the upserts in order, the deletions.
#[derive(Debug, Default, PartialEq)]
pub struct BulkPlan {
    pub lines: Vec<String>,
    pub upserts: Vec<(String, String)>,
    /// (uuid, key)
    pub deletes: Vec<(String, String)>,
}

pub fn bulk_plan(current: &[EnvVar], wanted: &[(String, String)]) -> BulkPlan {
    let current: Vec<&EnvVar> = current.iter().filter(|e| !e.is_preview && !e.is_shown_once).collect();
    let mut p = BulkPlan::default();
    for (k, v) in wanted {
        match current.iter().find(|e| &e.key == k) {
            None => {
                p.lines.push(format!("+ {k}"));
                p.upserts.push((k.clone(), v.clone()));
            }
            Some(e) if e.value.as_deref() != Some(v.as_str()) => {
                p.lines.extend(change_lines(k, e.value.as_deref().unwrap_or(""), v));
                p.upserts.push((k.clone(), v.clone()));
            }
            Some(_) => {}
        }
    }
    for e in current.iter().filter(|e| !wanted.iter().any(|(k, _)| *k == e.key)) {
        p.lines.push(format!("- {}", e.key));
        p.deletes.push((e.uuid.clone(), e.key.clone()));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::TestCx;

    fn world(t: &mut TestCx) {
        let app = |uuid: &str, name: &str| Application {
            uuid: uuid.into(),
            name: name.into(),
            status: "running:healthy".into(),
            build_pack: "nixpacks".into(),
            fqdn: Some("https://shop.example.com".into()),
            ..Default::default()
        };
        let db = crate::coolify::model::Database {
            uuid: "db1".into(),
            name: "shop-db".into(),
            status: "running:healthy".into(),
            ..Default::default()
        };
        t.world.coolify =
            Some(Inventory { applications: vec![app("a1", "shop"), app("a2", "blog")], databases: vec![db], ..Default::default() });
        t.world.contexts.coolify = Some("test".into());
    }

    fn pane(t: &mut TestCx) -> DeploymentsPane {
        world(t);
        let mut p = DeploymentsPane::default();
        p.on_world(Changed::Coolify, &mut t.cx());
        p
    }

    #[test]
    fn without_coolify_every_key_says_why() {
        let mut t = TestCx::new();
        let mut p = DeploymentsPane::default();
        assert!(p.on_command(Command::Open, &mut t.cx()).is_empty());
        assert_eq!(t.said(), ["no Coolify instance: set COOLIFY_URL and COOLIFY_TOKEN, or configure one (see README)"]);
    }

    #[test]
    fn open_an_app_walk_its_tabs_and_come_back() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t);
        assert_eq!(p.table.selected().map(|r| r.name.as_str()), Some("blog"), "applications by name, databases after");
        p.on_command(Command::Down, &mut t.cx());
        assert_eq!(p.on_command(Command::Open, &mut t.cx()), [Effect::LoadHistory { app: "a1".into() }]);
        assert_eq!(p.on_command(Command::ShowEnvs, &mut t.cx()), [Effect::LoadEnvs { app: "a1".into() }]);
        let envs = (0..30).map(|i| var(&format!("K{i:02}"), "v")).collect();
        p.on_msg(Msg::Envs { app: "a1".into(), result: Ok(envs) }, &mut t.cx());
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.env_cursor.pos, 29);
        p.on_command(Command::PageUp, &mut t.cx());
        assert_eq!(p.env_cursor.pos, 19);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.app, None);
        p.on_command(Command::Bottom, &mut t.cx());
        p.on_command(Command::Open, &mut t.cx());
        assert_eq!(t.out.requests, [crate::app::cx::Request::Go(PaneId::Databases, Some("db1".into()))], "a database opens in its pane");
    }

    #[test]
    fn a_followed_deployment_shows_each_log_entry_once() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t);
        p.on_msg(Msg::DeployFollow { app: "a1".into(), deployment: "d1".into(), note: None }, &mut t.cx());
        assert_eq!(p.app.as_deref(), Some("a1"), "deployed from the list: the log shows");
        let line = |s: &str| vec![(s.to_string(), false)];
        let update = |entries: Vec<(usize, Vec<(String, bool)>)>| Msg::DeployUpdate {
            deployment: "d1".into(),
            status: DeployStatus::InProgress,
            entries,
            logs_hidden: false,
            created: None,
            finished: None,
        };
        p.on_msg(update(vec![(0, line("one")), (1, line("two"))]), &mut t.cx());
        // A second follower of the same deployment sends the same entries again.
        p.on_msg(update(vec![(1, line("two")), (2, line("three"))]), &mut t.cx());
        let lines: Vec<&str> = p.follow.as_ref().map(|f| f.lines.iter().map(|(l, _)| l.as_str()).collect()).unwrap_or_default();
        assert_eq!(lines, ["one", "two", "three"]);
        assert!(p.follow.as_ref().is_some_and(Follow::is_running));
        p.on_msg(Msg::DeployDone { app: "a1".into(), deployment: "d1".into(), result: Ok(DeployStatus::Finished) }, &mut t.cx());
        assert!(t.said().contains(&"deployment of shop: finished".to_string()));
    }

    #[test]
    fn deploy_and_stop_confirm_and_name_the_instance() {
        let mut t = TestCx::new();
        let mut p = pane(&mut t);
        p.on_command(Command::Deploy, &mut t.cx());
        let Some(Dialog::Confirm(c)) = t.out.dialog.take() else { panic!("a confirmation opens") };
        assert_eq!(c.context, "coolify test");
        assert_eq!(c.on_yes, [Effect::Deploy { app: "a2".into(), force: false }]);
        p.on_command(Command::AppMenu, &mut t.cx());
        let Some(Dialog::Menu(m)) = t.out.dialog.take() else { panic!("a menu opens") };
        let Then::Dialog(d) = &m.items[2].then else { panic!("stop leads to a confirmation") };
        let Dialog::Confirm(stop) = &**d else { panic!("a confirmation") };
        assert_eq!(stop.require.as_deref(), Some("blog"), "stopping wants the name typed");
    }

    fn var(key: &str, value: &str) -> EnvVar {
        EnvVar { uuid: format!("u-{key}"), key: key.into(), value: Some(value.into()), is_runtime: true, ..Default::default() }
    }

    #[test]
    fn a_changed_value_is_shown_masked_old_and_new() {
        assert_eq!(
            change_lines("DATABASE_URL", "postgres://shop:pw1@old-db:5432/shop", "postgres://shop:pw2@new-db:5432/shop"),
            ["~ DATABASE_URL", "-     postgres://shop:****@old-db:5432/shop", "+     postgres://shop:****@new-db:5432/shop"]
        );
        assert_eq!(
            change_lines("DATABASE_URL", "postgres://shop:pw1@db/shop", "postgres://shop:pw2@db/shop"),
            ["~ DATABASE_URL (only the password changed)"]
        );
        assert_eq!(change_lines("DJANGO_SECRET_KEY", "abc", "def"), ["~ DJANGO_SECRET_KEY (a secret: the values are not shown)"]);
    }

    #[test]
    fn a_bulk_edit_is_a_diff_of_upserts_and_explicit_deletions() {
        let mut once = var("SECRET", "");
        once.is_shown_once = true;
        once.value = None;
        let cur = vec![var("A", "1"), var("B", "2"), var("C", "3"), once];
        let p = bulk_plan(&cur, &[("A".into(), "1".into()), ("B".into(), "20".into()), ("D".into(), "4".into())]);
        assert_eq!(p.lines, ["~ B", "-     2", "+     20", "+ D", "- C"]);
        assert_eq!(p.upserts, [("B".to_string(), "20".to_string()), ("D".to_string(), "4".to_string())]);
        assert_eq!(p.deletes, [("u-C".to_string(), "C".to_string())], "shown-once variables are never deleted by a bulk edit");
    }
}
