//! Fleet checks (a view under the Deployments tab): every site at once,
//! before and after a move. For each Coolify application with a domain: the
//! HTTP status of its page, the days its certificate has left, what DNS
//! answers for its name (and whether public resolvers agree), where its
//! DATABASE_URL points, that database's backup health and its last restore drill.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{Effect, FleetTarget};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::app::world::World;
use crate::input::{Command, Scope};
use std::borrow::Cow;
use std::collections::HashMap;

/// What the checks of one site found (each part on its own: one failing says
/// nothing of the others).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found {
    /// The status of `GET https://domain/`.
    pub http: Option<Result<u16, String>>,
    /// Days the certificate has left.
    pub tls_days: Option<i64>,
    /// The authoritative answer for the name (`A 203.0.113.5`), and what public
    /// resolvers answer when it differs.
    pub dns: Option<Result<String, String>>,
    /// The host (and database) DATABASE_URL names, never the password; empty
    /// when the site has none.
    pub db_host: Option<Result<String, String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    Running,
    Done(Found),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FRow {
    pub uuid: String,
    pub site: String,
    pub domain: String,
    pub http: String,
    pub tls: String,
    pub dns: String,
    pub database: String,
    pub backup: String,
    pub drill: String,
    /// Something a user must look at.
    pub bad: bool,
    /// Why, in words (Enter says it).
    pub why: Vec<String>,
}

/// A certificate with less than this many days left is a problem (ACME renews at 30).
pub const TLS_WARN_DAYS: i64 = 14;

const COLUMNS: &[Column] = &[
    Column { title: "SITE", width: 22, align: Align::Left, priority: 0 },
    Column { title: "HTTP", width: 5, align: Align::Right, priority: 0 },
    Column { title: "TLS", width: 8, align: Align::Right, priority: 0 },
    Column { title: "DNS", width: 22, align: Align::Left, priority: 1 },
    Column { title: "DATABASE", width: 22, align: Align::Left, priority: 1 },
    Column { title: "BACKUP", width: 26, align: Align::Left, priority: 2 },
    Column { title: "LAST DRILL", width: 24, align: Align::Left, priority: 2 },
    Column { title: "DOMAIN", width: 24, align: Align::Left, priority: 3 },
];

impl Row for FRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        Cow::Borrowed(match col {
            0 => &self.site,
            1 => &self.http,
            2 => &self.tls,
            3 => &self.dns,
            4 => &self.database,
            5 => &self.backup,
            6 => &self.drill,
            7 => &self.domain,
            _ => "",
        })
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            // Problems first, then by name.
            0 => SortKey::Text(Cow::Owned(format!("{}{}", if self.bad { '0' } else { '1' }, self.site))),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {} {} {} {} {} {}", self.site, self.domain, self.http, self.dns, self.database, self.backup, self.drill)
    }
    fn id(&self) -> String {
        self.uuid.clone()
    }
}

#[derive(Default)]
pub struct FleetPane {
    pub table: Table<FRow>,
    pub checks: HashMap<String, Check>,
    /// When the last round of checks started.
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug)]
pub enum Msg {
    Checked { app: String, found: Box<Found> },
    Done { sites: usize },
}

impl PaneInfo for FleetPane {
    const TITLE: &'static str = "Fleet";
    const NAMES: &'static [&'static str] = &["fleet", "sites"];
    const PARENT: Option<PaneId> = Some(PaneId::Deployments);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Checked { app, found } => {
                self.checks.insert(app, Check::Done(*found));
                self.rebuild(cx);
            }
            Msg::Done { sites } => {
                let bad = self.table.items().iter().filter(|r| r.bad).count();
                if bad == 0 {
                    cx.say(Level::Ok, format!("{sites} site(s) checked: nothing to look at"));
                } else {
                    cx.say(Level::Warn, format!("{sites} site(s) checked: {bad} need a look (Enter on a row says why)"));
                }
            }
        }
        vec![]
    }
}

/// The domain of an application: its first, without scheme or path.
fn domain_of(fqdn: &str) -> Option<String> {
    let first = fqdn.split(',').map(str::trim).find(|d| !d.is_empty())?;
    let host = first.split_once("://").map_or(first, |(_, h)| h);
    let host = host.split(['/', ':']).next().unwrap_or("");
    (!host.is_empty()).then(|| host.to_string())
}

