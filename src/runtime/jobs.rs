//! Background work: each effect runs against the services and reports back as
//! actions. Effects are pushed to this edge; `app` never does I/O.

use super::Event;
use crate::app::panes::{dns, firewalls, logs, servers};
use crate::app::world::WorldMsg;
use crate::app::{Action, Effect};
use crate::config::Secret;
use crate::logs::{Kind, LineSplitter};
use crate::ssh::HostRef;
use crate::ssh::prompt::{Answer, Prompter, Question};
use crate::ssh::quote::{PID_MARK, docker_exec, find_container, pick_container, with_pid};
use crate::ssh::tail::{self, Batch, TailEvent};
use crate::ssh::{ExecEvent, Session, SshEnv, SshError, SshOverride, SshSettings, Target};
use crate::{coolify, hetzner};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

type Pending<T> = Arc<Mutex<HashMap<u64, T>>>;
/// Others waiting for the answer to a question already on screen.
type Waiters = Vec<oneshot::Sender<Option<Secret>>>;

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The API clients and SSH settings of the active contexts, and the handles of
/// running streams.
#[derive(Clone, Default)]
pub struct Services {
    /// The active Hetzner context's client; `:ctx` swaps it.
    pub hetzner_slot: Arc<std::sync::RwLock<Option<hetzner::Client>>>,
    pub hetzner_context: String,
    /// Every Hetzner context, for `:ctx`.
    pub hetzner_contexts: Vec<crate::config::HetznerContext>,
    pub coolify: Option<coolify::Client>,
    /// How often deployments and backups are polled (default 2 s).
    pub coolify_poll: Option<Duration>,
    pub ssh: Arc<SshSettings>,
    pub ssh_override: SshOverride,
    /// Set by the runtime (its prompter needs the event queue).
    pub ssh_env: Option<SshEnv>,
    pub(crate) tails: Pending<AbortHandle>,
    pub(crate) runs: Pending<mpsc::Sender<()>>,
    pub(crate) prompts: Pending<oneshot::Sender<Option<Secret>>>,
    /// Where checklist runs are journaled, and users' runbooks.
    pub runs_dir: Option<std::path::PathBuf>,
    pub runbooks_dir: Option<std::path::PathBuf>,
    /// Users' campaigns (`*.toml`).
    pub campaigns_dir: Option<std::path::PathBuf>,
    /// A directory of this run only (the demo's known_hosts), removed when
    /// the last copy of the services goes.
    pub scratch: Option<Arc<tempfile::TempDir>>,
    /// How checks reach web sites and name servers (the demo reroutes both).
    pub web: crate::verify::web::WebSettings,
    pub dns: crate::dns::propagation::DnsSettings,
    /// Where the clients say they wait (set by the runtime).
    pub api_notify: Option<crate::api::Notify>,
    /// Cancels the running step of a run (by journal).
    pub(crate) step_cancels: Arc<Mutex<HashMap<std::path::PathBuf, tokio::sync::watch::Sender<bool>>>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").field("hetzner", &self.hetzner()).field("coolify", &self.coolify).finish_non_exhaustive()
    }
}

impl Services {
    pub fn with_hetzner(mut self, c: Option<hetzner::Client>) -> Services {
        self.hetzner_slot = Arc::new(std::sync::RwLock::new(c));
        self
    }

    /// Gives the clients (and every client made later) the notifier.
    pub fn set_notify(&mut self, n: crate::api::Notify) {
        if let Some(c) = self.hetzner() {
            c.notify.set(n.clone());
        }
        if let Some(c) = &self.coolify {
            c.notify.set(n.clone());
        }
        self.api_notify = Some(n);
    }

