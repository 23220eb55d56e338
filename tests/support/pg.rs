//! A real PostgreSQL for a test: the machine's server binaries (Debian's
//! postgresql-15, `.ci/run` installs it), a cluster in a temporary directory run
//! as the `postgres` user (the server refuses root), trust auth on 127.0.0.1.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Pg {
    pub port: u16,
    pub dir: tempfile::TempDir,
    bin: PathBuf,
    /// When set, connections over TCP need it (scram); the socket stays trusted.
    password: Option<String>,
}

fn bin_dir() -> PathBuf {
    let base = std::path::Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(base)
        .unwrap_or_else(|e| panic!("PostgreSQL server binaries not found under {}: {e} (apt-get install postgresql)", base.display()))
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL version with a postgres binary")
}

fn as_postgres(bin: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new("runuser").arg("-u").arg("postgres").arg("--").arg(bin).args(args).output().expect("runuser")
}

impl Pg {
    pub fn start() -> Pg {
        Self::start_auth(None)
    }

    /// A server whose TCP connections need the postgres user's password.
    pub fn start_with_password(pw: &str) -> Pg {
        Self::start_auth(Some(pw))
    }

    fn start_auth(password: Option<&str>) -> Pg {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        assert!(Command::new("chown").args(["postgres:postgres", &d]).status().unwrap().success());
        let out = as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                &format!("{d}/data"),
                "-U",
                "postgres",
                "--auth-local=trust",
                if password.is_some() { "--auth-host=scram-sha-256" } else { "--auth-host=trust" },
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let opts = format!("-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off");
        let out = as_postgres(&bin.join("pg_ctl"), &["-D", &format!("{d}/data"), "-o", &opts, "-l", &format!("{d}/log"), "-w", "start"]);
        assert!(out.status.success(), "pg_ctl start: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let pg = Pg { port, dir, bin, password: None };
        let deadline = Instant::now() + Duration::from_secs(20);
        while pg.psql("postgres", "SELECT 1").is_err() {
            assert!(
                Instant::now() < deadline,
                "postgres did not come up: {}",
                std::fs::read_to_string(pg.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut pg = pg;
        if let Some(pw) = password {
            pg.sql("postgres", &format!("ALTER USER postgres PASSWORD '{}'", pw.replace('\'', "''")));
            pg.password = Some(pw.to_string());
        }
        pg
    }

    /// The URL with the password in it (raw, as an operator pastes it).
    pub fn url_with_password(&self, db: &str) -> String {
        match &self.password {
            Some(pw) => format!("postgres://postgres:{pw}@127.0.0.1:{}/{db}", self.port),
            None => self.url(db),
        }
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL with psql; the unaligned output, or the error.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, String> {
        // Over the socket (trusted): the test's own queries need no password.
        let sock = self.dir.path().to_string_lossy().into_owned();
        let port = self.port.to_string();
        let out = Command::new("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", &sock, "-p", &port, "-U", "postgres", "-d", db, "-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn sql(&self, db: &str, sql: &str) -> String {
        self.psql(db, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let d = self.dir.path().join("data");
        let _ = as_postgres(&self.bin.join("pg_ctl"), &["-D", d.to_str().unwrap_or(""), "-m", "immediate", "stop"]);
    }
}
