//! ssh_config read as OpenSSH reads it, proven against OpenSSH itself.
//!
//! Each case is a config and a host. The oracle is the OpenSSH client on this
//! machine: `ssh -G` for what it resolves, and, for login cases, a real `ssh`
//! login to a real sshd whose log says which user and which key got in.
//! cutover's two readers are held to it: the `ssh -G` path (what runs where
//! OpenSSH is installed) and the built-in reader (what runs where it is not).
//! Agreement means: the same user, host, port, identity files (tokens
//! expanded), ProxyCommand, jump chain, HostKeyAlias, StrictHostKeyChecking
//! and known_hosts files; or both refuse (the built-in reader may refuse what
//! it cannot evaluate, saying so); and for login cases, the same logins in
//! the sshd log.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use cutover::ssh::options::Options;
use cutover::ssh::prompt::Fixed;
use cutover::ssh::{Session, SshEnv, SshOverride, SshSettings, StrictHostKeyChecking, Target};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::sshd::{self, Agent, Sshd};

const DEPLOY: &str = "cutover-deploy";

struct Case {
    name: &'static str,
    config: &'static str,
    /// Extra files next to the config: (relative path, text).
    files: &'static [(&'static str, &'static str)],
    host: &'static str,
    /// Also log in with `ssh` and with cutover, and compare the sshd log.
    login: bool,
}

const fn case(name: &'static str, config: &'static str, host: &'static str) -> Case {
    Case { name, config, files: &[], host, login: false }
}

const fn login(name: &'static str, config: &'static str, host: &'static str) -> Case {
    Case { name, config, files: &[], host, login: true }
}

