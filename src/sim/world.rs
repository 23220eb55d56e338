//! The simulated world's data: a Hetzner project and a Coolify instance shaped
//! like the field notes (Django sites in production and uat, their databases,
//! DNS zones), generated deterministically from a seed.

use serde_json::{Value, json};

/// splitmix64: a tiny deterministic generator, so the same seed gives the same
/// world on every machine and every version of the rand crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0')).collect()
    }

    /// A Coolify-style uuid (cuid2-like, lowercase alphanumeric, 24 chars).
    pub fn cuid(&mut self) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut s = String::with_capacity(24);
        s.push((b'a' + self.below(26) as u8) as char);
        for _ in 1..24 {
            s.push(A[self.below(A.len() as u64) as usize] as char);
        }
        s
    }
}

// ---- Hetzner -------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Loc {
    pub id: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub country: &'static str,
    pub city: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub zone: &'static str,
}

#[derive(Clone, Debug)]
pub struct SType {
    pub id: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub cores: u32,
    pub memory: f64,
    pub disk: u32,
    pub cpu_type: &'static str,
    pub arch: &'static str,
    pub category: &'static str,
    /// Net monthly price in EUR cents per location (fsn1, nbg1, hel1).
    pub monthly_cents: [i64; 3],
    pub deprecated: bool,
}

#[derive(Clone, Debug)]
pub struct SServer {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub created: String,
    pub type_idx: usize,
    pub loc_idx: usize,
    pub ipv4: Option<String>,
    pub ipv4_id: i64,
    pub ipv6: Option<String>,
    pub ipv6_id: i64,
    pub labels: Vec<(String, String)>,
    pub protect_delete: bool,
    pub protect_rebuild: bool,
    pub backup_window: Option<String>,
    pub image: usize,
    pub firewalls: Vec<i64>,
    pub volumes: Vec<i64>,
}

pub const VAT: &str = "19.00";

pub fn locations() -> Vec<Loc> {
    vec![
        Loc {
            id: 1,
            name: "fsn1",
            description: "Falkenstein DC Park 1",
            country: "DE",
            city: "Falkenstein",
            lat: 50.47612,
            lon: 12.370071,
            zone: "eu-central",
        },
        Loc {
            id: 2,
            name: "nbg1",
            description: "Nuremberg DC Park 1",
            country: "DE",
            city: "Nuremberg",
            lat: 49.452102,
            lon: 11.076665,
            zone: "eu-central",
        },
        Loc {
            id: 3,
            name: "hel1",
            description: "Helsinki DC Park 1",
            country: "FI",
            city: "Helsinki",
            lat: 60.169855,
            lon: 24.938379,
            zone: "eu-central",
        },
    ]
}

pub fn server_types() -> Vec<SType> {
    let t = |id, name, description, cores, memory, disk, cpu_type, arch, category, monthly_cents, deprecated| SType {
        id,
        name,
        description,
        cores,
        memory,
        disk,
        cpu_type,
        arch,
        category,
        monthly_cents,
        deprecated,
    };
    vec![
        t(101, "cx23", "CX23", 2, 4.0, 40, "shared", "x86", "cost_optimized", [349, 349, 349], false),
        t(102, "cx33", "CX33", 4, 8.0, 80, "shared", "x86", "cost_optimized", [549, 549, 549], false),
        t(111, "cpx22", "CPX22", 2, 4.0, 80, "shared", "x86", "regular_purpose", [599, 599, 649], false),
        t(112, "cpx32", "CPX32", 4, 8.0, 160, "shared", "x86", "regular_purpose", [1099, 1099, 1199], false),
        t(113, "cpx42", "CPX42", 8, 16.0, 320, "shared", "x86", "regular_purpose", [1999, 1999, 2199], false),
        t(121, "cax11", "CAX11", 2, 4.0, 40, "shared", "arm", "cost_optimized", [379, 379, 379], false),
        t(122, "cax21", "CAX21", 4, 8.0, 80, "shared", "arm", "cost_optimized", [649, 649, 649], false),
        t(131, "ccx13", "CCX13 Dedicated", 2, 8.0, 80, "dedicated", "x86", "general_purpose", [1249, 1249, 1249], false),
        // Gen-1 types still run by old servers; deprecated, as in the field notes' era.
        t(22, "cpx11", "CPX11", 2, 2.0, 40, "shared", "x86", "regular_purpose", [499, 499, 499], true),
        t(23, "cpx21", "CPX21", 3, 4.0, 80, "shared", "x86", "regular_purpose", [999, 999, 999], true),
    ]
}

