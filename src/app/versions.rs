//! The version inventory: every application's Python and Django versions (from
//! its build settings and from its running container), key packages, build
//! pack, OS, and the backup health of the database beside it. Exported as JSON
//! or CSV.

use super::action::{Effect, ProbeTarget};
use super::dialog::{Dialog, Field, Form, FormKind, Then};
use super::state::{Level, State};
use super::table::{Align, Column, Row, SortKey, Table};
use crate::input::Command;
use std::borrow::Cow;
use std::collections::HashMap;

/// What probing one application's container gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Probe {
    Running,
    /// `key=value` pairs: python, django, other packages, os.
    Done(Vec<(String, String)>),
    Failed(String),
}

/// Packages worth a column besides Python and Django.
pub const PACKAGES: &[&str] = &["gunicorn", "uvicorn", "psycopg", "psycopg2", "celery", "wagtail", "djangorestframework"];

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VRow {
    #[serde(skip)]
    pub uuid: String,
    pub application: String,
    pub project: String,
    pub environment: String,
    pub build_pack: String,
    /// From the build settings (NIXPACKS_PYTHON_VERSION or PYTHON_VERSION).
    pub python_build: String,
    pub python: String,
    pub django: String,
    pub packages: String,
    pub os: String,
    pub database: String,
    pub backup: String,
    /// Why the runtime columns are empty, when they are.
    pub probe: String,
}

const COLUMNS: &[Column] = &[
    Column { title: "APPLICATION", width: 19, align: Align::Left, priority: 0 },
    Column { title: "PY(BUILD)", width: 9, align: Align::Left, priority: 0 },
    Column { title: "PYTHON", width: 7, align: Align::Left, priority: 0 },
    Column { title: "DJANGO", width: 7, align: Align::Left, priority: 0 },
    Column { title: "BUILD", width: 13, align: Align::Left, priority: 2 },
    Column { title: "DATABASE BACKUP", width: 26, align: Align::Left, priority: 1 },
    Column { title: "PACKAGES", width: 30, align: Align::Left, priority: 3 },
    Column { title: "OS", width: 22, align: Align::Left, priority: 4 },
];

impl Row for VRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        Cow::Borrowed(match col {
            0 => &self.application,
            1 => &self.python_build,
            2 => &self.python,
            3 => &self.django,
            4 => &self.build_pack,
            5 => &self.backup,
            6 => &self.packages,
            7 => &self.os,
            _ => "",
        })
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            // Versions sort as versions (3.9 before 3.10), unknowns last.
            1..=3 => {
                let v = self.cell(col);
                if v.starts_with(|c: char| c.is_ascii_digit()) {
                    SortKey::Text(Cow::Owned(v.split('.').map(|p| format!("{p:0>5}")).collect::<Vec<_>>().join(".")))
                } else {
                    SortKey::Text(Cow::Borrowed("~"))
                }
            }
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!(
            "{} {}/{} {} python {} django {} {} {} {} {}",
            self.application,
            self.project,
            self.environment,
            self.build_pack,
            self.python,
            self.django,
            self.packages,
            self.os,
            self.database,
            self.backup
        )
    }
    fn id(&self) -> String {
        self.uuid.clone()
    }
}

#[derive(Default)]
pub struct Versions {
    pub table: Table<VRow>,
    pub probes: HashMap<String, Probe>,
    pub build_python: HashMap<String, String>,
    pub probed: bool,
}

fn short_os(os: &str) -> String {
    os.replace("GNU/Linux ", "").replace(" LTS", "")
}

/// The rows, from the inventory, the probes and the backups.
pub fn rows(state: &State) -> Vec<VRow> {
    let Some(inv) = &state.coolify else { return vec![] };
    let v = &state.deployments.versions;
    inv.applications
        .iter()
        .map(|a| {
            let (project, environment) = inv.env_of(a.environment_id).map(|(p, e)| (p.to_string(), e.to_string())).unwrap_or_default();
            let probe = v.probes.get(&a.uuid);
            let get = |k: &str| match probe {
                Some(Probe::Done(kv)) => kv.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_else(|| "-".into()),
                Some(Probe::Running) => "…".into(),
                _ => "?".into(),
            };
            let packages = match probe {
                Some(Probe::Done(kv)) => kv
                    .iter()
                    .filter(|(k, _)| PACKAGES.contains(&k.as_str()))
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => String::new(),
            };
            // The database of the same environment, the app's natural DATABASE_URL target.
            let db = inv.databases.iter().find(|d| d.environment_id.is_some() && d.environment_id == a.environment_id);
            let backup = match db {
                Some(d) => match state.databases.health.get(&d.uuid) {
                    Some(h) => h.summary(state.databases.as_of),
                    None => "…".into(),
                },
                None => "-".into(),
            };
            VRow {
                uuid: a.uuid.clone(),
                application: a.name.clone(),
                project,
                environment,
                build_pack: a.build_pack.clone(),
                python_build: v.build_python.get(&a.uuid).cloned().unwrap_or_else(|| "-".into()),
                python: get("python"),
                django: get("django"),
                packages,
                os: match probe {
                    Some(Probe::Done(_)) => short_os(&get("os")),
                    _ => String::new(),
                },
                database: db.map(|d| d.name.clone()).unwrap_or_default(),
                backup,
                probe: match probe {
                    Some(Probe::Failed(e)) => e.clone(),
                    Some(Probe::Running) => "probing".into(),
                    None => "not probed".into(),
                    Some(Probe::Done(_)) => String::new(),
                },
            }
        })
        .collect()
}

impl State {
    pub fn rebuild_versions(&mut self) {
        let r = rows(self);
        let h = self.list_height();
        let t = &mut self.deployments.versions.table;
        t.set_items(r);
        t.scroll_to_cursor(h);
    }
}