/// `{P}` is the sshd's port, `{D}` the case's directory, `{U}` the deploy
/// user, `{A}` the agent's socket.
fn corpus() -> Vec<Case> {
    vec![
        case("no config", "", "web"),
        case("host block", "Host web\n  HostName 203.0.113.10\n  User {U}\n  Port 2222\n", "web"),
        case("first value wins", "Host web\n  User first\n  User second\nHost *\n  User third\n", "web"),
        case("Host * first", "Host *\n  User everyone\nHost web\n  User deploy\n", "web"),
        case("negated pattern", "Host web-* !web-db\n  User app\nHost *\n  User other\n", "web-db"),
        case("negated pattern, other host", "Host web-* !web-db\n  User app\n", "web-app"),
        case("pattern list and ?", "Host db?,cache\n  Port 2200\n", "db1"),
        case("case-insensitive host", "Host WEB\n  User upper\n", "web"),
        case("Match host after HostName", "Host x\n  HostName %h.example.test\nMatch host *.example.test\n  User deploy\n", "x"),
        case("Match originalhost", "Match originalhost prod-*\n  User deploy\n  Port 2022\n", "prod-web"),
        case("Match scoped to its block", "Match host legacy-*\n  User root\nHost *\n  User me\n", "web"),
        case("Match with a tab", "Match\thost legacy-*\n  User root\nHost *\n  User me\n", "web"),
        case("Match user", "Host web\n  User deploy\nMatch user deploy\n  Port 2201\n", "web"),
        case("Match localuser", "Match localuser root\n  Port 2202\n", "web"),
        case("Match negated", "Match !host web\n  User notweb\n", "web"),
        case("Match all", "Match all\n  Port 2203\n", "web"),
        case("Match final", "Host web\n  HostName web.example.test\nMatch final host web.example.test\n  User fin\n", "web"),
        case("Match canonical without canonicalization", "Match canonical\n  User canon\n", "web"),
        Case {
            name: "Include glob",
            config: "Include {D}/conf.d/*.conf\nHost *\n  User fallback\n",
            files: &[
                ("conf.d/10-web.conf", "Host web\n  User fromglob\n"),
                ("conf.d/20-web.conf", "Host web\n  User second\n  Port 2204\n"),
            ],
            host: "web",
            login: false,
        },
        Case {
            name: "Include inside a Host block",
            config: "Host db\n  Include {D}/db.conf\nHost web\n  Port 2205\n",
            files: &[("db.conf", "User dbuser\n")],
            host: "web",
            login: false,
        },
        Case {
            name: "Match in an included file",
            config: "Include {D}/config.d/*\nHost *\n  User me\n",
            files: &[("config.d/prod", "Match originalhost prod-*\n  ProxyJump jumpbox\n  User deploy\n")],
            host: "prod-app",
            login: false,
        },
        Case {
            name: "included Match host legacy-* applies only to legacy",
            config: "Include {D}/config.d/*\n",
            files: &[("config.d/legacy", "Match host legacy-*\n  User root\n")],
            host: "app",
            login: false,
        },
        case("ProxyJump", "Host web\n  ProxyJump ops@bastion:2222\n", "web"),
        case("ProxyJump two hops", "Host web\n  ProxyJump j1,j2\nHost j2\n  User j2user\n", "web"),
        case("ProxyJump URI", "Host web\n  ProxyJump ssh://u@host:2222\n", "web"),
        case("ProxyJump none", "Host web\n  ProxyJump none\nHost *\n  ProxyJump bastion\n", "web"),
        case("ProxyCommand tokens", "Host web\n  HostName 10.0.0.5\n  User bob\n  ProxyCommand ssh -W %h:%p -l %r jumpbox # %n\n", "web"),
        case("ProxyCommand none", "Host web\n  ProxyCommand none\nHost *\n  ProxyCommand nc %h %p\n", "web"),
        case("ProxyJump before ProxyCommand", "Host web\n  ProxyJump j\n  ProxyCommand nc %h %p\n", "web"),
        case(
            "IdentityFile tokens",
            "Host web\n  User {U}\n  IdentityFile %d/.ssh/%r@%h-%p-%n-%u\n  IdentityFile {D}/keys/%%literal\n",
            "web",
        ),
        case("IdentityFile default list", "Host web\n  User x\n", "web"),
        case(
            "IdentityFile accumulates over blocks",
            "Host web\n  IdentityFile {D}/a\nHost *\n  IdentityFile {D}/b\n  IdentityFile {D}/a\n",
            "web",
        ),
        case("IdentitiesOnly and IdentityAgent", "Host web\n  IdentitiesOnly yes\n  IdentityAgent none\n", "web"),
        case("HostKeyAlias", "Host web\n  HostKeyAlias web-prod\n", "web"),
        case("StrictHostKeyChecking yes", "Host web\n  StrictHostKeyChecking yes\n", "web"),
        case("StrictHostKeyChecking accept-new", "Host web\n  StrictHostKeyChecking accept-new\n", "web"),
        case("StrictHostKeyChecking no", "Host web\n  StrictHostKeyChecking no\n", "web"),
        case("known hosts files", "Host web\n  UserKnownHostsFile {D}/kh1 {D}/kh_%h\n  GlobalKnownHostsFile {D}/global\n", "web"),
        case("HostName with %h", "Host web\n  HostName %h.internal.example\n", "web"),
        case("HostName case", "Host web\n  HostName LOCALHOST\n", "web"),
        case("keyword=value", "Host web\n  User=eq\n  Port = 2206\n", "web"),
        case("quoted argument", "Host web\n  IdentityFile \"{D}/with space/key\"\n", "web"),
        case("trailing comment", "Host web # the web server\n  User bob # comment\n", "web"),
        case("user@host given", "Host web\n  User fromconfig\n  Port 2207\n", "given@web"),
        case("host:port given", "Host web\n  Port 2207\n", "web:2300"),
        case("ServerAlive and ConnectTimeout", "Host web\n  ServerAliveInterval 5\n  ConnectTimeout 7\n", "web"),
        case("refused: Port 0", "Host web\n  Port 0\n", "web"),
        case("refused: Port 99999", "Host web\n  Port 99999\n", "web"),
        case("refused: typo ProxyJum", "Host web\n  ProxyJum jumpbox\n", "web"),
        case("IgnoreUnknown covers the typo", "IgnoreUnknown ProxyJum\nHost web\n  ProxyJum jumpbox\n", "web"),
        case("refused: unknown Match attribute", "Match tagged x\n  User t\n", "web"),
        case("refused: missing argument", "Host web\n  HostName\n", "web"),
        case("refused: extra arguments", "Host web\n  Port 22 33\n", "web"),
        case("refused: bad flag", "Host web\n  IdentitiesOnly maybe\n", "web"),
        case("refused: Include /dev/zero", "Include /dev/zero\n", "web"),
        case("Match exec (OpenSSH only)", "Match exec \"true\"\n  User ex\n", "web"),
        // Logins against the real sshd.
        login(
            "login: user and key from a block",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User {U}\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: an unauthorised key offered first",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentityFile {D}/stranger\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: two User lines",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User {U}\n  User root\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: tokens in IdentityFile",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User {U}\n  IdentityFile {D}/keys/%r/id\n",
            "web",
        ),
        login(
            "login: IdentitiesOnly skips the agent's forced-command key",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentitiesOnly yes\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: the agent's key first without IdentitiesOnly",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: IdentityAgent none",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentityAgent none\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: ProxyJump through the sshd itself",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User {U}\n  IdentityFile {D}/plain\n  ProxyJump jumpbox\nHost jumpbox\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: ProxyJump URI",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User {U}\n  IdentityFile {D}/plain\n  ProxyJump ssh://root@127.0.0.1:{P}\nHost 127.0.0.1\n  IdentityFile {D}/plain\n",
            "web",
        ),
        login(
            "login: ProxyCommand ssh -W",
            "Host web\n  HostName 127.0.0.1\n  Port {P}\n  User {U}\n  IdentityFile {D}/plain\n  ProxyCommand env SSH_AUTH_SOCK={A} ssh -F {D}/config -W %h:%p jumpbox\nHost jumpbox\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentityFile {D}/plain\n",
            "web",
        ),
        Case {
            name: "login: Match in an included file carries ProxyJump and User",
            config: "Include {D}/config.d/*\nHost prod-*\n  HostName 127.0.0.1\n  Port {P}\n  IdentityFile {D}/plain\nHost jumpbox\n  HostName 127.0.0.1\n  Port {P}\n  User root\n  IdentityFile {D}/plain\n",
            files: &[("config.d/prod", "Match originalhost prod-*\n  ProxyJump jumpbox\n  User {U}\n")],
            host: "prod-app",
            login: true,
        },
        login(
            "login: HostName LOCALHOST with a HostKeyAlias",
            "Host web\n  HostName LOCALHOST\n  Port {P}\n  User root\n  HostKeyAlias web-prod\n  IdentityFile {D}/plain\n",
            "web",
        ),
    ]
}

