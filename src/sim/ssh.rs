//! The simulated world's SSH host: an embedded russh server on 127.0.0.1 that
//! answers the commands cutover runs on servers (container lookup, `docker
//! logs -f`, `docker exec`, `journalctl -f`, `tail -F`, `kill`) with realistic
//! output, so `cutover demo` tails logs and runs commands over real SSH.
//! It lets anyone in: it is a simulator on loopback.

use super::logs::{app_lines, db_line, docker_ts, journal_line, nginx_line};
use super::world::Rng;
use super::{Shared, lock};
use color_eyre::eyre::{Result, WrapErr};
use russh::server::{self, Auth, Handle, Msg, Session};
use russh::{Channel, ChannelId, Sig};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::{AbortHandle, JoinHandle};

type Pids = Arc<Mutex<HashMap<u32, (Handle, ChannelId, AbortHandle)>>>;

pub struct SshHost {
    pub addr: SocketAddr,
    /// `ssh-ed25519 AAAA...`, for a known_hosts line.
    pub public_key: String,
    task: JoinHandle<()>,
}

impl Drop for SshHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start(shared: Arc<Shared>, port: u16) -> Result<SshHost> {
    let key =
        russh::keys::PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519).wrap_err("generating the simulated host key")?;
    let public_key = key.public_key().to_openssh().wrap_err("encoding the host key")?;
    let config = Arc::new(server::Config {
        keys: vec![key],
        auth_rejection_time: Duration::ZERO,
        auth_rejection_time_initial: Some(Duration::ZERO),
        inactivity_timeout: None,
        ..Default::default()
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .wrap_err_with(|| format!("binding the simulated SSH host to 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    let pids: Pids = Arc::default();
    let task = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let host = Host { shared: shared.clone(), running: HashMap::new(), pids: pids.clone(), stdin: HashMap::new() };
            let config = config.clone();
            tokio::spawn(async move {
                if let Ok(s) = server::run_stream(config, sock, host).await {
                    let _ = s.await;
                }
            });
        }
    });
    Ok(SshHost { addr, public_key, task })
}

/// A command's standard input as it arrives, handed over at end of file.
type Stdin = (Vec<u8>, tokio::sync::oneshot::Sender<Vec<u8>>);

struct Host {
    shared: Arc<Shared>,
    running: HashMap<ChannelId, AbortHandle>,
    pids: Pids,
    /// Commands that read their input (curl's `-K -`) wait for it here.
    stdin: HashMap<ChannelId, Stdin>,
}

impl server::Handler for Host {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_publickey(&mut self, _user: &str, _key: server::VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(&mut self, channel: ChannelId, data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let cmd = String::from_utf8_lossy(data).into_owned();
        let out = Out { h: session.handle(), ch: channel };
        let (shared, pids) = (self.shared.clone(), self.pids.clone());
        let input = super::shell::reads_stdin(&cmd).then(|| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            self.stdin.insert(channel, (Vec::new(), tx));
            rx
        });
        let task = tokio::spawn(async move {
            // Bounded in size (`data`) and in time, as a real command's read is not.
            let stdin = match input {
                Some(rx) => tokio::time::timeout(Duration::from_secs(30), rx).await.ok().and_then(Result::ok),
                None => None,
            };
            let code = run(&shared, &pids, &out, &cmd, stdin).await;
            out.finish(code).await;
        });
        self.running.insert(channel, task.abort_handle());
        Ok(())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], _session: &mut Session) -> Result<(), Self::Error> {
        if let Some((buf, _)) = self.stdin.get_mut(&channel)
            && buf.len() + data.len() <= 1 << 20
        {
            buf.extend_from_slice(data);
        }
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        if let Some((buf, tx)) = self.stdin.remove(&channel) {
            let _ = tx.send(buf);
        }
        Ok(())
    }

    async fn signal(&mut self, channel: ChannelId, _signal: Sig, session: &mut Session) -> Result<(), Self::Error> {
        if let Some(t) = self.running.remove(&channel) {
            t.abort();
            let h = session.handle();
            tokio::spawn(async move {
                let _ = h.exit_signal_request(channel, Sig::TERM, false, String::new(), String::new()).await;
                let _ = h.eof(channel).await;
                let _ = h.close(channel).await;
            });
        }
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        if let Some(t) = self.running.remove(&channel) {
            t.abort();
        }
        Ok(())
    }
}