/// Every application with where its container runs.
fn targets(state: &State) -> Vec<ProbeTarget> {
    let Some(inv) = &state.coolify else { return vec![] };
    inv.applications
        .iter()
        .map(|a| ProbeTarget { app: a.uuid.clone(), host: super::logs_cmd::resource_host(state, "app", &a.uuid).ok().map(|(_, h)| h) })
        .collect()
}

fn probe_all(state: &mut State) -> Vec<Effect> {
    let t = targets(state);
    let v = &mut state.deployments.versions;
    v.probed = true;
    for x in &t {
        v.probes.insert(x.app.clone(), Probe::Running);
    }
    let mut e = vec![Effect::Probe { targets: t }];
    if !state.databases.loaded {
        state.databases.loaded = true;
        e.push(Effect::LoadBackups);
    }
    state.rebuild_versions();
    e
}

pub fn open(state: &mut State) -> Vec<Effect> {
    if state.coolify.is_none() {
        state.set_message(Level::Warn, "the Coolify resources are not loaded (no Coolify instance, or still loading)");
        return vec![];
    }
    state.deployments.view = super::deployments::View::Versions;
    if !state.deployments.versions.probed {
        return probe_all(state);
    }
    state.rebuild_versions();
    vec![]
}

/// Keys of the inventory view; `None` leaves the command to the pane (deploy,
/// variables... act on the selected application).
pub fn run(state: &mut State, cmd: Command) -> Option<Vec<Effect>> {
    let h = state.list_height();
    if state.deployments.versions.table.navigate(cmd, h) {
        return Some(vec![]);
    }
    match cmd {
        Command::Back => {
            let t = &mut state.deployments.versions.table;
            if t.filter().is_some() {
                t.set_filter(None);
            } else {
                state.deployments.view = super::deployments::View::List;
            }
        }
        Command::Refresh => {
            let mut e = probe_all(state);
            if !e.contains(&Effect::LoadBackups) {
                e.push(Effect::LoadBackups);
            }
            return Some(e);
        }
        Command::Open => {
            if let Some(app) = state.deployments.versions.table.selected() {
                let probe = app.probe.clone();
                let name = app.application.clone();
                if !probe.is_empty() {
                    state.set_message(Level::Warn, format!("{name}: {probe}"));
                }
            }
        }
        Command::ExportInventory => {
            let mut f = Form::new(
                "Export the inventory",
                FormKind::ExportInventory,
                vec![Field::new("file", "cutover-inventory.json", "ends in .json or .csv")],
            );
            f.note = vec![format!("{} applications, as shown (filter and sort apply).", state.deployments.versions.table.len())];
            state.dialog = Some(Dialog::Form(f));
        }
        Command::ShowInventory => {}
        _ => return None,
    }
    Some(vec![])
}

/// The rows shown, as JSON or CSV (by the file's extension).
pub fn export(rows: &[VRow], path: &str) -> Result<String, String> {
    // Placeholders are for the screen; a file says nothing where nothing is known.
    let blank = |s: &str| if matches!(s, "?" | "-" | "…") { String::new() } else { s.to_string() };
    let rows: Vec<VRow> = rows
        .iter()
        .map(|r| VRow {
            python_build: blank(&r.python_build),
            python: blank(&r.python),
            django: blank(&r.django),
            backup: blank(&r.backup),
            ..r.clone()
        })
        .collect();
    let rows = rows.as_slice();
    if path.ends_with(".json") {
        serde_json::to_string_pretty(rows).map(|s| s + "\n").map_err(|e| e.to_string())
    } else if path.ends_with(".csv") {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            w.serialize(r).map_err(|e| e.to_string())?;
        }
        let bytes = w.into_inner().map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|e| e.to_string())
    } else {
        Err("the file must end in .json or .csv".into())
    }
}

pub fn submit(state: &mut State, mut form: Form) -> Result<Then, Box<Form>> {
    form.clear_errors();
    let path = form.get("file").to_string();
    let t = &state.deployments.versions.table;
    let shown: Vec<VRow> = (0..t.len()).filter_map(|i| t.row(i).cloned()).collect();
    match export(&shown, &path) {
        Ok(contents) => {
            let lines = contents.lines().count();
            Ok(Then::Effects(vec![Effect::WriteFile { path, contents, lines }]))
        }
        Err(e) => {
            form.set_error("file", e);
            Err(Box::new(form))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, py: &str) -> VRow {
        VRow {
            uuid: name.into(),
            application: name.into(),
            project: "Shop".into(),
            environment: "production".into(),
            build_pack: "nixpacks".into(),
            python_build: "3.12".into(),
            python: py.into(),
            django: "5.2.4".into(),
            packages: "gunicorn 23.0.0".into(),
            os: "Debian 12, \"bookworm\"".into(),
            database: "shop-db".into(),
            backup: "shop-db: ok 5h ago".into(),
            probe: String::new(),
        }
    }

    #[test]
    fn exports_json_and_quoted_csv() {
        let rows = vec![row("shop-production", "3.12.7")];
        let j: serde_json::Value = serde_json::from_str(&export(&rows, "x.json").unwrap()).unwrap();
        assert_eq!(j[0]["application"], "shop-production");
        assert_eq!(j[0]["python"], "3.12.7");
        let c = export(&rows, "x.csv").unwrap();
        let mut lines = c.lines();
        assert_eq!(lines.next().unwrap().split(',').next(), Some("application"));
        assert!(lines.next().unwrap().contains("\"Debian 12, \"\"bookworm\"\"\""), "{c}");
        assert!(export(&rows, "x.txt").is_err());
    }
}