/// Everything the comparison looks at, in one comparable shape.
#[derive(Debug, PartialEq)]
struct Resolved {
    user: String,
    host: String,
    port: u16,
    identity_files: Vec<PathBuf>,
    proxy_command: Option<String>,
    jumps: Vec<(String, String, u16)>,
    host_key_alias: Option<String>,
    strict: String,
    known_hosts: Vec<PathBuf>,
    global_known_hosts: Vec<PathBuf>,
}

fn from_target(t: &Target) -> Resolved {
    Resolved {
        user: t.user.clone(),
        host: t.host.clone(),
        port: t.port,
        identity_files: t.identity_files.clone(),
        proxy_command: t.proxy_command.clone(),
        jumps: t.jumps.iter().map(|j| (j.user.clone(), j.host.clone(), j.port)).collect(),
        host_key_alias: t.host_key_alias.clone(),
        strict: match t.strict {
            StrictHostKeyChecking::Yes => "true",
            StrictHostKeyChecking::No => "false",
            StrictHostKeyChecking::AcceptNew => "accept-new",
            StrictHostKeyChecking::Ask => "ask",
        }
        .into(),
        known_hosts: t.known_hosts.clone(),
        global_known_hosts: t.global_known_hosts.clone(),
    }
}

/// `ssh -G`, run here, independently of cutover.
fn ssh_g(cfg: &Path, args: &[&str]) -> Result<Options, String> {
    let out = Command::new("ssh").arg("-G").arg("-F").arg(cfg).args(args).env_remove("SSH_AUTH_SOCK").output().unwrap();
    if out.status.success() {
        Ok(Options::from_dump(&String::from_utf8_lossy(&out.stdout)))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).lines().filter(|l| !l.starts_with("Pseudo-terminal")).collect::<Vec<_>>().join("; "))
    }
}

