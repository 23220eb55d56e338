//! Tier 4: the checklist against real services. Two real PostgreSQL servers
//! (old and new), a real Django project, all reached through a real OpenSSH
//! sshd on 127.0.0.1; the Hetzner and Coolify parts against the simulator. The
//! real `cutover` binary runs the runbooks headless (`cutover play`), is killed
//! in the middle of a migration, and a new process resumes the run.
//!
//! Needs root (sshd, runuser), Debian's openssh-server and postgresql, and
//! Django with psycopg for python3: `.ci/run` installs them.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use cutover::checklist::{Journal, Run, StepState};
use cutover::sim::{Sim, SimOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::pg::Pg;
use support::sshd::Sshd;

/// The python that has Django (pyenv shims are not on sshd's PATH).
fn python() -> String {
    let out = Command::new("python3").args(["-c", "import sys, django, psycopg; print(sys.executable)"]).output().expect("python3");
    assert!(
        out.status.success(),
        "python3 with django and psycopg is needed (pip install django 'psycopg[binary]'): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The Django project, copied where the test owns it.
fn project(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django_project");
    let dst = dir.join("django_project");
    let ok = Command::new("cp").arg("-r").arg(&src).arg(&dst).status().unwrap().success();
    assert!(ok, "copying the Django project");
    dst
}

fn manage(py: &str, proj: &Path, db_url: &str, args: &[&str]) {
    let out = Command::new(py).arg("manage.py").args(args).current_dir(proj).env("DATABASE_URL", db_url).output().unwrap();
    assert!(out.status.success(), "manage.py {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// `docker` as the test host plays it: `ps` finds any container by name,
/// `exec` and `run` run the command on the host (where the test's PostgreSQL
/// is); every call is logged.
const DOCKER_SHIM: &str = r#"#!/bin/sh
echo "$*" >> LOGFILE
case "$1" in
  ps) for a in "$@"; do case "$a" in name=*) echo "${a#name=}";; esac; done ;;
  exec) shift; while [ "$1" = "-i" ]; do shift; done; shift; exec "$@" ;;
  run) shift; while [ $# -gt 0 ]; do case "$1" in --rm|-i) shift;; --network|-v|-e) shift 2;; *) break;; esac; done; shift; exec "$@" ;;
  *) echo "docker shim: $*" >&2; exit 1 ;;
esac
"#;

/// A password an attacker would like to see reach a shell.
const HOSTILE_PW: &str = "p@ss'w;touch cutover-pwned;'x";

struct World {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    config: PathBuf,
    state: PathBuf,
    sim: Sim,
    sshd: Sshd,
}

impl World {
    async fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let state = tmp.path().join("state");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        let sim = Sim::start(SimOptions {
            hetzner_token: Some("h".repeat(64)),
            coolify_token: Some("1|coolifytoken".into()),
            ..SimOptions::default()
        })
        .await
        .unwrap();
        sim.control("deploy-speed 0.1").unwrap();
        // `docker` on the test host: Coolify's containers are the test's PostgreSQL.
        let shim = tmp.path().join("shim");
        std::fs::create_dir_all(&shim).unwrap();
        std::fs::write(shim.join("docker"), DOCKER_SHIM.replace("LOGFILE", &tmp.path().join("docker.log").display().to_string())).unwrap();
        Command::new("chmod").arg("755").arg(shim.join("docker")).status().unwrap();
        Command::new("chmod").arg("755").arg(tmp.path()).status().unwrap();
        let sshd =
            Sshd::start_with(&format!("SetEnv PATH={}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", shim.display()));
        // The host key is known: no question to answer.
        let hostkey = std::fs::read_to_string(sshd.path("host_ed25519.pub")).unwrap();
        let kh = tmp.path().join("known_hosts");
        std::fs::write(&kh, format!("[127.0.0.1]:{} {}", sshd.port, hostkey)).unwrap();
        let config = tmp.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[[hetzner]]\nname = \"test\"\nendpoint = \"{}\"\ntoken = \"{}\"\n\n[[coolify]]\nname = \"test\"\nurl = \"{}\"\ntoken = \"1|coolifytoken\"\n\n[ssh]\nhost = \"127.0.0.1\"\nport = {}\nuser = \"root\"\nidentity_file = \"{}\"\nknown_hosts = \"{}\"\njump = \"none\"\n",
                sim.hetzner_endpoint(),
                "h".repeat(64),
                sim.coolify_url(),
                sshd.port,
                sshd.path("plain_ed25519").display(),
                kh.display()
            ),
        )
        .unwrap();
        World { home, config, state, sim, sshd, _tmp: tmp }
    }

    /// `cutover play` of a playbook text, as a separate process.
    fn cutover(&self, name: &str, playbook: &str) -> Child {
        let file = self.home.join(format!("{name}.play"));
        std::fs::write(&file, playbook).unwrap();
        let log = std::fs::File::create(self.home.join(format!("{name}.log"))).unwrap();
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .arg("--config")
            .arg(&self.config)
            .args(["--context", "test", "--coolify", "test", "play", "--timeout", "60s", "--snapshots"])
            .arg(self.home.join("snapshots"))
            .arg(&file)
            .env("HOME", &self.home)
            .env("XDG_STATE_HOME", &self.state)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env_remove("HCLOUD_TOKEN")
            .env_remove("HCLOUD_CONTEXT")
            .env_remove("COOLIFY_URL")
            .env_remove("COOLIFY_TOKEN")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start cutover")
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.home.join(format!("{name}.log"))).unwrap_or_default()
    }

    fn finish(&self, name: &str, child: Child) {
        self.finish_with(name, child, || {});
    }

    /// Waits for the process, calling `tick` meanwhile.
    fn finish_with(&self, name: &str, mut child: Child, mut tick: impl FnMut()) {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            tick();
            if let Some(st) = child.try_wait().unwrap() {
                assert!(st.success(), "cutover play {name} failed:\n{}", self.log(name));
                return;
            }
            assert!(Instant::now() < deadline, "cutover play {name} did not end:\n{}", self.log(name));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The runs in the journal directory.
    fn runs(&self) -> Vec<Run> {
        cutover::checklist::journal::list(&self.state.join("cutover/runs"))
            .into_iter()
            .filter_map(|p| Journal::open(&p).read().ok().and_then(|r| Run::replay(p, &r.events).ok()))
            .collect()
    }

    fn run(&self, runbook: &str) -> Option<Run> {
        self.runs().into_iter().find(|r| r.runbook == runbook)
    }
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_a_database_then_migrate_it_with_a_kill_in_the_middle() {
    let py = python();
    let w = World::new().await;
    // The old server wants a password over TCP; the password is hostile.
    let old = Pg::start_with_password(HOSTILE_PW);
    let new = Pg::start();
    let proj = project(w.home.as_path());
    let old_tcp = format!("postgres://postgres:{}@127.0.0.1:{}/shop", "p%40ss%27w%3Btouch%20cutover-pwned%3B%27x", old.port);
    // The old database: the schema at 0001, a populated orders table, and the
    // table the running application keeps writing to.
    old.sql("postgres", "CREATE DATABASE shop");
    manage(&py, &proj, &old_tcp, &["migrate", "contenttypes"]);
    manage(&py, &proj, &old_tcp, &["migrate", "store", "0001"]);
    old.sql("shop", "INSERT INTO store_customer (name) SELECT 'customer ' || g FROM generate_series(1, 1000) g");
    old.sql(
        "shop",
        "INSERT INTO store_order (customer_id, total, created) SELECT (g % 1000) + 1, (g % 7) * 10.5, now() - (g || ' minutes')::interval FROM generate_series(1, 200000) g",
    );
    old.sql("shop", "CREATE TABLE app_write (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
    let before = old.sql("shop", "SELECT count(*) FROM store_order");
    assert_eq!(before, "200000");
    let db_size = old.sql("shop", "SELECT pg_database_size('shop')");
    // The application in Coolify reads the old database, and runs.
    {
        let mut world = w.sim.shared.world();
        let app = world.cf.apps.iter_mut().find(|a| a.name == "shop-uat").unwrap();
        app.status = "running:healthy".into();
        app.envs.iter_mut().find(|e| e.key == "DATABASE_URL").unwrap().value = old.url_with_password("shop");
    }
    // The application keeps writing while it runs, to whichever database its
    // DATABASE_URL names; a stopped application writes nothing.
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let written: std::sync::Arc<std::sync::Mutex<Vec<(bool, String)>>> = Default::default();
    let writer = {
        let (writing, written) = (writing.clone(), written.clone());
        let shared = w.sim.shared.clone();
        let (old_url, new_url) = (old.url_with_password("shop"), new.url("shop"));
        let (old_sock, new_sock) = ((old.dir.path().to_path_buf(), old.port), (new.dir.path().to_path_buf(), new.port));
        std::thread::spawn(move || {
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let (running, url) = {
                    let world = shared.world();
                    let app = world.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
                    let url = app.envs.iter().find(|e| e.key == "DATABASE_URL").map(|e| e.value.clone()).unwrap_or_default();
                    (app.status.starts_with("running"), url)
                };
                let target = if url == old_url {
                    Some((true, &old_sock))
                } else if url == new_url {
                    Some((false, &new_sock))
                } else {
                    None
                };
                if let (true, Some((is_old, (dir, port)))) = (running, target) {
                    let out = Command::new("psql")
                        .args(["-X", "-At", "-h"])
                        .arg(dir)
                        .args([
                            "-p",
                            &port.to_string(),
                            "-U",
                            "postgres",
                            "-d",
                            "shop",
                            "-c",
                            "INSERT INTO app_write DEFAULT VALUES RETURNING id",
                        ])
                        .output();
                    if let Ok(o) = out
                        && o.status.success()
                    {
                        let id = String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string();
                        written.lock().unwrap().push((is_old, id));
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    // The site, as the new deployment runs it: on the new database (started
    // once that database exists; Django's runserver exits without it).
    let site_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut site: Option<Child> = None;
    let start_site = |site: &mut Option<Child>| {
        if site.is_none() && new.psql("shop", "SELECT 1 FROM store_order LIMIT 1").is_ok() {
            *site = Some(
                Command::new(&py)
                    .args(["manage.py", "runserver", &format!("127.0.0.1:{site_port}"), "--noreload"])
                    .current_dir(&proj)
                    .env("DATABASE_URL", new.url("shop"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
        }
    };
    let dumps = w.home.join("dumps");

    // 1. Runbook 2: move the database with a write freeze, through to the end.
    // The new database is a Coolify database (reached by docker exec), the dump
    // runs in a pg_dump image (docker run).
    let move_db = format!(
        r#"Set Mode write
WaitFor "servers loaded"
Key 6
WaitFor "Move a PostgreSQL database to a new server"
Key j <Enter>
WaitFor "Start: Move a PostgreSQL database to a new server"
Type "old-db"
Key <Tab>
Type "{old_url}"
Key <Tab>
Type "{old_admin}"
Key <Tab>
Type "shop"
Key <Tab>
Type "new-db"
Key <Tab>
Type "{new_url}"
Key <Tab>
Type "{new_admin}"
Key <Tab>
Type "shop-uat-db"
Key <Tab> <Tab> <Tab> <C-u>
Type "{dumps}"
Key <Tab>
Type "store_order,store_customer"
Key <Tab>
Type "shop-uat"
Key <Tab>
Type "{new_url}"
Key <Tab>
Type "http://127.0.0.1:{site_port}/"
Key <Tab>
Type "db"
Key <Tab>
Type "web-uat-1"
Key <Enter>
WaitFor "Preview: "
Key y
WaitFor /run \S+-move-database started: 14 steps/
Key x
WaitIdle
Assert "step 1: Let the new server reach the old database: done"
Key x
WaitIdle
Assert "step 2: Stop shop-uat: the write freeze starts: done"
Key x
WaitIdle
Assert "step 3: Dump shop from the old server: done"
Key x
WaitIdle
Assert "step 4: Create shop on the new server: done"
Key x
WaitIdle
Assert "step 5: Restore into the new database: done"
Key x
WaitIdle
Assert "step 6: Row counts (and checksums) match: done"
Key k
Assert /public\.store_order: 200000 \/ 200000/
Assert "tables, row counts equal"
Key j x
WaitIdle
Assert "step 7: Point DATABASE_URL of shop-uat at the new database: done"
Key x
WaitIdle
Assert "step 8: Deploy shop-uat on the new database: the write freeze ends: done"
Key x
WaitIdle
Assert "step 9: http://127.0.0.1:{site_port}/ works on the new database: done"
Key x
WaitFor "Type shop to confirm"
Type "shop"
Key <Enter>
WaitIdle
Key x
WaitIdle
Assert "step 11: Drop shop on the old server: done"
Key x
WaitIdle
Assert "step 12: http://127.0.0.1:{site_port}/ still works after the drop: done"
Key x
WaitIdle
Assert "step 13: Close the old database to the new server again: done"
Key x
WaitIdle
Assert "every step done"
Key E <C-u>
Type "{home}/move-database.md"
Key <Enter>
WaitIdle
"#,
        old_url = old.url_with_password("shop"),
        old_admin = old.url_with_password("postgres"),
        new_url = new.url("shop"),
        new_admin = new.url("postgres"),
        dumps = dumps.display(),
        home = w.home.display(),
    );
    let rules_before = w.sim.shared.world().hz.firewalls.iter().find(|f| f.name == "db").unwrap().rules.clone();
    let c = w.cutover("move-database", &move_db);
    w.finish_with("move-database", c, || start_site(&mut site));
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    // The move: the old database is gone, the new one has every row.
    assert_eq!(old.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'shop'"), "0");
    assert_eq!(new.sql("shop", "SELECT count(*) FROM store_order"), before);
    assert_eq!(new.sql("shop", "SELECT count(*) FROM store_customer"), "1000");
    // Zero lost writes: every row the application wrote to the old database
    // before the freeze is on the new one.
    let written = written.lock().unwrap().clone();
    let on_old: Vec<&String> = written.iter().filter(|(o, _)| *o).map(|(_, id)| id).collect();
    assert!(on_old.len() > 10, "the application wrote during the move ({} rows)", on_old.len());
    let new_ids = new.sql("shop", "SELECT string_agg(id::text, ',') FROM app_write");
    let new_ids: std::collections::HashSet<&str> = new_ids.split(',').collect();
    let lost: Vec<&&String> = on_old.iter().filter(|id| !new_ids.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "{} writes lost: {lost:?}", lost.len());
    // The hostile password went through a PGPASSFILE: nothing ran, nothing leaked.
    assert!(!Path::new("/root/cutover-pwned").exists() && !w.home.join("cutover-pwned").exists(), "the password ran as a command");
    let docker = std::fs::read_to_string(w._tmp.path().join("docker.log")).unwrap_or_default();
    assert!(
        docker.contains("run --rm -i --network host") && docker.contains("exec -i"),
        "dump in an image, restore in the container: {docker}"
    );
    assert!(!docker.contains("touch cutover-pwned"), "the password is never on a command line: {docker}");
    {
        let world = w.sim.shared.world();
        let app = world.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
        let url = app.envs.iter().find(|e| e.key == "DATABASE_URL").unwrap();
        assert_eq!(url.value, new.url("shop"), "DATABASE_URL switched in Coolify");
        assert!(app.status.starts_with("running"), "{}", app.status);
        let fw = world.hz.firewalls.iter().find(|f| f.name == "db").unwrap();
        assert_eq!(fw.rules, rules_before, "the rule added for the copy is gone, every other rule untouched");
    }
    let moved = w.run("move-database").expect("journal of the move");
    assert!(moved.finished.is_some() && moved.abandoned.is_none());
    let switch = moved.steps.iter().find(|s| s.step.id == "switch-url").unwrap();
    assert!(
        switch.notes.iter().any(|n| n.starts_with("old DATABASE_URL: postgres://postgres:****@")),
        "the old value is kept, password masked: {:?}",
        switch.notes
    );
    let dump = moved.steps.iter().find(|s| s.step.id == "dump").unwrap();
    assert!(dump.notes.iter().any(|n| n.starts_with("dump: ") && n.contains("sha256")), "size and checksum kept: {:?}", dump.notes);
    let run_dir = dumps.join(&moved.id);
    assert!(run_dir.join("shop.dump").metadata().unwrap().len() > 0, "the dump stays in its named place");
    let deploy = moved.steps.iter().find(|s| s.step.id == "deploy").unwrap();
    let downtime = deploy.notes.iter().find_map(|n| n.strip_prefix("downtime: ")).expect("downtime noted");
    eprintln!("write freeze: {downtime}; database size {db_size} bytes; {} writes before the freeze", on_old.len());
    let report = std::fs::read_to_string(w.home.join("move-database.md")).unwrap();
    assert!(report.contains("### 6. Row counts (and checksums) match (verify)"), "{report}");
    assert!(report.contains("checksum store_order:"));
    let journal_text = std::fs::read_to_string(&moved.journal).unwrap();
    assert!(!journal_text.contains(&"h".repeat(64)) && !journal_text.contains("coolifytoken"), "no tokens in the journal");
    assert!(
        !journal_text.contains("touch cutover-pwned") && !report.contains("touch cutover-pwned"),
        "no password in the journal or report"
    );

    // 2. Runbook 3 on the new database, while a long transaction holds a row
    // lock on the orders table: the index build times out, is retried, and
    // cutover is killed during the retry.
    let mut blocker = Command::new("psql")
        .args(["-X", "-q", "-d", &new.url("shop"), "-c", "BEGIN; UPDATE store_order SET total = total WHERE id = 1; SELECT pg_sleep(600);"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the blocking transaction", Duration::from_secs(10), || {
        new.sql("shop", "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'store_order' AND l.mode = 'RowExclusiveLock'") != "0"
    });
    let migrate = format!(
        r#"Set Mode write
WaitFor "servers loaded"
Key 6
WaitFor "Apply Django migrations safely"
Key j j <Enter>
WaitFor "Start: Apply Django migrations safely"
Type "new-db"
Key <Tab> <C-u>
Type "{proj}"
Key <Tab> <C-u>
Type "{py}"
Key <Tab>
Type "{new_url}"
Key <Tab> <Tab> <Tab>
Type "{new_url}"
Key <Tab> <C-u>
Type "{dumps}"
Key <Enter>
WaitFor "Preview: "
Key y
WaitFor /run \S+-django-migrate started: 5 steps/
Key x
WaitIdle
Assert "step 2: Dump the database to {dumps}: done"
Key x
WaitIdle
Assert "step 3: Pending migrations: done"
Key k
Assert "note: 3 pending: store.0002_order_created_index, store.0003_order_status, store.0004_backfill_status"
Key j x
WaitIdle
Assert "step 4: Review store.0002_order_created_index: done"
Key k
Assert "BLOCK require-concurrent-index-creation"
Assert "CREATE INDEX \"store_order_created_idx\" ON \"store_order\" (\"created\");"
Key j x
WaitFor "Type store.0002_order_created_index to confirm"
Type "store.0002_order_created_index"
Key <Enter>
WaitIdle
Key x
WaitIdle
Assert "lock timeout (5s): another transaction held a lock on the table"
Key x
WaitFor "never appears" 120s
"#,
        proj = proj.display(),
        new_url = new.url("shop"),
        dumps = dumps.display(),
    );
    let mut c = w.cutover("migrate", &migrate);
    // Killed while the retry waits for the lock.
    wait_until("the retry of the migration", Duration::from_secs(120), || {
        if let Ok(Some(st)) = c.try_wait() {
            panic!("cutover ended early ({st}):\n{}", w.log("migrate"));
        }
        w.run("django-migrate").is_some_and(|r| {
            r.steps.iter().any(|s| s.step.id.contains("migrate-store.0002") && s.attempts == 2 && s.state == StepState::Unknown)
        })
    });
    // The journal line comes before the SSH command is sent: wait until the
    // remote migrate is really blocked on the lock, as PostgreSQL sees it.
    let blocked_migrate =
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%CREATE INDEX%store_order_created_idx%'";
    wait_until("the retried migrate blocked on the lock", Duration::from_secs(60), || new.sql("postgres", blocked_migrate) == "1");
    c.kill().unwrap();
    c.wait().unwrap();
    assert_eq!(new.sql("postgres", blocked_migrate), "1", "cutover was killed while the migrate waited for the lock");
    // The remote migrate outlives cutover, then gives up at lock_timeout: rolled back.
    wait_until("the orphaned migrate to give up", Duration::from_secs(60), || new.sql("postgres", blocked_migrate) == "0");
    blocker.kill().unwrap();
    let _ = blocker.wait();
    // The server only notices a vanished client when it next talks to it.
    new.sql(
        "postgres",
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()",
    );
    let interrupted = w.run("django-migrate").unwrap();
    let i = interrupted.current().unwrap();
    assert_eq!(interrupted.steps[i].state, StepState::Unknown, "the step that was running is unknown after the kill");
    assert_eq!(new.sql("shop", "SELECT count(*) FROM django_migrations WHERE app = 'store' AND name = '0002_order_created_index'"), "0");

    // 3. A new cutover offers to resume: the unknown step is checked (not
    // applied), retried, and the run goes to the end; then a preview copy.
    let resume = format!(
        r#"Set Mode write
WaitFor "unfinished run: Apply Django migrations safely at step"
Key 6
WaitFor "Unfinished runs: resume"
Key <Enter>
WaitFor "[UNKNOWN]"
Assert "was running when cutover stopped"
Key x
Assert "its outcome is unknown: check it first (v)"
Key v
WaitIdle
Assert /step \d+: Apply store\.0002_order_created_index: store\.0002_order_created_index is not applied/
Assert /\[FAILED\]\s+6\. Apply store\.0002_order_created_index/
Assert "settled: checked after an interruption: on new-db: store.0002_order_created_index is applied (showmigrations)"
Key x
WaitIdle
Assert /step \d+: Apply store\.0002_order_created_index: done/
Key x
WaitIdle
Assert "step 7: Review store.0003_order_status: done"
Key x
WaitFor "Type store.0003_order_status to confirm"
Type "store.0003_order_status"
Key <Enter>
WaitIdle
Key x
WaitIdle
Key x
WaitIdle
Key k
Assert "REVIEW Raw Python operation"
Key j x
WaitFor "Type store.0004_backfill_status to confirm"
Type "store.0004_backfill_status"
Key <Enter>
WaitIdle
Key x
WaitIdle
Key x
WaitIdle
Assert "every step done"
Key E <C-u>
Type "{home}/migrate.md"
Key <Enter>
WaitIdle
Key <Esc>
WaitFor "Refresh a preview database from another"
Key :
Type "runbook refresh-preview-db"
Key <Enter>
WaitFor "Start: Refresh a preview database from another"
Type "new-db"
Key <Tab> <Tab> <C-u>
Type "{new_admin}"
Key <Tab>
Type "shop"
Key <Tab>
Type "{new_url}"
Key <Tab>
Type "shop_pr"
Key <Tab> <Tab>
Type "{pr_url}"
Key <Tab> <Tab> <C-u>
Type "{dumps}"
Key <Enter>
WaitFor "Preview: "
Key y
WaitFor /run \S+-refresh-preview-db started: 10 steps/
Key x
WaitIdle
Key x
Type "shop_pr"
Key <Enter>
WaitIdle
Key x
WaitIdle
Key x
WaitIdle
Key x
WaitIdle
Key x
WaitIdle
Key x
WaitIdle
Assert "every step done"
"#,
        home = w.home.display(),
        new_url = new.url("shop"),
        new_admin = new.url("postgres"),
        pr_url = new.url("shop_pr"),
        dumps = dumps.display(),
    );
    let c = w.cutover("resume", &resume);
    w.finish("resume", c);
    if let Some(mut s) = site {
        s.kill().ok();
        let _ = s.wait();
    }
    // The schema and the data, as the migrations leave them.
    assert_eq!(
        new.sql("shop", "SELECT string_agg(name, ',' ORDER BY name) FROM django_migrations WHERE app = 'store'"),
        "0001_initial,0002_order_created_index,0003_order_status,0004_backfill_status"
    );
    assert_eq!(new.sql("shop", "SELECT count(*) FROM pg_indexes WHERE indexname = 'store_order_created_idx'"), "1");
    assert_eq!(new.sql("shop", "SELECT count(*) FROM store_order WHERE total > 0 AND status <> 'paid'"), "0");
    assert_eq!(new.sql("shop", "SELECT count(*) FROM store_order WHERE total = 0 AND status = 'new'"), (200000 / 7).to_string());
    assert_eq!(new.sql("shop_pr", "SELECT count(*) FROM store_order"), "200000", "the preview copy");
    let run = w.run("django-migrate").unwrap();
    assert!(run.finished.is_some());
    let settled = run.steps.iter().find(|s| s.step.id.contains("migrate-store.0002")).unwrap();
    assert!(settled.resolved.as_deref().unwrap_or("").starts_with("checked after an interruption"), "{:?}", settled.resolved);
    assert_eq!(settled.attempts, 3, "failed on the lock, interrupted, then applied");
    let report = std::fs::read_to_string(w.home.join("migrate.md")).unwrap();
    assert!(report.contains("- settled: checked after an interruption"), "{report}");
    assert!(report.contains("lock timeout"));
    assert!(w.sshd.log().contains("Accepted publickey for root"), "everything went through the real sshd");
}

/// The restore drill as playbooks press it: fills the start form, then runs
/// the find, file, create and restore steps.
fn drill_playbook(live: &str, admin: &str, scratch: &str, dir: &Path) -> String {
    drill_playbook_with(live, admin, scratch, dir, "")
}

/// As `drill_playbook`, with more fields typed after the backup directory.
fn drill_playbook_with(live: &str, admin: &str, scratch: &str, dir: &Path, more: &str) -> String {
    format!(
        r#"Set Mode write
WaitFor "servers loaded"
WaitIdle
Key :
Type "runbook restore-drill"
Key <Enter>
WaitFor "Start: Restore drill of <database>"
Type "shop-uat-db"
Key <Tab>
Type "drill-host"
Key <Tab>
Type "{live}"
Key <Tab> <Tab> <Tab>
Type "{admin}"
Key <Tab>
Type "{scratch}"
Key <Tab> <Tab>
Type "store_customer"
Key <Tab> <C-u>
Type "{dir}"
{more}Key <Enter>
WaitFor "Preview: "
Key y
WaitFor /run \S+-restore-drill(-\d+)? started: 7 steps/
Key x
WaitIdle
Assert "step 1: Find the newest successful backup of shop-uat-db: done"
Key x
WaitIdle
Assert "step 2: The backup file is on drill-host: done"
Key x
WaitIdle
Assert "step 3: Create the scratch database cutover_drill: done"
Key x
WaitIdle
"#,
        dir = dir.display()
    )
}

/// Tier 4 for restore drills: Coolify's backup is a real `pg_dump` custom
/// archive of a real PostgreSQL database; the drill restores it into a scratch
/// database on another real PostgreSQL server over a real sshd, compares the
/// counts with the live database (written to since) and drops the scratch.
/// Then the file is cut short, as a full disk leaves it: the drill says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_drill_restores_a_real_backup_and_catches_a_corrupted_one() {
    use cutover::checklist::drill::{Drill, Result as DrillResult};
    let w = World::new().await;
    let live = Pg::start();
    let drill = Pg::start();
    live.sql("postgres", "CREATE DATABASE shop");
    live.sql("shop", "CREATE TABLE store_customer (id serial PRIMARY KEY, name text NOT NULL)");
    live.sql("shop", "INSERT INTO store_customer (name) SELECT 'customer ' || g FROM generate_series(1, 1000) g");
    live.sql("shop", "CREATE TABLE store_order (id bigserial PRIMARY KEY, customer_id int REFERENCES store_customer, total numeric)");
    live.sql("shop", "INSERT INTO store_order (customer_id, total) SELECT (g % 1000) + 1, g % 97 FROM generate_series(1, 100000) g");
    // Coolify's backup job: pg_dump --format=custom --no-acl --no-owner, kept
    // in its directory on the database's server.
    let dir = w.home.join("coolify-backups");
    let at = chrono::Utc::now() - chrono::Duration::hours(3);
    let file = dir.join(format!("databases/acme-0/shop-uat-db-x/pg-dump-shop-{}.dmp", at.timestamp()));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-acl", "--no-owner", "-d", &live.url("shop"), "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    Command::new("chmod").args(["-R", "755"]).arg(w.home.as_path()).status().unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    // Coolify lists it as the newest successful execution of the schedule.
    {
        let mut world = w.sim.shared.world();
        let db = world.cf.databases.iter_mut().find(|d| d.name == "shop-uat-db").unwrap();
        db.backups[0].executions.insert(
            0,
            cutover::sim::world::CExecution {
                uuid: "drill-execution".into(),
                filename: file.display().to_string(),
                size: size as i64,
                status: "success".into(),
                message: String::new(),
                created_at: at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            },
        );
    }
    // The live database is written to after the backup: 0.2 % more orders.
    live.sql("shop", "INSERT INTO store_order (customer_id, total) SELECT 1, 5 FROM generate_series(1, 200)");
    let (live_url, admin, scratch) = (live.url("shop"), drill.url("postgres"), drill.url("cutover_drill"));

    // 1. The backup restores; its counts are within 1 % of the live ones.
    let pass = format!(
        r#"{}Assert "step 4: Restore the backup into cutover_drill: the recovery time: done"
Key x
WaitIdle
Assert "step 5: Row counts match the live database (within 1 %): done"
Key x
WaitFor "Type drop to confirm"
Type "drop"
Key <Enter>
WaitIdle
Key x
WaitIdle
Assert "7 of 7 settled FINISHED"
Key 4
WaitFor /shop-uat-db .* passed \d+s ago, restore \d/
"#,
        drill_playbook(&live_url, &admin, &scratch, &dir)
    );
    let c = w.cutover("drill-pass", &pass);
    w.finish("drill-pass", c);
    let runs = |w: &World| {
        let mut r: Vec<Run> = w.runs().into_iter().filter(|r| r.runbook == "restore-drill").collect();
        r.sort_by_key(|r| r.started);
        r
    };
    let first = runs(&w).pop().unwrap();
    let (db, d) = Drill::of(&first).unwrap();
    assert_eq!((db.as_str(), &d.result), ("shop-uat-db", &DrillResult::Passed));
    assert!(d.restore.is_some_and(|t| t > std::time::Duration::ZERO), "the recovery time is kept");
    let note = |r: &Run, id: &str| r.steps.iter().find(|s| s.step.id == id).unwrap().notes.join("\n");
    assert!(note(&first, "find").contains(&file.display().to_string()), "{}", note(&first, "find"));
    assert!(note(&first, "present").contains(&format!("backup file: {size} bytes, sha256 ")), "{}", note(&first, "present"));
    assert!(note(&first, "restore").contains("restore took"), "{}", note(&first, "restore"));
    let counts = first.steps.iter().find(|s| s.step.id == "row-counts").unwrap().output.join("\n");
    assert!(counts.contains("public.store_order: 100200 / 100000"), "{counts}");
    assert!(counts.contains("row counts within 1 % (1 not equal)"), "{counts}");
    assert_eq!(drill.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'cutover_drill'"), "0", "the scratch is dropped");
    assert_eq!(live.sql("shop", "SELECT count(*) FROM store_order"), "100200", "the live database is untouched");

    // 2. The same file cut short, as a full disk leaves it: Coolify still says
    // success; the restore fails and the drill says so. The scratch database
    // is dropped all the same.
    let whole = std::fs::read(&file).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    f.set_len(size / 2).unwrap();
    drop(f);
    let fail = format!(
        r#"{}Assert "step 4: Restore the backup into cutover_drill: the recovery time: exit status 1"
Key S
WaitFor "Skip: Restore the backup"
Key y
WaitIdle
Key S
WaitFor "Skip: Row counts match"
Key y
WaitIdle
Key x
WaitFor "Type drop to confirm"
Type "drop"
Key <Enter>
WaitIdle
Key x
WaitIdle
Assert "7 of 7 settled FINISHED"
Key 4
WaitFor "1 drill failed"
Assert /shop-uat-db .* FAILED \d+s ago/
"#,
        drill_playbook(&live_url, &admin, &scratch, &dir)
    );
    let c = w.cutover("drill-fail", &fail);
    w.finish("drill-fail", c);
    let all = runs(&w);
    assert_eq!(all.len(), 2);
    let second = &all[1];
    let (_, d) = Drill::of(second).unwrap();
    assert!(matches!(&d.result, DrillResult::Failed(m) if m.starts_with("the restore failed")), "{:?}", d.result);
    let restore = second.steps.iter().find(|s| s.step.id == "restore").unwrap();
    assert!(restore.output.iter().any(|l| l.starts_with("pg_restore: error:")), "pg_restore said why: {:?}", restore.output);
    assert_eq!(drill.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'cutover_drill'"), "0");
    assert!(w.sshd.log().contains("Accepted publickey for root"), "the drill went through the real sshd");

    // 3. Coolify kept it on S3 only (local copies off): the file is not on
    // the server. The drill signs a URL for it with the keys typed at the
    // start, the server's real curl reads that URL from stdin and fetches the
    // real archive from the S3 store on loopback, and it restores.
    std::fs::remove_file(&file).unwrap();
    {
        let mut world = w.sim.shared.world();
        let bucket = world.cf.s3[0].bucket.clone();
        world.pg.objects.insert(cutover::sim::pg::object_key(&bucket, &file.display().to_string()), cutover::sim::pg::Object::Bytes(whole));
        let db = world.cf.databases.iter_mut().find(|d| d.name == "shop-uat-db").unwrap();
        db.backups[0].save_s3 = true;
        db.backups[0].disable_local = true;
    }
    let (key, secret) = (cutover::sim::world::DEMO_S3_KEY, cutover::sim::world::DEMO_S3_SECRET);
    let keys = format!("Key <Tab> <Tab>\nType \"{key}\"\nKey <Tab>\nType \"{secret}\"\n");
    let s3 = format!(
        r#"{}Assert "step 4: Restore the backup into cutover_drill: the recovery time: done"
Key x
WaitIdle
Assert "step 5: Row counts match the live database (within 1 %): done"
Key x
WaitFor "Type drop to confirm"
Type "drop"
Key <Enter>
WaitIdle
Key x
WaitIdle
Assert "7 of 7 settled FINISHED"
"#,
        drill_playbook_with(&live_url, &admin, &scratch, &dir, &keys)
    );
    let c = w.cutover("drill-s3", &s3);
    w.finish("drill-s3", c);
    let third = runs(&w).pop().unwrap();
    assert_eq!(Drill::of(&third).unwrap().1.result, DrillResult::Passed);
    let present = note(&third, "present");
    assert!(present.contains("fetched from S3 hetzner-fsn1 (bucket acme-backups)"), "{present}");
    assert!(present.contains(&format!("backup file: {size} bytes, sha256 ")), "the whole file arrived: {present}");
    assert!(!file.exists(), "the downloaded copy was removed at the end");
    let journal = std::fs::read_to_string(&third.journal).unwrap();
    assert!(!journal.contains(secret), "the secret is not in the journal");
    assert!(!journal.contains("X-Amz-Signature"), "nor the signed URL");
}
