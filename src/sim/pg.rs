//! The simulated PostgreSQL servers (one per Coolify database, reached by
//! its uuid as Coolify's internal URLs do, or by its server's address and
//! public port), the dumps on the hosts' disks, and the Django migrations of
//! the sites. As strict as the real tools where a cut-over depends on it: a
//! pg_dump older than the server aborts, a database in use cannot be dropped,
//! a restore into a database that has the tables fails, a stopped or
//! powered-off database refuses connections. The applications keep writing
//! (sessions) to the database their DATABASE_URL names while they run.

use super::world::{CoolifyWorld, HetznerWorld};
use std::collections::BTreeMap;

/// Rows a running application adds to its database each second.
pub const WRITES_PER_SEC: u64 = 5;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub rows: u64,
    /// Stands for the rows' content: equal content, equal checksum.
    pub seed: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Db {
    pub tables: BTreeMap<String, Table>,
    /// Applied migrations (`app.name`), in order.
    pub migrations: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct PgServer {
    /// Major version (postgres:17-alpine: 17).
    pub version: u32,
    pub dbs: BTreeMap<String, Db>,
}

#[derive(Clone, Debug)]
pub struct Dump {
    pub db: Db,
    pub version: u32,
    /// Cut short (a disk that filled while it was written): pg_restore
    /// restores the tables before the cut, then fails.
    pub truncated: bool,
}

/// An object in a simulated bucket: a backup Coolify uploaded, or bytes a
/// test put there (a real `pg_dump` archive for a real `pg_restore`).
#[derive(Clone, Debug)]
pub enum Object {
    Dump(Dump),
    Bytes(Vec<u8>),
}

/// Where Coolify's upload of a backup file lands: `bucket/` and the path
/// without its leading `/` (its `mc cp` into `bucket/<backup dir>/`).
pub fn object_key(bucket: &str, file: &str) -> String {
    format!("{bucket}/{}", file.trim_start_matches('/'))
}

#[derive(Default)]
pub struct PgWorld {
    /// By Coolify database uuid.
    pub servers: BTreeMap<String, PgServer>,
    /// Dumps on the hosts' disks, by path.
    pub files: BTreeMap<String, Dump>,
    /// Objects in the S3 destinations, by `bucket/key` (`sim::s3`).
    pub objects: BTreeMap<String, Object>,
    /// Until when writes have been accounted.
    pub written_until: Option<chrono::DateTime<chrono::Utc>>,
    /// The sites write nothing (`Sim "pause-writes"`): counts that do not
    /// depend on how long a test took.
    pub writes_paused: bool,
    /// The next migrate on this database waits for a lock and times out
    /// (a long transaction of the running site): `Sim "pg-lock UUID"`.
    pub locked: Vec<String>,
}

/// Every migration of the sites' Django project, in `migrate` order.
pub const MIGRATIONS: &[&str] = &[
    "contenttypes.0001_initial",
    "contenttypes.0002_remove_content_type_name",
    "store.0001_initial",
    "store.0002_order_created_index",
    "store.0003_order_status",
    "store.0004_backfill_status",
];

/// `sqlmigrate` output of the project's migrations (captured from the real
/// Django project in tests/django_project).
pub fn sqlmigrate(name: &str) -> Option<&'static str> {
    Some(match name {
        "store.0001_initial" => include_str!("../../tests/fixtures/django/sqlmigrate_store_0001.sql"),
        "store.0002_order_created_index" => include_str!("../../tests/fixtures/django/sqlmigrate_store_0002.sql"),
        "store.0003_order_status" => include_str!("../../tests/fixtures/django/sqlmigrate_store_0003.sql"),
        "store.0004_backfill_status" => include_str!("../../tests/fixtures/django/sqlmigrate_store_0004.sql"),
        _ => return None,
    })
}

impl PgWorld {
    /// One server per Coolify database, holding the site's data at store.0001.
    pub fn demo(cf: &CoolifyWorld) -> PgWorld {
        let mut w = PgWorld::default();
        for (i, d) in cf.databases.iter().enumerate() {
            let version = d.image.split(':').nth(1).and_then(|t| t.split(['-', '.']).next()).and_then(|v| v.parse().ok()).unwrap_or(17);
            let n = i as u64;
            let mut tables = BTreeMap::new();
            let t = |rows: u64, seed: u64| Table { rows, seed };
            tables.insert("public.store_customer".to_string(), t(800 + 37 * n, 11 + n));
            tables.insert("public.store_order".to_string(), t(20_000 + 1_500 * n, 23 + n));
            tables.insert("public.django_session".to_string(), t(400 + 9 * n, 31 + n));
            tables.insert("public.django_content_type".to_string(), t(8, 41));
            tables.insert("public.django_migrations".to_string(), t(3, 43));
            let db = Db { tables, migrations: MIGRATIONS[..3].iter().map(|m| m.to_string()).collect() };
            let mut dbs = BTreeMap::new();
            // Coolify's backup files on the database's server: the data as it
            // was then (the sessions written since are not in them). The
            // newest backup of the hockey uat database was cut short
            // by a full disk: its schedule says success, a restore says otherwise.
            for b in &d.backups {
                for (k, e) in b.executions.iter().enumerate().filter(|(_, e)| e.status == "success") {
                    let mut then = db.clone();
                    if let Some(t) = then.tables.get_mut("public.django_session") {
                        t.rows = t.rows.saturating_sub(3 * (k as u64 + 1));
                        t.seed = t.seed.wrapping_add(k as u64 + 1);
                    }
                    let truncated = k == 0 && d.name.starts_with("hockey-uat");
                    let dump = Dump { db: then, version, truncated };
                    if let (true, Some(s3)) = (b.save_s3, cf.s3.first()) {
                        w.objects.insert(object_key(&s3.bucket, &e.filename), Object::Dump(dump.clone()));
                    }
                    if !b.disable_local {
                        w.files.insert(e.filename.clone(), dump);
                    }
                }
            }
            dbs.insert(d.db_name.clone(), db);
            dbs.insert("postgres".to_string(), Db::default());
            w.servers.insert(d.uuid.clone(), PgServer { version, dbs });
        }
        w
    }

