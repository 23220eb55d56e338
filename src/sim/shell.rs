//! What the simulated hosts run for the runbooks: a small POSIX-ish shell
//! (`&&`, `||`, `;`, pipes, `< file`, `$(...)`, `{ ...; }`, `docker exec`,
//! `docker run`, cutover's PGPASSFILE wrapper) over the PostgreSQL client
//! tools and Django's `manage.py`, acting on the simulated databases
//! (`sim::pg`). Synchronous: each command takes the world's lock once.

use super::Shared;
use super::pg::{self, Db, Dump, Table, Url};
use std::collections::BTreeMap;

/// What a command writes: text, or a dump (binary, on stdout or in a file).
#[derive(Clone, Debug, Default)]
enum Data {
    #[default]
    None,
    Text(String),
    Dump(Dump),
}

impl Data {
    fn text(&self) -> String {
        match self {
            Data::Text(t) => t.clone(),
            _ => String::new(),
        }
    }
}

/// Where a command runs: the host, a database's or an application's
/// container, or a throwaway image; and the client tools' major version.
#[derive(Clone, Debug)]
struct Ctx {
    /// The Coolify database uuid when inside its container.
    db_container: Option<String>,
    /// The Coolify application uuid when inside its container.
    app_container: Option<String>,
    /// pg_dump's and psql's major version here (Debian 12 hosts: 15).
    pg_version: u32,
    env: BTreeMap<String, String>,
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx { db_container: None, app_container: None, pg_version: 15, env: BTreeMap::new() }
    }
}

pub struct Ran {
    /// (stderr?, text) in the order written.
    pub lines: Vec<(bool, String)>,
    pub code: u32,
}

/// Whether this shell takes the command (the streaming ones, `docker logs -f`,
/// `tail -F`, stay with the host's own handlers).
pub fn handles(cmd: &str) -> bool {
    let first = super::ssh::words(cmd).into_iter().next().unwrap_or_default();
    cmd.starts_with(crate::checklist::libpq::WRAP)
        || cmd.starts_with("{ cat;")
        || cmd.contains("&&")
        || cmd.contains("||")
        || cmd.contains(" | ")
        || cmd.contains("$(")
        || matches!(first.as_str(), "psql" | "pg_dump" | "pg_restore" | "mkdir" | "test" | "rm" | "cd" | "env" | "sh" | "curl" | "mv")
        || first.ends_with("python3")
        || (first == "docker" && (cmd.starts_with("docker run ") || cmd.starts_with("docker exec -i ")))
}

/// Whether the command reads what cutover sends on stdin (curl's options);
/// the others get only the libpq password lines, which the simulator ignores.
pub fn reads_stdin(cmd: &str) -> bool {
    cmd.contains(" -K - ")
}

pub fn run(shared: &Shared, cmd: &str, stdin: Option<&[u8]>) -> Ran {
    let mut sh = Sh { shared, lines: Vec::new() };
    let input = stdin.map(|b| Data::Text(String::from_utf8_lossy(b).into_owned())).unwrap_or_default();
    let (code, out) = sh.eval(cmd, &Ctx::default(), input);
    if let Data::Text(t) = out {
        for l in t.lines() {
            sh.lines.push((false, format!("{l}\n")));
        }
    }
    Ran { lines: sh.lines, code }
}

struct Sh<'a> {
    shared: &'a Shared,
    lines: Vec<(bool, String)>,
}

