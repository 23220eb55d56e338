//! The version inventory (a view under the Deployments tab): every
//! application's Python and Django versions (from its build settings and from
//! its running container), key packages, build pack, OS, and the backup health
//! of the database beside it. Exported as JSON or CSV.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{Effect, ProbeTarget};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Dialog, Field, Form, FormKind, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::app::world::World;
use crate::input::{Command, Scope};
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
pub struct VersionsPane {
    pub table: Table<VRow>,
    pub probes: HashMap<String, Probe>,
    pub build_python: HashMap<String, String>,
    pub probed: bool,
    /// The commit each application ran when it was probed: a deployment of
    /// another commit makes its versions stale, and it is probed again.
    pub probed_commit: HashMap<String, Option<String>>,
}

#[derive(Debug)]
pub enum Msg {
    /// Versions read from one application's build settings and running container.
    Probed { app: String, build_python: Option<String>, runtime: Result<Vec<(String, String)>, String> },
    ProbesDone { ok: usize, failed: usize },
}

impl PaneInfo for VersionsPane {
    const TITLE: &'static str = "Versions";
    const NAMES: &'static [&'static str] = &["versions", "inventory", "inv"];
    const PARENT: Option<PaneId> = Some(PaneId::Deployments);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Probed { app, build_python, runtime } => {
                if let Some(p) = build_python {
                    self.build_python.insert(app.clone(), p);
                }
                self.probes.insert(
                    app,
                    match runtime {
                        Ok(kv) => Probe::Done(kv),
                        Err(e) => Probe::Failed(e),
                    },
                );
                self.rebuild(cx);
            }
            Msg::ProbesDone { ok, failed } => {
                if failed == 0 {
                    cx.say(Level::Ok, format!("versions read from {ok} containers"));
                } else {
                    cx.say(
                        Level::Warn,
                        format!("versions read from {ok} containers; {failed} could not be read (Enter on a row says why)"),
                    );
                }
            }
        }
        vec![]
    }
}

fn short_os(os: &str) -> String {
    os.replace("GNU/Linux ", "").replace(" LTS", "")
}

