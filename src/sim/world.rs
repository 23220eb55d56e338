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
    /// Reverse DNS of the IPv4 set by `change_dns_ptr` (`None`: Hetzner's default name).
    pub dns_ptr: Option<String>,
    pub image: usize,
    pub firewalls: Vec<i64>,
    pub volumes: Vec<i64>,
    /// The disk when a type change kept it (`upgrade_disk: false`); else the type's.
    pub disk_gb: Option<u32>,
    /// Created with SSH keys (no root password on a rebuild).
    pub has_keys: bool,
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
    pub actions: Vec<SAction>,
    pub next_action: i64,
    /// Effects due later (a shutdown turning a server off).
    pub scheduled: Vec<(chrono::DateTime<chrono::Utc>, Effect)>,
    /// Commands whose next action ends in `error` (a playbook's `Sim` step).
    pub fail_next: Vec<String>,
    /// Multiplies action durations (tests use small ones).
    pub action_speed: f64,
    pub firewalls: Vec<SFirewall>,
    pub volumes: Vec<SVolume>,
    pub zones: Vec<SZone>,
    /// Snapshots taken (`create_image`); system images are `images()`.
    pub snapshots: Vec<SSnapshot>,
    pub ssh_keys: Vec<SSshKey>,
    /// Every Primary IP; a server's `ipv4`/`ipv6` are the ones assigned to it.
    pub primary_ips: Vec<SPrimaryIp>,
    /// Private networks; the servers attached and their addresses are kept here.
    pub networks: Vec<SNetwork>,
}

/// A private network: its range, its subnets (one per network zone here),
/// and the servers on it with their private address.
#[derive(Clone, Debug)]
pub struct SNetwork {
    pub id: i64,
    pub name: String,
    pub ip_range: String,
    /// (ip_range, network_zone, type)
    pub subnets: Vec<(String, String, String)>,
    pub servers: Vec<(i64, std::net::Ipv4Addr)>,
    pub labels: Vec<(String, String)>,
    pub protect_delete: bool,
    pub created: String,
}

/// A Primary IP: created with a server (deleted with it when `auto_delete`),
/// or kept apart, and moved between servers that are off.
#[derive(Clone, Debug)]
pub struct SPrimaryIp {
    pub id: i64,
    pub name: String,
    pub ip: String,
    pub v6: bool,
    pub loc_idx: usize,
    pub assignee: Option<i64>,
    pub auto_delete: bool,
    pub protect_delete: bool,
    pub created: String,
}

/// An ed25519 public key of the project, its bytes made from `seed`.
fn demo_key(id: i64, name: &str, seed: u8) -> SSshKey {
    let mut blob = Vec::new();
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend((0..32u8).map(|b| b.wrapping_mul(7).wrapping_add(seed.wrapping_mul(31))));
    let public_key = format!("ssh-ed25519 {} {name}", data_encoding::BASE64.encode(&blob));
    let fingerprint = crate::sim::hetzner::servers::fingerprint(&public_key).unwrap_or_default();
    SSshKey { id, name: name.to_string(), public_key, fingerprint, labels: vec![], created: "2025-03-01T09:00:00Z".into() }
}

/// A public key the project holds, for new servers.
#[derive(Clone, Debug)]
pub struct SSshKey {
    pub id: i64,
    pub name: String,
    pub public_key: String,
    /// MD5 of the key's blob, colon-separated hex (as Hetzner shows it).
    pub fingerprint: String,
    pub labels: Vec<(String, String)>,
    pub created: String,
}

impl SSshKey {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "fingerprint": self.fingerprint, "public_key": self.public_key,
            "labels": self.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
            "created": self.created,
        })
    }
}

/// A snapshot of a server's disk.
#[derive(Clone, Debug)]
pub struct SSnapshot {
    pub id: i64,
    pub description: String,
    pub server: i64,
    pub created: String,
    pub disk: f64,
    pub labels: Vec<(String, String)>,
}