impl Sh<'_> {
    fn err(&mut self, s: impl Into<String>) {
        let s = s.into();
        for l in s.lines() {
            self.lines.push((true, format!("{l}\n")));
        }
    }

    /// A command string: wrappers peeled, then a list of pipelines.
    fn eval(&mut self, cmd: &str, ctx: &Ctx, stdin: Data) -> (u32, Data) {
        let cmd = cmd.trim();
        if cmd.starts_with(crate::checklist::libpq::WRAP) {
            // The password lines are libpq's business; the command is the last word.
            return match cmd.rfind("PGPASSFILE=\"$f\" sh -c ") {
                Some(i) => {
                    let inner = super::ssh::words(&cmd[i + "PGPASSFILE=\"$f\" sh -c ".len()..]).into_iter().next().unwrap_or_default();
                    self.eval(&inner, ctx, stdin)
                }
                None => (2, Data::None),
            };
        }
        if let Some(rest) = cmd.strip_prefix("{ cat; cat ") {
            // What cutover sent (ignored), then the file.
            let Some((file, after)) = rest.split_once("; } | ") else { return (2, Data::None) };
            let file = super::ssh::words(file).into_iter().next().unwrap_or_default();
            let data = match self.shared.world().pg.files.get(&file) {
                Some(d) => Data::Dump(d.clone()),
                None => {
                    self.err(format!("cat: {file}: No such file or directory"));
                    Data::None
                }
            };
            return self.eval(after, ctx, data);
        }
        let mut code = 0;
        let mut last = Data::None;
        // The list's commands share one input, as a shell's do; those that
        // do not read it leave it for the next.
        let mut stdin = Some(stdin);
        for (op, part) in split_list(cmd) {
            let run = match op {
                Op::And => code == 0,
                Op::Or => code != 0,
                Op::Seq => true,
            };
            if !run {
                continue;
            }
            let reads =
                !matches!(super::ssh::words(&part).first().map(String::as_str), Some("mkdir" | "test" | "[" | "mv" | "rm" | "echo"));
            let input = if reads { stdin.take().unwrap_or_default() } else { Data::None };
            let (c, out) = self.pipeline(&part, ctx, input);
            code = c;
            if let Data::Text(t) = &last {
                for l in t.lines() {
                    self.lines.push((false, format!("{l}\n")));
                }
            }
            last = out;
        }
        (code, last)
    }

    fn pipeline(&mut self, part: &str, ctx: &Ctx, stdin: Data) -> (u32, Data) {
        let stages = split_pipe(part);
        let mut data = stdin;
        let mut code = 0;
        for st in stages {
            let (c, out) = self.simple(&st, ctx, data);
            code = c;
            data = out;
        }
        (code, data)
    }

    fn simple(&mut self, st: &str, ctx: &Ctx, stdin: Data) -> (u32, Data) {
        let st = st.trim();
        if let Some(inner) = st.strip_prefix('{').and_then(|s| s.trim_end().strip_suffix('}')) {
            return self.eval(inner.trim().trim_end_matches(';'), ctx, stdin);
        }
        let expanded = self.substitute(st, ctx);
        let mut w = super::ssh::words(&expanded);
        // Redirections.
        let mut stdin = stdin;
        let mut i = 0;
        while i < w.len() {
            match w[i].as_str() {
                "<" if i + 1 < w.len() => {
                    let f = w[i + 1].clone();
                    stdin = match self.shared.world().pg.files.get(&f) {
                        Some(d) => Data::Dump(d.clone()),
                        None => {
                            self.err(format!("sh: 1: cannot open {f}: No such file"));
                            return (2, Data::None);
                        }
                    };
                    w.drain(i..i + 2);
                }
                ">" | "2>" | ">>" if i + 1 < w.len() => {
                    w.drain(i..i + 2);
                }
                "2>/dev/null" | ">/dev/null" | "2>&1" => {
                    w.remove(i);
                }
                _ => i += 1,
            }
        }
        let mut ctx = ctx.clone();
        while let Some((k, v)) = w.first().and_then(|a| a.split_once('=')).filter(|(k, _)| is_name(k)) {
            ctx.env.insert(k.to_string(), v.to_string());
            w.remove(0);
        }
        let args: Vec<&str> = w.iter().map(String::as_str).collect();
        self.command(&args, &ctx, stdin)
    }

    /// `$(...)` replaced by what the inner command printed (not inside single
    /// quotes: that text belongs to an inner shell).
    fn substitute(&mut self, s: &str, ctx: &Ctx) -> String {
        let mut out = String::new();
        let b: Vec<char> = s.chars().collect();
        let (mut sq, mut dq) = (false, false);
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match c {
                '\\' if !sq => {
                    out.push(c);
                    if let Some(n) = b.get(i + 1) {
                        out.push(*n);
                    }
                    i += 2;
                    continue;
                }
                '\'' if !dq => sq = !sq,
                '"' if !sq => dq = !dq,
                '$' if !sq && b.get(i + 1) == Some(&'(') => {
                    let after: String = b[i + 2..].iter().collect();
                    if let Some(end) = matching_paren(&after) {
                        let inner: String = after.chars().take(end).collect();
                        let (_, printed) = self.eval(&inner, ctx, Data::None);
                        out.push_str(printed.text().trim_end_matches('\n'));
                        i += 2 + inner.chars().count() + 1;
                        continue;
                    }
                }
                _ => {}
            }
            out.push(c);
            i += 1;
        }
        out
    }

    fn command(&mut self, a: &[&str], ctx: &Ctx, stdin: Data) -> (u32, Data) {
        let Some(&first) = a.first() else { return (0, Data::None) };
        match first {
            "true" | ":" | "mkdir" | "trap" => (0, Data::None),
            "false" => (1, Data::None),
            "exit" => (a.get(1).and_then(|c| c.parse().ok()).unwrap_or(0), Data::None),
            "sh" if a.get(1) == Some(&"-c") => self.eval(a.get(2).copied().unwrap_or(""), ctx, stdin),
            "cd" => (0, Data::None),
            "env" => {
                let mut ctx = ctx.clone();
                let mut k = 1;
                while let Some((key, v)) = a.get(k).and_then(|x| x.split_once('=')).filter(|(key, _)| is_name(key)) {
                    ctx.env.insert(key.to_string(), v.to_string());
                    k += 1;
                }
                self.command(&a[k..], &ctx, stdin)
            }
            "echo" => (0, Data::Text(format!("{}\n", a[1..].join(" ")))),
            "test" | "[" if a.get(1) == Some(&"-z") => (if a.get(2).is_none_or(|x| x.is_empty()) { 0 } else { 1 }, Data::None),
            "test" | "[" => {
                let path = a.iter().skip_while(|x| **x != "-s").nth(1).copied().unwrap_or("");
                (if self.shared.world().pg.files.contains_key(path) { 0 } else { 1 }, Data::None)
            }
            "mv" => {
                let files: Vec<&str> = a.iter().skip(1).copied().filter(|f| !f.starts_with('-')).collect();
                let [from, to] = files[..] else { return (1, Data::None) };
                let mut w = self.shared.world();
                match w.pg.files.remove(from) {
                    Some(d) => {
                        w.pg.files.insert(to.to_string(), d);
                        (0, Data::None)
                    }
                    None => {
                        drop(w);
                        self.err(format!("mv: cannot stat '{from}': No such file or directory"));
                        (1, Data::None)
                    }
                }
            }
            "curl" => self.curl(a, stdin),
            "cat" => match a.get(1) {
                None => (0, stdin),
                Some(f) => match self.shared.world().pg.files.get(*f) {
                    Some(d) => (0, Data::Dump(d.clone())),
                    None => {
                        self.err(format!("cat: {f}: No such file or directory"));
                        (1, Data::None)
                    }
                },
            },
            "rm" => {
                let mut w = self.shared.world();
                for f in a.iter().skip(1).filter(|f| !f.starts_with('-')) {
                    w.pg.files.remove(*f);
                }
                (0, Data::None)
            }
            "wc" => match stdin {
                Data::Dump(d) => (0, Data::Text(format!("{}\n", pg::dump_size(&d)))),
                Data::Text(t) => (0, Data::Text(format!("{}\n", t.len()))),
                Data::None => (0, Data::Text("0\n".into())),
            },
            "sha256sum" => match stdin {
                Data::Dump(d) => (0, Data::Text(format!("{}  -\n", pg::dump_sha256(&d)))),
                _ => (0, Data::Text("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n".into())),
            },
            "cut" => {
                let t = stdin.text();
                (0, Data::Text(t.lines().map(|l| format!("{}\n", l.split(' ').next().unwrap_or(""))).collect()))
            }
            "docker" => self.docker(a, ctx, stdin),
            "pg_dump" => self.pg_dump(a, ctx),
            "pg_restore" => self.pg_restore(a, ctx, stdin),
            "psql" => self.psql(a, ctx, stdin),
            p if (p.ends_with("python3") || p.ends_with("python")) && a.get(1) == Some(&"manage.py") => self.manage(&a[2..], ctx),
            other => {
                self.err(format!("sh: 1: {other}: not found"));
                (127, Data::None)
            }
        }
    }

    /// `curl -fsS -K - -o FILE`: the URL from the options on stdin, fetched
    /// from the simulated object store with S3's checks.
    fn curl(&mut self, a: &[&str], stdin: Data) -> (u32, Data) {
        let config = if a.windows(2).any(|w| w == ["-K", "-"]) { stdin.text() } else { String::new() };
        let url = config
            .lines()
            .find_map(|l| l.trim().strip_prefix("url").map(|r| r.trim_start_matches([' ', '=', ':']).trim().trim_matches('"').to_string()))
            .or_else(|| a.iter().skip(1).find(|x| x.starts_with("http")).map(|x| x.to_string()));
        let Some(url) = url.and_then(|u| url::Url::parse(&u).ok()) else {
            self.err("curl: (2) no URL specified");
            return (2, Data::None);
        };
        let out = flag(a, "-o");
        match super::s3::get(self.shared, &url, jiff::Timestamp::now()) {
            Ok(super::pg::Object::Dump(d)) => match out {
                Some(f) => {
                    self.shared.world().pg.files.insert(f.to_string(), d);
                    (0, Data::None)
                }
                None => (0, Data::Dump(d)),
            },
            Ok(super::pg::Object::Bytes(_)) => {
                self.err("curl: (23) the simulated host keeps only simulated dumps");
                (23, Data::None)
            }
            Err(super::s3::Refusal::Unreachable) => {
                self.err(format!("curl: (6) Could not resolve host: {}", url.host_str().unwrap_or("")));
                (6, Data::None)
            }
            Err(super::s3::Refusal::Error { status, .. }) => {
                self.err(format!("curl: (22) The requested URL returned error: {status}"));
                (22, Data::None)
            }
        }
    }

    fn docker(&mut self, a: &[&str], ctx: &Ctx, stdin: Data) -> (u32, Data) {
        match a.get(1).copied() {
            Some("exec") => {
                let mut k = 2;
                while let Some(f) = a.get(k).filter(|f| f.starts_with('-')) {
                    k += if *f == "-e" || *f == "-u" || *f == "-w" { 2 } else { 1 };
                }
                let Some(name) = a.get(k) else { return (1, Data::None) };
                let (db, app, running) = {
                    let w = self.shared.world();
                    let db = w.cf.databases.iter().find(|d| name.starts_with(&d.uuid)).map(|d| (d.uuid.clone(), d.status.clone()));
                    let app = w.cf.apps.iter().find(|x| name.starts_with(&x.uuid)).map(|x| (x.uuid.clone(), x.status.clone()));
                    let running = db.as_ref().or(app.as_ref()).is_some_and(|(_, s)| s.starts_with("running"));
                    (db.map(|d| d.0), app.map(|x| x.0), running)
                };
                if db.is_none() && app.is_none() {
                    self.err(format!("Error response from daemon: No such container: {name}"));
                    return (1, Data::None);
                }
                if !running {
                    self.err(format!("Error response from daemon: container {name} is not running"));
                    return (1, Data::None);
                }
                let mut inside = ctx.clone();
                inside.db_container = db.clone();
                inside.app_container = app;
                if let Some(uuid) = &db {
                    inside.pg_version = self.shared.world().pg.servers.get(uuid).map(|s| s.version).unwrap_or(17);
                }
                self.command(&a[k + 1..], &inside, stdin)
            }
            Some("run") => {
                let mut k = 2;
                while let Some(f) = a.get(k).filter(|f| f.starts_with('-')) {
                    k += if matches!(*f, "--network" | "-v" | "-e" | "--name") { 2 } else { 1 };
                }
                let Some(image) = a.get(k) else { return (1, Data::None) };
                let mut inside = ctx.clone();
                if let Some(tag) = image.strip_prefix("postgres:") {
                    inside.pg_version = tag.split(['-', '.']).next().and_then(|v| v.parse().ok()).unwrap_or(17);
                }
                self.command(&a[k + 1..], &inside, stdin)
            }
            _ => {
                self.err("docker: not handled here");
                (1, Data::None)
            }
        }
    }

    /// The database a `-d URL` reaches, or psql's error.
    fn connect(&mut self, url: &str, ctx: &Ctx) -> Result<(String, String), u32> {
        let u = match Url::parse(url) {
            Ok(u) => u,
            Err(e) => {
                self.err(format!("psql: error: {e}"));
                return Err(2);
            }
        };
        let mut w = self.shared.world();
        w.sync(chrono::Utc::now());
        let World { hz, cf, pg, .. } = &*w;
        match pg.reach(hz, cf, &u, ctx.db_container.as_deref(), ctx.db_container.is_some() || ctx.app_container.is_some()) {
            Ok(uuid) => {
                if !pg.servers.get(&uuid).is_some_and(|s| s.dbs.contains_key(&u.db)) {
                    drop(w);
                    self.err(format!("psql: error: connection to server failed: FATAL:  database \"{}\" does not exist", u.db));
                    return Err(2);
                }
                Ok((uuid, u.db))
            }
            Err(e) => {
                drop(w);
                self.err(format!("psql: error: {e}"));
                Err(2)
            }
        }
    }

    fn pg_dump(&mut self, a: &[&str], ctx: &Ctx) -> (u32, Data) {
        let url = flag(a, "-d").or_else(|| a.iter().rev().find(|x| x.contains("://")).copied()).unwrap_or("");
        let file = flag(a, "-f");
        let verbose = a.contains(&"-v");
        let (uuid, db) = match self.connect(url, ctx) {
            Ok(x) => x,
            Err(c) => return (c, Data::None),
        };
        let (version, data) = {
            let w = self.shared.world();
            let s = &w.pg.servers[&uuid];
            (s.version, s.dbs[&db].clone())
        };
        if ctx.pg_version < version {
            self.err(format!(
                "pg_dump: error: aborting because of server version mismatch\npg_dump: detail: server version: {version}.6; pg_dump version: {}.14",
                ctx.pg_version
            ));
            return (1, Data::None);
        }
        if verbose {
            for t in data.tables.keys() {
                self.err(format!("pg_dump: dumping contents of table \"{t}\""));
            }
        }
        let dump = Dump { db: data, version, truncated: false };
        match file {
            Some(f) => {
                self.shared.world().pg.files.insert(f.to_string(), dump);
                (0, Data::None)
            }
            None => (0, Data::Dump(dump)),
        }
    }

    fn pg_restore(&mut self, a: &[&str], ctx: &Ctx, stdin: Data) -> (u32, Data) {
        let Some(url) = flag(a, "-d") else {
            self.err("pg_restore: error: one of -d/--dbname and -f/--file must be specified");
            return (1, Data::None);
        };
        let dump = match a.last().filter(|x| !x.starts_with('-') && **x != url) {
            Some(f) if !f.contains("://") => self.shared.world().pg.files.get(*f).cloned(),
            _ => match stdin {
                Data::Dump(d) => Some(d),
                _ => None,
            },
        };
        let Some(dump) = dump else {
            self.err("pg_restore: error: input file does not appear to be a valid archive");
            return (1, Data::None);
        };
        let (uuid, db) = match self.connect(url, ctx) {
            Ok(x) => x,
            Err(c) => return (c, Data::None),
        };
        let mut w = self.shared.world();
        let target = w.pg.servers.get_mut(&uuid).and_then(|s| s.dbs.get_mut(&db));
        let Some(target) = target else { return (1, Data::None) };
        if let Some(t) = dump.db.tables.keys().find(|t| target.tables.contains_key(*t)) {
            drop(w);
            self.err(format!("pg_restore: error: could not execute query: ERROR:  relation \"{t}\" already exists"));
            return (1, Data::None);
        }
        // A file cut short restores the tables before the cut, then fails.
        let keep = if dump.truncated { dump.db.tables.len() / 2 } else { dump.db.tables.len() };
        let tables: BTreeMap<String, Table> = dump.db.tables.iter().take(keep).map(|(k, v)| (k.clone(), v.clone())).collect();
        *target = Db { tables: tables.clone(), migrations: dump.db.migrations.clone() };
        drop(w);
        if a.contains(&"-v") {
            for t in tables.keys() {
                self.err(format!("pg_restore: processing data for table \"{t}\""));
            }
        }
        if dump.truncated {
            self.err("pg_restore: error: could not read from input file: end of file");
            return (1, Data::None);
        }
        (0, Data::None)
    }

    fn psql(&mut self, a: &[&str], ctx: &Ctx, stdin: Data) -> (u32, Data) {
        let url = flag(a, "-d").unwrap_or("");
        let mut vars = BTreeMap::new();
        let mut k = 0;
        while k < a.len() {
            if a[k] == "-v"
                && let Some((n, v)) = a.get(k + 1).and_then(|x| x.split_once('='))
            {
                vars.insert(n.to_string(), v.to_string());
                k += 1;
            }
            k += 1;
        }
        let sql = match flag(a, "-c") {
            Some(c) => c.to_string(),
            None => stdin.text(),
        };
        // psql's variables: :"name" an identifier, :'name' a literal.
        let mut sql = sql;
        for (n, v) in &vars {
            sql = sql.replace(&format!(":\"{n}\""), &format!("\"{}\"", v.replace('"', "\"\"")));
            sql = sql.replace(&format!(":'{n}'"), &format!("'{}'", v.replace('\'', "''")));
        }
        let (uuid, db) = match self.connect(url, ctx) {
            Ok(x) => x,
            Err(c) => return (c, Data::None),
        };
        match self.sql(&uuid, &db, sql.trim()) {
            Ok(out) => (0, Data::Text(out)),
            Err(e) => {
                self.err(format!("ERROR:  {e}"));
                (if vars.get("ON_ERROR_STOP").is_some_and(|v| v == "1") { 3 } else { 1 }, Data::None)
            }
        }
    }

    /// The statements the runbooks and checks send.
    fn sql(&mut self, uuid: &str, db: &str, sql: &str) -> Result<String, String> {
        let mut w = self.shared.world();
        let in_use: Vec<String> = {
            let World { hz, cf, pg, .. } = &*w;
            cf.apps
                .iter()
                .filter(|a| a.status.starts_with("running"))
                .filter_map(|a| a.envs.iter().find(|e| e.key == "DATABASE_URL").and_then(|e| Url::parse(&e.value).ok()))
                .filter(|u| pg.reach(hz, cf, u, None, true).is_ok_and(|x| x == uuid))
                .map(|u| u.db)
                .collect()
        };
        let server = w.pg.servers.get_mut(uuid).ok_or("no server")?;
        let name = |s: &str| -> String {
            let s = s.trim().trim_end_matches(';').trim();
            s.trim_matches('"').to_string()
        };
        let upper = sql.to_ascii_uppercase();
        if sql == rows_counts_sql() {
            let d = server.dbs.get(db).ok_or("no database")?;
            return Ok(d.tables.iter().map(|(t, x)| format!("{t}|{}\n", x.rows)).collect());
        }
        if upper.starts_with("SELECT COUNT(*), MD5(") {
            let table = sql.split(" FROM ").nth(1).unwrap_or("").trim().trim_end_matches(" t").replace('"', "");
            let key = if table.contains('.') { table } else { format!("public.{table}") };
            let d = server.dbs.get(db).ok_or("no database")?;
            let t = d.tables.get(&key).ok_or_else(|| format!("relation \"{key}\" does not exist"))?;
            return Ok(format!("{}|{}\n", t.rows, pg::checksum(t)));
        }
        if let Some(rest) = upper.strip_prefix("CREATE DATABASE ") {
            let n = name(&sql[sql.len() - rest.len()..]);
            if server.dbs.contains_key(&n) {
                return Err(format!("database \"{n}\" already exists"));
            }
            server.dbs.insert(n, Db::default());
            return Ok(String::new());
        }
        if let Some(rest) = upper.strip_prefix("DROP DATABASE ") {
            let mut target = &sql[sql.len() - rest.len()..];
            let if_exists = rest.starts_with("IF EXISTS ");
            if if_exists {
                target = &target["IF EXISTS ".len()..];
            }
            let force = upper.contains("WITH (FORCE)");
            let n = name(target.split(" WITH").next().unwrap_or(target));
            if n == db {
                return Err("cannot drop the currently open database".into());
            }
            if !server.dbs.contains_key(&n) {
                return if if_exists { Ok(String::new()) } else { Err(format!("database \"{n}\" does not exist")) };
            }
            if in_use.contains(&n) && !force {
                return Err(format!(
                    "database \"{n}\" is being accessed by other users\nDETAIL:  There is 1 other session using the database."
                ));
            }
            server.dbs.remove(&n);
            return Ok(String::new());
        }
        if upper.starts_with("SELECT 1 FROM PG_DATABASE WHERE DATNAME = ")
            || upper.starts_with("SELECT COUNT(*) FROM PG_DATABASE WHERE DATNAME = ")
        {
            let n = sql.rsplit("= ").next().unwrap_or("").trim().trim_end_matches(';').trim_matches('\'').replace("''", "'");
            let there = server.dbs.contains_key(&n);
            return Ok(if upper.starts_with("SELECT 1") {
                if there { "1\n".into() } else { String::new() }
            } else {
                format!("{}\n", there as u8)
            });
        }
        if upper == "ANALYZE" || upper == "SELECT 1" || upper == "SELECT 1;" {
            return Ok(if upper.starts_with("SELECT") { "1\n".into() } else { String::new() });
        }
        Err(format!("the simulated server does not run this statement: {}", sql.chars().take(60).collect::<String>()))
    }

    /// `manage.py`: the project's migrations on the database the
    /// environment (or the application's container) names.
    fn manage(&mut self, a: &[&str], ctx: &Ctx) -> (u32, Data) {
        let url = ctx.env.get("DATABASE_URL").cloned().or_else(|| {
            let w = self.shared.world();
            let app = ctx.app_container.as_ref()?;
            w.cf.apps.iter().find(|x| &x.uuid == app)?.envs.iter().find(|e| e.key == "DATABASE_URL").map(|e| e.value.clone())
        });
        let Some(url) = url else {
            self.err("django.core.exceptions.ImproperlyConfigured: settings.DATABASES is improperly configured.");
            return (1, Data::None);
        };
        let (uuid, db) = match self.connect(&url, ctx) {
            Ok(x) => x,
            Err(_) => {
                self.err("django.db.utils.OperationalError: could not connect to server");
                return (1, Data::None);
            }
        };
        let applied = self.shared.world().pg.servers[&uuid].dbs[&db].migrations.clone();
        let args: Vec<&str> = a.iter().copied().filter(|x| *x != "--no-color").collect();
        let plan = |only: Option<&str>| -> String {
            pg::MIGRATIONS
                .iter()
                .filter(|m| only.is_none_or(|app| m.starts_with(&format!("{app}."))))
                .map(|m| format!("[{}]  {m}\n", if applied.iter().any(|x| x == m) { "X" } else { " " }))
                .collect()
        };
        match args.as_slice() {
            ["showmigrations", "--plan", rest @ ..] => (0, Data::Text(plan(rest.first().copied()))),
            ["migrate", "--check", "--plan"] => {
                let pending: Vec<&&str> = pg::MIGRATIONS.iter().filter(|m| !applied.iter().any(|x| x == **m)).collect();
                if pending.is_empty() {
                    (0, Data::Text("No planned migration operations.\n".into()))
                } else {
                    (1, Data::Text(format!("Planned operations:\n{}", pending.iter().map(|m| format!("{m}\n")).collect::<String>())))
                }
            }
            ["sqlmigrate", app, name] => match pg::sqlmigrate(&format!("{app}.{name}")) {
                Some(sql) => (0, Data::Text(sql.to_string())),
                None => {
                    self.err(format!("CommandError: Cannot find a migration matching '{name}' from app '{app}'."));
                    (1, Data::None)
                }
            },
            ["migrate", app, name] => {
                let target = format!("{app}.{name}");
                let Some(pos) = pg::MIGRATIONS.iter().position(|m| *m == target) else {
                    self.err(format!("CommandError: Cannot find a migration matching '{name}' from app '{app}'."));
                    return (1, Data::None);
                };
                let mut out = format!("Operations to perform:\n  Target specific migration: {name}, from {app}\nRunning migrations:\n");
                let mut w = self.shared.world();
                if let Some(i) = w.pg.locked.iter().position(|u| *u == uuid) {
                    w.pg.locked.remove(i);
                    drop(w);
                    out.push_str(&format!("  Applying {target}..."));
                    self.lines.push((false, out));
                    self.err(
                        "Traceback (most recent call last):\ndjango.db.utils.OperationalError: canceling statement due to lock timeout",
                    );
                    return (1, Data::None);
                }
                let d = w.pg.servers.get_mut(&uuid).and_then(|s| s.dbs.get_mut(&db));
                let Some(d) = d else { return (1, Data::None) };
                for m in &pg::MIGRATIONS[..=pos] {
                    if !d.migrations.iter().any(|x| x == m) && m.starts_with(&format!("{app}.")) {
                        d.migrations.push(m.to_string());
                        d.tables.entry("public.django_migrations".into()).or_insert(Table::default()).rows += 1;
                        out.push_str(&format!("  Applying {m}... OK\n"));
                    }
                }
                (0, Data::Text(out))
            }
            ["check"] => (0, Data::Text("System check identified no issues (0 silenced).\n".into())),
            other => {
                self.err(format!("Unknown command: {:?}", other.first().unwrap_or(&"")));
                (1, Data::None)
            }
        }
    }
}