/// The sites: applications with a domain.
pub fn targets(world: &World) -> Vec<FleetTarget> {
    let Some(inv) = &world.coolify else { return vec![] };
    inv.applications
        .iter()
        .filter_map(|a| {
            let d = domain_of(a.fqdn.as_deref().unwrap_or(""))?;
            Some(FleetTarget { app: a.uuid.clone(), url: format!("https://{d}/"), domain: d })
        })
        .collect()
}

/// The rows: the checks beside what the world knows (databases, backups, drills).
pub fn rows(world: &World, checks: &HashMap<String, Check>) -> Vec<FRow> {
    let Some(inv) = &world.coolify else { return vec![] };
    targets(world)
        .into_iter()
        .filter_map(|t| {
            let a = inv.applications.iter().find(|a| a.uuid == t.app)?;
            let mut why = Vec::new();
            let (mut http, mut tls, mut dns, mut database) = ("…".to_string(), "…".to_string(), "…".to_string(), "…".to_string());
            let mut db = None;
            if let Some(Check::Done(f)) = checks.get(&t.app) {
                http = match &f.http {
                    Some(Ok(s)) => {
                        if *s >= 400 {
                            why.push(format!("https://{}/ answered {s}", t.domain));
                        }
                        s.to_string()
                    }
                    Some(Err(e)) => {
                        why.push(e.clone());
                        "ERR".into()
                    }
                    None => "-".into(),
                };
                tls = match f.tls_days {
                    Some(d) => {
                        if d < TLS_WARN_DAYS {
                            why.push(format!("the certificate of {} expires in {d} days", t.domain));
                        }
                        format!("{d}d")
                    }
                    None => "-".into(),
                };
                dns = match &f.dns {
                    Some(Ok(s)) => {
                        if s.contains("resolvers:") {
                            why.push(format!("{}: public resolvers still answer differently ({s})", t.domain));
                        }
                        s.clone()
                    }
                    Some(Err(e)) => {
                        why.push(format!("DNS of {}: {e}", t.domain));
                        "ERR".into()
                    }
                    None => "-".into(),
                };
                database = match &f.db_host {
                    Some(Ok(h)) if h.is_empty() => "-".into(),
                    Some(Ok(h)) => {
                        // A Coolify database is named by its uuid on Coolify's network.
                        let host = h.split([':', '/']).next().unwrap_or("");
                        db = inv.databases.iter().find(|d| d.uuid == host);
                        match db {
                            Some(d) => d.name.clone(),
                            None => h.clone(),
                        }
                    }
                    Some(Err(e)) => {
                        why.push(format!("DATABASE_URL: {e}"));
                        "?".into()
                    }
                    None => "-".into(),
                };
            }
            let (backup, drill) = match db {
                Some(d) => {
                    let backup = match world.backups.health.get(&d.uuid) {
                        Some(h) => {
                            if h.is_warning() {
                                why.push(format!("{}: {}", d.name, h.summary(world.backups.as_of)));
                            }
                            h.summary(world.backups.as_of)
                        }
                        None => "…".into(),
                    };
                    let drill = match world.drills.get(&d.name).or_else(|| world.drills.get(&d.uuid)) {
                        Some(x) => {
                            if let crate::checklist::drill::Result::Failed(m) = &x.result {
                                why.push(format!("{}: the last restore drill failed: {m}", d.name));
                            }
                            x.summary(world.backups.as_of.max(x.started))
                        }
                        None => {
                            why.push(format!("{}: no backup of it has ever been restored", d.name));
                            "never".into()
                        }
                    };
                    (backup, drill)
                }
                None => ("-".into(), "-".into()),
            };
            Some(FRow {
                uuid: t.app.clone(),
                site: a.name.clone(),
                domain: t.domain,
                http,
                tls,
                dns,
                database,
                backup,
                drill,
                bad: !why.is_empty(),
                why,
            })
        })
        .collect()
}

impl FleetPane {
    fn rebuild(&mut self, cx: &Cx) {
        self.table.set_items(rows(cx.world, &self.checks));
        self.table.scroll_to_cursor(cx.height);
    }

    fn check_all(&mut self, cx: &mut Cx) -> Vec<Effect> {
        let sites = targets(cx.world);
        for s in &sites {
            self.checks.insert(s.app.clone(), Check::Running);
        }
        self.checked_at = Some(cx.now);
        cx.ensure(Load::Backups);
        self.rebuild(cx);
        if sites.is_empty() {
            cx.say(Level::Warn, "no application has a domain: nothing to check");
            return vec![];
        }
        vec![Effect::CheckFleet { sites }]
    }
}