/// `[ssh://][user@]host[:port]` into ssh's own arguments.
fn spec_args(spec: &str) -> Vec<String> {
    let s = spec.strip_prefix("ssh://").unwrap_or(spec);
    let (user, hp) = match s.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, s),
    };
    let (host, port) = match hp.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((h, rest)) => (h, rest.strip_prefix(':')),
        None => match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        },
    };
    let mut a = Vec::new();
    if let Some(u) = user {
        a.extend(["-l".to_string(), u.to_string()]);
    }
    if let Some(p) = port {
        a.extend(["-p".to_string(), p.to_string()]);
    }
    a.push(host.to_string());
    a
}

/// The test's own expansion of OpenSSH's tokens (from ssh(1)'s TOKENS section).
fn expand(s: &str, o: &Options, original: &str) -> String {
    let home = nix::unistd::User::from_uid(nix::unistd::getuid()).unwrap().unwrap();
    let s = if let Some(rest) = s.strip_prefix("~/") { format!("{}/{rest}", home.dir.display()) } else { s.to_string() };
    s.replace("%%", "\u{0}")
        .replace("%d", &home.dir.display().to_string())
        .replace("%u", &home.name)
        .replace("%r", o.get("user").unwrap())
        .replace("%h", o.get("hostname").unwrap())
        .replace("%p", o.get("port").unwrap())
        .replace("%n", original)
        .replace('\u{0}', "%")
}

fn oracle(cfg: &Path, spec: &str) -> Result<Resolved, String> {
    let args = spec_args(spec);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = ssh_g(cfg, &a)?;
    let original = args.last().unwrap().clone();
    let mut jumps = Vec::new();
    if let Some(pj) = o.get("proxyjump") {
        for (i, hop) in pj.split(',').enumerate() {
            let ha = spec_args(hop);
            let ho = ssh_g(cfg, &ha.iter().map(String::as_str).collect::<Vec<_>>())?;
            // The first hop's own route comes first (none in this corpus).
            assert!(i > 0 || ho.get("proxyjump").is_none(), "corpus keeps first hops direct");
            jumps.push((
                ho.get("user").unwrap().to_string(),
                ho.get("hostname").unwrap().to_string(),
                ho.get("port").unwrap().parse().unwrap(),
            ));
        }
    }
    let files = |k: &str| o.get(k).unwrap_or("").split_whitespace().map(PathBuf::from).collect::<Vec<_>>();
    Ok(Resolved {
        user: o.get("user").unwrap().to_string(),
        host: o.get("hostname").unwrap().to_string(),
        port: o.get("port").unwrap().parse().unwrap(),
        identity_files: o.all("identityfile").iter().map(|f| PathBuf::from(expand(f, &o, &original))).collect(),
        proxy_command: if o.get("proxyjump").is_some() { None } else { o.get("proxycommand").map(|c| expand(c, &o, &original)) },
        jumps,
        host_key_alias: o.get("hostkeyalias").map(str::to_string),
        strict: o.get("stricthostkeychecking").unwrap().to_string(),
        known_hosts: files("userknownhostsfile"),
        global_known_hosts: files("globalknownhostsfile"),
    })
}

struct World {
    sshd: Sshd,
    agent: Agent,
}

fn world() -> World {
    let sshd = Sshd::start();
    sshd::ensure_user(DEPLOY, "deploy-Pw-1");
    // A key only the agent holds, authorised with a forced command (the trap
    // IdentitiesOnly exists for).
    sshd::keygen(&sshd.path("agent_key"), "");
    let pubkey = std::fs::read_to_string(sshd.path("agent_key.pub")).unwrap();
    let mut auth = std::fs::read_to_string(sshd.path("authorized_keys")).unwrap();
    auth.push_str(&format!("command=\"echo forced\" {pubkey}"));
    std::fs::write(sshd.path("authorized_keys"), auth).unwrap();
    let agent = Agent::with_key(&sshd.path("agent_key"));
    World { sshd, agent }
}

