//! The Databases pane: Coolify databases (PostgreSQL first), their scheduled
//! backups and how healthy those are, backup now, start/stop/restart.

use super::action::{CfAfter, CfOp, Effect};
use super::dialog::{Confirm, Dialog, Menu, MenuItem, Then};
use super::state::{Level, State};
use super::table::{Align, Column, Row, SortKey, Table};
use crate::coolify::model::Backup;
use crate::coolify::schedule::{self, Health};
use crate::input::Command;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::HashMap;

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
}

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 20, align: Align::Left, priority: 0 },
    Column { title: "STATUS", width: 15, align: Align::Left, priority: 0 },
    Column { title: "BACKUP", width: 28, align: Align::Left, priority: 0 },
    Column { title: "SCHEDULE", width: 10, align: Align::Left, priority: 1 },
    Column { title: "PROJECT/ENV", width: 22, align: Align::Left, priority: 2 },
    Column { title: "IMAGE", width: 18, align: Align::Left, priority: 3 },
    Column { title: "PUBLIC", width: 6, align: Align::Right, priority: 2 },
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
        format!("{} {} {} {} {} {} {}", self.name, self.kind, self.status, self.backup, self.schedule, self.group, self.image)
    }
    fn id(&self) -> String {
        self.uuid.clone()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    List,
    Detail,
}

pub struct DatabasesPane {
    pub table: Table<DbRow>,
    pub view: View,
    pub detail_scroll: u16,
    pub backups: HashMap<String, Vec<Backup>>,
    pub health: HashMap<String, Health>,
    /// When the backups were read (ages are counted from here).
    pub as_of: DateTime<Utc>,
    /// Backups requested (or loaded).
    pub loaded: bool,
    pub error: Option<String>,
}

impl Default for DatabasesPane {
    fn default() -> Self {
        DatabasesPane {
            table: Table::default(),
            view: View::List,
            detail_scroll: 0,
            backups: HashMap::new(),
            health: HashMap::new(),
            as_of: DateTime::<Utc>::MIN_UTC,
            loaded: false,
            error: None,
        }
    }
}

/// `standalone-postgresql` -> `postgresql`.
pub fn kind_of(t: Option<&str>) -> String {
    t.unwrap_or("").trim_start_matches("standalone-").to_string()
}

impl State {
    pub fn rebuild_databases(&mut self) {
        let Some(inv) = &self.coolify else { return };
        let p = &self.databases;
        let rows: Vec<DbRow> = inv
            .databases
            .iter()
            .map(|d| {
                let health = p.health.get(&d.uuid);
                let schedules = p.backups.get(&d.uuid);
                DbRow {
                    uuid: d.uuid.clone(),
                    name: d.name.clone(),
                    group: inv.env_of(d.environment_id).map(|(p, e)| format!("{p}/{e}")).unwrap_or_default(),
                    kind: kind_of(d.database_type.as_deref()),
                    status: d.status.clone(),
                    image: d.image.clone().unwrap_or_default(),
                    port: d.public_port.map(|p| p.to_string()).unwrap_or_default(),
                    schedule: match schedules {
                        Some(s) if s.is_empty() => "none".into(),
                        Some(s) => s.iter().map(|b| b.frequency.clone()).collect::<Vec<_>>().join(", "),
                        None => String::new(),
                    },
                    backup: match (health, &p.error) {
                        (Some(h), _) => h.summary(p.as_of),
                        (None, Some(_)) => "unknown (not loaded)".into(),
                        (None, None) => "…".into(),
                    },
                    warn: health.is_some_and(Health::is_warning),
                    error: health.is_some_and(Health::is_error),
                }
            })
            .collect();
        let h = self.list_height();
        let t = &mut self.databases.table;
        t.set_items(rows);
        t.scroll_to_cursor(h);
        if self.deployments.view == super::deployments::View::Versions {
            self.rebuild_versions();
        }
    }

