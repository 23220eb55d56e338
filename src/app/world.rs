//! What several panes read and none owns: the contexts, the servers, prices
//! and costs, the Coolify inventory, the DNS zones and the backups. Panes see
//! it read-only through their [`Cx`](super::cx::Cx); only the router changes
//! it, from the results of world loads ([`WorldMsg`]), and then tells every
//! pane what changed.

use super::action::Effect;
use super::cx::{Changed, Load as LoadWhat, Out};
use super::state::Level;
use crate::coolify::Inventory;
use crate::coolify::model::{Application, Backup};
use crate::coolify::schedule::{self, Health};
use crate::hetzner::model::{Network, Pricing, PrimaryIp, Volume, Zone};
use crate::hetzner::{self, RateLimit, Server};
use crate::ssh::HostRef;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// What the header shows about where cutover is pointed.
#[derive(Clone, Debug, Default)]
pub struct Contexts {
    pub hetzner: Option<String>,
    pub hetzner_endpoint: Option<String>,
    pub coolify: Option<String>,
    pub coolify_version: Option<String>,
    pub coolify_error: Option<String>,
    /// Every Hetzner context: (name, where it is defined).
    pub hetzner_all: Vec<(String, String)>,
    /// A legacy dns.hetzner.com token is configured (that API is gone).
    pub legacy_dns: bool,
    /// The `Host` patterns of the user's ssh_config (aliases `:exec` may use).
    pub ssh_hosts: Vec<String>,
}

/// How the server list is loading.
#[derive(Clone, Debug, Default)]
pub struct Load {
    /// Bumped on each reload so pages of an older load are ignored.
    pub generation: u64,
    pub loading: bool,
    pub pages_done: u64,
    pub last_page: Option<u64>,
    pub total: Option<u64>,
    /// The last load's failure, shown in the pane and the status line.
    pub error: Option<String>,
    pub loaded_once: bool,
    /// A reload after an operation: its result stays in the status line.
    pub quiet: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Costs {
    pub currency: String,
    pub per_server: HashMap<i64, crate::hetzner::cost::Breakdown>,
    pub total: crate::hetzner::cost::Money,
    /// Servers with a part the price list did not cover.
    pub incomplete: usize,
}

/// DNS zones of the active Hetzner context.
#[derive(Clone, Debug, Default)]
pub struct Zones {
    pub list: Vec<Zone>,
    /// Asked for at least once.
    pub requested: bool,
    pub loaded: bool,
    pub error: Option<String>,
}

/// Scheduled backups of every database and how healthy they are.
#[derive(Clone, Debug)]
pub struct Backups {
    pub by_db: HashMap<String, Vec<Backup>>,
    pub health: HashMap<String, Health>,
    /// When the backups were read (ages are counted from here).
    pub as_of: DateTime<Utc>,
    pub requested: bool,
    pub error: Option<String>,
}

impl Default for Backups {
    fn default() -> Self {
        Backups { by_db: HashMap::new(), health: HashMap::new(), as_of: DateTime::<Utc>::MIN_UTC, requested: false, error: None }
    }
}

#[derive(Default)]
pub struct World {
    pub contexts: Contexts,
    /// In the order the API listed them (by name).
    pub servers: Vec<Arc<Server>>,
    pub load: Load,
    /// Prices and volumes, for the monthly cost.
    pub pricing: Option<(Pricing, Vec<Volume>)>,
    /// The project's Primary IPs (loaded when their view opens).
    pub primary_ips: Option<Vec<PrimaryIp>>,
    /// The project's private networks (loaded when their view opens).
    pub networks: Option<Vec<Network>>,
    /// Monthly cost per server id and in total (recomputed when prices or servers change).
    pub costs: Option<Costs>,
    pub rate: Option<RateLimit>,
    pub coolify: Option<Inventory>,
    /// Why the last load of the Coolify resources failed.
    pub coolify_load_error: Option<String>,
    pub zones: Zones,
    pub backups: Backups,
    /// The last restore drill of each database, by the name its run was given.
    pub drills: std::collections::BTreeMap<String, crate::checklist::drill::Drill>,
    /// The operator's public IP as seen from here, if known (SSH_CONNECTION).
    pub my_ip: Option<String>,
    /// Who runs cutover (`$USER`), for the run reports.
    pub operator: Option<String>,
    /// What an API client is waiting for (a rate limit, a retry), by API.
    pub waits: std::collections::BTreeMap<&'static str, crate::api::Waiting>,
}

/// The results of the loads the world is made of.
#[derive(Debug)]
pub enum WorldMsg {
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
    Pricing(Result<(Pricing, Vec<Volume>), String>),
    PrimaryIps(Result<Vec<PrimaryIp>, String>),
    Networks(Result<Vec<Network>, String>),
    CoolifyVersion(Result<String, String>),
    CoolifyInventory(Result<Inventory, String>),
    Zones(Result<Vec<Zone>, String>),
    /// Scheduled backups of every database, by database uuid, read at `at`.
    Backups {
        at: DateTime<Utc>,
        result: Result<Vec<(String, Vec<Backup>)>, String>,
    },
    /// The last drill of each database, read from the journals at start.
    Drills(std::collections::BTreeMap<String, crate::checklist::drill::Drill>),
    /// A drill's run moved on (a step finished).
    Drill {
        database: String,
        drill: crate::checklist::drill::Drill,
    },
    /// Time passed with nothing else happening: what is computed from the
    /// time (backup health and its ages) is computed again as of `at`.
    Clock {
        at: DateTime<Utc>,
    },
    /// `:ctx`: (name, endpoint, read-only).
    ContextSwitched(Result<(String, String, bool), String>),
    /// An API client waits before asking again (`None`: it got an answer).
    ApiWait {
        api: &'static str,
        waiting: Option<crate::api::Waiting>,
    },
}

impl From<WorldMsg> for super::action::Action {
    fn from(m: WorldMsg) -> Self {
        super::action::Action::World(m)
    }
}

impl World {
    /// The active Hetzner context, as confirmations show it.
    pub fn context_name(&self) -> String {
        self.contexts.hetzner.clone().unwrap_or_else(|| "none".into())
    }

