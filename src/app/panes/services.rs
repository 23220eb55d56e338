//! Coolify services (a view under the Deployments tab): each compose stack
//! with its applications and databases, their status, where they run; start,
//! stop and restart; the variables (masked); the log of a part through the
//! API. Coolify cannot back up the databases inside a service: said here.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, CfOp, Effect};
use crate::app::cx::{Changed, Cx};
use crate::app::dialog::{Confirm, Dialog, Menu, MenuItem, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::coolify::model::{EnvVar, Service};
use crate::input::{Command, Scope};
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq)]
pub struct SRow {
    /// The service's uuid.
    pub service: String,
    pub service_name: String,
    /// The part (application or database) this row is; empty for the service itself.
    pub part: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub group: String,
    pub detail: String,
}

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 24, align: Align::Left, priority: 0 },
    Column { title: "KIND", width: 12, align: Align::Left, priority: 0 },
    Column { title: "STATUS", width: 15, align: Align::Left, priority: 0 },
    Column { title: "PROJECT/ENV", width: 22, align: Align::Left, priority: 1 },
    Column { title: "DOMAIN / IMAGE", width: 34, align: Align::Left, priority: 2 },
];

impl Row for SRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        Cow::Borrowed(match col {
            0 => &self.name,
            1 => &self.kind,
            2 => &self.status,
            3 => &self.group,
            4 => &self.detail,
            _ => "",
        })
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            // A service, then its parts.
            0 => SortKey::Text(Cow::Owned(format!("{}\u{1}{}", self.service_name, self.part))),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {} {} {} {} {}", self.service_name, self.name, self.kind, self.status, self.group, self.detail)
    }
    fn id(&self) -> String {
        format!("{}/{}", self.service, self.part)
    }
}

/// What the lower half shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Below {
    #[default]
    Nothing,
    /// A part's last log lines (sanitised).
    Log { part: String, lines: Vec<String> },
    /// A service's variables.
    Envs { service: String, vars: Vec<EnvVar> },
}

#[derive(Default)]
pub struct ServicesPane {
    pub table: Table<SRow>,
    pub services: Option<Vec<Service>>,
    pub below: Below,
    loading: bool,
}

#[derive(Debug)]
pub enum Msg {
    Loaded(Result<Vec<Service>, String>),
    Logs { service: String, part: String, result: Result<Vec<String>, String> },
    Envs { service: String, result: Result<Vec<EnvVar>, String> },
}

impl PaneInfo for ServicesPane {
    const TITLE: &'static str = "Services";
    const NAMES: &'static [&'static str] = &["services", "service", "svc"];
    const PARENT: Option<PaneId> = Some(PaneId::Deployments);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Loaded(Ok(list)) => {
                self.loading = false;
                self.services = Some(list);
                self.rebuild(cx);
            }
            Msg::Loaded(Err(e)) => {
                self.loading = false;
                cx.say(Level::Error, format!("services: {e}"));
            }
            Msg::Logs { part, result, .. } => match result {
                Ok(lines) if lines.is_empty() => cx.say(Level::Info, format!("{part}: no log (it is not running)")),
                Ok(lines) => self.below = Below::Log { part, lines },
                Err(e) => cx.say(Level::Error, format!("log of {part}: {e}")),
            },
            Msg::Envs { service, result } => match result {
                Ok(vars) => self.below = Below::Envs { service, vars },
                Err(e) => cx.say(Level::Error, format!("variables: {e}")),
            },
        }
        vec![]
    }
}

/// The rows: each service, then its applications and databases.
pub fn rows(services: &[Service], world: &crate::app::world::World) -> Vec<SRow> {
    let group = |env: Option<i64>| {
        world.coolify.as_ref().and_then(|i| i.env_of(env)).map(|(p, e)| format!("{p}/{e}")).unwrap_or_default()
    };
    let mut out = Vec::new();
    for s in services {
        let parts = s.applications.len() + s.databases.len();
        out.push(SRow {
            service: s.uuid.clone(),
            service_name: s.name.clone(),
            part: String::new(),
            name: s.name.clone(),
            kind: s.service_type.clone().unwrap_or_else(|| "service".into()),
            status: s.status.clone(),
            group: group(s.environment_id),
            detail: format!("{parts} part(s)"),
        });
        for (p, kind) in s.applications.iter().map(|p| (p, "application")).chain(s.databases.iter().map(|p| (p, "database"))) {
            let detail = match (kind, p.fqdn.as_deref().filter(|f| !f.is_empty())) {
                ("application", Some(f)) => f.to_string(),
                // Coolify's backup schedules take standalone databases only.
                ("database", _) => format!("{} (no Coolify backups)", p.image.clone().unwrap_or_default()),
                _ => p.image.clone().unwrap_or_default(),
            };
            out.push(SRow {
                service: s.uuid.clone(),
                service_name: s.name.clone(),
                part: p.name.clone(),
                name: format!("  {}", p.name),
                kind: kind.into(),
                status: p.status.clone(),
                group: group(s.environment_id),
                detail,
            });
        }
    }
    out
}