fn fingerprint(pubfile: &Path) -> String {
    let out = Command::new("ssh-keygen").arg("-lf").arg(pubfile).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap_or("").to_string()
}

/// `(user, key fingerprint)` of every login the sshd accepted since `from` lines.
fn logins(s: &Sshd, from: usize) -> Vec<(String, String)> {
    s.log()
        .lines()
        .filter(|l| l.contains("Accepted publickey for "))
        .skip(from)
        .map(|l| {
            let user = l.split("Accepted publickey for ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
            let fp = l.split_whitespace().last().unwrap().to_string();
            (user, fp)
        })
        .collect()
}

fn accepted(s: &Sshd) -> usize {
    s.log().lines().filter(|l| l.contains("Accepted publickey for ")).count()
}

/// Waits until the sshd has logged `n` accepted logins (its log is written by another process).
fn wait_logged(s: &Sshd, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while accepted(s) < n && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn prepare(c: &Case, w: &World) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let fill = |t: &str| {
        t.replace("{P}", &w.sshd.port.to_string())
            .replace("{D}", &d.path().display().to_string())
            .replace("{U}", DEPLOY)
            .replace("{A}", &w.agent.sock.display().to_string())
    };
    for (rel, text) in c.files {
        let p = d.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, fill(text)).unwrap();
    }
    let cfg = d.path().join("config");
    // Every login case trusts new host keys into a file of its own.
    let defaults = format!(
        "Host *\n  UserKnownHostsFile {dir}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking accept-new\n  BatchMode yes\n",
        dir = d.path().display()
    );
    let text = if c.login { format!("{}{defaults}", fill(c.config)) } else { fill(c.config) };
    std::fs::write(&cfg, text).unwrap();
    // Keys the configs name.
    std::fs::copy(w.sshd.path("plain_ed25519"), d.path().join("plain")).unwrap();
    std::fs::copy(w.sshd.path("plain_ed25519.pub"), d.path().join("plain.pub")).unwrap();
    sshd::keygen(&d.path().join("stranger"), "");
    std::fs::create_dir_all(d.path().join("keys").join(DEPLOY)).unwrap();
    std::fs::copy(w.sshd.path("plain_ed25519"), d.path().join("keys").join(DEPLOY).join("id")).unwrap();
    (d, cfg)
}