    /// The Coolify instance, as confirmations name it.
    pub fn coolify_name(&self) -> String {
        format!("coolify {}", self.contexts.coolify.as_deref().unwrap_or("none"))
    }

    /// What the client of `api` waits for, in words with the time of the next try.
    pub fn wait_text(&self, api: &str) -> Option<String> {
        self.waits
            .get(api)
            .map(|w| format!("{}: {}; next try at {}", w.api, w.reason, w.until.with_timezone(&chrono::Local).format("%H:%M:%S")))
    }

    /// The contexts a checklist step may touch, for confirmations.
    pub fn contexts_line(&self) -> String {
        format!("hetzner {}, {}", self.context_name(), self.coolify_name())
    }

    pub fn server_named(&self, name: &str) -> Option<&Server> {
        self.servers.iter().map(|s| &**s).find(|s| s.name == name)
    }

    pub fn server(&self, id: i64) -> Option<&Server> {
        self.servers.iter().map(|s| &**s).find(|s| s.id == id)
    }

    pub fn app(&self, uuid: &str) -> Option<&Application> {
        self.coolify.as_ref().and_then(|i| i.applications.iter().find(|a| a.uuid == uuid))
    }

    /// Where `name` runs: a Hetzner server, a Coolify server, or an ssh alias.
    pub fn host(&self, name: &str) -> HostRef {
        if let Some(s) = self.servers.iter().find(|s| s.name == name || s.ipv4() == Some(name)) {
            return HostRef::Server { name: s.name.clone(), ipv4: s.ipv4().map(str::to_string) };
        }
        if let Some(inv) = &self.coolify
            && let Some(s) = inv.servers.iter().find(|s| s.name == name || s.ip == name)
        {
            return HostRef::Coolify { name: s.name.clone(), ip: s.ip.clone(), user: s.user.clone(), port: s.port };
        }
        HostRef::Alias(name.to_string())
    }

    /// A host `:exec` and `:tail` may use: a server, a Coolify server, an
    /// address or a name with a domain, or a name the user's ssh_config knows
    /// (a literal `Host` or a pattern). Otherwise why not, with the closest names.
    pub fn check_host(&self, name: &str) -> Result<(), String> {
        let name_only = name.rsplit_once('@').map_or(name, |(_, h)| h);
        if !matches!(self.host(name_only), HostRef::Alias(_))
            || name_only.contains(['.', ':'])
            || self.contexts.ssh_hosts.iter().any(|p| glob::Pattern::new(p).is_ok_and(|g| g.matches(name_only)))
        {
            return Ok(());
        }
        let mut known: Vec<String> = self.servers.iter().map(|s| s.name.clone()).collect();
        if let Some(inv) = &self.coolify {
            known.extend(inv.servers.iter().map(|s| s.name.clone()));
        }
        known.extend(self.contexts.ssh_hosts.iter().filter(|p| !p.contains(['*', '?'])).cloned());
        let mut near: Vec<(f64, String)> =
            known.into_iter().map(|k| (strsim::jaro_winkler(&k, name_only), k)).filter(|(s, _)| *s > 0.7).collect();
        near.sort_by(|a, b| b.0.total_cmp(&a.0));
        near.dedup_by(|a, b| a.1 == b.1);
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(": did you mean {}?", near.iter().take(3).map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "))
        };
        Err(format!("no host named `{name_only}` (not a server, a Coolify server or a Host in ~/.ssh/config){hint}"))
    }