use super::World;

fn rows_counts_sql() -> &'static str {
    crate::verify::rows::COUNTS_SQL
}

fn is_name(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !k.starts_with(|c: char| c.is_ascii_digit())
}

fn flag<'a>(a: &[&'a str], name: &str) -> Option<&'a str> {
    a.iter().position(|x| *x == name).and_then(|i| a.get(i + 1)).copied()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Seq,
    And,
    Or,
}

/// Splits at `&&`, `||` and `;` outside quotes, `$( )` and `{ }`.
fn split_list(s: &str) -> Vec<(Op, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut op = Op::Seq;
    let b: Vec<char> = s.chars().collect();
    let (mut sq, mut dq, mut depth) = (false, false, 0i32);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            '\\' if !sq => {
                cur.push(c);
                if i + 1 < b.len() {
                    cur.push(b[i + 1]);
                }
                i += 2;
                continue;
            }
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            '(' | '{' if !sq && !dq => depth += 1,
            // A `$(` opened inside double quotes closes inside them too.
            ')' | '}' if !sq && (!dq || depth > 0) => depth -= 1,
            '$' if !sq && b.get(i + 1) == Some(&'(') => {
                cur.push('$');
                cur.push('(');
                depth += 1;
                i += 2;
                continue;
            }
            _ => {}
        }
        if !sq && !dq && depth == 0 {
            let two: String = b[i..(i + 2).min(b.len())].iter().collect();
            let next = match (two.as_str(), c) {
                ("&&", _) => Some((Op::And, 2)),
                ("||", _) => Some((Op::Or, 2)),
                (_, ';') => Some((Op::Seq, 1)),
                _ => None,
            };
            if let Some((o, n)) = next {
                if !cur.trim().is_empty() {
                    out.push((op, std::mem::take(&mut cur)));
                }
                cur.clear();
                op = o;
                i += n;
                continue;
            }
        }
        cur.push(c);
        i += 1;
    }
    if !cur.trim().is_empty() {
        out.push((op, cur));
    }
    out
}

