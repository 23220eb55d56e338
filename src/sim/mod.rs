//! The simulated world: Hetzner Cloud and Coolify HTTP APIs served on 127.0.0.1,
//! reached by cutover through the same clients that talk to the real services.
//! Used by `cutover demo`, `cutover sim`, `cutover play --demo` and the tests.

// Handler helpers return a finished error response as their `Err`, the usual
// axum style; boxing every one would only add noise.
#![allow(clippy::result_large_err)]

pub mod coolify;
pub mod dns;
pub mod fault;
pub mod hetzner;
pub mod logs;
pub mod pg;
pub mod protocol;
pub mod rules;
#[cfg(test)]
mod rules_vs_client;
pub mod s3;
pub mod shell;
pub mod ssh;
pub mod web;
pub mod world;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use color_eyre::eyre::{Result, WrapErr};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::task::JoinHandle;
use world::{CoolifyWorld, HetznerWorld, Rng};

#[derive(Clone, Debug)]
pub struct SimOptions {
    pub hetzner_port: u16,
    pub coolify_port: u16,
    /// `None`: the demo project. `Some(n)`: `n` generated servers (load tests).
    pub servers: Option<usize>,
    pub seed: u64,
    /// Requests per hour (the `RateLimit-Limit` header).
    pub rate_limit: u32,
    /// Coolify's API requests per minute per token (`API_RATE_LIMIT`, 200 by default).
    pub coolify_per_minute: u32,
    /// Added before every API answer (a distant service).
    pub latency: std::time::Duration,
    /// Keep every request/response for contract tests.
    pub record: bool,
    /// Fixed tokens (tests); random when `None`.
    pub hetzner_token: Option<String>,
    pub coolify_token: Option<String>,
    /// Port of the simulated SSH host (0 = any free port).
    pub ssh_port: u16,
    /// Multiplies the duration of simulated actions (0.1 = ten times faster).
    pub action_speed: f64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            hetzner_port: 0,
            coolify_port: 0,
            servers: None,
            seed: 42,
            rate_limit: 3600,
            coolify_per_minute: 200,
            latency: std::time::Duration::ZERO,
            record: false,
            hetzner_token: None,
            coolify_token: None,
            ssh_port: 0,
            action_speed: 1.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Hetzner,
    Coolify,
}

/// One request and its response, as seen on the wire.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub api: Api,
    pub method: String,
    pub path: String,
    pub query: String,
    pub request_body: Option<Value>,
    pub status: u16,
    pub content_type: String,
    pub response_body: Bytes,
    /// When the request arrived.
    pub at: Instant,
    /// The answer was broken on purpose (a `fault` that is not a status).
    pub wire_fault: bool,
}

/// An error the simulator returns instead of the real answer, `times` times.
#[derive(Clone, Debug)]
pub struct Fault {
    pub api: Api,
    pub method: String,
    pub path_prefix: String,
    pub kind: fault::FaultKind,
    pub times: usize,
}

pub struct World {
    pub hz: HetznerWorld,
    pub cf: CoolifyWorld,
    pub rng: Rng,
    /// The databases, their dumps and migrations.
    pub pg: pg::PgWorld,
    /// The hosts' shells print a warning on stderr before every command, as
    /// a login script does (`pyenv: cannot rehash`): `Sim "login-noise"`.
    pub login_noise: bool,
}

impl World {
    /// Brings Coolify in line with the servers' power: what runs on a server
    /// that is off is reported exited, and runs again when it is back.
    pub fn sync(&mut self, now: chrono::DateTime<chrono::Utc>) {
        self.hz.tick(now);
        let on: Vec<bool> = self
            .cf
            .servers
            .iter()
            .map(|s| self.hz.servers.iter().find(|h| h.name == s.hetzner).is_none_or(|h| h.status == "running"))
            .collect();
        let cf = &mut self.cf;
        let mut stopped = std::mem::take(&mut cf.power_stopped);
        let mut flip = |uuid: &str, server: usize, status: &mut String| {
            let up = on.get(server).copied().unwrap_or(true);
            if !up && status.starts_with("running") {
                *status = "exited:unhealthy".into();
                stopped.push(uuid.to_string());
            } else if up && let Some(i) = stopped.iter().position(|u| u == uuid) {
                stopped.remove(i);
                *status = "running:healthy".into();
            }
        };
        for a in &mut cf.apps {
            flip(&a.uuid.clone(), a.server, &mut a.status);
        }
        for d in &mut cf.databases {
            flip(&d.uuid.clone(), d.server, &mut d.status);
        }
        cf.power_stopped = stopped;
        // What the applications wrote meanwhile.
        self.pg.write(&self.hz, &self.cf, now);
    }