    /// The uuid and host of a Coolify application (`kind` "app") or database (by name or uuid).
    pub fn resource_host(&self, kind: &str, name: &str) -> Result<(String, HostRef), String> {
        let inv = self.coolify.as_ref().ok_or("the Coolify resources are not loaded (no Coolify instance, or still loading)")?;
        let (uuid, server_uuid) = match kind {
            "app" => inv.app_by_name(name).map(|a| (a.uuid.clone(), a.server_uuid.clone())),
            _ => inv.db_by_name(name).map(|d| (d.uuid.clone(), d.server_uuid.clone())),
        }
        .ok_or_else(|| format!("no Coolify {} named `{name}`", if kind == "app" { "application" } else { "database" }))?;
        let server =
            server_uuid.and_then(|u| inv.server(&u)).ok_or_else(|| format!("Coolify does not say which server `{name}` runs on"))?;
        Ok((uuid, HostRef::Coolify { name: server.name.clone(), ip: server.ip.clone(), user: server.user.clone(), port: server.port }))
    }

    /// Monthly costs from the API's prices; none until prices are loaded.
    fn recompute_costs(&mut self) {
        let Some((pricing, volumes)) = &self.pricing else {
            self.costs = None;
            return;
        };
        let mut c = Costs { currency: pricing.currency.clone(), ..Default::default() };
        for s in &self.servers {
            let b = crate::hetzner::cost::monthly(s, pricing, volumes);
            if !b.missing.is_empty() {
                c.incomplete += 1;
            }
            c.total = c.total + b.total();
            c.per_server.insert(s.id, b);
        }
        self.costs = Some(c);
    }

    /// When a backup's age or health next reads differently.
    pub fn backups_clock(&self) -> Option<DateTime<Utc>> {
        let b = &self.backups;
        // The list's ages, and those of the executions a detail view shows.
        let execs = b.by_db.values().flatten().flat_map(|bk| bk.executions.iter()).filter_map(|e| schedule::parse_time(&e.created_at));
        let ages = b.health.values().filter_map(Health::since).chain(execs).map(|t| schedule::next_age_change(t, b.as_of));
        // Health changes without an age changing too (a schedule falls due): hourly at most.
        let due = (!b.by_db.is_empty()).then(|| b.as_of + chrono::Duration::hours(1));
        ages.chain(due).min()
    }

    /// A reload of the server list: its generation, for the effect.
    pub fn reload_servers(&mut self, quiet: bool) -> u64 {
        let load = &mut self.load;
        load.generation += 1;
        load.loading = true;
        load.pages_done = 0;
        load.last_page = None;
        load.quiet = quiet;
        load.generation
    }

    /// The effect that loads part of the world (none when `!force` and it was
    /// asked for before, or when there is no context to load it from).
    pub fn load(&mut self, what: LoadWhat, force: bool) -> Vec<Effect> {
        match what {
            LoadWhat::Servers { quiet } if force || !self.load.loaded_once => {
                vec![Effect::LoadServers { generation: self.reload_servers(quiet) }]
            }
            LoadWhat::Pricing if force || self.pricing.is_none() => vec![Effect::LoadPricing],
            LoadWhat::PrimaryIps if force || self.primary_ips.is_none() => vec![Effect::LoadPrimaryIps],
            LoadWhat::Networks if force || self.networks.is_none() => vec![Effect::LoadNetworks],
            LoadWhat::Coolify if force || self.coolify.is_none() => {
                vec![Effect::LoadCoolify { known: self.coolify.clone().map(Box::new) }]
            }
            LoadWhat::CoolifyFresh => vec![Effect::LoadCoolify { known: None }],
            LoadWhat::CoolifyVersion => vec![Effect::LoadCoolifyVersion],
            LoadWhat::Zones if (force || !self.zones.requested) && self.contexts.hetzner.is_some() => {
                self.zones.requested = true;
                vec![Effect::LoadZones]
            }
            LoadWhat::Backups if (force || !self.backups.requested) && self.contexts.coolify.is_some() => {
                self.backups.requested = true;
                vec![Effect::LoadBackups]
            }
            _ => vec![],
        }
    }