fn label(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

impl HetznerWorld {
    fn empty(first_id: i64) -> HetznerWorld {
        HetznerWorld {
            locations: locations(),
            types: server_types(),
            servers: Vec::new(),
            next_id: first_id,
            actions: Vec::new(),
            next_action: 31_400_000,
            scheduled: Vec::new(),
            fail_next: Vec::new(),
            action_speed: 1.0,
            firewalls: Vec::new(),
            volumes: Vec::new(),
            zones: Vec::new(),
            snapshots: Vec::new(),
            primary_ips: Vec::new(),
            networks: Vec::new(),
            ssh_keys: ["ops-laptop", "ci-deploy"]
                .iter()
                .enumerate()
                .map(|(i, n)| demo_key(first_id - 100 + i as i64, n, i as u8))
                .collect(),
        }
    }

    pub fn type_idx(&self, name: &str) -> usize {
        self.types.iter().position(|t| t.name == name).unwrap_or(0)
    }

    pub fn loc_idx(&self, name: &str) -> usize {
        self.locations.iter().position(|l| l.name == name).unwrap_or(0)
    }

    /// The demo project: a Coolify host, web and database servers for production
    /// and uat, and an old server on a deprecated type that is being moved off.
    pub fn demo(rng: &mut Rng) -> HetznerWorld {
        let mut w = HetznerWorld::empty(4_201_337);
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
        w.demo_extras(rng);
        w
    }

    /// A large project for load tests: `n` servers over every type and location.
    pub fn bulk(rng: &mut Rng, n: usize) -> HetznerWorld {
        let mut w = HetznerWorld::empty(1_000_000);
        w.servers.reserve(n);
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
        // Written as Hetzner writes it: the canonical form (RFC 5952), `::` where zeros run.
        let net = std::net::Ipv6Addr::new(0x2001, 0xdb8, (0x1a00 + (n >> 16)) as u16, (n & 0xffff) as u16, 0, 0, 0, 0);
        let ipv6 = format!("{net}/64");
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
            disk_gb: None,
            has_keys: true,
            backup_window: None,
            dns_ptr: None,
            image: 0,
            firewalls: Vec::new(),
            volumes: Vec::new(),
        });
        if let Some(sv) = self.servers.last().cloned() {
            self.primary_ips_of(&sv);
        }
        id
    }

    /// The Primary IPs a new server comes with (deleted with it).
    pub fn primary_ips_of(&mut self, s: &SServer) {
        for (ip, id, v6) in [(&s.ipv4, s.ipv4_id, false), (&s.ipv6, s.ipv6_id, true)] {
            if let Some(ip) = ip {
                self.primary_ips.push(SPrimaryIp {
                    id,
                    name: format!("primary_ip-{id}"),
                    ip: ip.clone(),
                    v6,
                    loc_idx: s.loc_idx,
                    assignee: Some(s.id),
                    auto_delete: true,
                    protect_delete: false,
                    created: s.created.clone(),
                });
            }
        }
    }

    pub fn network_json(&self, n: &SNetwork) -> Value {
        let gateway = n
            .ip_range
            .split('/')
            .next()
            .and_then(|a| a.parse::<std::net::Ipv4Addr>().ok())
            .map(|a| std::net::Ipv4Addr::from(u32::from(a) + 1));
        json!({
            "id": n.id, "name": n.name, "ip_range": n.ip_range,
            "subnets": n.subnets.iter().map(|(r, z, t)| json!({"type": t, "ip_range": r, "network_zone": z, "gateway": gateway.map(|g| g.to_string())})).collect::<Vec<_>>(),
            "routes": [], "servers": n.servers.iter().map(|(id, _)| id).collect::<Vec<_>>(), "load_balancers": [],
            "protection": {"delete": n.protect_delete}, "created": n.created, "expose_routes_to_vswitch": false,
            "labels": n.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        })
    }

    pub fn primary_ip_json(&self, p: &SPrimaryIp) -> Value {
        let ptr = if p.v6 {
            json!([])
        } else {
            let host = self.servers.iter().find(|s| Some(s.id) == p.assignee).and_then(|s| s.dns_ptr.clone());
            let default = format!("static.{}.clients.your-server.de", p.ip.split('.').rev().collect::<Vec<_>>().join("."));
            json!([{"ip": p.ip, "dns_ptr": host.unwrap_or(default)}])
        };
        json!({
            "id": p.id, "name": p.name, "ip": p.ip, "type": if p.v6 { "ipv6" } else { "ipv4" },
            "assignee_id": p.assignee, "assignee_type": "server", "auto_delete": p.auto_delete, "blocked": false,
            "created": p.created, "dns_ptr": ptr, "labels": {}, "protection": {"delete": p.protect_delete},
            "location": Self::location_json(&self.locations[p.loc_idx]),
        })
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

    /// Every image: the system ones and the snapshots taken.
    pub fn images_json(&self) -> Vec<Value> {
        let mut out: Vec<Value> = images()
            .iter()
            .map(|(id, name, desc, flavor, version)| {
                json!({
                    "id": id, "type": "system", "status": "available", "name": name, "description": desc,
                    "image_size": null, "disk_size": 5, "created": "2024-04-25T13:26:04Z", "created_from": null,
                    "bound_to": null, "os_flavor": flavor, "os_version": version, "rapid_deploy": true,
                    "protection": {"delete": false}, "deprecated": null, "deleted": null, "labels": {}, "architecture": "x86",
                })
            })
            .collect();
        out.extend(self.snapshots.iter().map(|i| self.snapshot_json(i)));
        out
    }

    pub fn snapshot_json(&self, i: &SSnapshot) -> Value {
        let from = self.servers.iter().find(|s| s.id == i.server).map(|s| json!({"id": s.id, "name": s.name})).unwrap_or(Value::Null);
        json!({
            "id": i.id, "type": "snapshot", "status": "available", "name": null, "description": i.description,
            "image_size": (i.disk * 0.3 * 10.0).round() / 10.0, "disk_size": i.disk, "created": i.created, "created_from": from,
            "bound_to": null, "os_flavor": "ubuntu", "os_version": "24.04", "rapid_deploy": false,
            "protection": {"delete": false}, "deprecated": null, "deleted": null,
            "labels": i.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
            "architecture": "x86",
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
                "ipv4": s.ipv4.as_ref().map(|ip| json!({"id": s.ipv4_id, "ip": ip, "blocked": false, "dns_ptr": s.dns_ptr.clone().unwrap_or_else(|| format!("static.{}.clients.your-server.de", ip.split('.').rev().collect::<Vec<_>>().join(".")))})),
                "ipv6": s.ipv6.as_ref().map(|ip| json!({"id": s.ipv6_id, "ip": ip, "blocked": false, "dns_ptr": []})),
                "floating_ips": [],
                "firewalls": s.firewalls.iter().map(|id| json!({"id": id, "status": "applied"})).collect::<Vec<_>>(),
            },
            "private_net": self.networks.iter().filter_map(|n| {
                let ip = n.servers.iter().find(|(id, _)| *id == s.id)?.1;
                Some(json!({"network": n.id, "ip": ip.to_string(), "alias_ips": [], "mac_address": format!("86:00:00:{:02x}:{:02x}:{:02x}", (s.id >> 16) & 0xff, (s.id >> 8) & 0xff, s.id & 0xff)}))
            }).collect::<Vec<_>>(),
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
            "primary_disk_size": s.disk_gb.unwrap_or(t.disk),
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
    /// Preview deployments that exist (one per pull request).
    pub previews: Vec<CPreview>,
    /// Commands Coolify runs in the container on a schedule.
    pub tasks: Vec<crate::sim::coolify::tasks::CTask>,
    /// Run in the new release's container before it takes traffic.
    pub pre_deployment_command: Option<String>,
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
    /// What the running containers and the proxy know: the domains and
    /// ALLOWED_HOSTS as of the last finished deployment.
    pub live_domains: Vec<String>,
    /// Domains its proxy already held certificates for when the world began
    /// (a site live for months has one): served at once while they stay live
    /// and point here; any other domain waits for ACME.
    pub certified_at_start: Vec<String>,
    pub live_allowed_hosts: Option<String>,
    /// Documented settings set by PATCH that the world does not act on: kept
    /// and shown back, as Coolify stores them.
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Persistent volumes: (name, mount path in the container, host path or none for a named volume).
    pub storages: Vec<(String, String, Option<String>)>,
}

impl CApp {
    /// Domains as configured now (per service for compose apps).
    pub fn domains(&self) -> Vec<String> {
        let all = if self.compose_domains.is_empty() {
            self.fqdn.clone()
        } else {
            self.compose_domains.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>().join(",")
        };
        all.split(',').map(|d| d.trim().trim_end_matches('/').to_string()).filter(|d| !d.is_empty()).collect()
    }

    /// A deployment finished: the proxy and the app pick up the settings.
    pub fn go_live(&mut self) {
        self.live_domains = self.domains();
        self.live_allowed_hosts = self.envs.iter().find(|e| e.key == "ALLOWED_HOSTS" && !e.is_preview).map(|e| e.value.clone());
    }
}

#[derive(Clone, Debug)]
pub struct CBackup {
    pub uuid: String,
    pub id: i64,
    pub frequency: String,
    pub enabled: bool,
    pub save_s3: bool,
    /// Only the S3 copy is kept (Coolify's `disable_local_backup`).
    pub disable_local: bool,
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

/// A preview deployment of a pull request: its containers and domain.
#[derive(Clone, Debug)]
pub struct CPreview {
    pub pr: i64,
    pub uuid: String,
    pub fqdn: String,
    pub status: String,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct CDeployment {
    pub id: i64,
    pub uuid: String,
    pub app: usize,
    /// The pull request of a preview deployment; 0 for the application itself.
    pub pr: i64,
    pub commit: String,
    pub force: bool,
    pub restart_only: bool,
    pub run: DeployRun,
}

pub struct CoolifyWorld {
    /// Abilities of the simulator's token (`read`, `read:sensitive`, `write`, `deploy`).
    pub abilities: Vec<String>,
    /// Applications whose next deployment fails (a playbook's `Sim` step).
    pub fail_next_deploy: Vec<String>,
    /// Variable keys the env endpoints refuse with a 422, as a validation rule would.
    pub reject_env: Vec<String>,
    /// Multiplies deployment and backup durations.
    pub speed: f64,
    pub version: String,
    pub servers: Vec<CServer>,
    pub projects: Vec<CProject>,
    pub apps: Vec<CApp>,
    pub databases: Vec<CDatabase>,
    pub deployments: Vec<CDeployment>,
    /// Resources Coolify reports exited because their server was powered off
    /// (they come back with it, as containers with a restart policy do).
    pub power_stopped: Vec<String>,
    pub next_id: i64,
    /// S3 destinations for backups (`/s3-storages`).
    pub s3: Vec<CS3>,
    /// One-click and compose services (`/services`).
    pub services: Vec<CService>,
}

/// A Coolify service: a compose stack of applications and databases.
#[derive(Clone, Debug)]
pub struct CService {
    pub uuid: String,
    pub id: i64,
    pub name: String,
    pub service_type: String,
    pub env_id: i64,
    pub server: usize,
    pub status: String,
    /// (name, fqdn or "", image)
    pub apps: Vec<(String, String, String)>,
    /// (name, image)
    pub dbs: Vec<(String, String)>,
    pub envs: Vec<CEnvVar>,
}

/// The demo's S3 keys: the operator types them into a drill, as they would
/// copy them from the storage provider (Coolify's API does not give them).
pub const DEMO_S3_KEY: &str = "CUTOVERDEMOKEY0000001";
pub const DEMO_S3_SECRET: &str = "cutover-demo-s3-secret-never-on-a-command-line";

/// An S3 destination Coolify can send backups to.
#[derive(Clone, Debug)]
pub struct CS3 {
    pub uuid: String,
    pub name: String,
    /// The simulator's own object store once it listens (`sim::s3`).
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub is_usable: bool,
    /// What Coolify keeps and its API never shows.
    pub key: String,
    pub secret: String,
}

impl CoolifyWorld {
    /// shop-uat deploys its pull requests as previews: #41 and #44 are up
    /// (#44's last build failed), #38's preview was deleted (its deployments
    /// stay in the history).
    fn demo_previews(&mut self, rng: &mut Rng) {
        let Some(ai) = self.apps.iter().position(|a| a.name == "shop-uat") else { return };
        let now = chrono::Utc::now();
        let domain = self.apps[ai].fqdn.split(',').next().unwrap_or("").trim_start_matches("https://").to_string();
        self.apps[ai].settings.insert("is_preview_deployments_enabled".into(), true.into());
        self.apps[ai].settings.insert("preview_url_template".into(), "{{pr_id}}.{{domain}}".into());
        for (pr, hours, fails, live) in [(38i64, 200i64, false, false), (41, 26, false, true), (44, 3, false, true), (44, 1, true, true)] {
            let run = DeployRun {
                created: now - chrono::Duration::hours(hours),
                queued_ms: 800,
                build_ms: 60_000,
                fails,
                entries: Vec::new(),
                cancelled_at: None,
                applied: true,
            };
            let (id, uuid) = (self.fresh_id(), rng.cuid());
            self.deployments.push(CDeployment { id, uuid, app: ai, pr, commit: rng.hex(40), force: false, restart_only: false, run });
            if live && !self.apps[ai].previews.iter().any(|p| p.pr == pr) {
                self.apps[ai].previews.push(CPreview {
                    pr,
                    uuid: rng.cuid(),
                    fqdn: format!("https://{pr}.{domain}"),
                    status: "running:healthy".into(),
                    created_at: (now - chrono::Duration::hours(hours)).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                });
            }
        }
    }

    pub fn demo(rng: &mut Rng, hz: &HetznerWorld) -> CoolifyWorld {
        let started = chrono::Utc::now();
        let ip_of = |n: &str| hz.servers.iter().find(|s| s.name == n).and_then(|s| s.ipv4.clone()).unwrap_or_default();
        let servers: Vec<CServer> = ["web-prod-1", "web-uat-1", "db-prod-1", "db-uat-1"]
            .iter()
            .map(|n| CServer { uuid: rng.cuid(), name: n.to_string(), ip: ip_of(n), hetzner: n.to_string() })
            .collect();
        let mut w = CoolifyWorld {
            abilities: vec!["read".into(), "read:sensitive".into(), "write".into(), "deploy".into()],
            fail_next_deploy: vec!["talks-uat".into()],
            reject_env: Vec::new(),
            speed: 1.0,
            version: "4.3.10".into(),
            servers,
            projects: Vec::new(),
            apps: Vec::new(),
            databases: Vec::new(),
            deployments: Vec::new(),
            power_stopped: Vec::new(),
            next_id: 1,
            s3: vec![CS3 {
                uuid: rng.cuid(),
                name: "hetzner-fsn1".into(),
                endpoint: "https://fsn1.your-objectstorage.com".into(),
                bucket: "acme-backups".into(),
                region: "fsn1".into(),
                is_usable: true,
                key: DEMO_S3_KEY.into(),
                secret: DEMO_S3_SECRET.into(),
            }],
            services: Vec::new(),
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
                    // Production databases back up daily; a uat database has no schedule,
                    // and the recipes production backup has been failing.
                    // tatis' uat backups go to S3 only (local copies off): a
                    // drill has to fetch them.
                    let s3_only = !prod && site.slug == "tatis";
                    if prod || si % 2 == 0 || s3_only {
                        let mut executions = Vec::new();
                        // Runs at the schedule's last due times, relative to now, so
                        // the health shown is the same whenever the demo starts (its
                        // age is not: 2m ago at 02:02, 23h ago at 01:00). The
                        // hockey uat schedule stopped running three weeks ago.
                        let freq = if prod { "0 2 * * *" } else { "weekly" };
                        let stale = !prod && site.slug == "hockey";
                        // Due a little before the start, so a run 3 s after its due time
                        // is never in the future.
                        let mut due = schedule_due(freq, started - chrono::Duration::seconds(10));
                        if stale {
                            due -= chrono::Duration::weeks(3);
                        }
                        for d in 0..3 {
                            let failed = site.slug == "recipes" && prod && d == 0;
                            let at = due - if prod { chrono::Duration::days(d) } else { chrono::Duration::weeks(d) }
                                + chrono::Duration::seconds(3 + d);
                            executions.push(CExecution {
                                uuid: rng.cuid(),
                                filename: format!(
                                    "/data/coolify/backups/databases/acme-0/{}-{env}-db-{dbuuid}/pg-dump-{}-{}.dmp",
                                    site.slug,
                                    site.slug,
                                    at.timestamp()
                                ),
                                size: if failed { 0 } else { 4_000_000 + rng.below(90_000_000) as i64 },
                                status: if failed { "failed".into() } else { "success".into() },
                                message: if failed {
                                    "pg_dump: error: connection to server failed: FATAL: password authentication failed".into()
                                } else {
                                    String::new()
                                },
                                created_at: at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                            });
                        }
                        backups.push(CBackup {
                            uuid: rng.cuid(),
                            id: w.fresh_id(),
                            frequency: freq.into(),
                            enabled: true,
                            save_s3: prod || s3_only,
                            disable_local: s3_only,
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
                    previews: Vec::new(),
                    pre_deployment_command: None,
                    tasks: Vec::new(),
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
                    settings: serde_json::Map::new(),
                    // Django sites keep their uploads on a volume.
                    storages: if site.python.is_empty() {
                        vec![]
                    } else {
                        vec![(format!("{}-{env}-media", site.slug), "/app/media".into(), None)]
                    },
                    compose_domains,
                    live_domains: Vec::new(),
                    live_allowed_hosts: None,
                    certified_at_start: Vec::new(),
                });
                if let Some(a) = w.apps.last_mut() {
                    a.go_live();
                    a.certified_at_start = a.live_domains.clone();
                }
            }
            w.projects.push(project);
        }
        // Two services: analytics beside the shop, a status checker that is stopped.
        // Their own random stream: the rest of the world stays as it was.
        let rng = &mut Rng::new(0x5e41_1ce5);
        let env_of = |w: &CoolifyWorld, project: &str, env: &str| {
            w.projects.iter().find(|p| p.name == project).and_then(|p| p.envs.iter().find(|e| e.name == env)).map(|e| e.id).unwrap_or(0)
        };
        let var = |rng: &mut Rng, key: &str, value: String| CEnvVar {
            uuid: rng.cuid(),
            key: key.into(),
            value,
            is_preview: false,
            is_buildtime: false,
            is_runtime: true,
            is_shown_once: false,
            is_literal: false,
            is_multiline: false,
        };
        let (pg_pw, secret) = (rng.hex(24), rng.hex(64));
        let analytics = CService {
            uuid: rng.cuid(),
            id: 1,
            name: "analytics".into(),
            service_type: "plausible".into(),
            env_id: env_of(&w, "Shop", "production"),
            server: 0,
            status: "running:healthy".into(),
            apps: vec![("plausible".into(), "https://stats.example.com".into(), "ghcr.io/plausible/community-edition:v2.1".into())],
            dbs: vec![
                ("plausible-db".into(), "postgres:16-alpine".into()),
                ("plausible-events-db".into(), "clickhouse/clickhouse-server:24.3".into()),
            ],
            envs: vec![
                var(rng, "SERVICE_FQDN_PLAUSIBLE", "https://stats.example.com".into()),
                var(rng, "SERVICE_PASSWORD_POSTGRES", pg_pw),
                var(rng, "SECRET_KEY_BASE", secret),
            ],
        };
        let uptime = CService {
            uuid: rng.cuid(),
            id: 2,
            name: "uptime".into(),
            service_type: "uptime-kuma".into(),
            env_id: env_of(&w, "Status Page", "production"),
            server: 1,
            status: "exited".into(),
            apps: vec![("uptime-kuma".into(), "https://uptime.status.example".into(), "louislam/uptime-kuma:1".into())],
            dbs: vec![],
            envs: vec![var(rng, "SERVICE_FQDN_UPTIMEKUMA", "https://uptime.status.example".into())],
        };
        w.services = vec![analytics, uptime];
        // Past deployments: three per application, one of them failed.
        let now = chrono::Utc::now();
        let all_sites = sites();
        for ai in 0..w.apps.len() {
            for (k, hours) in [72i64, 30, 5].into_iter().enumerate() {
                let fails = k == 1 && w.apps[ai].name == "recipes-production";
                let server = w.servers[w.apps[ai].server].name.clone();
                let entries = build_log(&w.apps[ai], &all_sites[w.apps[ai].site], &server, None, fails, rng);
                let total = entries.last().map(|e| e.at_ms).unwrap_or(0) + 300;
                let run = DeployRun {
                    created: now - chrono::Duration::hours(hours),
                    queued_ms: 800,
                    build_ms: total,
                    fails,
                    entries,
                    cancelled_at: None,
                    applied: true,
                };
                let (id, uuid) = (w.fresh_id(), rng.cuid());
                let commit = if k == 2 { w.apps[ai].commit.clone() } else { rng.hex(40) };
                w.deployments.push(CDeployment { id, uuid, app: ai, pr: 0, commit, force: false, restart_only: false, run });
            }
        }
        w.demo_previews(rng);
        w
    }

    pub fn fresh_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}

/// The last time a Coolify frequency was due before `now`.
fn schedule_due(freq: &str, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use std::str::FromStr;
    crate::sim::rules::coolify_cron(freq)
        .and_then(|c| croner::Cron::from_str(&c).ok())
        .and_then(|c| c.find_previous_occurrence(&now, false).ok())
        .unwrap_or(now - chrono::Duration::days(1))
}

// ---- Hetzner: actions, firewalls, volumes, DNS ----------------------------------

/// What happens to the world when an action (or a later event) completes.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    ServerStatus { id: i64, status: String },
    ServerDelete { id: i64 },
    None,
}

#[derive(Clone, Debug)]
pub struct SAction {
    pub id: i64,
    pub command: String,
    pub started: chrono::DateTime<chrono::Utc>,
    pub duration: chrono::Duration,
    pub resources: Vec<(i64, &'static str)>,
    /// `Err((code, message))` makes the action end in `error`.
    pub outcome: Result<(), (String, String)>,
    pub on_success: Vec<Effect>,
    /// Effects applied later than the action's success (a shutdown's `off`).
    pub later: Vec<(chrono::Duration, Effect)>,
    pub applied: bool,
}

impl SAction {
    pub fn finished_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.started + self.duration
    }

    pub fn json(&self, now: chrono::DateTime<chrono::Utc>) -> Value {
        let done = now >= self.finished_at();
        let elapsed = (now - self.started).num_milliseconds().max(0) as f64;
        let total = self.duration.num_milliseconds().max(1) as f64;
        let (status, error) = match (&self.outcome, done) {
            (_, false) => ("running", Value::Null),
            (Ok(()), true) => ("success", Value::Null),
            (Err((c, m)), true) => ("error", json!({"code": c, "message": m})),
        };
        json!({
            "id": self.id,
            "command": self.command,
            "status": status,
            "progress": if done { 100 } else { ((elapsed / total) * 100.0).min(99.0) as i64 },
            "started": self.started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "finished": if done { json!(self.finished_at().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) } else { Value::Null },
            "resources": self.resources.iter().map(|(id, t)| json!({"id": id, "type": t})).collect::<Vec<_>>(),
            "error": error,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SRule {
    pub description: Option<String>,
    pub direction: String,
    pub source_ips: Vec<String>,
    pub destination_ips: Vec<String>,
    pub protocol: String,
    pub port: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SFirewall {
    pub id: i64,
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub rules: Vec<SRule>,
    /// Server ids and label selectors it is applied to.
    pub servers: Vec<i64>,
    pub selectors: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct SVolume {
    pub id: i64,
    pub name: String,
    pub size: i64,
    pub server: Option<i64>,
    pub loc_idx: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SRrset {
    pub name: String,
    pub rtype: String,
    pub ttl: Option<u32>,
    pub records: Vec<(String, Option<String>)>,
    pub protected: bool,
}

#[derive(Clone, Debug)]
pub struct SZone {
    pub id: i64,
    pub name: String,
    pub ttl: u32,
    pub rrsets: Vec<SRrset>,
    pub delegation: &'static str,
    pub protected: bool,
    pub serial: u32,
}

pub const HETZNER_NS: [&str; 3] = ["hydrogen.ns.hetzner.com.", "oxygen.ns.hetzner.com.", "helium.ns.hetzner.de."];

impl SRule {
    pub fn json(&self) -> Value {
        json!({
            "description": self.description, "direction": self.direction, "source_ips": self.source_ips,
            "destination_ips": self.destination_ips, "protocol": self.protocol, "port": self.port,
        })
    }

    fn tcp_in(port: &str, from: &[&str], description: &str) -> SRule {
        SRule {
            description: Some(description.into()),
            direction: "in".into(),
            source_ips: from.iter().map(|s| s.to_string()).collect(),
            destination_ips: vec![],
            protocol: "tcp".into(),
            port: Some(port.into()),
        }
    }
}

impl SZone {
    pub fn soa(&self) -> String {
        format!("{} dns.hetzner.com. {} 86400 10800 3600000 3600", HETZNER_NS[0], self.serial)
    }

    pub fn bump(&mut self) {
        self.serial += 1;
    }

    pub fn zonefile(&self) -> String {
        let mut records = Vec::new();
        for r in &self.rrsets {
            for (v, _) in &r.records {
                records.push((r.name.clone(), r.ttl, r.rtype.clone(), v.clone()));
            }
        }
        crate::sim::rules::zone_file(&self.name, self.ttl, &records)
    }
}

fn rr(name: &str, rtype: &str, ttl: Option<u32>, values: &[&str]) -> SRrset {
    SRrset {
        name: name.into(),
        rtype: rtype.into(),
        ttl,
        records: values.iter().map(|v| (v.to_string(), None)).collect(),
        protected: false,
    }
}

impl HetznerWorld {
    /// Firewalls, volumes and DNS zones of the demo project.
    pub fn demo_extras(&mut self, rng: &mut Rng) {
        let ip = |w: &HetznerWorld, n: &str| w.servers.iter().find(|s| s.name == n).and_then(|s| s.ipv4.clone()).unwrap_or_default();
        let web1 = ip(self, "web-prod-1");
        let web2 = ip(self, "web-prod-2");
        let uat = ip(self, "web-uat-1");
        let legacy = ip(self, "legacy-web");
        self.firewalls = vec![
            SFirewall {
                id: 910_001,
                name: "web".into(),
                labels: vec![("role".into(), "web".into())],
                rules: vec![
                    SRule::tcp_in("80", &["0.0.0.0/0", "::/0"], "http"),
                    SRule::tcp_in("443", &["0.0.0.0/0", "::/0"], "https"),
                    SRule::tcp_in("22", &["0.0.0.0/0", "::/0"], "ssh from anywhere"),
                ],
                servers: vec![],
                selectors: vec!["role=web".into()],
            },
            SFirewall {
                id: 910_002,
                name: "db".into(),
                labels: vec![("role".into(), "db".into())],
                rules: vec![
                    SRule::tcp_in("5432", &[&format!("{web1}/32"), &format!("{web2}/32")], "postgres from the web servers"),
                    SRule::tcp_in("22", &["0.0.0.0/0", "::/0"], "ssh"),
                ],
                servers: self.servers.iter().filter(|s| s.name == "db-prod-1").map(|s| s.id).collect(),
                selectors: vec![],
            },
        ];
        for s in &mut self.servers {
            let labels: std::collections::BTreeMap<String, String> = s.labels.iter().cloned().collect();
            for f in &self.firewalls {
                let by_label = f.selectors.iter().any(|sel| crate::sim::rules::selects(sel, &labels));
                if by_label || f.servers.contains(&s.id) {
                    s.firewalls.push(f.id);
                }
            }
        }
        let db = self.servers.iter().find(|s| s.name == "db-prod-1").map(|s| (s.id, s.loc_idx));
        if let Some((id, loc)) = db {
            self.volumes.push(SVolume { id: 100_231, name: "pgdata-prod".into(), size: 100, server: Some(id), loc_idx: loc });
        }
        self.volumes.push(SVolume { id: 100_232, name: "old-uploads".into(), size: 20, server: None, loc_idx: 1 });
        // An address kept for a cut-over: assigned to nothing, billed all the same.
        self.primary_ips.push(SPrimaryIp {
            id: 58_001,
            name: "shop-ip".into(),
            ip: "203.0.113.200".into(),
            v6: false,
            loc_idx: 0,
            assignee: None,
            auto_delete: false,
            protect_delete: true,
            created: "2026-02-10T09:00:00Z".into(),
        });
        // A private network for database traffic: db-prod-1 and web-prod-1 are
        // on it, web-prod-2 not yet.
        let on: Vec<i64> =
            ["db-prod-1", "web-prod-1"].iter().filter_map(|n| self.servers.iter().find(|s| s.name == *n).map(|s| s.id)).collect();
        self.networks.push(SNetwork {
            id: 4_711,
            name: "private".into(),
            ip_range: "10.0.0.0/16".into(),
            subnets: vec![("10.0.1.0/24".into(), "eu-central".into(), "cloud".into())],
            servers: on.into_iter().zip(2u8..).map(|(id, n)| (id, std::net::Ipv4Addr::new(10, 0, 1, n))).collect(),
            labels: vec![("env".into(), "production".into())],
            protect_delete: false,
            created: "2026-02-10T09:00:00Z".into(),
        });
        let mut zid = 770_000;
        for (i, site) in sites().iter().enumerate() {
            zid += 1 + rng.below(9) as i64;
            let target = if site.slug == "shop" {
                web1.clone()
            } else if i % 2 == 0 {
                web2.clone()
            } else {
                web1.clone()
            };
            // uat still points at the old host in most zones: the cut-over to come.
            let uat_ip = if site.slug == "shop" { legacy.clone() } else { uat.clone() };
            let mut rrsets = vec![
                rr("@", "SOA", None, &[]),
                rr("@", "NS", None, &HETZNER_NS),
                rr("@", "A", Some(3600), &[&target]),
                rr("@", "AAAA", Some(3600), &["2001:db8:1a00:1::1"]),
                rr("www", "CNAME", Some(3600), &[&format!("{}.", site.domain)]),
                rr("uat", "A", Some(3600), &[&uat_ip]),
                rr("@", "MX", None, &["10 mx1.mail.example.net.", "20 mx2.mail.example.net."]),
                rr("@", "TXT", None, &["\"v=spf1 include:_spf.mail.example.net ~all\""]),
                rr("@", "CAA", None, &["0 issue \"letsencrypt.org\""]),
            ];
            if site.slug == "shop" {
                let dkim = format!("v=DKIM1; k=rsa; p={}", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".repeat(7));
                rrsets.push(SRrset {
                    name: "mail._domainkey".into(),
                    rtype: "TXT".into(),
                    ttl: None,
                    records: vec![(crate::sim::rules::quote_txt(&dkim), None)],
                    protected: true,
                });
            }
            let z = SZone {
                id: zid,
                name: site.domain.into(),
                ttl: 3600,
                rrsets,
                delegation: if site.slug == "datasette" { "invalid" } else { "valid" },
                protected: site.slug == "shop",
                serial: 2026112101,
            };
            self.zones.push(z);
        }
        let soa: Vec<String> = self.zones.iter().map(|z| z.soa()).collect();
        for (z, s) in self.zones.iter_mut().zip(soa) {
            if let Some(r) = z.rrsets.iter_mut().find(|r| r.rtype == "SOA") {
                r.records = vec![(s, None)];
            }
        }
    }

    /// Applies everything whose time has come.
    pub fn tick(&mut self, now: chrono::DateTime<chrono::Utc>) {
        let mut due: Vec<Effect> = Vec::new();
        for a in &mut self.actions {
            if !a.applied && now >= a.finished_at() {
                a.applied = true;
                if a.outcome.is_ok() {
                    due.append(&mut a.on_success);
                    let at = a.finished_at();
                    for (after, e) in a.later.drain(..) {
                        self.scheduled.push((at + after, e));
                    }
                }
            }
        }
        let (now_due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.scheduled).into_iter().partition(|(t, _)| *t <= now);
        self.scheduled = keep;
        due.extend(now_due.into_iter().map(|(_, e)| e));
        for e in due {
            match e {
                Effect::ServerStatus { id, status } => {
                    if let Some(s) = self.servers.iter_mut().find(|s| s.id == id) {
                        s.status = status;
                    }
                }
                Effect::ServerDelete { id } => {
                    self.servers.retain(|s| s.id != id);
                    for n in &mut self.networks {
                        n.servers.retain(|(s, _)| *s != id);
                    }
                    // Its IPs go with it unless kept (`auto_delete` off).
                    self.primary_ips.retain(|p| p.assignee != Some(id) || !p.auto_delete);
                    for p in self.primary_ips.iter_mut().filter(|p| p.assignee == Some(id)) {
                        p.assignee = None;
                    }
                }
                Effect::None => {}
            }
        }
    }

    /// Starts an action; `ms` is its duration before the speed factor.
    pub fn start_action(
        &mut self,
        command: &str,
        resources: Vec<(i64, &'static str)>,
        ms: i64,
        on_success: Vec<Effect>,
        later: Vec<(chrono::Duration, Effect)>,
    ) -> &SAction {
        self.next_action += 1;
        let outcome = match self.fail_next.iter().position(|c| c == command) {
            Some(i) => {
                self.fail_next.remove(i);
                Err(("action_failed".to_string(), "the host did not respond (simulated)".to_string()))
            }
            None => Ok(()),
        };
        let scaled = (ms as f64 * self.action_speed) as i64;
        let later = later
            .into_iter()
            .map(|(d, e)| (chrono::Duration::milliseconds((d.num_milliseconds() as f64 * self.action_speed) as i64), e))
            .collect();
        let at = self.actions.len();
        self.actions.push(SAction {
            id: self.next_action,
            command: command.into(),
            started: chrono::Utc::now(),
            duration: chrono::Duration::milliseconds(scaled),
            resources,
            outcome,
            on_success,
            later,
            applied: false,
        });
        &self.actions[at]
    }

    /// Whether a resource has an action running (the API answers `locked`).
    pub fn busy(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.actions.iter().any(|a| now < a.finished_at() && a.resources.iter().any(|(r, _)| *r == id))
    }

    pub fn volume_json(&self, v: &SVolume) -> Value {
        json!({
            "id": v.id, "created": "2026-03-02T10:00:00Z", "name": v.name, "server": v.server,
            "location": Self::location_json(&self.locations[v.loc_idx]), "size": v.size,
            "linux_device": format!("/dev/disk/by-id/scsi-0HC_Volume_{}", v.id),
            "protection": {"delete": false}, "labels": {}, "status": "available", "format": "ext4",
        })
    }

    pub fn firewall_json(&self, f: &SFirewall) -> Value {
        let mut applied: Vec<Value> = f.servers.iter().map(|id| json!({"type": "server", "server": {"id": id}})).collect();
        for sel in &f.selectors {
            let matched: Vec<Value> = self
                .servers
                .iter()
                .filter(|s| {
                    let labels: std::collections::BTreeMap<String, String> = s.labels.iter().cloned().collect();
                    crate::sim::rules::selects(sel, &labels)
                })
                .map(|s| json!({"type": "server", "server": {"id": s.id}}))
                .collect();
            applied.push(json!({"type": "label_selector", "label_selector": {"selector": sel}, "applied_to_resources": matched}));
        }
        json!({
            "id": f.id, "name": f.name, "created": "2026-01-05T09:00:00Z",
            "labels": f.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
            "rules": f.rules.iter().map(SRule::json).collect::<Vec<_>>(),
            "applied_to": applied,
        })
    }

    pub fn zone_json(&self, z: &SZone) -> Value {
        json!({
            "id": z.id, "name": z.name, "created": "2025-11-12T08:00:00Z", "mode": "primary",
            "primary_nameservers": [], "labels": {}, "protection": {"delete": z.protected}, "ttl": z.ttl,
            "status": "ok", "record_count": z.rrsets.iter().map(|r| r.records.len()).sum::<usize>(),
            "authoritative_nameservers": {
                "assigned": HETZNER_NS.iter().map(|n| n.trim_end_matches('.')).collect::<Vec<_>>(),
                "delegated": match z.delegation {
                    "valid" => HETZNER_NS.iter().map(|n| n.trim_end_matches('.').to_string()).collect::<Vec<_>>(),
                    // A zone created here: nobody has delegated it yet.
                    "unknown" => vec![],
                    _ => vec!["ns1.old-registrar.example".to_string(), "ns2.old-registrar.example".to_string()],
                },
                "delegation_last_check": "2026-11-21T06:00:00Z",
                "delegation_status": z.delegation,
            },
            "registrar": "other",
        })
    }

    pub fn rrset_json(z: &SZone, r: &SRrset) -> Value {
        json!({
            "id": format!("{}/{}", r.name, r.rtype), "name": r.name, "type": r.rtype, "ttl": r.ttl, "labels": {},
            "protection": {"change": r.protected},
            "records": r.records.iter().map(|(v, c)| match c { Some(c) => json!({"value": v, "comment": c}), None => json!({"value": v}) }).collect::<Vec<_>>(),
            "zone": z.id,
        })
    }
}

// ---- Coolify: deployments over time ---------------------------------------------

/// One entry of a deployment log, due `at_ms` after the deployment started.
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub at_ms: i64,
    pub output: String,
    pub stderr: bool,
    pub hidden: bool,
    pub command: Option<String>,
}

#[derive(Clone, Debug)]
pub struct DeployRun {
    pub created: chrono::DateTime<chrono::Utc>,
    pub queued_ms: i64,
    pub build_ms: i64,
    pub fails: bool,
    pub entries: Vec<LogEntry>,
    pub cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub applied: bool,
}

impl DeployRun {
    /// `queued`, `in_progress`, `finished`, `failed` or `cancelled-by-user` at `now`.
    pub fn status(&self, now: chrono::DateTime<chrono::Utc>) -> &'static str {
        if self.cancelled_at.is_some() {
            return "cancelled-by-user";
        }
        let ms = (now - self.created).num_milliseconds();
        if ms < self.queued_ms {
            "queued"
        } else if ms < self.queued_ms + self.build_ms {
            "in_progress"
        } else if self.fails {
            "failed"
        } else {
            "finished"
        }
    }

    pub fn finished_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.cancelled_at.or_else(|| Some(self.created + chrono::Duration::milliseconds(self.queued_ms + self.build_ms)))
    }

    /// The entries written by `now`, as Coolify stores them (1-based `order`).
    pub fn logs_json(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let ms = (now - self.created).num_milliseconds() - self.queued_ms;
        let until = self.cancelled_at.map(|c| (c - self.created).num_milliseconds() - self.queued_ms).unwrap_or(i64::MAX).min(ms);
        let mut out: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| e.at_ms <= until)
            .enumerate()
            .map(|(i, e)| {
                let ts = self.created + chrono::Duration::milliseconds(self.queued_ms + e.at_ms);
                let mut v = json!({
                    "command": e.command, "output": e.output, "type": if e.stderr { "stderr" } else { "stdout" },
                    "timestamp": ts.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(), "hidden": e.hidden, "batch": 1 + i / 10,
                });
                // The first entry Coolify writes has no `order` (coolify-api.md §2.4).
                if i > 0 {
                    v["order"] = json!(i + 1);
                }
                v
            })
            .collect();
        if let Some(c) = self.cancelled_at {
            out.push(json!({"command": null, "output": "Deployment cancelled by user.", "type": "stderr", "timestamp": c.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(), "hidden": false, "batch": 99, "order": out.len() + 1}));
        }
        Value::Array(out).to_string()
    }
}

/// The newest Python Nixpacks provides (its nixpkgs): the field notes hit it.
pub const NIXPACKS_MAX_PYTHON: (u32, u32) = (3, 13);

/// The Python a Nixpacks build asks for: NIXPACKS_PYTHON_VERSION, else the site's.
pub fn nixpacks_python(app: &CApp, site: &Site) -> String {
    app.envs
        .iter()
        .find(|e| e.key == "NIXPACKS_PYTHON_VERSION" && !e.is_preview)
        .map(|e| e.value.clone())
        .unwrap_or_else(|| site.python.to_string())
}

/// A Nixpacks build asking for a newer Python than Nixpacks has fails at setup.
pub fn nixpacks_python_too_new(app: &CApp, site: &Site) -> bool {
    if app.build_pack != "nixpacks" {
        return false;
    }
    let v = nixpacks_python(app, site);
    let mut it = v.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0)) > NIXPACKS_MAX_PYTHON
}

/// A realistic build log for a Django app, failing at `pip install` when `fails`.
pub fn build_log(app: &CApp, site: &Site, server: &str, db_url: Option<&str>, fails: bool, rng: &mut Rng) -> Vec<LogEntry> {
    let mut t = 0i64;
    let mut v = Vec::new();
    let mut add = |dt: i64, out: String, stderr: bool, hidden: bool, cmd: Option<String>| {
        t += dt;
        v.push(LogEntry { at_ms: t, output: out, stderr, hidden, command: cmd });
    };
    let repo = app.repo.trim_start_matches("https://github.com/");
    let short = &app.commit[..7.min(app.commit.len())];
    add(100, format!("Starting deployment of {repo}:{} to {server}.", app.branch), false, false, None);
    add(150, "Preparing container with helper image: ghcr.io/coollabsio/coolify-helper:1.0.11.".into(), false, false, None);
    add(50, format!("[CMD]: docker rm -f {} >/dev/null 2>&1", rng.cuid()), false, true, Some("docker rm -f".into()));
    add(300, format!("Importing {repo}:{} (commit sha {short}) to /artifacts/{}.", app.branch, rng.cuid()), false, false, None);
    add(400, format!("Image not found ({}:{short}). Building new image.", app.uuid), false, false, None);
    if let Some(url) = db_url {
        // A debug line that prints a credential: Coolify only masks shown-once variables.
        add(
            50,
            format!("[CMD]: docker exec build env DATABASE_URL={url} python manage.py collectstatic --noinput"),
            false,
            true,
            Some("collectstatic".into()),
        );
    }
    add(200, "Building docker image started.".into(), false, false, None);
    if nixpacks_python_too_new(app, site) {
        let py = nixpacks_python(app, site);
        add(250, "╔═════════ Nixpacks v1.39.0 ═════════╗".into(), false, false, None);
        add(
            300,
            format!("error: attribute 'python{}' missing: Nixpacks' nixpkgs has Python up to 3.13", py.replace('.', "")),
            true,
            false,
            None,
        );
        add(100, "Deployment failed. Removing the new version of your application.".into(), true, false, None);
        return v;
    }
    let steps: Vec<String> = match app.build_pack.as_str() {
        "nixpacks" => vec![
            "╔═════════ Nixpacks v1.39.0 ═════════╗".into(),
            format!("║ setup      │ python{}, postgresql_16.dev, gcc ║", nixpacks_python(app, site).replace('.', "")),
            "║ install    │ python -m venv --copies /opt/venv && . /opt/venv/bin/activate && pip install -r requirements.txt ║".into(),
            "║ start      │ gunicorn config.wsgi --bind 0.0.0.0:8000 ║".into(),
        ],
        _ => vec![
            "#1 [internal] load build definition from Dockerfile".into(),
            format!(
                "#2 [internal] load metadata for docker.io/library/python:{}-slim",
                if site.python.is_empty() { "3.14" } else { site.python }
            ),
            "#5 [2/6] WORKDIR /app".into(),
            "#6 [3/6] COPY requirements.txt .".into(),
        ],
    };
    for s in steps {
        add(250, s, false, false, None);
    }
    add(600, "#7 [4/6] RUN pip install --no-cache-dir -r requirements.txt".into(), false, false, None);
    if fails {
        add(
            900,
            "#7 2.431 ERROR: Could not find a version that satisfies the requirement Django==9.0 (from versions: 4.2.26, 5.2.8, 6.0)"
                .into(),
            true,
            false,
            None,
        );
        add(100, "#7 2.432 ERROR: No matching distribution found for Django==9.0".into(), true, false, None);
        add(
            100,
            "#7 ERROR: process \"/bin/sh -c pip install --no-cache-dir -r requirements.txt\" did not complete successfully: exit code: 1"
                .into(),
            true,
            false,
            None,
        );
        add(200, "Oops something is not okay, are you okay? 😢".into(), true, false, None);
        add(100, "Deployment failed. Removing the new version of your application.".into(), true, false, None);
        return v;
    }
    add(
        1500,
        format!(
            "#7 31.02 Successfully installed Django-{}.4 gunicorn-23.0.0 psycopg-3.2.12 whitenoise-6.11.0",
            if site.django.is_empty() { "5.2" } else { site.django }
        ),
        false,
        false,
        None,
    );
    add(400, format!("#9 exporting to image\n#9 naming to docker.io/library/{}:{short} done", app.uuid), false, false, None);
    add(300, "Building docker image completed.".into(), false, false, None);
    add(300, "Rolling update started.".into(), false, false, None);
    if let Some(url) = db_url {
        // The new container's entrypoint echoes its database URL, password
        // and all (a common wait-for-db script): the console must mask it.
        add(150, format!("[entrypoint] waiting for the database at {url}"), false, false, None);
    }
    add(
        400,
        "Executing post-deployment command (see debug log for output): python manage.py migrate --no-input".into(),
        false,
        false,
        None,
    );
    add(300, "Operations to perform:\n  Apply all migrations: admin, auth, contenttypes, sessions, shop\nRunning migrations:\n  No migrations to apply.".into(), false, false, None);
    add(500, "New container started.".into(), false, false, None);
    add(300, "Removing old containers.".into(), false, false, None);
    add(200, "Rolling update completed.".into(), false, false, None);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Networks are written as Hetzner writes them: canonical, `::` where zeros run.
    #[test]
    fn ipv6_networks_are_canonical() {
        let w = HetznerWorld::bulk(&mut Rng::new(7), 300);
        for s in &w.servers {
            let net = s.ipv6.as_deref().unwrap();
            let (addr, len) = net.split_once('/').unwrap();
            let parsed: std::net::Ipv6Addr = addr.parse().unwrap();
            assert_eq!(format!("{parsed}/{len}"), net);
        }
        assert_eq!(w.servers[0].ipv6.as_deref(), Some("2001:db8:1a00::/64"));
    }
}