struct Out {
    h: Handle,
    ch: ChannelId,
}

impl Out {
    async fn out(&self, s: impl Into<String>) -> bool {
        self.h.data(self.ch, s.into().into_bytes()).await.is_ok()
    }

    async fn err(&self, s: impl Into<String>) -> bool {
        self.h.extended_data(self.ch, 1, s.into().into_bytes()).await.is_ok()
    }

    async fn finish(&self, code: u32) {
        let _ = self.h.exit_status_request(self.ch, code).await;
        let _ = self.h.eof(self.ch).await;
        let _ = self.h.close(self.ch).await;
    }
}

/// Splits a command line like a POSIX shell would for simple words.
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                has = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                        }
                        d => cur.push(d),
                    }
                }
            }
            '\\' => {
                if let Some(e) = chars.next() {
                    cur.push(e);
                    has = true;
                }
            }
            c if c.is_whitespace() => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// The container a name refers to: (site slug, is database, running).
fn container_of(shared: &Shared, name: &str) -> Option<(String, bool, bool)> {
    let w = shared.world();
    let sites = super::world::sites();
    if let Some(a) = w.cf.apps.iter().find(|a| name.starts_with(&a.uuid)) {
        return Some((sites[a.site].slug.to_string(), false, a.status.starts_with("running")));
    }
    w.cf.databases
        .iter()
        .find(|d| name.starts_with(&d.uuid))
        .map(|d| (sites[d.site].slug.to_string(), true, d.status.starts_with("running")))
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

async fn run(shared: &Arc<Shared>, pids: &Pids, out: &Out, cmd: &str, stdin: Option<Vec<u8>>) -> u32 {
    const PID_PREFIX: &str = "echo \"__cutover_pid=$$\" >&2; ";
    if let Some(rest) = cmd.strip_prefix(PID_PREFIX) {
        let pid = 4000 + lock(&shared.correlation).below(50_000) as u32;
        out.err(format!("__cutover_pid={pid}\n")).await;
        let inner = words(rest);
        let cmd = inner.get(3).cloned().unwrap_or_default();
        let me = tokio::task::spawn(Box::pin(run_inner(shared.clone(), pids.clone(), Out { h: out.h.clone(), ch: out.ch }, cmd, stdin)));
        lock(pids).insert(pid, (out.h.clone(), out.ch, me.abort_handle()));
        let code = me.await.unwrap_or(143);
        lock(pids).remove(&pid);
        return code;
    }
    run_inner(shared.clone(), pids.clone(), Out { h: out.h.clone(), ch: out.ch }, cmd.to_string(), stdin).await
}

async fn run_inner(shared: Arc<Shared>, pids: Pids, out: Out, cmd: String, stdin: Option<Vec<u8>>) -> u32 {
    // The runbooks' commands: the host's shell over the simulated databases.
    if super::shell::handles(&cmd) {
        if shared.world().login_noise {
            out.err("pyenv: cannot rehash: /root/.pyenv/shims isn't writable\n").await;
        }
        let ran = super::shell::run(&shared, &cmd, stdin.as_deref());
        for (err, l) in ran.lines {
            let ok = if err { out.err(l).await } else { out.out(l).await };
            if !ok {
                break;
            }
        }
        return ran.code;
    }
    let w = words(&cmd);
    let args: Vec<&str> = w.iter().map(String::as_str).collect();
    let mut rng = Rng::new(
        cmd.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
            ^ chrono::Utc::now().timestamp() as u64,
    );
    match args.as_slice() {
        ["docker", "ps", rest @ ..] => {
            let names: Vec<String> = {
                let world = shared.world();
                let mut v: Vec<String> =
                    world.cf.apps.iter().filter(|a| a.status.starts_with("running")).map(|a| format!("{}-141523123456", a.uuid)).collect();
                v.extend(world.cf.databases.iter().filter(|d| d.status.starts_with("running")).map(|d| d.uuid.clone()));
                v
            };
            let filter = rest.iter().position(|a| *a == "--filter").and_then(|i| rest.get(i + 1)).and_then(|f| f.strip_prefix("name="));
            for n in names.iter().filter(|n| filter.is_none_or(|f| n.contains(f))) {
                out.out(format!("{n}\n")).await;
            }
            0
        }
        ["docker", "logs", ..] => {
            let Some(name) = w.last() else { return 1 };
            let Some((site, is_db, running)) = container_of(&shared, name) else {
                out.err(format!("Error response from daemon: No such container: {name}\n")).await;
                return 1;
            };
            if !running {
                return 0;
            }
            let tail: u64 = flag(&w, "--tail").and_then(|n| n.parse().ok()).unwrap_or(100);
            let follow = w.iter().any(|a| a == "-f" || a == "--follow");
            let since =
                flag(&w, "--since").and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&chrono::Utc));
            let now = chrono::Utc::now();
            // History: `tail` lines over the last hours (or since the resume point).
            let start = since.unwrap_or(now - chrono::Duration::seconds(tail as i64 * 37));
            let n = if since.is_some() { 3 } else { tail };
            let mut seq = 0u64;
            for i in 0..n {
                let t = start + chrono::Duration::milliseconds(((now - start).num_milliseconds().max(1) * i as i64) / n.max(1) as i64);
                if !emit(&out, &mut rng, seq, &site, is_db, &docker_ts(t)).await {
                    return 0;
                }
                seq += 1;
            }
            if !follow {
                return 0;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(150 + rng.below(700))).await;
                if !emit(&out, &mut rng, seq, &site, is_db, &docker_ts(chrono::Utc::now())).await {
                    return 0;
                }
                seq += 1;
            }
        }
        ["docker", "exec", name, "sh", "-c", inner] => {
            let Some((site, _, running)) = container_of(&shared, name) else {
                out.err(format!("Error response from daemon: No such container: {name}\n")).await;
                return 1;
            };
            if !running {
                out.err(format!("Error response from daemon: container {name} is not running\n")).await;
                return 1;
            }
            container_command(&shared, &out, &site, inner).await
        }
        ["journalctl", ..] => {
            let unit = flag(&w, "-u").unwrap_or("nginx").to_string();
            loop {
                if !out.out(format!("{}\n", journal_line(&mut rng, &unit))).await {
                    return 0;
                }
                tokio::time::sleep(Duration::from_millis(300 + rng.below(900))).await;
            }
        }
        ["tail", ..] => {
            let n: u64 = flag(&w, "-n").and_then(|n| n.parse().ok()).unwrap_or(10);
            for _ in 0..n {
                out.out(format!("{}\n", nginx_line(&mut rng))).await;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(200 + rng.below(600))).await;
                if !out.out(format!("{}\n", nginx_line(&mut rng))).await {
                    return 0;
                }
            }
        }
        ["kill", rest @ ..] => {
            let target = rest.iter().rev().find_map(|a| a.trim_start_matches('-').parse::<u32>().ok());
            let entry = target.and_then(|p| lock(&pids).remove(&p));
            match entry {
                Some((h, ch, task)) => {
                    task.abort();
                    let _ = h.exit_signal_request(ch, Sig::TERM, false, String::new(), String::new()).await;
                    let _ = h.eof(ch).await;
                    let _ = h.close(ch).await;
                    0
                }
                None => {
                    out.err(format!("sh: kill: ({}) - No such process\n", target.unwrap_or(0))).await;
                    1
                }
            }
        }
        ["sleep", n] => {
            tokio::time::sleep(Duration::from_secs_f64(n.parse().unwrap_or(1.0))).await;
            0
        }
        ["true"] => 0,
        ["false"] => 1,
        ["hostname"] => {
            out.out("web-prod-1\n").await;
            0
        }
        ["whoami"] => {
            out.out("root\n").await;
            0
        }
        ["uptime"] => {
            out.out(" 10:21:07 up 41 days,  3:12,  0 users,  load average: 0.31, 0.27, 0.22\n").await;
            0
        }
        ["df", ..] => {
            out.out("Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1       150G   61G   83G  43% /\n").await;
            0
        }
        ["free", ..] => {
            out.out("               total        used        free      shared  buff/cache   available\nMem:            7751        3120         805          62        4142        4631\nSwap:              0           0           0\n").await;
            0
        }
        ["echo", rest @ ..] => {
            out.out(format!("{}\n", rest.join(" "))).await;
            0
        }
        [] => 0,
        [first, ..] => {
            out.err(format!("sh: 1: {first}: not found\n")).await;
            127
        }
    }
}