pub fn images() -> Vec<(i64, &'static str, &'static str, &'static str, &'static str)> {
    vec![(161547269, "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04"), (114690389, "debian-12", "Debian 12", "debian", "12")]
}

/// Formats cents with four decimals, as the API does (`"10.9900"`).
pub fn money(cents_x100: i64) -> String {
    // `cents_x100` is in 1/10000 EUR.
    let neg = cents_x100 < 0;
    let v = cents_x100.abs();
    format!("{}{}.{:04}", if neg { "-" } else { "" }, v / 10000, v % 10000)
}

/// Net and gross strings for a net amount in 1/10000 EUR.
pub fn net_gross(net: i64) -> Value {
    let gross = (net * 119 + 50) / 100;
    json!({"net": money(net), "gross": money(gross)})
}

pub struct HetznerWorld {
    pub locations: Vec<Loc>,
    pub types: Vec<SType>,
    pub servers: Vec<SServer>,
    pub next_id: i64,
}

fn label(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

impl HetznerWorld {
    pub fn type_idx(&self, name: &str) -> usize {
        self.types.iter().position(|t| t.name == name).unwrap_or(0)
    }

    pub fn loc_idx(&self, name: &str) -> usize {
        self.locations.iter().position(|l| l.name == name).unwrap_or(0)
    }

    /// The demo project: a Coolify host, web and database servers for production
    /// and uat, and an old server on a deprecated type that is being moved off.
    pub fn demo(rng: &mut Rng) -> HetznerWorld {
        let mut w = HetznerWorld { locations: locations(), types: server_types(), servers: Vec::new(), next_id: 4_201_337 };
        // (name, type, location, status, labels, protected)
        type Spec<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [(&'a str, &'a str)], bool);
        let specs: &[Spec] = &[
            ("coolify", "cpx22", "fsn1", "running", &[("role", "coolify"), ("env", "ops")], true),
            ("web-prod-1", "cpx32", "fsn1", "running", &[("role", "web"), ("env", "production")], false),
            ("web-prod-2", "cpx32", "nbg1", "running", &[("role", "web"), ("env", "production")], false),
            ("web-uat-1", "cx23", "hel1", "running", &[("role", "web"), ("env", "uat")], false),
            ("db-prod-1", "cpx32", "fsn1", "running", &[("role", "db"), ("env", "production")], true),
            ("db-uat-1", "cax11", "hel1", "running", &[("role", "db"), ("env", "uat")], false),
            ("legacy-web", "cpx21", "nbg1", "running", &[("role", "web"), ("env", "production"), ("legacy", "")], false),
            ("scratch", "cax11", "hel1", "off", &[("env", "uat"), ("role", "scratch")], false),
        ];
        for (name, ty, loc, status, labels, protect) in specs {
            let labels = labels.iter().map(|(k, v)| label(k, v)).collect();
            w.add_server(rng, name, ty, loc, status, labels, *protect);
        }
        // Backups on the database servers; a volume for production data.
        for s in &mut w.servers {
            if s.name.starts_with("db-") {
                s.backup_window = Some("22-02".into());
            }
            if s.name == "db-prod-1" {
                s.volumes = vec![100_231];
            }
        }
        w
    }

    /// A large project for load tests: `n` servers over every type and location.
    pub fn bulk(rng: &mut Rng, n: usize) -> HetznerWorld {
        let mut w = HetznerWorld { locations: locations(), types: server_types(), servers: Vec::with_capacity(n), next_id: 1_000_000 };
        let roles = ["web", "worker", "db", "cache"];
        let envs = ["production", "uat", "staging"];
        let statuses = ["running", "running", "running", "running", "off", "starting"];
        for i in 0..n {
            let role = roles[i % roles.len()];
            let env = envs[(i / 4) % envs.len()];
            let ty = w.types[rng.below(8) as usize].name;
            let loc = w.locations[rng.below(3) as usize].name;
            let status = statuses[rng.below(statuses.len() as u64) as usize];
            let name = format!("{role}-{env}-{i:05}");
            w.add_server(rng, &name, ty, loc, status, vec![label("role", role), label("env", env)], false);
        }
        w
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_server(
        &mut self,
        rng: &mut Rng,
        name: &str,
        ty: &str,
        loc: &str,
        status: &str,
        labels: Vec<(String, String)>,
        protect: bool,
    ) -> i64 {
        let id = self.next_id;
        self.next_id += 1 + rng.below(7) as i64;
        let n = self.servers.len() as u64;
        // Documentation address ranges: realistic shape, routable nowhere.
        let ipv4 = format!("{}.{}", ["203.0.113", "198.51.100", "192.0.2"][(n % 3) as usize], 10 + (n / 3) % 240);
        let ipv6 = format!("2001:db8:{:x}:{:x}::/64", 0x1a00 + (n >> 16), n & 0xffff);
        let day = 1 + rng.below(27);
        let month = 1 + rng.below(9);
        self.servers.push(SServer {
            id,
            name: name.into(),
            status: status.into(),
            created: format!("2026-{month:02}-{day:02}T{:02}:{:02}:00Z", rng.below(24), rng.below(60)),
            type_idx: self.type_idx(ty),
            loc_idx: self.loc_idx(loc),
            ipv4: Some(ipv4),
            ipv4_id: 50_000 + n as i64 * 2,
            ipv6: Some(ipv6),
            ipv6_id: 50_001 + n as i64 * 2,
            labels,
            protect_delete: protect,
            protect_rebuild: protect,
            backup_window: None,
            image: 0,
            firewalls: Vec::new(),
            volumes: Vec::new(),
        });
        id
    }

    pub fn type_json(&self, t: &SType) -> Value {
        let deprecation = if t.deprecated {
            json!({"announced": "2025-10-16T00:00:00Z", "unavailable_after": "2026-01-01T00:00:00Z"})
        } else {
            Value::Null
        };
        json!({
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "cores": t.cores,
            "memory": t.memory,
            "disk": t.disk,
            "deprecated": t.deprecated,
            "deprecation": deprecation,
            "prices": self.locations.iter().enumerate().map(|(i, l)| {
                let net = t.monthly_cents[i] * 100;
                json!({
                    "location": l.name,
                    "price_hourly": net_gross(net / 730),
                    "price_monthly": net_gross(net),
                    "included_traffic": 21_990_232_555_520i64,
                    "price_per_tb_traffic": net_gross(10_000),
                })
            }).collect::<Vec<_>>(),
            "storage_type": "local",
            "cpu_type": t.cpu_type,
            "category": t.category,
            "architecture": t.arch,
            "locations": self.locations.iter().map(|l| json!({
                "id": l.id, "name": l.name, "deprecation": deprecation.clone(),
                "recommended": !t.deprecated, "available": !t.deprecated,
            })).collect::<Vec<_>>(),
        })
    }

    pub fn location_json(l: &Loc) -> Value {
        json!({
            "id": l.id, "name": l.name, "description": l.description, "country": l.country,
            "city": l.city, "latitude": l.lat, "longitude": l.lon, "network_zone": l.zone,
        })
    }

    pub fn server_json(&self, s: &SServer) -> Value {
        let imgs = images();
        let (img_id, img_name, img_desc, flavor, version) = imgs[s.image.min(imgs.len() - 1)];
        let t = &self.types[s.type_idx];
        json!({
            "id": s.id,
            "name": s.name,
            "status": s.status,
            "created": s.created,
            "public_net": {
                "ipv4": s.ipv4.as_ref().map(|ip| json!({"id": s.ipv4_id, "ip": ip, "blocked": false, "dns_ptr": format!("static.{}.clients.your-server.de", ip.split('.').rev().collect::<Vec<_>>().join("."))})),
                "ipv6": s.ipv6.as_ref().map(|ip| json!({"id": s.ipv6_id, "ip": ip, "blocked": false, "dns_ptr": []})),
                "floating_ips": [],
                "firewalls": s.firewalls.iter().map(|id| json!({"id": id, "status": "applied"})).collect::<Vec<_>>(),
            },
            "private_net": [],
            "server_type": self.type_json(t),
            "location": Self::location_json(&self.locations[s.loc_idx]),
            "image": {
                "id": img_id, "type": "system", "status": "available", "name": img_name,
                "description": img_desc, "image_size": null, "disk_size": 5, "created": "2024-04-25T13:26:04Z",
                "created_from": null, "bound_to": null, "os_flavor": flavor, "os_version": version,
                "rapid_deploy": true, "protection": {"delete": false}, "deprecated": null, "deleted": null,
                "labels": {}, "architecture": t.arch,
            },
            "iso": null,
            "rescue_enabled": false,
            "locked": false,
            "backup_window": s.backup_window,
            "outgoing_traffic": 123_456_789i64 + s.id % 1000 * 1_000_000,
            "ingoing_traffic": 98_765_432i64 + s.id % 700 * 1_000_000,
            "included_traffic": 21_990_232_555_520i64,
            "protection": {"delete": s.protect_delete, "rebuild": s.protect_rebuild},
            "labels": s.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
            "volumes": s.volumes,
            "load_balancers": [],
            "primary_disk_size": t.disk,
            "placement_group": null,
        })
    }
}

// ---- Coolify ----------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Site {
    pub slug: &'static str,
    pub name: &'static str,
    pub domain: &'static str,
    pub build_pack: &'static str,
    pub repo: &'static str,
    pub python: &'static str,
    pub django: &'static str,
    pub has_db: bool,
}

