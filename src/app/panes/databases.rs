//! The Databases pane: Coolify databases (PostgreSQL first), their scheduled
//! backups and how healthy those are, backup now, start/stop/restart.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, CfOp, Effect};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Menu, MenuItem, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::app::world::World;
use crate::coolify::schedule::Health;
use crate::input::{Command, Scope};
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq)]
pub struct DbRow {
    pub uuid: String,
    pub name: String,
    pub group: String,
    /// `postgresql`, `mysql`...
    pub kind: String,
    pub status: String,
    pub image: String,
    pub port: String,
    pub schedule: String,
    pub backup: String,
    pub warn: bool,
    pub error: bool,
    /// Backed up, but only on the server itself: a lost server takes them along.
    pub local_only: bool,
    /// The last restore drill (`never` when none).
    pub drill: String,
    pub drill_failed: bool,
    /// No backup of it has ever been restored by a drill.
    pub never_drilled: bool,
}

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 20, align: Align::Left, priority: 0 },
    Column { title: "STATUS", width: 15, align: Align::Left, priority: 0 },
    Column { title: "BACKUP", width: 28, align: Align::Left, priority: 0 },
    Column { title: "SCHEDULE", width: 10, align: Align::Left, priority: 2 },
    Column { title: "PROJECT/ENV", width: 22, align: Align::Left, priority: 2 },
    Column { title: "IMAGE", width: 18, align: Align::Left, priority: 3 },
    Column { title: "PUBLIC", width: 6, align: Align::Right, priority: 2 },
    Column { title: "LAST DRILL", width: 26, align: Align::Left, priority: 1 },
];

impl Row for DbRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        Cow::Borrowed(match col {
            0 => &self.name,
            1 => &self.status,
            2 => &self.backup,
            3 => &self.schedule,
            4 => &self.group,
            5 => &self.image,
            6 => &self.port,
            7 => &self.drill,
            _ => "",
        })
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            // PostgreSQL first, then the others, each by name.
            0 => SortKey::Text(Cow::Owned(format!("{}{}", if self.kind == "postgresql" { '0' } else { '1' }, self.name))),
            // Problems first.
            2 => SortKey::Text(Cow::Owned(format!(
                "{}{}",
                if self.error {
                    '0'
                } else if self.warn {
                    '1'
                } else {
                    '2'
                },
                self.backup
            ))),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {} {} {} {} {} {} {}", self.name, self.kind, self.status, self.backup, self.schedule, self.group, self.image, self.drill)
    }
    fn id(&self) -> String {
        self.uuid.clone()
    }
}

/// `standalone-postgresql` -> `postgresql`.
pub fn kind_of(t: Option<&str>) -> String {
    t.unwrap_or("").trim_start_matches("standalone-").to_string()
}

/// The rows, from the inventory and the backups.
pub fn rows(world: &World) -> Vec<DbRow> {
    let Some(inv) = &world.coolify else { return vec![] };
    let b = &world.backups;
    inv.databases
        .iter()
        .map(|d| {
            let health = b.health.get(&d.uuid);
            let drill = world.drills.get(&d.name).or_else(|| world.drills.get(&d.uuid));
            DbRow {
                drill: drill.map(|x| x.summary(b.as_of.max(x.started))).unwrap_or_else(|| "never".into()),
                drill_failed: drill.is_some_and(|x| matches!(x.result, crate::checklist::drill::Result::Failed(_))),
                never_drilled: drill.is_none(),
                uuid: d.uuid.clone(),
                name: d.name.clone(),
                group: inv.env_of(d.environment_id).map(|(p, e)| format!("{p}/{e}")).unwrap_or_default(),
                kind: kind_of(d.database_type.as_deref()),
                status: d.status.clone(),
                image: d.image.clone().unwrap_or_default(),
                port: d.public_port.map(|p| p.to_string()).unwrap_or_default(),
                schedule: match b.by_db.get(&d.uuid) {
                    Some(s) if s.is_empty() => "none".into(),
                    Some(s) => s.iter().map(|b| b.frequency.clone()).collect::<Vec<_>>().join(", "),
                    None => String::new(),
                },
                backup: match (health, &b.error) {
                    (Some(h), _) if local_only(b.by_db.get(&d.uuid)) => format!("{} [local]", h.summary(b.as_of)),
                    (Some(h), _) => h.summary(b.as_of),
                    (None, Some(_)) => "unknown (not loaded)".into(),
                    (None, None) => "…".into(),
                },
                local_only: local_only(b.by_db.get(&d.uuid)),
                warn: health.is_some_and(Health::is_warning),
                error: health.is_some_and(Health::is_error),
            }
        })
        .collect()
}