async fn emit(out: &Out, rng: &mut Rng, seq: u64, site: &str, is_db: bool, ts: &str) -> bool {
    if is_db {
        return out.err(format!("{ts} {}\n", db_line(rng, ts))).await;
    }
    for l in app_lines(rng, seq, ts, site) {
        // gunicorn and Django log to stderr; access lines to stdout.
        let ok = if l.contains("\" ") { out.out(format!("{ts} {l}\n")).await } else { out.err(format!("{ts} {l}\n")).await };
        if !ok {
            return false;
        }
    }
    true
}

/// Commands inside an application container.
async fn container_command(shared: &Shared, out: &Out, site: &str, inner: &str) -> u32 {
    let sites = super::world::sites();
    let info = sites.iter().find(|s| s.slug == site).cloned();
    let w = words(inner);
    let args: Vec<&str> = w.iter().map(String::as_str).collect();
    let _ = shared;
    match args.as_slice() {
        ["python", "manage.py", "check", ..] => {
            out.out("System check identified no issues (0 silenced).\n").await;
            0
        }
        ["python", "-c", code] => {
            let Some(s) = info.filter(|s| !s.python.is_empty()) else {
                out.err("sh: 1: python: not found\n").await;
                return 127;
            };
            if code.contains("importlib.metadata") {
                // cutover's version probe: one key=value per line.
                let os = if s.build_pack == "nixpacks" { "Ubuntu 22.04.5 LTS" } else { "Debian GNU/Linux 12 (bookworm)" };
                let mut lines = vec![format!("python={}.7", s.python), format!("django={}.4", s.django), "gunicorn=23.0.0".to_string()];
                if s.has_db {
                    lines.push("psycopg=3.2.12".into());
                }
                if s.slug == "hockey" {
                    lines.push("celery=5.5.3".into());
                }
                lines.push(format!("os={os}"));
                out.out(lines.join("\n") + "\n").await;
                return 0;
            }
            if !code.contains("django") {
                return 0;
            }
            out.out(format!("python={}.7 django={}.4\n", s.python, s.django)).await;
            0
        }
        ["python", "--version"] => match info {
            Some(s) if !s.python.is_empty() => {
                out.out(format!("Python {}.7\n", s.python)).await;
                0
            }
            _ => {
                out.err("sh: 1: python: not found\n").await;
                127
            }
        },
        [first, ..] => {
            out.err(format!("sh: 1: {first}: not found\n")).await;
            127
        }
        [] => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            words("docker exec a-1 sh -c 'python manage.py check'"),
            ["docker", "exec", "a-1", "sh", "-c", "python manage.py check"]
        );
        assert_eq!(words("echo \"x y\" 'it'\\''s'"), ["echo", "x y", "it's"]);
        assert_eq!(words("docker ps --format '{{.Names}}'"), ["docker", "ps", "--format", "{{.Names}}"]);
    }
}