/// Nine Django-ish sites, as in the field notes' migration.
pub fn sites() -> Vec<Site> {
    let s = |slug, name, domain, build_pack, repo, python, django, has_db| Site {
        slug,
        name,
        domain,
        build_pack,
        repo,
        python,
        django,
        has_db,
    };
    vec![
        s("shop", "Shop", "example.com", "dockerfile", "acme/shop", "3.14", "6.0", true),
        s("tatis", "Does Tatis Have An Error", "doestatis.example", "nixpacks", "acme/tatis", "3.12", "5.2", true),
        s("hockey", "AHL Stats", "ahl-stats.example", "dockercompose", "acme/ahl-stats", "3.13", "5.2", true),
        s("recipes", "Recipes", "recipes.example", "nixpacks", "acme/recipes", "3.11", "4.2", true),
        s("bookclub", "Book Club", "bookclub.example", "dockerfile", "acme/bookclub", "3.14", "6.0", false),
        s("datasette", "Open Data", "data.example", "dockerfile", "acme/open-data", "3.13", "5.2", false),
        s("talks", "Talks", "talks.example", "nixpacks", "acme/talks", "3.10", "4.2", false),
        s("menus", "Menus", "menus.example", "dockerfile", "acme/menus", "3.14", "6.0", false),
        s("status", "Status Page", "status.example", "static", "acme/status", "", "", false),
    ]
}