#[derive(Default)]
pub struct DatabasesPane {
    pub table: Table<DbRow>,
    /// The database whose detail is open (by uuid).
    pub detail: Option<String>,
    pub detail_scroll: u16,
    /// The backup warning was given (once; later reloads leave the status line alone).
    warned: bool,
    /// Coolify's S3 destinations, as last loaded `(uuid, name, bucket, usable)`.
    pub s3: Vec<crate::coolify::model::S3Storage>,
}

#[derive(Debug)]
pub enum Msg {
    BackupDone { db: String, result: Result<String, crate::ops::Error> },
    /// A database's last log lines (sanitised).
    Logs { db: String, result: Result<Vec<String>, String> },
    /// Coolify's S3 destinations `(uuid, name, bucket, usable)`, for a schedule of `db`.
    S3 { db: String, result: Result<Vec<crate::coolify::model::S3Storage>, String> },
}

impl PaneInfo for DatabasesPane {
    const TITLE: &'static str = "Databases";
    const NAMES: &'static [&'static str] = &["databases", "database", "db", "dbs", "backups"];
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::BackupDone { db, result } => {
                let name = cx.world.coolify.as_ref().and_then(|i| i.db_by_name(&db)).map(|d| d.name.clone()).unwrap_or(db);
                match result {
                    Ok(m) => cx.say(Level::Ok, format!("backup of {name}: {m}")),
                    Err(e) => cx.say(Level::Error, format!("backup of {name}: {e}")),
                }
                cx.load(Load::Backups);
            }
            Msg::Logs { db, result } => {
                let name = self.table.items().iter().find(|r| r.uuid == db).map(|r| r.name.clone()).unwrap_or(db);
                match result {
                    Ok(lines) => {
                        // The last 30 lines, in a notice that waits to be read.
                        let shown: Vec<String> = lines.iter().skip(lines.len().saturating_sub(30)).map(|l| format!("  {l}")).collect();
                        let c = Confirm::new(&format!("Log of {name} (last {} of {})", shown.len(), lines.len()), shown, &cx.world.coolify_name(), vec![]);
                        cx.open(Dialog::Confirm(c));
                    }
                    Err(e) => cx.say(Level::Warn, format!("log of {name}: {e}")),
                }
            }
            Msg::S3 { db, result: Ok(list) } => {
                self.s3 = list;
                self.schedule_form(&db, cx);
            }
            Msg::S3 { result: Err(e), .. } => cx.say(Level::Error, format!("S3 destinations: {e}")),
        }
        vec![]
    }
}

impl DatabasesPane {
    /// The database acted on: the open detail's, else the cursor's.
    pub fn selected(&self) -> Option<&DbRow> {
        match &self.detail {
            Some(uuid) => self.table.items().iter().find(|r| &r.uuid == uuid),
            None => self.table.selected(),
        }
    }

    fn rebuild(&mut self, cx: &mut Cx) {
        self.table.set_items(rows(cx.world));
        self.table.scroll_to_cursor(cx.height);
        if let Some(uuid) = &self.detail
            && !self.table.items().iter().any(|r| &r.uuid == uuid)
        {
            cx.say(Level::Warn, format!("database {uuid} is gone from Coolify: back to the list"));
            self.detail = None;
        }
    }