#[tokio::test(flavor = "multi_thread")]
async fn ssh_config_agrees_with_openssh() {
    let w = world();
    let cases = corpus();
    assert!(cases.len() >= 40, "at least 40 cases");
    let mut agree_g = 0;
    let mut agree_builtin = 0;
    let mut refused_builtin = 0;
    let mut logins_agree = 0;
    let mut failures = Vec::new();
    for c in &cases {
        let (dir, cfg) = prepare(c, &w);
        let expected = oracle(&cfg, c.host);
        let via_g = SshSettings::load(Some(&cfg)).resolve(c.host, &SshOverride::default()).map(|t| from_target(&t));
        let via_builtin = SshSettings::built_in(&cfg).resolve(c.host, &SshOverride::default()).map(|t| from_target(&t));
        match (&expected, &via_g) {
            (Ok(e), Ok(g)) if e == g => agree_g += 1,
            (Err(e), Err(g)) if g.to_string().contains(e.as_str()) => agree_g += 1,
            _ => failures.push(format!("[{}] ssh -G path\n  openssh: {expected:?}\n  cutover: {via_g:?}", c.name)),
        }
        match (&expected, &via_builtin) {
            (Ok(e), Ok(b)) if e == b => agree_builtin += 1,
            (Err(_), Err(_)) => agree_builtin += 1,
            (Ok(_), Err(b)) if b.to_string().contains("without the OpenSSH client") => refused_builtin += 1,
            _ => failures.push(format!("[{}] built-in reader\n  openssh: {expected:?}\n  cutover: {via_builtin:?}", c.name)),
        }
        if c.login {
            match compare_login(c, &w, &cfg).await {
                Ok(()) => logins_agree += 1,
                Err(e) => failures.push(format!("[{}] login\n  {e}", c.name)),
            }
        }
        drop(dir);
    }
    let n_login = cases.iter().filter(|c| c.login).count();
    eprintln!(
        "ssh_config corpus: {} cases; ssh -G path agrees in {agree_g}; built-in reader agrees in {agree_builtin} and refuses {refused_builtin} it cannot evaluate; logins agree in {logins_agree} of {n_login}",
        cases.len()
    );
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

/// A real `ssh` login, then cutover's, through the same config: the sshd must
/// log the same users with the same keys, in the same order.
async fn compare_login(c: &Case, w: &World, cfg: &Path) -> Result<(), String> {
    let before = accepted(&w.sshd);
    let out = Command::new("ssh")
        .arg("-F")
        .arg(cfg)
        .arg(c.host)
        .arg("true")
        .env("SSH_AUTH_SOCK", &w.agent.sock)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!("ssh failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let openssh = logins(&w.sshd, before);
    let mid = before + openssh.len();
    let t = SshSettings::load(Some(cfg)).resolve(c.host, &SshOverride::default()).map_err(|e| e.to_string())?;
    let mut env = SshEnv::new(Arc::new(Fixed { host_key: false, passphrase: None, password: None }));
    env.agent = Some(w.agent.sock.clone());
    env.connect_timeout = Duration::from_secs(10);
    let session = Session::connect(&t, &env).await.map_err(|e| e.to_string())?;
    let ran = session.run("true").await.map_err(|e| e.to_string())?;
    drop(session);
    wait_logged(&w.sshd, mid + openssh.len());
    let ours = logins(&w.sshd, mid);
    if openssh.is_empty() || ours != openssh {
        return Err(format!("sshd saw openssh {openssh:?}, cutover {ours:?}"));
    }
    let forced = fingerprint(&w.sshd.path("agent_key.pub"));
    let via_forced = ours.iter().any(|(_, fp)| *fp == forced);
    if !ran.success() && !via_forced {
        return Err(format!("cutover's command failed: {}", ran.exit));
    }
    Ok(())
}

/// A line in /etc/hosts for the test's life (CanonicalizeHostname resolves
/// through the system resolver; loopback only).
struct HostsEntry(String);

impl HostsEntry {
    fn add(name: &str) -> HostsEntry {
        // ssh looks the name up fully qualified (with the trailing dot).
        let line = format!("127.0.0.1 {name}. {name}\n");
        let mut f = std::fs::OpenOptions::new().append(true).open("/etc/hosts").expect("root can edit /etc/hosts");
        std::io::Write::write_all(&mut f, line.as_bytes()).unwrap();
        HostsEntry(line)
    }
}

impl Drop for HostsEntry {
    fn drop(&mut self) {
        if let Ok(text) = std::fs::read_to_string("/etc/hosts") {
            let _ = std::fs::write("/etc/hosts", text.replacen(&self.0, "", 1));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn canonical_host_names_are_followed_as_ssh_follows_them() {
    let w = world();
    let _hosts = HostsEntry::add("web.cutover-canon.test");
    let c = Case {
        name: "canonical",
        config: "CanonicalizeHostname yes\nCanonicalDomains cutover-canon.test\nHost web.cutover-canon.test\n  Port {P}\n  User {U}\n  IdentityFile {D}/plain\n",
        files: &[],
        host: "web",
        login: true,
    };
    let (_dir, cfg) = prepare(&c, &w);
    let g = SshSettings::load(Some(&cfg)).resolve("web", &SshOverride::default()).unwrap();
    let b = SshSettings::built_in(&cfg).resolve("web", &SshOverride::default()).unwrap();
    assert_eq!((g.host.as_str(), g.port, g.user.as_str()), ("web.cutover-canon.test", w.sshd.port, DEPLOY));
    assert_eq!(from_target(&g), from_target(&b), "both readers canonicalize alike");
    compare_login(&c, &w, &cfg).await.unwrap();
}