impl Pane for FleetPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::List]
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
                return self.check_all(cx);
            }
            Command::Open => {
                if let Some(r) = self.table.selected() {
                    if r.why.is_empty() {
                        cx.say(Level::Ok, format!("{}: nothing to look at", r.site));
                    } else {
                        cx.say(Level::Warn, format!("{}: {}", r.site, r.why.join("; ")));
                    }
                }
            }
            _ => {}
        }
        vec![]
    }

    /// Every time it is shown: the checks are what it is for, and they are cheap.
    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.coolify.is_none() {
            cx.say(Level::Warn, "the Coolify resources are not loaded (no Coolify instance, or still loading)");
            cx.go(PaneId::Deployments);
            return vec![];
        }
        if self.checks.values().any(|c| *c == Check::Running) {
            return vec![];
        }
        self.check_all(cx)
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if matches!(what, Changed::Coolify | Changed::Backups | Changed::Drills) {
            self.rebuild(cx);
        }
        vec![]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::TestCx;
    use crate::coolify::model::{Application, Database, Inventory};

    fn world(t: &mut TestCx) {
        let app = |uuid: &str, name: &str, fqdn: Option<&str>| Application {
            uuid: uuid.into(),
            name: name.into(),
            fqdn: fqdn.map(str::to_string),
            ..Default::default()
        };
        t.world.coolify = Some(Inventory {
            applications: vec![
                app("a1", "shop", Some("https://example.com,https://www.example.com")),
                app("a2", "blog", Some("https://blog.example:8443/x")),
                app("a3", "worker", None),
            ],
            databases: vec![Database { uuid: "dbuuid1".into(), name: "shop-db".into(), ..Default::default() }],
            ..Default::default()
        });
        t.world.contexts.coolify = Some("test".into());
    }

    #[test]
    fn every_site_with_a_domain_is_checked_and_problems_come_first_with_their_reasons() {
        let mut t = TestCx::new();
        world(&mut t);
        let mut p = FleetPane::default();
        let e = p.on_show(&mut t.cx());
        let [Effect::CheckFleet { sites }] = &e[..] else { panic!("{e:?}") };
        let urls: Vec<&str> = sites.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["https://example.com/", "https://blog.example/"], "the first domain, no port or path; no domain, no check");
        assert!(p.on_show(&mut t.cx()).is_empty(), "not again while a round runs");
        let ok = Found {
            http: Some(Ok(200)),
            tls_days: Some(80),
            dns: Some(Ok("A 203.0.113.5".into())),
            db_host: Some(Ok("dbuuid1:5432/shop".into())),
        };
        p.on_msg(Msg::Checked { app: "a1".into(), found: Box::new(ok) }, &mut t.cx());
        let bad = Found {
            http: Some(Err("connection refused".into())),
            tls_days: Some(3),
            dns: Some(Ok("A 198.51.100.7 (resolvers: 203.0.113.9)".into())),
            db_host: Some(Ok("old-db.example.net:5432/blog".into())),
        };
        p.on_msg(Msg::Checked { app: "a2".into(), found: Box::new(bad) }, &mut t.cx());
        p.on_msg(Msg::Done { sites: 2 }, &mut t.cx());
        assert_eq!(t.said().last().map(String::as_str), Some("2 site(s) checked: 2 need a look (Enter on a row says why)"));
        let shop = p.table.items().iter().find(|r| r.site == "shop").unwrap();
        assert_eq!((shop.http.as_str(), shop.tls.as_str(), shop.database.as_str()), ("200", "80d", "shop-db"));
        assert_eq!(shop.why, ["shop-db: no backup of it has ever been restored"]);
        let blog = p.table.items().iter().find(|r| r.site == "blog").unwrap();
        assert_eq!((blog.http.as_str(), blog.database.as_str(), blog.backup.as_str()), ("ERR", "old-db.example.net:5432/blog", "-"));
        assert_eq!(blog.why.len(), 3, "{:?}", blog.why);
        p.on_command(Command::Top, &mut t.cx());
        p.on_command(Command::Open, &mut t.cx());
        assert!(t.said().last().is_some_and(|m| m.contains("expires in 3 days")), "{:?}", t.said());
        assert!(matches!(&p.on_command(Command::Refresh, &mut t.cx())[..], [Effect::CheckFleet { .. }]));
    }
}