    fn backup_now(&self, row: &DbRow, cx: &mut Cx) {
        let schedules = cx.world.backups.by_db.get(&row.uuid).cloned().unwrap_or_default();
        let Some(b) = schedules.iter().find(|b| b.enabled).or(schedules.first()) else {
            cx.say(Level::Warn, format!("{} has no backup schedule: Coolify can only run a scheduled backup (add one in Coolify first)", row.name));
            return;
        };
        if !row.status.starts_with("running") {
            cx.say(Level::Warn, format!("{} is {}: Coolify skips backups of a database that is not running", row.name, row.status));
            return;
        }
        let c = Confirm::new(
            &format!("Back up {} now", row.name),
            vec![
                format!("+ backup of {} (schedule {}{})", row.name, b.frequency, if b.save_s3 { ", also to S3" } else { "" }),
                "  pg_dump --format=custom; cutover follows it until it ends".into(),
            ],
            &cx.world.coolify_name(),
            vec![Effect::TriggerBackup { db: row.uuid.clone(), backup: b.uuid.clone() }],
        );
        cx.open(Dialog::Confirm(c));
    }

    /// A new PostgreSQL: where (project/environment, server), its name, image and database.
    fn new_database_form(&self, cx: &mut Cx) {
        let Some(inv) = &cx.world.coolify else { return };
        let places: Vec<String> = inv.projects.iter().flat_map(|p| p.environments.iter().map(move |e| format!("{}/{}", p.name, e.name))).collect();
        let servers: Vec<String> = inv.servers.iter().map(|s| s.name.clone()).collect();
        if places.is_empty() || servers.is_empty() {
            cx.say(Level::Warn, "Coolify has no project or no server to put a database in");
            return;
        }
        let mut f = Form::new(
            "New PostgreSQL database",
            FormKind::NewDatabase,
            vec![
                Field::choice("where", &places.iter().map(String::as_str).collect::<Vec<_>>(), "", "project/environment"),
                Field::choice("server", &servers.iter().map(String::as_str).collect::<Vec<_>>(), "", "the Coolify server it runs on"),
                Field::new("name", "", "as Coolify lists it, e.g. shop-production-db"),
                Field::choice("image", &["postgres:17-alpine", "postgres:16-alpine", "postgres:15-alpine"], "postgres:17-alpine", "the major version"),
                Field::new("database", "postgres", "the database created in it"),
                Field::new("user", "postgres", ""),
                Field::new("public_port", "", "empty: reachable on Coolify's network only (the safe default)"),
            ],
        );
        f.note = vec!["Coolify sets its password; cutover never shows it. It starts at once; add a backup schedule next (B).".into()];
        cx.open(Dialog::Form(f));
    }

    /// A backup schedule: how often, where (local only, or an S3 destination), how many kept.
    fn schedule_form(&self, db: &str, cx: &mut Cx) {
        let Some(row) = self.table.items().iter().find(|r| r.uuid == db).cloned() else { return };
        let mut dests: Vec<String> = self.s3.iter().filter(|s| s.usable).map(|s| format!("S3 {} ({})", s.name, s.bucket)).collect();
        dests.push("local only".into());
        let mut f = Form::new(
            &format!("Backup schedule of {}", row.name),
            FormKind::BackupSchedule { db: db.to_string() },
            vec![
                Field::new("frequency", "0 2 * * *", "cron, or hourly, daily, weekly, monthly"),
                Field::choice("to", &dests.iter().map(String::as_str).collect::<Vec<_>>(), "", "local only: a lost server takes its backups along"),
                Field::new("keep", "7", "how many kept (on the server, and on S3)"),
                Field::choice("now", &["yes", "no"], "yes", "run the first backup at once"),
            ],
        );
        if self.s3.iter().all(|s| !s.usable) {
            f.note = vec!["Coolify has no usable S3 destination: add one in Coolify (S3 Storages) for off-server copies.".into()];
        }
        cx.open(Dialog::Form(f));
    }