    pub fn on_backups(&mut self, at: DateTime<Utc>, result: Result<Vec<(String, Vec<Backup>)>, String>) {
        match result {
            Ok(list) => {
                let first = self.databases.health.is_empty();
                self.databases.error = None;
                self.databases.as_of = at;
                for (db, b) in list {
                    self.databases.health.insert(db.clone(), schedule::of_database(&b, at));
                    self.databases.backups.insert(db, b);
                }
                let warn = self.databases.health.values().filter(|h| h.is_warning()).count();
                // Said once; later reloads leave the status line to what caused them.
                if first && warn > 0 && self.pane == super::pane::Pane::Databases {
                    self.set_message(Level::Warn, format!("{warn} database(s) without a recent good backup"));
                }
            }
            Err(e) => {
                self.databases.error = Some(e.clone());
                self.set_message(Level::Error, format!("backups: {e}"));
            }
        }
        self.rebuild_databases();
    }
}

/// Shows the pane with the cursor on a database.
pub fn select(state: &mut State, uuid: &str) {
    state.databases.table.select_id(uuid);
    let h = state.list_height();
    state.databases.table.scroll_to_cursor(h);
}

/// What the pane needs the first time it is shown.
pub fn on_show(state: &mut State) -> Vec<Effect> {
    if state.contexts.coolify.is_some() && !state.databases.loaded {
        state.databases.loaded = true;
        return vec![Effect::LoadBackups];
    }
    vec![]
}

pub fn run(state: &mut State, cmd: Command) -> Vec<Effect> {
    let h = state.list_height();
    let p = &mut state.databases;
    if p.view == View::List && p.table.navigate(cmd, h) {
        return vec![];
    }
    match cmd {
        Command::Open if p.view == View::List && p.table.selected().is_some() => {
            p.view = View::Detail;
            p.detail_scroll = 0;
        }
        Command::Back if p.view == View::Detail => p.view = View::List,
        Command::Back => p.table.set_filter(None),
        Command::ScrollDown | Command::Down => p.detail_scroll = p.detail_scroll.saturating_add(1),
        Command::ScrollUp | Command::Up => p.detail_scroll = p.detail_scroll.saturating_sub(1),
        Command::Refresh => {
            p.loaded = true;
            return vec![Effect::LoadCoolify, Effect::LoadBackups];
        }
        Command::BackupNow | Command::DbMenu => {
            if state.readonly {
                state.set_message(Level::Warn, "read-only: database actions are disabled");
                return vec![];
            }
            let Some(row) = state.databases.table.selected().cloned() else { return vec![] };
            let ctx = state.coolify_name();
            if cmd == Command::BackupNow {
                return backup_now(state, &row, &ctx);
            }
            let item = |verb: &str, label: &str, detail: &str| {
                let mut c = Confirm::new(
                    &format!("{label} {}", row.name),
                    vec![format!("~ {} ({}) -> {verb}", row.name, row.status), format!("  {detail}")],
                    &ctx,
                    vec![Effect::Cf {
                        label: format!("{verb} {}", row.name),
                        ops: vec![CfOp::DbAction { db: row.uuid.clone(), name: row.name.clone(), verb: verb.into() }],
                        after: CfAfter::Databases,
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
            state.dialog = Some(Dialog::Menu(Menu { title: format!("{} ({})", row.name, row.status), items, cursor: 0 }));
        }
        _ => {}
    }
    vec![]
}

fn backup_now(state: &mut State, row: &DbRow, ctx: &str) -> Vec<Effect> {
    let schedules = state.databases.backups.get(&row.uuid).cloned().unwrap_or_default();
    let Some(b) = schedules.iter().find(|b| b.enabled).or(schedules.first()) else {
        state.set_message(
            Level::Warn,
            format!("{} has no backup schedule: Coolify can only run a scheduled backup (add one in Coolify first)", row.name),
        );
        return vec![];
    };
    if !row.status.starts_with("running") {
        state.set_message(Level::Warn, format!("{} is {}: Coolify skips backups of a database that is not running", row.name, row.status));
        return vec![];
    }
    let c = Confirm::new(
        &format!("Back up {} now", row.name),
        vec![
            format!("+ backup of {} (schedule {}{})", row.name, b.frequency, if b.save_s3 { ", also to S3" } else { "" }),
            "  pg_dump --format=custom; cutover follows it until it ends".into(),
        ],
        ctx,
        vec![Effect::TriggerBackup { db: row.uuid.clone(), backup: b.uuid.clone() }],
    );
    state.dialog = Some(Dialog::Confirm(c));
    vec![]
}