    /// Applies a load's result; what changed, for the panes.
    pub fn apply(&mut self, msg: WorldMsg, out: &mut Out) -> Option<Changed> {
        match msg {
            WorldMsg::ServersPage { generation, servers, page, last_page, total, rate } => {
                if rate.is_some() {
                    self.rate = rate;
                }
                if generation != self.load.generation {
                    return None;
                }
                if page == 1 {
                    self.servers.clear();
                }
                self.load.pages_done = page;
                self.load.last_page = last_page;
                self.load.total = total;
                let from = self.servers.len();
                self.servers.extend(servers.into_iter().map(Arc::new));
                Some(Changed::ServersPage { first: page == 1, from })
            }
            WorldMsg::ServersDone { generation, result, rate } => {
                if rate.is_some() {
                    self.rate = rate;
                }
                if generation != self.load.generation {
                    return None;
                }
                self.recompute_costs();
                let load = &mut self.load;
                load.loading = false;
                match result {
                    Ok(()) => {
                        load.error = None;
                        load.loaded_once = true;
                        if !std::mem::take(&mut load.quiet) {
                            out.say(Level::Ok, format!("{} servers loaded", self.servers.len()));
                        }
                    }
                    Err(e) => {
                        let text = e.to_string();
                        load.error = Some(text.clone());
                        out.say(Level::Error, text);
                    }
                }
                Some(Changed::Servers)
            }
            WorldMsg::Pricing(r) => match r {
                Ok(p) => {
                    self.pricing = Some(p);
                    self.recompute_costs();
                    Some(Changed::Pricing)
                }
                Err(e) => {
                    out.say(Level::Error, format!("prices: {e}"));
                    None
                }
            },
            WorldMsg::PrimaryIps(r) => match r {
                Ok(p) => {
                    self.primary_ips = Some(p);
                    Some(Changed::PrimaryIps)
                }
                Err(e) => {
                    out.say(Level::Error, format!("primary IPs: {e}"));
                    None
                }
            },
            WorldMsg::Networks(r) => match r {
                Ok(n) => {
                    self.networks = Some(n);
                    Some(Changed::Networks)
                }
                Err(e) => {
                    out.say(Level::Error, format!("networks: {e}"));
                    None
                }
            },
            WorldMsg::CoolifyVersion(r) => {
                match r {
                    Ok(v) => {
                        self.contexts.coolify_version = Some(v);
                        self.contexts.coolify_error = None;
                    }
                    Err(e) => {
                        self.contexts.coolify_version = None;
                        self.contexts.coolify_error = Some(e.clone());
                        out.say(Level::Error, e);
                    }
                }
                None
            }
            WorldMsg::CoolifyInventory(r) => match r {
                Ok(inv) => {
                    self.coolify = Some(inv);
                    self.coolify_load_error = None;
                    Some(Changed::Coolify)
                }
                Err(e) => {
                    self.coolify_load_error = Some(e.clone());
                    out.say(Level::Error, e);
                    Some(Changed::Coolify)
                }
            },
            WorldMsg::Zones(r) => {
                match r {
                    Ok(z) => {
                        self.zones.list = z;
                        self.zones.loaded = true;
                        self.zones.error = None;
                    }
                    Err(e) => {
                        self.zones.error = Some(e.clone());
                        out.say(Level::Error, e);
                    }
                }
                Some(Changed::Zones)
            }
            WorldMsg::Clock { at } => {
                let b = &mut self.backups;
                if b.by_db.is_empty() {
                    return None;
                }
                b.as_of = at;
                for (db, sched) in &b.by_db {
                    b.health.insert(db.clone(), schedule::of_database(sched, at));
                }
                Some(Changed::Backups)
            }
            WorldMsg::Backups { at, result } => {
                let b = &mut self.backups;
                match result {
                    Ok(list) => {
                        b.error = None;
                        b.as_of = at;
                        for (db, sched) in list {
                            b.health.insert(db.clone(), schedule::of_database(&sched, at));
                            b.by_db.insert(db, sched);
                        }
                    }
                    Err(e) => {
                        b.error = Some(e.clone());
                        out.say(Level::Error, format!("backups: {e}"));
                    }
                }
                Some(Changed::Backups)
            }
            WorldMsg::Drills(all) => {
                self.drills = all;
                Some(Changed::Drills)
            }
            WorldMsg::Drill { database, drill } => {
                if self.drills.get(&database).is_none_or(|d| d.started <= drill.started) {
                    self.drills.insert(database, drill);
                }
                Some(Changed::Drills)
            }
            WorldMsg::ApiWait { api, waiting } => {
                match waiting {
                    Some(w) => self.waits.insert(api, w),
                    None => self.waits.remove(api),
                };
                None
            }
            WorldMsg::ContextSwitched(r) => match r {
                Ok((name, endpoint, _)) => {
                    self.contexts.hetzner = Some(name.clone());
                    self.contexts.hetzner_endpoint = Some(endpoint);
                    self.servers.clear();
                    self.pricing = None;
                    self.primary_ips = None;
                    self.networks = None;
                    self.costs = None;
                    self.rate = None;
                    self.zones = Zones::default();
                    out.say(Level::Ok, format!("context {name}"));
                    Some(Changed::Context)
                }
                Err(e) => {
                    out.say(Level::Error, e);
                    None
                }
            },
        }
    }
}