    fn submit_form(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.coolify_name();
        match form.kind.clone() {
            FormKind::NewDatabase => {
                let Some(inv) = cx.world.coolify.clone() else { return Err(Box::new(form)) };
                let (project, env) = form.get("where").split_once('/').map(|(p, e)| (p.to_string(), e.to_string())).unwrap_or_default();
                let Some(p) = inv.projects.iter().find(|x| x.name == project) else {
                    form.set_error("where", "choose a project/environment");
                    return Err(Box::new(form));
                };
                let Some(server) = inv.servers.iter().find(|s| s.name == form.get("server")) else {
                    form.set_error("server", "choose a server");
                    return Err(Box::new(form));
                };
                let name = form.get("name").trim().to_string();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    form.set_error("name", "letters, digits, - and _");
                } else if inv.db_by_name(&name).is_some() {
                    form.set_error("name", format!("Coolify has a database named {name}"));
                }
                let ident = |s: &str| !s.is_empty() && s.len() <= 63 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                for k in ["database", "user"] {
                    if !ident(form.get(k)) {
                        form.set_error(k, "lower-case letters, digits and _ (at most 63)");
                    }
                }
                let port = form.get("public_port").trim().to_string();
                let port: Option<u16> = match port.as_str() {
                    "" => None,
                    p => match p.parse::<u16>().ok().filter(|p| *p >= 1024) {
                        Some(p) => Some(p),
                        None => {
                            form.set_error("public_port", "a port from 1024 to 65535, or empty");
                            None
                        }
                    },
                };
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                // Both: Coolify takes either, its document wants both.
                let env_uuid = p.environments.iter().find(|e| e.name == env).map(|e| e.uuid.clone()).unwrap_or_default();
                let mut body = serde_json::json!({
                    "server_uuid": server.uuid, "project_uuid": p.uuid, "environment_name": env, "environment_uuid": env_uuid, "name": name,
                    "image": form.get("image"), "postgres_db": form.get("database"), "postgres_user": form.get("user"),
                    "instant_deploy": true,
                });
                if let Some(pt) = port {
                    body["is_public"] = serde_json::json!(true);
                    body["public_port"] = serde_json::json!(pt);
                }
                let mut lines = vec![
                    format!("+ PostgreSQL {name} ({}) in {project}/{env} on {}", form.get("image"), server.name),
                    format!("  database {}, user {}, password set by Coolify", form.get("database"), form.get("user")),
                ];
                lines.push(match port {
                    Some(pt) => format!("  public on {}:{pt}: open to the internet unless a firewall closes it", server.ip),
                    None => "  not public: applications reach it on Coolify's network".into(),
                });
                let c = Confirm::new(
                    &format!("Create {name}"),
                    lines,
                    &ctx,
                    vec![Effect::Cf {
                        to: PaneId::Databases,
                        label: format!("create {name}"),
                        ops: vec![CfOp::CreatePostgres { name: name.clone(), body }],
                        after: After::Databases,
                    }],
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::BackupSchedule { db } => {
                let name = self.table.items().iter().find(|r| r.uuid == db).map(|r| r.name.clone()).unwrap_or_else(|| db.clone());
                let freq = form.get("frequency").trim().to_string();
                let cron = crate::coolify::schedule::cron_of(&freq);
                if freq.is_empty() || <croner::Cron as std::str::FromStr>::from_str(&cron).is_err() {
                    form.set_error("frequency", "a cron expression (0 2 * * *) or hourly, daily, weekly, monthly, yearly");
                }
                let keep = form.get("keep").trim().parse::<i64>().ok().filter(|n| (1..=1000).contains(n));
                if keep.is_none() {
                    form.set_error("keep", "a number from 1 to 1000");
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                let to = form.get("to").to_string();
                let s3 = self.s3.iter().find(|s| to == format!("S3 {} ({})", s.name, s.bucket)).cloned();
                let now = form.get("now") == "yes";
                let keep = keep.unwrap_or(7);
                let mut body = serde_json::json!({"frequency": freq, "enabled": true, "backup_now": now, "database_backup_retention_amount_locally": keep});
                if let Some(s) = &s3 {
                    body["save_s3"] = serde_json::json!(true);
                    body["s3_storage_uuid"] = serde_json::json!(s.uuid);
                    body["database_backup_retention_amount_s3"] = serde_json::json!(keep);
                }
                let mut lines = vec![
                    format!("+ backups of {name}: {freq}, {keep} kept"),
                    match &s3 {
                        Some(s) => format!("  on the server and on S3 {} (bucket {})", s.name, s.bucket),
                        None => "  on the database's server only".into(),
                    },
                ];
                if now {
                    lines.push("  the first one runs now".into());
                }
                let mut c = Confirm::new(
                    &format!("Backup schedule of {name}"),
                    lines,
                    &ctx,
                    vec![Effect::Cf {
                        to: PaneId::Databases,
                        label: format!("schedule backups of {name}"),
                        ops: vec![CfOp::CreateBackup { db: db.clone(), name: name.clone(), body }],
                        after: After::Databases,
                    }],
                );
                if s3.is_none() {
                    c = c.warn("Local only: a lost server takes its backups along.");
                }
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            _ => Err(Box::new(form)),
        }
    }

    fn power_menu(&self, row: &DbRow, cx: &mut Cx) {
        let ctx = cx.world.coolify_name();
        let item = |verb: &str, label: &str, detail: &str| {
            let mut c = Confirm::new(
                &format!("{label} {}", row.name),
                vec![format!("~ {} ({}) -> {verb}", row.name, row.status), format!("  {detail}")],
                &ctx,
                vec![Effect::Cf {
                    to: PaneId::Databases,
                    label: format!("{verb} {}", row.name),
                    ops: vec![CfOp::DbAction { db: row.uuid.clone(), name: row.name.clone(), verb: verb.into() }],
                    after: After::Databases,
                }],
            );
            if verb != "start" {
                c = c.warn("Applications using this database fail until it is back.").typed(&row.name);
            }
            MenuItem { label: label.into(), detail: detail.into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
        };
        let items = vec![
            item("start", "Start", "start the database container"),
            item("restart", "Restart", "restart the container; connections drop"),
            item("stop", "Stop", "stop the container"),
        ];
        cx.open(Dialog::Menu(Menu { title: format!("{} ({})", row.name, row.status), items, cursor: 0 }));
    }
}

impl Pane for DatabasesPane {
    fn scopes(&self) -> &'static [Scope] {
        match self.detail {
            Some(_) => &[Scope::Databases, Scope::Detail],
            None => &[Scope::Databases, Scope::List],
        }
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if self.detail.is_none() && self.table.navigate_in(cmd, cx.height, cx.width) {
            return vec![];
        }
        match cmd {
            Command::Open if self.detail.is_none() => {
                if let Some(r) = self.table.selected() {
                    self.detail = Some(r.uuid.clone());
                    self.detail_scroll = 0;
                }
            }
            Command::Back if self.detail.is_some() => self.detail = None,
            Command::Back => self.table.set_filter(None),
            Command::ScrollDown | Command::Down => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Command::ScrollUp | Command::Up => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Command::Refresh => {
                cx.load(Load::CoolifyFresh);
                cx.load(Load::Backups);
            }
            Command::BackupNow | Command::DbMenu => {
                let Some(row) = self.selected().cloned() else { return vec![] };
                if cmd == Command::BackupNow {
                    self.backup_now(&row, cx);
                } else {
                    self.power_menu(&row, cx);
                }
            }
            Command::NewDatabase => self.new_database_form(cx),
            Command::DbLogs => {
                if let Some(row) = self.selected() {
                    return vec![Effect::LoadDbLogs { db: row.uuid.clone() }];
                }
            }
            Command::BackupSchedule => {
                if let Some(row) = self.selected() {
                    return vec![Effect::LoadS3 { db: row.uuid.clone() }];
                }
            }
            _ => {}
        }
        vec![]
    }

    fn submit(&mut self, form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        self.submit_form(form, cx)
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        cx.ensure(Load::Backups);
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        match what {
            Changed::Coolify | Changed::Drills => self.rebuild(cx),
            Changed::Backups => {
                self.rebuild(cx);
                let warn = cx.world.backups.health.values().filter(|h| h.is_warning()).count();
                // Said once; later reloads leave the status line to what caused them.
                if !self.warned && warn > 0 && cx.shown {
                    cx.say(Level::Warn, format!("{warn} database(s) without a recent good backup"));
                }
                self.warned |= !cx.world.backups.health.is_empty();
            }
            _ => {}
        }
        vec![]
    }

    fn on_op_done(&mut self, after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        if *after == After::Databases {
            cx.load(Load::Coolify);
            cx.load(Load::Backups);
        }
        vec![]
    }

    /// `:db NAME` puts the cursor on that database.
    fn on_line(&mut self, _word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let name = args.trim();
        if !name.is_empty() {
            self.detail = None;
            super::select_named_or_wait(&mut self.table, 0, "database", "db", name, cx);
        }
        vec![]
    }

    fn focus(&mut self, id: &str, cx: &mut Cx) -> Vec<Effect> {
        self.detail = None;
        self.table.select_id(id);
        self.table.scroll_to_cursor(cx.height);
        vec![]
    }

    fn filter(&self) -> Option<String> {
        self.detail.is_none().then(|| self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
}

/// Every schedule that runs keeps its backups on the server only (no S3).
fn local_only(schedules: Option<&Vec<crate::coolify::model::Backup>>) -> bool {
    let on: Vec<_> = schedules.into_iter().flatten().filter(|b| b.enabled).collect();
    !on.is_empty() && on.iter().all(|b| !b.save_s3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::TestCx;
    use crate::coolify::model::{Backup, Database, Inventory};

    fn world(t: &mut TestCx) {
        let db = |uuid: &str, name: &str, status: &str| -> Database {
            serde_json::from_value(serde_json::json!({
                "uuid": uuid, "name": name, "status": status, "database_type": "standalone-postgresql"
            }))
            .unwrap_or_else(|e| panic!("db: {e}"))
        };
        t.world.coolify = Some(Inventory {
            databases: vec![db("d1", "shop-db", "running:healthy"), db("d2", "blog-db", "exited")],
            ..Default::default()
        });
        t.world.contexts.coolify = Some("test".into());
    }

    #[test]
    fn detail_is_bound_to_the_database_and_backup_needs_a_schedule() {
        let mut t = TestCx::new();
        world(&mut t);
        let mut p = DatabasesPane::default();
        p.on_world(Changed::Coolify, &mut t.cx());
        assert_eq!(p.table.selected().map(|r| r.name.as_str()), Some("blog-db"), "sorted by name, PostgreSQL first");
        p.on_command(Command::Down, &mut t.cx());
        p.on_command(Command::Open, &mut t.cx());
        assert_eq!(p.detail.as_deref(), Some("d1"));
        assert_eq!(p.scopes(), &[Scope::Databases, Scope::Detail]);
        p.on_command(Command::BackupNow, &mut t.cx());
        assert!(t.said().iter().any(|m| m.contains("shop-db has no backup schedule")), "{:?}", t.said());
        let backup: Backup = serde_json::from_value(serde_json::json!({"uuid": "b1", "frequency": "daily", "enabled": true}))
            .unwrap_or_else(|e| panic!("backup: {e}"));
        t.world.backups.by_db.insert("d1".into(), vec![backup]);
        p.on_command(Command::BackupNow, &mut t.cx());
        let Some(Dialog::Confirm(c)) = &t.out.dialog else { panic!("a confirmation opens") };
        assert_eq!(c.on_yes, [Effect::TriggerBackup { db: "d1".into(), backup: "b1".into() }]);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.detail, None);
    }

    #[test]
    fn showing_the_pane_loads_backups_once() {
        let mut t = TestCx::new();
        world(&mut t);
        let mut p = DatabasesPane::default();
        p.on_show(&mut t.cx());
        assert_eq!(t.out.requests, [crate::app::cx::Request::Load(Load::Backups, false)]);
    }
}