    /// Whether Coolify server `idx`'s machine is on.
    pub fn powered(&self, idx: usize) -> bool {
        self.cf.servers.get(idx).is_none_or(|s| self.hz.servers.iter().find(|h| h.name == s.hetzner).is_none_or(|h| h.status == "running"))
    }
}

pub struct Bucket {
    pub limit: u32,
    pub tokens: f64,
    pub last: Instant,
}

impl Bucket {
    fn new(limit: u32) -> Self {
        Bucket { limit, tokens: limit as f64, last: Instant::now() }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let per_sec = self.limit as f64 / 3600.0;
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * per_sec).min(self.limit as f64);
        self.last = now;
    }

    /// Seconds until the bucket is full again.
    fn secs_to_full(&self) -> i64 {
        ((self.limit as f64 - self.tokens) * 3600.0 / self.limit.max(1) as f64).ceil() as i64
    }
}

/// Shared state of a running simulator.
pub struct Shared {
    pub world: Mutex<World>,
    pub hetzner_token: String,
    pub coolify_token: String,
    pub bucket: Mutex<Bucket>,
    /// Coolify's `throttle:api`: requests per minute, and the current window.
    pub cf_throttle: Mutex<Throttle>,
    /// Added before every API answer.
    pub latency: std::time::Duration,
    pub exchanges: Mutex<Vec<Exchange>>,
    pub record: bool,
    pub faults: Mutex<Vec<Fault>>,
    pub correlation: Mutex<Rng>,
}

/// Laravel's fixed window: `limit` requests per minute, counted from the
/// first request of the window.
pub struct Throttle {
    pub limit: u32,
    window: Option<Instant>,
    used: u32,
}

impl Throttle {
    pub fn new(limit: u32) -> Throttle {
        Throttle { limit, window: None, used: 0 }
    }

    /// Counts a request: `Ok(remaining)`, or `Err(seconds until the window resets)`.
    pub fn hit(&mut self, now: Instant) -> Result<u32, u64> {
        let minute = std::time::Duration::from_secs(60);
        let start = match self.window {
            Some(w) if now.duration_since(w) < minute => w,
            _ => {
                self.used = 0;
                self.window = Some(now);
                now
            }
        };
        if self.used >= self.limit {
            return Err((minute - now.duration_since(start)).as_secs().max(1));
        }
        self.used += 1;
        Ok(self.limit - self.used)
    }
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    pub fn take_fault(&self, api: Api, method: &str, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let i = faults.iter().position(|f| f.api == api && f.method.eq_ignore_ascii_case(method) && path.starts_with(&f.path_prefix))?;
        let f = faults[i].clone();
        faults[i].times -= 1;
        if faults[i].times == 0 {
            faults.remove(i);
        }
        Some(f)
    }
}

pub struct Sim {
    pub hetzner_addr: SocketAddr,
    pub coolify_addr: SocketAddr,
    pub ssh: ssh::SshHost,
    /// The sites as their servers (and the old host) serve them, over HTTPS.
    pub web: web::Web,
    /// The authoritative name server of every zone.
    pub dns_addr: SocketAddr,
    /// A caching public resolver in front of it.
    pub resolver_addr: SocketAddr,
    pub shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn token(rng: &mut Rng, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| A[rng.below(A.len() as u64) as usize] as char).collect()
}