/// Splits a pipeline at `|` (not `||`) outside quotes and brackets.
fn split_pipe(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let b: Vec<char> = s.chars().collect();
    let (mut sq, mut dq, mut depth) = (false, false, 0i32);
    for (i, &c) in b.iter().enumerate() {
        match c {
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            '(' | '{' if !sq && !dq => depth += 1,
            ')' | '}' if !sq && !dq => depth -= 1,
            '|' if !sq && !dq && depth == 0 && b.get(i + 1) != Some(&'|') && (i == 0 || b[i - 1] != '|') => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// The index of the `)` closing a `$(` whose content starts `s`.
fn matching_paren(s: &str) -> Option<usize> {
    let (mut sq, mut dq, mut depth) = (false, false, 1i32);
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            '(' if !sq && !dq => depth += 1,
            ')' if !sq && !dq => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_pipes_split_outside_quotes() {
        let l = split_list("mkdir -p '/a b' && pg_dump -d x -f f && echo \"d: $(wc -c < f) b\" || echo no; true");
        assert_eq!(l.iter().map(|(o, _)| *o).collect::<Vec<_>>(), [Op::Seq, Op::And, Op::And, Op::Or, Op::Seq]);
        assert_eq!(split_pipe("echo 'a|b' | psql -d x"), ["echo 'a|b' ", " psql -d x"]);
        assert_eq!(matching_paren("wc -c < f) b"), Some(9));
    }
}