    pub fn hetzner(&self) -> Option<hetzner::Client> {
        self.hetzner_slot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How often Hetzner actions are polled: the active context's
    /// `poll_interval` (hcloud's default, 500 ms).
    pub fn hetzner_poll(&self) -> Duration {
        self.hetzner_contexts.iter().find(|c| c.name == self.hetzner_context).map(|c| c.poll_interval).unwrap_or(Duration::from_millis(500))
    }

    /// How often deployments and backups are polled.
    pub fn coolify_poll(&self) -> Duration {
        self.coolify_poll.unwrap_or(crate::ops::coolify::POLL)
    }

    fn no_hetzner(&self) -> String {
        hetzner::Error::NoToken(self.hetzner_context.clone()).to_string()
    }
}

/// Asks the operator through the console: the question becomes a modal, the
/// answer comes back through a oneshot. The same question asked again while
/// it is open (two connections to one new host) waits for the same answer
/// instead of asking twice.
pub struct UiPrompter {
    tx: mpsc::UnboundedSender<Event>,
    pending: Pending<oneshot::Sender<Option<Secret>>>,
    /// Open questions by text: who else waits for the answer.
    open: Arc<Mutex<HashMap<String, Waiters>>>,
    next: AtomicU64,
}

impl UiPrompter {
    pub fn new(tx: mpsc::UnboundedSender<Event>, pending: Pending<oneshot::Sender<Option<Secret>>>) -> Self {
        UiPrompter { tx, pending, open: Arc::default(), next: AtomicU64::new(1) }
    }
}

impl Prompter for UiPrompter {
    fn ask(&self, question: Question) -> Answer {
        let text = question.text();
        {
            let mut open = lock(&self.open);
            if let Some(waiters) = open.get_mut(&text) {
                let (wtx, wrx) = oneshot::channel();
                waiters.push(wtx);
                return Box::pin(async move { wrx.await.ok().flatten() });
            }
            open.insert(text.clone(), Vec::new());
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (otx, orx) = oneshot::channel();
        lock(&self.pending).insert(id, otx);
        let _ = self.tx.send(Event::Stream { action: Action::Ask { id, question }, credit: None });
        let mut asking = Asking { id, text, rx: Some(orx), tx: self.tx.clone(), pending: self.pending.clone(), open: self.open.clone() };
        Box::pin(async move {
            let rx = asking.rx.take()?;
            let answer = rx.await.ok().flatten();
            for w in lock(&asking.open).remove(&asking.text).unwrap_or_default() {
                let _ = w.send(answer.clone());
            }
            answer
        })
    }
}

/// An open question, owned by the attempt that asked. If the attempt is
/// dropped before the answer (a timeout, a cancelled job), the question is
/// withdrawn from the screen, so a late "yes" cannot reach anything, unless
/// another attempt waits for the same answer: then it stays for that one.
struct Asking {
    id: u64,
    text: String,
    rx: Option<oneshot::Receiver<Option<Secret>>>,
    tx: mpsc::UnboundedSender<Event>,
    pending: Pending<oneshot::Sender<Option<Secret>>>,
    open: Arc<Mutex<HashMap<String, Waiters>>>,
}

impl Drop for Asking {
    fn drop(&mut self) {
        let Some(rx) = self.rx.take() else { return };
        // Answered already (the future completed): nothing to withdraw.
        let others = lock(&self.open).get(&self.text).map(Vec::len).unwrap_or(0);
        if others > 0
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let (open, text) = (self.open.clone(), self.text.clone());
            rt.spawn(async move {
                let answer = rx.await.ok().flatten();
                for w in lock(&open).remove(&text).unwrap_or_default() {
                    let _ = w.send(answer.clone());
                }
            });
            return;
        }
        lock(&self.open).remove(&self.text);
        lock(&self.pending).remove(&self.id);
        let _ = self.tx.send(Event::Stream { action: Action::Withdrawn { id: self.id }, credit: None });
    }
}

/// Where to connect for a host reference. Resolution may ask `ssh -G`, so it
/// runs off the async workers.
pub async fn resolve_target(sv: &Services, host: &HostRef) -> Result<Target, SshError> {
    let (ssh, ovr, host) = (sv.ssh.clone(), sv.ssh_override.clone(), host.clone());
    tokio::task::spawn_blocking(move || resolve_target_now(&ssh, ovr, &host))
        .await
        .map_err(|e| SshError::Config(format!("resolving the ssh target: {e}")))?
}

fn resolve_target_now(ssh: &crate::ssh::SshSettings, mut ovr: crate::ssh::SshOverride, host: &HostRef) -> Result<Target, SshError> {
    let alias = match host {
        HostRef::Server { name, ipv4 } => match ssh.knows(name) {
            // The config's block for this server applies; without a HostName
            // of its own the server's address is where it connects.
            Some(named) => {
                if !named.sets_hostname {
                    ovr.host = ovr.host.or_else(|| ipv4.clone());
                }
                name.clone()
            }
            None => ipv4.clone().unwrap_or_else(|| name.clone()),
        },
        HostRef::Coolify { name, ip, user, port } => match ssh.knows(name) {
            Some(named) => {
                if !named.sets_hostname {
                    ovr.host = ovr.host.or_else(|| Some(ip.clone()));
                }
                name.clone()
            }
            None => {
                // Coolify's own record of how it reaches the server.
                ovr.user = ovr.user.or_else(|| user.clone());
                ovr.port = ovr.port.or(*port);
                ip.clone()
            }
        },
        HostRef::Alias(a) => a.clone(),
    };
    ssh.resolve(&alias, &ovr)
}

pub(crate) fn env_of(sv: &Services) -> Result<SshEnv, String> {
    sv.ssh_env.clone().ok_or_else(|| "SSH is not set up in this runtime".to_string())
}

/// Starts a tail for a tab; returns the handle that stops it.
pub fn start_tail(tab: u64, host: HostRef, source: tail::TailSource, sv: &Services, tx: mpsc::UnboundedSender<Event>) -> AbortHandle {
    let sv = sv.clone();
    let guard_tx = tx.clone();
    let task = tokio::spawn(async move {
        let run = tail_task(tab, host, source, sv, tx);
        if let Err(p) = super::guarded(run).await {
            let status = tail::TailStatus::Failed(format!("internal error: {p}"));
            let _ = guard_tx.send(Event::Stream { action: Action::from(logs::Msg::TailStatus { tab, status }), credit: None });
        }
    });
    task.abort_handle()
}

async fn tail_task(tab: u64, host: HostRef, source: tail::TailSource, sv: Services, tx: mpsc::UnboundedSender<Event>) {
    {
        let send = |action: Action, credit: Option<Arc<AtomicUsize>>| tx.send(Event::Stream { action, credit }).is_ok();
        let target = match resolve_target(&sv, &host).await {
            Ok(t) => t,
            Err(e) => {
                send(Action::from(logs::Msg::TailStatus { tab, status: tail::TailStatus::Failed(e.to_string()) }), None);
                return;
            }
        };
        let env = match env_of(&sv) {
            Ok(e) => e,
            Err(e) => {
                send(Action::from(logs::Msg::TailStatus { tab, status: tail::TailStatus::Failed(e) }), None);
                return;
            }
        };
        let (ttx, mut trx) = mpsc::unbounded_channel();
        let credit = Arc::new(AtomicUsize::new(0));
        let runner = tokio::spawn(tail::run(target, env, source, ttx, credit.clone()));
        while let Some(ev) = trx.recv().await {
            let ok = match ev {
                TailEvent::Status(status) => send(Action::from(logs::Msg::TailStatus { tab, status }), None),
                TailEvent::Lines(batch) => send(Action::from(logs::Msg::LogLines { tab, batch }), Some(credit.clone())),
            };
            if !ok {
                break;
            }
        }
        runner.abort();
        if let Err(e) = runner.await
            && e.is_panic()
        {
            let status = tail::TailStatus::Failed(format!("internal error: {}", super::panic_message(e.into_panic().as_ref())));
            send(Action::from(logs::Msg::TailStatus { tab, status }), None);
        }
    }
}

pub async fn run(effect: Effect, sv: Services, tx: mpsc::UnboundedSender<Event>) {
    let label = effect.label();
    let send = |action: Action, done: bool| {
        // The receiver is gone only when the app is exiting.
        let _ = tx.send(Event::Job { action, done, label });
    };
    match effect {
        Effect::LoadServers { generation } => {
            let Some(c) = sv.hetzner() else {
                send(
                    Action::from(WorldMsg::ServersDone {
                        generation,
                        result: Err(hetzner::Error::NoToken(sv.hetzner_context)),
                        rate: None,
                    }),
                    true,
                );
                return;
            };
            let result = c
                .servers_paged(|servers, meta| {
                    send(
                        Action::from(WorldMsg::ServersPage {
                            generation,
                            servers,
                            page: meta.page,
                            last_page: meta.last_page,
                            total: meta.total_entries,
                            rate: c.rate_limit(),
                        }),
                        false,
                    )
                })
                .await;
            send(Action::from(WorldMsg::ServersDone { generation, result, rate: c.rate_limit() }), true);
        }
        Effect::LoadCoolifyVersion => {
            let r = match sv.coolify {
                Some(c) => c.version().await.map_err(|e| e.to_string()),
                None => Err("no Coolify instance configured".into()),
            };
            send(Action::from(WorldMsg::CoolifyVersion(r)), true);
        }
        Effect::LoadCoolify { known } => {
            let r = match sv.coolify {
                Some(c) => c.inventory_from(known.as_deref()).await.map_err(|e| e.to_string()),
                None => Err("no Coolify instance configured".into()),
            };
            send(Action::from(WorldMsg::CoolifyInventory(r)), true);
        }
        Effect::Run { tab, host, command, container } => {
            let result = run_command(tab, &host, &command, container.as_deref(), &sv, &send).await;
            lock(&sv.runs).remove(&tab);
            send(Action::from(logs::Msg::RunDone { tab, result }), true);
        }
        Effect::WriteFile { path, contents, lines } => {
            let full = expand(&path);
            let r = tokio::fs::write(&full, contents)
                .await
                .map(|_| format!("saved {lines} lines to {}", full.display()))
                .map_err(|e| format!("saving to {}: {e}", full.display()));
            send(Action::Saved(r), true);
        }
        Effect::LoadPricing => {
            let r = match sv.hetzner() {
                Some(c) => async { Ok::<_, hetzner::Error>((c.pricing().await?, c.volumes().await?)) }.await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(WorldMsg::Pricing(r)), true);
        }
        Effect::LoadPrimaryIps => {
            let r = match sv.hetzner() {
                Some(c) => c.primary_ips().await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(WorldMsg::PrimaryIps(r)), true);
        }
        Effect::LoadNetworks => {
            let r = match sv.hetzner() {
                Some(c) => c.networks().await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(WorldMsg::Networks(r)), true);
        }
        Effect::LoadMetrics { id } => {
            let now = chrono::Utc::now();
            let result = match sv.hetzner() {
                Some(c) => c.metrics(id, &["cpu", "network"], now - chrono::Duration::hours(24), now).await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(servers::Msg::Metrics { id, result }), true);
        }
        Effect::LoadFirewalls => {
            let r = match sv.hetzner() {
                Some(c) => c.firewalls().await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(firewalls::Msg::Loaded(r)), true);
        }
        Effect::LoadZones => {
            let r = match sv.hetzner() {
                Some(c) => c.zones().await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(WorldMsg::Zones(r)), true);
        }
        Effect::LoadRrsets { zone } => {
            let result = match sv.hetzner() {
                Some(c) => c.rrsets(&zone).await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(dns::Msg::Rrsets { zone, result }), true);
        }
        Effect::LoadServerChoices { purpose } => {
            let result = match sv.hetzner() {
                Some(c) => server_choices(&c).await.map(Box::new).map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(servers::Msg::Choices { purpose, result }), true);
        }
        Effect::LoadSshKeys => {
            let result = match sv.hetzner() {
                Some(c) => c.ssh_keys().await.map_err(|e| e.to_string()),
                None => Err(sv.no_hetzner()),
            };
            send(Action::from(servers::Msg::Keys(result)), true);
        }
        Effect::AddSshKey { name, key } => {
            let label = format!("add SSH key {name}");
            let result = match sv.hetzner() {
                Some(c) => add_ssh_key(&c, &name, &key).await,
                None => Err(crate::ops::Error::Hetzner(hetzner::Error::NoToken(sv.hetzner_context.clone()))),
            };
            send(Action::OpDone { to: crate::app::panes::PaneId::Servers, label, result, after: crate::app::action::After::Servers }, true);
        }
        Effect::RebuildServer { id, name, image } => {
            let label = format!("rebuild {name}");
            let result = match sv.hetzner() {
                Some(c) => rebuild_server(&c, id, &name, &image, sv.hetzner_poll(), &send).await,
                None => Err(crate::ops::Error::Hetzner(hetzner::Error::NoToken(sv.hetzner_context.clone()))),
            };
            send(Action::OpDone { to: crate::app::panes::PaneId::Servers, label, result, after: crate::app::action::After::Servers }, true);
        }
        Effect::CreateServer { req, user_data_file } => {
            let label = format!("create {}", req.name);
            let result = match sv.hetzner() {
                Some(c) => create_server(&c, *req, user_data_file, sv.hetzner_poll(), &send).await,
                None => Err(crate::ops::Error::Hetzner(hetzner::Error::NoToken(sv.hetzner_context.clone()))),
            };
            send(Action::OpDone { to: crate::app::panes::PaneId::Servers, label, result, after: crate::app::action::After::Servers }, true);
        }
        Effect::Hz { to, label, ops, after } => {
            let result = match sv.hetzner() {
                Some(c) => run_ops(&c, &label, &ops, &after, sv.hetzner_poll(), &send).await,
                None => Err(crate::ops::Error::Hetzner(hetzner::Error::NoToken(sv.hetzner_context.clone()))),
            };
            send(Action::OpDone { to, label, result, after }, true);
        }
        Effect::ExportZone { zone, path } => {
            let r = match sv.hetzner() {
                Some(c) => match c.export_zone(&zone).await {
                    Ok(text) => {
                        let full = expand(&path);
                        tokio::fs::write(&full, text)
                            .await
                            .map(|_| format!("zone {zone} exported to {}", full.display()))
                            .map_err(|e| format!("export: writing {}: {e}", full.display()))
                    }
                    Err(e) => Err(format!("export: {e}")),
                },
                None => Err(format!("export: {}", sv.no_hetzner())),
            };
            send(Action::Saved(r), true);
        }
        Effect::ReadZoneFile { path, zone } => {
            let full = expand(&path);
            let path = full.clone();
            let result = tokio::task::spawn_blocking(move || crate::config::source::read_bounded(&path, 16 << 20))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map_err(|e| format!("reading {}: {e}", full.display()));
            send(Action::from(dns::Msg::ZoneFile { zone, path: full.display().to_string(), result }), true);
        }
        Effect::SwitchContext { name } => {
            let r = switch_context(&sv, &name).await;
            send(Action::from(WorldMsg::ContextSwitched(r)), true);
        }
        e @ (Effect::Deploy { .. }
        | Effect::FollowDeployment { .. }
        | Effect::CancelDeployment { .. }
        | Effect::LoadEnvs { .. }
        | Effect::LoadHistory { .. }
        | Effect::LoadTasks { .. }
        | Effect::Cf { .. }
        | Effect::LoadBackups
        | Effect::TriggerBackup { .. }
        | Effect::Probe { .. }
        | Effect::CheckFleet { .. }
        | Effect::LoadS3 { .. }
        | Effect::LoadServices
        | Effect::LoadStorages { .. }
        | Effect::LoadPreviews { .. }
        | Effect::LoadAppLogs { .. }
        | Effect::LoadDbLogs { .. }
        | Effect::ServiceLogs { .. }
        | Effect::ServiceEnvs { .. }) => super::coolify_jobs::run(e, &sv, &send).await,
        e @ (Effect::LoadChecklist
        | Effect::SaveCampaign { .. }
        | Effect::StartRun { .. }
        | Effect::Journal { .. }
        | Effect::ExecStep { .. }) => super::checklist_jobs::run(e, &sv, &send).await,
        Effect::Panic => panic!("debug-job-panic requested from command mode"),
        // Handled by the runtime without a job.
        Effect::Suspend
        | Effect::StartTail { .. }
        | Effect::StopTail { .. }
        | Effect::CancelRun { .. }
        | Effect::Answer { .. }
        | Effect::CancelStep { .. } => {}
    }
}

/// `~/` expanded and a relative path made absolute (against the directory
/// cutover runs in), so the message says where the file really is.
fn expand(path: &str) -> std::path::PathBuf {
    let p = match path.strip_prefix("~/") {
        Some(rest) => dirs::home_dir().unwrap_or_default().join(rest),
        None => std::path::PathBuf::from(path),
    };
    std::path::absolute(&p).unwrap_or(p)
}

/// Connects, runs the command (inside the app's container when asked), streams
/// its output into the tab, and supports cancelling by pid.
async fn run_command(
    tab: u64,
    host: &HostRef,
    command: &str,
    container: Option<&str>,
    sv: &Services,
    send: &impl Fn(Action, bool),
) -> Result<crate::ssh::Exit, String> {
    let target = resolve_target(sv, host).await.map_err(|e| e.to_string())?;
    let env = env_of(sv)?;
    let session = Session::connect(&target, &env).await.map_err(|e| e.to_string())?;
    let full = match container {
        Some(uuid) => {
            let ps = session.run(&find_container(uuid)).await.map_err(|e| e.to_string())?;
            let name = pick_container(&ps.stdout_text(), uuid)
                .ok_or_else(|| format!("no running container for {uuid} on {}", target.display()))?;
            docker_exec(&name, command)
        }
        None => command.to_string(),
    };
    send(Action::from(logs::Msg::RunStarted { tab, target: target.display() }), false);
    let (ctx, mut crx) = mpsc::channel::<()>(1);
    lock(&sv.runs).insert(tab, ctx);
    let mut exec = session.exec(&with_pid(&full)).await.map_err(|e| e.to_string())?;
    let mut batch = Batch::default();
    let mut out = LineSplitter::new(1 << 20);
    let mut err = LineSplitter::new(1 << 20);
    let mut pid: Option<u32> = None;
    let mut tick = tokio::time::interval(tail::BATCH_INTERVAL);
    let flush = |batch: &mut Batch| {
        if !batch.lines.is_empty() {
            send(Action::from(logs::Msg::LogLines { tab, batch: std::mem::take(batch) }), false);
        }
    };
    loop {
        tokio::select! {
            ev = exec.events.recv() => match ev {
                Some(ExecEvent::Stdout(b)) => out.push(&b, |l| batch.push_raw(l, Kind::Stdout)),
                Some(ExecEvent::Stderr(b)) => err.push(&b, |l| {
                    // The wrapper's first stderr line is the pid, not output.
                    if pid.is_none()
                        && let Some(p) = std::str::from_utf8(l).ok().and_then(|s| s.strip_prefix(PID_MARK)).and_then(|p| p.trim().parse().ok())
                    {
                        pid = Some(p);
                        return;
                    }
                    batch.push_raw(l, Kind::Stderr)
                }),
                Some(ExecEvent::End(exit)) => {
                    out.finish(|l| batch.push_raw(l, Kind::Stdout));
                    err.finish(|l| batch.push_raw(l, Kind::Stderr));
                    flush(&mut batch);
                    return Ok(exit);
                }
                None => {
                    flush(&mut batch);
                    return Err("the channel closed".into());
                }
            },
            Some(()) = crx.recv() => {
                exec.signal(russh::Sig::TERM).await;
                // OpenSSH ignores signal requests for root logins: kill by pid too.
                if let Some(p) = pid {
                    let _ = tokio::time::timeout(Duration::from_secs(10), session.run(&format!("kill -TERM -- -{p} 2>/dev/null; kill -TERM {p}"))).await;
                }
            }
            _ = tick.tick() => flush(&mut batch),
        }
    }
}

/// Runs the operations through the ops layer, each followed to its end, and
/// after a shutdown follows the server until it is off.
async fn run_ops(
    c: &hetzner::Client,
    label: &str,
    ops: &[crate::ops::hetzner::HzOp],
    after: &crate::app::action::After,
    poll: Duration,
    send: &impl Fn(Action, bool),
) -> Result<String, crate::ops::Error> {
    use crate::ops::hetzner::{self as hz, Progress};
    let report = |p: Progress| {
        let (label, percent) = match p {
            Progress::Percent(n) => (label.to_string(), n),
            Progress::Status(s) => (format!("{label}: {s}"), 100),
        };
        send(Action::Progress { label, percent }, false);
    };
    hz::run_all(c, ops, poll, report).await?;
    if let crate::app::action::After::WaitOff { id, name } = after {
        hz::wait_off(c, *id, name, poll, Duration::from_secs(120), report).await?;
        return Ok(format!("{name} is off"));
    }
    Ok(format!("{label}: done"))
}

/// What the new-server form offers, as the API lists it now.
async fn server_choices(c: &hetzner::Client) -> Result<servers::Choices, hetzner::Error> {
    let (types, images, locations, keys, firewalls, networks) =
        tokio::try_join!(c.server_types(), c.system_images(), c.locations(), c.ssh_keys(), c.firewalls(), c.networks())?;
    Ok(servers::Choices {
        types,
        images: images.into_iter().filter_map(|i| i.name).collect(),
        locations: locations.into_iter().map(|l| l.name).collect(),
        keys: keys.into_iter().map(|k| k.name).collect(),
        firewalls: firewalls.into_iter().map(|f| (f.id, f.name)).collect(),
        networks: networks.into_iter().map(|n| (n.id, n.name)).collect(),
    })
}

/// The most cloud-init user data Hetzner takes.
const MAX_USER_DATA: u64 = 32 * 1024;

/// Creates a server and follows it until it runs; its root password (if
/// Hetzner set one) goes to the Servers pane, and nowhere else.
async fn create_server(
    c: &hetzner::Client,
    mut req: hetzner::model::NewServer,
    user_data_file: Option<String>,
    poll: Duration,
    send: &impl Fn(Action, bool),
) -> Result<String, crate::ops::Error> {
    if let Some(f) = user_data_file {
        let path = expand(&f);
        let text = crate::config::source::read_bounded(&path, MAX_USER_DATA)
            .map_err(|e| crate::ops::Error::Refused(format!("cloud-init {}: {e}", path.display())))?;
        req.user_data = Some(text);
    }
    let (server, actions, root_password) = c.create_server(&req).await?;
    let label = format!("create {}", server.name);
    crate::ops::hetzner::follow(c, &actions, poll, |p| send(Action::Progress { label: label.clone(), percent: p }, false)).await?;
    send(Action::from(servers::Msg::RootPassword { name: server.name.clone(), root_password }), false);
    let ip = server.ipv4().map(|ip| format!(" at {ip}")).unwrap_or_default();
    Ok(format!("{} created and running{ip}", server.name))
}

/// The most a public key file may hold (an RSA 16384 key is under 3 KiB).
const MAX_PUBLIC_KEY: u64 = 16 * 1024;

/// Adds a public key, given as text or as a path to a `.pub` file.
async fn add_ssh_key(c: &hetzner::Client, name: &str, key: &str) -> Result<String, crate::ops::Error> {
    let key = key.trim();
    let text = if key.starts_with('/') || key.starts_with('~') || key.ends_with(".pub") {
        let path = expand(key);
        crate::config::source::read_bounded(&path, MAX_PUBLIC_KEY)
            .map_err(|e| crate::ops::Error::Refused(format!("{}: {e}", path.display())))?
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .unwrap_or("")
            .to_string()
    } else {
        key.to_string()
    };
    let k = c.create_ssh_key(name, text.trim()).await?;
    Ok(format!("SSH key {} added ({})", k.name, k.fingerprint))
}

/// Rebuilds a server from an image and follows it until it runs again.
async fn rebuild_server(
    c: &hetzner::Client,
    id: i64,
    name: &str,
    image: &str,
    poll: Duration,
    send: &impl Fn(Action, bool),
) -> Result<String, crate::ops::Error> {
    let (action, root_password) = c.rebuild(id, image).await?;
    let label = format!("rebuild {name}");
    crate::ops::hetzner::follow(c, &[action], poll, |p| send(Action::Progress { label: label.clone(), percent: p }, false)).await?;
    send(Action::from(servers::Msg::RootPassword { name: name.to_string(), root_password }), false);
    Ok(format!("{name} rebuilt from {image} and running"))
}

/// Makes another Hetzner context the active one (`:ctx NAME`).
async fn switch_context(sv: &Services, name: &str) -> Result<(String, String, bool), String> {
    let ctx = sv.hetzner_contexts.iter().find(|c| c.name == name).cloned().ok_or_else(|| format!("no Hetzner context named `{name}`"))?;
    // A token_command may take a moment (pass, gpg): off the async threads.
    let source = ctx.token.clone();
    let token = tokio::task::spawn_blocking(move || source.resolve()).await.map_err(|e| e.to_string())?.map_err(|e| format!("{e:#}"))?;
    let Some(token) = token else { return Err(format!("no token for context `{name}`")) };
    let client = hetzner::Client::new(&ctx.endpoint, token).map_err(|e| e.to_string())?;
    if let Some(n) = &sv.api_notify {
        client.notify.set(n.clone());
    }
    *sv.hetzner_slot.write().unwrap_or_else(|p| p.into_inner()) = Some(client);
    Ok((ctx.name.clone(), ctx.endpoint.clone(), ctx.readonly))
}

#[cfg(test)]
mod path_tests {
    use super::expand;

    #[test]
    fn saved_paths_are_said_in_full() {
        let p = expand("errors.log");
        assert!(p.is_absolute() && p.ends_with("errors.log"), "{}", p.display());
        assert_eq!(p.parent(), std::env::current_dir().ok().as_deref());
        if let Some(home) = dirs::home_dir() {
            assert_eq!(expand("~/x.zone"), home.join("x.zone"));
        }
        assert_eq!(expand("/tmp/a.csv"), std::path::PathBuf::from("/tmp/a.csv"));
    }
}