impl Sim {
    pub async fn start(opts: SimOptions) -> Result<Sim> {
        let mut rng = Rng::new(opts.seed);
        let hz = match opts.servers {
            Some(n) => HetznerWorld::bulk(&mut rng, n),
            None => HetznerWorld::demo(&mut rng),
        };
        let cf = CoolifyWorld::demo(&mut rng, &hz);
        let mut hz = hz;
        hz.action_speed = opts.action_speed;
        // Tokens differ per run (they are printed for `eval`), the world does not.
        let mut trng = Rng::new(rand::random());
        let shared = Arc::new(Shared {
            world: Mutex::new(World { pg: pg::PgWorld::demo(&cf), hz, cf, rng, login_noise: false }),
            // The hcloud CLI insists on 64-character tokens.
            hetzner_token: opts.hetzner_token.clone().unwrap_or_else(|| token(&mut trng, 64)),
            coolify_token: opts.coolify_token.clone().unwrap_or_else(|| format!("1|{}", token(&mut trng, 40))),
            bucket: Mutex::new(Bucket::new(opts.rate_limit)),
            cf_throttle: Mutex::new(Throttle::new(opts.coolify_per_minute)),
            latency: opts.latency,
            exchanges: Mutex::new(Vec::new()),
            record: opts.record,
            faults: Mutex::new(Vec::new()),
            correlation: Mutex::new(Rng::new(opts.seed ^ 0xC0FFEE)),
        });
        let hz_listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.hetzner_port))
            .await
            .wrap_err_with(|| format!("binding the simulated Hetzner API to 127.0.0.1:{}", opts.hetzner_port))?;
        let cf_listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.coolify_port))
            .await
            .wrap_err_with(|| format!("binding the simulated Coolify API to 127.0.0.1:{}", opts.coolify_port))?;
        let hetzner_addr = hz_listener.local_addr()?;
        let coolify_addr = cf_listener.local_addr()?;
        let hz_router = hetzner::router(shared.clone());
        let cf_router = coolify::router(shared.clone());
        let ssh = ssh::start(shared.clone(), opts.ssh_port).await?;
        let mut web = web::start(shared.clone()).await?;
        let (dns_addr, dns_task) = dns::start(shared.clone()).await?;
        let (resolver_addr, resolver_task) = dns::start_resolver(shared.clone()).await?;
        // The S3 destinations are this object store (its address replaces
        // the provider's, so a real curl on a test's host reaches it too).
        let s3_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.wrap_err("binding the simulated object storage")?;
        let s3_addr = s3_listener.local_addr()?;
        for d in &mut shared.world().cf.s3 {
            d.endpoint = format!("http://{s3_addr}");
        }
        let s3_router = s3::router(shared.clone());
        let mut tasks = vec![
            tokio::spawn(async move {
                let _ = axum::serve(hz_listener, hz_router).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(cf_listener, cf_router).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(s3_listener, s3_router).await;
            }),
            dns_task,
            resolver_task,
        ];
        tasks.append(&mut web.tasks);
        Ok(Sim { hetzner_addr, coolify_addr, ssh, web, dns_addr, resolver_addr, shared, tasks })
    }

    pub fn hetzner_endpoint(&self) -> String {
        format!("http://{}/v1", self.hetzner_addr)
    }

    pub fn coolify_url(&self) -> String {
        format!("http://{}", self.coolify_addr)
    }

    /// The `export` lines `cutover sim` prints.
    pub fn env_lines(&self) -> Vec<String> {
        vec![
            format!("export HCLOUD_ENDPOINT={}", self.hetzner_endpoint()),
            format!("export HCLOUD_TOKEN={}", self.shared.hetzner_token),
            format!("export COOLIFY_URL={}", self.coolify_url()),
            format!("export COOLIFY_TOKEN='{}'", self.shared.coolify_token),
            format!("# simulated SSH host: ssh -p {} root@127.0.0.1 (key {})", self.ssh.addr.port(), self.ssh.public_key),
            format!("# simulated name server: dig @127.0.0.1 -p {} example.com A", self.dns_addr.port()),
            format!(
                "# simulated S3 backups: access key {} secret {} (Coolify's API never shows them)",
                world::DEMO_S3_KEY,
                world::DEMO_S3_SECRET
            ),
        ]
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.exchanges).clone()
    }

    pub fn add_fault(&self, f: Fault) {
        lock(&self.shared.faults).push(f);
    }

    /// Drains the rate-limit bucket so the next request gets a 429.
    pub fn exhaust_rate_limit(&self) {
        let mut b = lock(&self.shared.bucket);
        b.tokens = 0.0;
        b.last = Instant::now();
    }

    /// Runs a control command (from a playbook's `Sim` step):
    /// `fault hetzner|coolify METHOD PATH STATUS CODE [TIMES] MESSAGE...` or `exhaust-rate-limit`.
    pub fn control(&self, cmd: &str) -> Result<(), String> {
        let parts: Vec<&str> = cmd.split_whitespace().collect();
        match parts.as_slice() {
            // A zone as the operator found it (a long TTL on the name to move).
            ["rrset-ttl", zone, name, rtype, ttl] => {
                let ttl: u32 = ttl.parse().map_err(|_| format!("`{ttl}` is not a TTL"))?;
                let mut w = self.shared.world();
                let z = w.hz.zones.iter_mut().find(|z| z.name == *zone).ok_or_else(|| format!("no zone {zone}"))?;
                let r = z
                    .rrsets
                    .iter_mut()
                    .find(|r| r.name == *name && r.rtype == *rtype)
                    .ok_or_else(|| format!("no {name} {rtype} in {zone}"))?;
                r.ttl = Some(ttl);
                Ok(())
            }
            // The next migrate on this Coolify database meets a lock and times out.
            ["pg-lock", db] => {
                let mut w = self.shared.world();
                let uuid =
                    w.cf.databases.iter().find(|d| d.name == *db).map(|d| d.uuid.clone()).ok_or_else(|| format!("no database {db}"))?;
                w.pg.locked.push(uuid);
                Ok(())
            }
            // The sites stop writing to their databases (a quiet hour).
            ["pause-writes"] => {
                self.shared.world().pg.writes_paused = true;
                Ok(())
            }
            // Every host's shell warns on stderr before each command.
            ["login-noise"] => {
                self.shared.world().login_noise = true;
                Ok(())
            }
            // A server switched off behind the console's back.
            ["power-off", server] => {
                let mut w = self.shared.world();
                let s = w.hz.servers.iter_mut().find(|s| s.name == *server).ok_or_else(|| format!("no server {server}"))?;
                s.status = "off".into();
                Ok(())
            }
            ["exhaust-rate-limit"] => {
                self.exhaust_rate_limit();
                Ok(())
            }
            ["fail-action", command] => {
                self.shared.world().hz.fail_next.push(command.to_string());
                Ok(())
            }
            ["coolify-abilities", list] => {
                self.shared.world().cf.abilities = list.split(',').map(str::to_string).collect();
                Ok(())
            }
            ["reject-env", key] => {
                self.shared.world().cf.reject_env.push(key.to_string());
                Ok(())
            }
            ["fail-deploy", app] => {
                self.shared.world().cf.fail_next_deploy.push(app.to_string());
                Ok(())
            }
            ["deploy-speed", f] => {
                let f: f64 = f.parse().map_err(|_| format!("bad factor `{f}`"))?;
                self.shared.world().cf.speed = f;
                Ok(())
            }
            ["action-speed", f] => {
                let f: f64 = f.parse().map_err(|_| format!("bad factor `{f}`"))?;
                self.shared.world().hz.action_speed = f;
                Ok(())
            }
            ["fault", api, method, path, rest @ ..] => {
                let api = match *api {
                    "hetzner" => Api::Hetzner,
                    "coolify" => Api::Coolify,
                    other => return Err(format!("unknown api `{other}` (hetzner or coolify)")),
                };
                let (kind, times) = match rest {
                    // `STATUS CODE [TIMES] MESSAGE...`
                    [status, code, more @ ..] if status.parse::<u16>().is_ok() => {
                        let status: u16 = status.parse().map_err(|_| format!("bad status `{status}`"))?;
                        let (times, msg) = match more.first().and_then(|t| t.parse::<usize>().ok()) {
                            Some(n) => (n, more[1..].join(" ")),
                            None => (1, more.join(" ")),
                        };
                        let message = if msg.is_empty() { code.replace('_', " ") } else { msg };
                        (fault::FaultKind::Status { status, code: code.to_string(), message }, times)
                    }
                    // `reset|stall D|truncate|malformed|oversized|runaway [TIMES]`
                    words => {
                        let (kind, name) = fault::FaultKind::parse(words)?;
                        let skip = if name == "stall" { 2 } else { 1 };
                        (kind, words.get(skip).and_then(|t| t.parse::<usize>().ok()).unwrap_or(1))
                    }
                };
                self.add_fault(Fault { api, method: method.to_string(), path_prefix: path.to_string(), kind, times: times.max(1) });
                Ok(())
            }
            _ => Err(format!("unknown sim command `{cmd}`")),
        }
    }
}