    /// Accounts the applications' writes up to `now`: each running one adds
    /// sessions to the database its DATABASE_URL names.
    pub fn write(&mut self, hz: &HetznerWorld, cf: &CoolifyWorld, now: chrono::DateTime<chrono::Utc>) {
        let since = self.written_until.replace(now).unwrap_or(now);
        if self.writes_paused {
            return;
        }
        let ms = (now - since).num_milliseconds().max(0) as u64;
        let rows = ms * WRITES_PER_SEC / 1000;
        if rows == 0 {
            // Keep the remainder for next time.
            self.written_until = Some(since);
            return;
        }
        for a in cf.apps.iter().filter(|a| a.status.starts_with("running")) {
            let Some(url) = a.envs.iter().find(|e| e.key == "DATABASE_URL").map(|e| e.value.clone()) else { continue };
            let Ok(u) = Url::parse(&url) else { continue };
            let Ok(uuid) = self.reach(hz, cf, &u, None, true) else { continue };
            if let Some(db) = self.servers.get_mut(&uuid).and_then(|s| s.dbs.get_mut(&u.db)) {
                let t = db.tables.entry("public.django_session".into()).or_default();
                t.rows += rows;
                t.seed = t.seed.wrapping_mul(31).wrapping_add(rows);
            }
        }
    }

    /// The server a URL reaches from `inside` (a database container's uuid,
    /// when the command runs in one). A database's uuid is a name on
    /// Coolify's Docker network only: from a host shell (or `docker run
    /// --network host`) it does not resolve; the public port does.
    pub fn reach(&self, hz: &HetznerWorld, cf: &CoolifyWorld, u: &Url, inside: Option<&str>, on_network: bool) -> Result<String, String> {
        let refused = || {
            format!(
                "connection to server at \"{}\", port {} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
                u.host, u.port
            )
        };
        let uuid = if self.servers.contains_key(&u.host) {
            if !on_network {
                return Err(format!("could not translate host name \"{}\" to address: Name or service not known", u.host));
            }
            u.host.clone()
        } else if matches!(u.host.as_str(), "127.0.0.1" | "localhost" | "::1" | "") && inside.is_some_and(|c| self.servers.contains_key(c))
        {
            inside.map(str::to_string).unwrap_or_default()
        } else {
            // A public port on a server's address.
            let server = hz.servers.iter().find(|s| s.ipv4.as_deref() == Some(u.host.as_str())).map(|s| s.name.clone());
            let found = cf.databases.iter().find(|d| {
                d.public_port == Some(u.port) && server.as_deref().is_some_and(|s| cf.servers.get(d.server).is_some_and(|c| c.hetzner == s))
            });
            found.map(|d| d.uuid.clone()).ok_or_else(refused)?
        };
        let d = cf.databases.iter().find(|d| d.uuid == uuid).ok_or_else(refused)?;
        let powered =
            cf.servers.get(d.server).is_none_or(|s| hz.servers.iter().find(|h| h.name == s.hetzner).is_none_or(|h| h.status == "running"));
        if !powered || !d.status.starts_with("running") {
            return Err(refused());
        }
        Ok(uuid)
    }
}

/// What a postgres URL names.
#[derive(Clone, Debug, PartialEq)]
pub struct Url {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub db: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, String> {
        let rest =
            s.strip_prefix("postgres://").or_else(|| s.strip_prefix("postgresql://")).ok_or_else(|| format!("invalid URI: \"{s}\""))?;
        let (userinfo, hostpart) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
        let user = userinfo.split(':').next().unwrap_or("postgres").to_string();
        let (authority, db) = hostpart.split_once('/').unwrap_or((hostpart, ""));
        let db = db.split('?').next().unwrap_or("").to_string();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| format!("invalid port in \"{s}\""))?),
            None => (authority.to_string(), 5432),
        };
        Ok(Url { db: if db.is_empty() { user.clone() } else { db }, user, host, port })
    }
}

/// The checksum `md5(string_agg(...))` a table's content gives.
pub fn checksum(t: &Table) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(format!("{}:{}", t.seed, t.rows).as_bytes());
    data_encoding::HEXLOWER.encode(&h[..16])
}

/// A dump file's size and sha256, as `wc -c` and `sha256sum` report them.
pub fn dump_size(d: &Dump) -> u64 {
    let full = 2_048 + d.db.tables.values().map(|t| t.rows * 64).sum::<u64>();
    if d.truncated { full / 2 } else { full }
}

pub fn dump_sha256(d: &Dump) -> String {
    use sha2::Digest;
    let mut s = String::new();
    for (k, t) in &d.db.tables {
        s.push_str(&format!("{k}:{}:{};", t.rows, t.seed));
    }
    if d.truncated {
        s.push_str("truncated");
    }
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("postgres://shop:pw@abc123:5432/shop").unwrap();
        assert_eq!((u.user.as_str(), u.host.as_str(), u.port, u.db.as_str()), ("shop", "abc123", 5432, "shop"));
        let u = Url::parse("postgresql://postgres@127.0.0.1/postgres?sslmode=disable").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.db.as_str()), ("127.0.0.1", 5432, "postgres"));
    }
}