#[derive(Clone, Debug)]
pub struct CServer {
    pub uuid: String,
    pub name: String,
    pub ip: String,
    /// Hetzner server name this Coolify server is.
    pub hetzner: String,
}

#[derive(Clone, Debug)]
pub struct CProject {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub description: String,
    pub envs: Vec<CEnv>,
}

#[derive(Clone, Debug)]
pub struct CEnv {
    pub id: i64,
    pub uuid: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct CEnvVar {
    pub uuid: String,
    pub key: String,
    pub value: String,
    pub is_preview: bool,
    pub is_buildtime: bool,
    pub is_runtime: bool,
    pub is_shown_once: bool,
    pub is_literal: bool,
    pub is_multiline: bool,
}

#[derive(Clone, Debug)]
pub struct CApp {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub site: usize,
    pub env_id: i64,
    pub server: usize,
    pub fqdn: String,
    pub status: String,
    pub build_pack: String,
    pub repo: String,
    pub branch: String,
    pub commit: String,
    pub envs: Vec<CEnvVar>,
    /// `docker_compose_domains` for compose apps: (service, domain).
    pub compose_domains: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct CBackup {
    pub uuid: String,
    pub id: i64,
    pub frequency: String,
    pub enabled: bool,
    pub save_s3: bool,
    pub retention_local: i64,
    pub retention_s3: i64,
    pub executions: Vec<CExecution>,
}

#[derive(Clone, Debug)]
pub struct CExecution {
    pub uuid: String,
    pub filename: String,
    pub size: i64,
    pub status: String,
    pub message: String,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct CDatabase {
    pub uuid: String,
    pub name: String,
    pub site: usize,
    pub env_id: i64,
    pub server: usize,
    pub image: String,
    pub status: String,
    pub db_name: String,
    pub user: String,
    pub password: String,
    pub public_port: Option<u16>,
    pub backups: Vec<CBackup>,
}

#[derive(Clone, Debug)]
pub struct CDeployment {
    pub id: i64,
    pub uuid: String,
    pub app: usize,
    pub status: String,
    pub commit: String,
    pub force: bool,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub logs: Vec<Value>,
}

pub struct CoolifyWorld {
    pub version: String,
    pub servers: Vec<CServer>,
    pub projects: Vec<CProject>,
    pub apps: Vec<CApp>,
    pub databases: Vec<CDatabase>,
    pub deployments: Vec<CDeployment>,
    pub next_id: i64,
}

impl CoolifyWorld {
    pub fn demo(rng: &mut Rng, hz: &HetznerWorld) -> CoolifyWorld {
        let ip_of = |n: &str| hz.servers.iter().find(|s| s.name == n).and_then(|s| s.ipv4.clone()).unwrap_or_default();
        let servers: Vec<CServer> = ["web-prod-1", "web-uat-1", "db-prod-1", "db-uat-1"]
            .iter()
            .map(|n| CServer { uuid: rng.cuid(), name: n.to_string(), ip: ip_of(n), hetzner: n.to_string() })
            .collect();
        let mut w = CoolifyWorld {
            version: "4.3.10".into(),
            servers,
            projects: Vec::new(),
            apps: Vec::new(),
            databases: Vec::new(),
            deployments: Vec::new(),
            next_id: 1,
        };
        for (si, site) in sites().iter().enumerate() {
            let pid = w.fresh_id();
            let mut project = CProject {
                id: pid,
                uuid: rng.cuid(),
                name: site.name.into(),
                description: format!("{} ({})", site.name, site.domain),
                envs: Vec::new(),
            };
            for env in ["production", "uat"] {
                let env_id = w.fresh_id();
                project.envs.push(CEnv { id: env_id, uuid: rng.cuid(), name: env.into() });
                let prod = env == "production";
                let host = if prod { site.domain.to_string() } else { format!("uat.{}", site.domain) };
                let mut envs = Vec::new();
                let var = |envs: &mut Vec<CEnvVar>, rng: &mut Rng, key: &str, value: String, buildtime: bool, shown_once: bool| {
                    envs.push(CEnvVar {
                        uuid: rng.cuid(),
                        key: key.into(),
                        value,
                        is_preview: false,
                        is_buildtime: buildtime,
                        is_runtime: true,
                        is_shown_once: shown_once,
                        is_literal: false,
                        is_multiline: false,
                    })
                };
                if site.build_pack == "nixpacks" {
                    var(&mut envs, rng, "NIXPACKS_PYTHON_VERSION", site.python.into(), true, false);
                }
                if !site.python.is_empty() {
                    var(&mut envs, rng, "DJANGO_SETTINGS_MODULE", format!("{}.settings", site.slug), false, false);
                    var(&mut envs, rng, "ALLOWED_HOSTS", host.clone(), false, false);
                    let secret = format!("django-insecure-{}", rng.hex(40));
                    var(&mut envs, rng, "DJANGO_SECRET_KEY", secret, false, true);
                }
                let db_server = if prod { 2 } else { 3 };
                if site.has_db {
                    let pw = rng.hex(24);
                    let dbuuid = rng.cuid();
                    var(&mut envs, rng, "DATABASE_URL", format!("postgres://{0}:{pw}@{dbuuid}:5432/{0}", site.slug), false, false);
                    let mut backups = Vec::new();
                    // Production databases back up daily; one uat database has no schedule,
                    // and the recipes production backup has been failing.
                    if prod || si % 2 == 0 {
                        let mut executions = Vec::new();
                        for d in 0..3 {
                            let failed = site.slug == "recipes" && prod && d == 0;
                            executions.push(CExecution {
                                uuid: rng.cuid(),
                                filename: format!(
                                    "/data/coolify/backups/databases/acme-0/{}-{dbuuid}/pg-dump-{}-17{:02}00000.dmp",
                                    site.slug,
                                    site.slug,
                                    60 - d
                                ),
                                size: if failed { 0 } else { 4_000_000 + rng.below(90_000_000) as i64 },
                                status: if failed { "failed".into() } else { "success".into() },
                                message: if failed {
                                    "pg_dump: error: connection to server failed: FATAL: password authentication failed".into()
                                } else {
                                    String::new()
                                },
                                created_at: format!("2026-11-{:02}T02:00:0{}.000000Z", 20 - d, d),
                            });
                        }
                        backups.push(CBackup {
                            uuid: rng.cuid(),
                            id: w.fresh_id(),
                            frequency: if prod { "0 2 * * *".into() } else { "weekly".into() },
                            enabled: true,
                            save_s3: prod,
                            retention_local: 7,
                            retention_s3: 30,
                            executions,
                        });
                    }
                    w.databases.push(CDatabase {
                        uuid: dbuuid,
                        name: format!("{}-{env}-db", site.slug),
                        site: si,
                        env_id,
                        server: db_server,
                        image: "postgres:17-alpine".into(),
                        status: "running:healthy".into(),
                        db_name: site.slug.into(),
                        user: site.slug.into(),
                        password: pw,
                        public_port: if prod { None } else { Some(5432 + si as u16) },
                        backups,
                    });
                }
                let compose_domains = if site.build_pack == "dockercompose" {
                    vec![("web".to_string(), format!("https://{host}")), ("scraper".to_string(), String::new())]
                } else {
                    Vec::new()
                };
                let app_id = w.fresh_id();
                w.apps.push(CApp {
                    id: app_id,
                    uuid: rng.cuid(),
                    name: format!("{}-{env}", site.slug),
                    site: si,
                    env_id,
                    server: if prod { 0 } else { 1 },
                    fqdn: if compose_domains.is_empty() { format!("https://{host}") } else { String::new() },
                    status: if site.slug == "talks" && !prod { "exited".into() } else { "running:healthy".into() },
                    build_pack: site.build_pack.into(),
                    repo: format!("https://github.com/{}", site.repo),
                    branch: if prod { "main".into() } else { "develop".into() },
                    commit: rng.hex(40),
                    envs,
                    compose_domains,
                });
            }
            w.projects.push(project);
        }
        w
    }

    pub fn fresh_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}