/// Records the exchange (when recording) around the inner service.
pub async fn record(shared: Arc<Shared>, api: Api, req: Request, next: axum::middleware::Next) -> Response {
    // A distant service: the answer comes `latency` later (requests in
    // flight together wait together, as over a real link).
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    if !shared.record {
        return next.run(req).await;
    }
    let at = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
    let request_body = if bytes.is_empty() { None } else { serde_json::from_slice(&bytes).ok() };
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = resp.into_parts();
    let content_type = parts.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let status = parts.status.as_u16();
    let wire_fault = parts.headers.contains_key(fault::FAULT_HEADER);
    let (response_body, resp) = if wire_fault {
        // Broken on purpose: passed on untouched (buffering would change how it breaks).
        (Bytes::new(), Response::from_parts(parts, body))
    } else {
        match axum::body::to_bytes(body, 64 << 20).await {
            Ok(b) => (b.clone(), Response::from_parts(parts, Body::from(b))),
            // A broken or oversized answer (an injected fault) stays broken.
            Err(_) => return Response::from_parts(parts, fault::broken_body()),
        }
    };
    lock(&shared.exchanges).push(Exchange { api, method, path, query, request_body, status, content_type, response_body, at, wire_fault });
    resp
}

pub fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(v).unwrap_or_default()));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r
}