/// The rows, from the inventory, the probes and the backups.
pub fn rows(world: &World, v: &VersionsPane) -> Vec<VRow> {
    let Some(inv) = &world.coolify else { return vec![] };
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
                Some(d) => match world.backups.health.get(&d.uuid) {
                    Some(h) => h.summary(world.backups.as_of),
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

impl VersionsPane {
    fn rebuild(&mut self, cx: &Cx) {
        let r = rows(cx.world, self);
        self.table.set_items(r);
        self.table.scroll_to_cursor(cx.height);
    }

    /// Every application with where its container runs.
    fn targets(cx: &Cx) -> Vec<ProbeTarget> {
        let Some(inv) = &cx.world.coolify else { return vec![] };
        inv.applications
            .iter()
            .map(|a| ProbeTarget { app: a.uuid.clone(), host: cx.world.resource_host("app", &a.uuid).ok().map(|(_, h)| h) })
            .collect()
    }

    fn commit(cx: &Cx, app: &str) -> Option<String> {
        cx.world.coolify.as_ref()?.applications.iter().find(|a| a.uuid == app)?.git_commit_sha.clone()
    }

    fn probe_all(&mut self, cx: &mut Cx) -> Vec<Effect> {
        let t = Self::targets(cx);
        self.probed = true;
        for x in &t {
            self.probes.insert(x.app.clone(), Probe::Running);
            self.probed_commit.insert(x.app.clone(), Self::commit(cx, &x.app));
        }
        cx.ensure(Load::Backups);
        self.rebuild(cx);
        vec![Effect::Probe { targets: t }]
    }
}

impl Pane for VersionsPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Versions, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if self.table.navigate_in(cmd, cx.height, cx.width) {
            return vec![];
        }
        match cmd {
            Command::Back if self.table.filter().is_some() => self.table.set_filter(None),
            Command::Back => cx.go(PaneId::Deployments),
            Command::Refresh => {
                cx.load(Load::Backups);
                return self.probe_all(cx);
            }
            Command::Open => {
                if let Some(app) = self.table.selected()
                    && !app.probe.is_empty()
                {
                    cx.say(Level::Warn, format!("{}: {}", app.application, app.probe));
                }
            }
            Command::ExportInventory => {
                let mut f =
                    Form::new("Export the inventory", FormKind::ExportInventory, vec![Field::new("file", "cutover-inventory.json", "ends in .json or .csv")]);
                f.note = vec![format!("{} applications, as shown (filter and sort apply).", self.table.len())];
                cx.open(Dialog::Form(f));
            }
            _ => {}
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.coolify.is_none() {
            cx.say(Level::Warn, "the Coolify resources are not loaded (no Coolify instance, or still loading)");
            cx.go(PaneId::Deployments);
            return vec![];
        }
        if !self.probed {
            return self.probe_all(cx);
        }
        self.rebuild(cx);
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if !(matches!(what, Changed::Coolify | Changed::Backups) && self.probed) {
            return vec![];
        }
        // Applications deployed at another commit since they were probed: their
        // versions are stale (a deploy may have installed another Django).
        let stale: Vec<ProbeTarget> = Self::targets(cx)
            .into_iter()
            .filter(|x| self.probed_commit.get(&x.app).is_some_and(|c| *c != Self::commit(cx, &x.app)))
            .collect();
        for x in &stale {
            self.probes.insert(x.app.clone(), Probe::Running);
            self.probed_commit.insert(x.app.clone(), Self::commit(cx, &x.app));
        }
        self.rebuild(cx);
        if stale.is_empty() { vec![] } else { vec![Effect::Probe { targets: stale }] }
    }

    fn filter(&self) -> Option<String> {
        Some(self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn submit(&mut self, mut form: Form, _cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let path = form.get("file").to_string();
        let t = &self.table;
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

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::{Request, TestCx};
    use crate::coolify::model::{Application, Inventory};

    fn world(t: &mut TestCx) {
        let app = |uuid: &str, name: &str| Application { uuid: uuid.into(), name: name.into(), build_pack: "nixpacks".into(), ..Default::default() };
        t.world.coolify = Some(Inventory { applications: vec![app("a1", "shop"), app("a2", "blog")], ..Default::default() });
        t.world.contexts.coolify = Some("test".into());
    }

    #[test]
    fn an_application_deployed_at_another_commit_is_probed_again() {
        let mut t = TestCx::new();
        world(&mut t);
        let mut p = VersionsPane::default();
        p.on_show(&mut t.cx());
        p.on_msg(Msg::Probed { app: "a1".into(), build_python: None, runtime: Ok(vec![("django".into(), "6.0.4".into())]) }, &mut t.cx());
        // An inventory reload with nothing deployed: nothing to probe.
        assert!(p.on_world(Changed::Coolify, &mut t.cx()).is_empty());
        // shop was deployed at a new commit.
        if let Some(inv) = t.world.coolify.as_mut() {
            inv.applications[0].git_commit_sha = Some("abc1234".into());
        }
        let e = p.on_world(Changed::Coolify, &mut t.cx());
        assert!(matches!(&e[..], [Effect::Probe { targets }] if targets.len() == 1 && targets[0].app == "a1"), "{e:?}");
        assert!(matches!(p.probes.get("a1"), Some(Probe::Running)), "its old versions are not shown as current");
        assert!(p.on_world(Changed::Coolify, &mut t.cx()).is_empty(), "once");
    }

    #[test]
    fn showing_probes_once_and_every_key_works() {
        let mut t = TestCx::new();
        world(&mut t);
        let mut p = VersionsPane::default();
        let e = p.on_show(&mut t.cx());
        assert!(matches!(&e[..], [Effect::Probe { targets }] if targets.len() == 2));
        assert!(t.out.requests.contains(&Request::Load(Load::Backups, false)));
        assert!(p.on_show(&mut t.cx()).is_empty(), "probed once; refresh probes again");
        p.on_msg(Msg::Probed { app: "a1".into(), build_python: Some("3.12".into()), runtime: Ok(vec![("python".into(), "3.12.7".into())]) }, &mut t.cx());
        p.on_msg(Msg::Probed { app: "a2".into(), build_python: None, runtime: Err("no running container".into()) }, &mut t.cx());
        assert_eq!(p.table.selected().map(|r| (r.application.as_str(), r.python.as_str())), Some(("blog", "?")));
        p.on_command(Command::Open, &mut t.cx());
        assert_eq!(t.said(), ["blog: no running container"]);
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.table.selected().map(|r| (r.application.as_str(), r.python.as_str(), r.python_build.as_str())), Some(("shop", "3.12.7", "3.12")));
        p.on_command(Command::ExportInventory, &mut t.cx());
        assert!(matches!(&t.out.dialog, Some(Dialog::Form(f)) if f.kind == FormKind::ExportInventory));
        p.on_command(Command::Back, &mut t.cx());
        assert!(t.out.requests.contains(&Request::Go(PaneId::Deployments, None)));
        assert!(matches!(&p.on_command(Command::Refresh, &mut t.cx())[..], [Effect::Probe { .. }]));
    }


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