impl ServicesPane {
    fn rebuild(&mut self, cx: &Cx) {
        if let Some(list) = &self.services {
            self.table.set_items(rows(list, cx.world));
            self.table.scroll_to_cursor(cx.height);
        }
    }

    fn load(&mut self) -> Vec<Effect> {
        self.loading = true;
        vec![Effect::LoadServices]
    }

    pub fn is_loading(&self) -> bool {
        self.loading
    }

    fn power_menu(&self, row: &SRow, cx: &mut Cx) {
        let ctx = cx.world.coolify_name();
        let name = row.service_name.clone();
        let item = |verb: &str, label: &str, detail: &str| {
            let mut c = Confirm::new(
                &format!("{label} {name}"),
                vec![format!("~ service {name} ({}) -> {verb}: every part of it", row.status), format!("  {detail}")],
                &ctx,
                vec![Effect::Cf {
                    to: PaneId::Services,
                    label: format!("{verb} {name}"),
                    ops: vec![CfOp::ServiceAction { service: row.service.clone(), name: name.clone(), verb: verb.into() }],
                    after: After::Inventory,
                }],
            );
            if verb != "start" {
                c = c.warn("What uses it fails until it is back.").typed(&name);
            }
            MenuItem { label: label.into(), detail: detail.into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
        };
        let items = vec![
            item("start", "Start", "start its containers"),
            item("restart", "Restart", "restart its containers; connections drop"),
            item("stop", "Stop", "stop its containers"),
        ];
        cx.open(Dialog::Menu(Menu { title: format!("service {name} ({})", row.status), items, cursor: 0 }));
    }
}

impl Pane for ServicesPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Deployments, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if self.table.navigate_in(cmd, cx.height, cx.width) {
            return vec![];
        }
        let row = self.table.selected().cloned();
        match cmd {
            Command::Back if self.below != Below::Nothing => self.below = Below::Nothing,
            Command::Back if self.table.filter().is_some() => self.table.set_filter(None),
            Command::Back => cx.go(PaneId::Deployments),
            Command::Refresh => return self.load(),
            // The log of the part (a service's row: its first application).
            Command::Open => {
                let Some(r) = row else { return vec![] };
                let part = if r.part.is_empty() {
                    self.services.as_ref().and_then(|l| l.iter().find(|s| s.uuid == r.service)).and_then(|s| s.applications.first()).map(|p| p.name.clone())
                } else {
                    Some(r.part.clone())
                };
                if let Some(part) = part {
                    return vec![Effect::ServiceLogs { service: r.service, part }];
                }
            }
            Command::ShowEnvs => {
                if let Some(r) = row {
                    return vec![Effect::ServiceEnvs { service: r.service }];
                }
            }
            Command::AppMenu => {
                if let Some(r) = row {
                    self.power_menu(&r, cx);
                }
            }
            _ => {}
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.contexts.coolify.is_none() {
            cx.say(Level::Warn, "no Coolify instance");
            cx.go(PaneId::Deployments);
            return vec![];
        }
        if self.services.is_none() && !self.loading {
            return self.load();
        }
        vec![]
    }

    fn on_op_done(&mut self, _after: &After, _ok: bool, _cx: &mut Cx) -> Vec<Effect> {
        self.load()
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if what == Changed::Coolify {
            self.rebuild(cx);
        }
        vec![]
    }

    fn writes(&self, cmd: Command) -> Option<&'static str> {
        (cmd == Command::AppMenu).then_some("starting and stopping services is disabled")
    }

    fn filter(&self) -> Option<String> {
        Some(self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
}
