//! Coolify work: following deployments (the API returns the whole log on each
//! poll, so only the new entries go to the console), the calls that change
//! applications and databases, backups followed to their end, and the version
//! probes that `docker exec` into each application's container over SSH.

use super::jobs::{Services, resolve_target};
use crate::app::Action;
use crate::app::action::{CfAfter, CfOp, Effect, ProbeTarget};
use crate::coolify::model::{Database, decode_logs};
use crate::coolify::redact::redact;
use crate::coolify::{self, Client};
use crate::django::probe::{PROBE_SCRIPT, parse_probe};
use crate::logs::sanitize::sanitize;
use crate::ssh::Session;
use crate::ssh::quote::{docker_exec, find_container, pick_container, sh};
use std::time::Duration;

/// How often a deployment or backup is polled (the coolify CLI uses 2 s).
pub const POLL: Duration = Duration::from_secs(2);
/// Consecutive failed polls (a dropped link) before following gives up.
const MAX_POLL_ERRORS: u32 = 30;

pub async fn run(effect: Effect, sv: &Services, send: &impl Fn(Action, bool)) {
    let Some(c) = sv.coolify.clone() else {
        let e = "no Coolify instance configured".to_string();
        send(fail(effect, e), true);
        return;
    };
    let poll = sv.coolify_poll.unwrap_or(POLL);
    match effect {
        Effect::Deploy { app, force } => {
            let result = match c.deploy(&app, force).await {
                Ok((deployment, message)) => {
                    let note = message.contains("already queued").then_some(message);
                    send(Action::DeployFollow { app: app.clone(), deployment: deployment.clone(), note }, false);
                    follow(&c, &app, &deployment, poll, send).await
                }
                Err(e) => Err(e.to_string()),
            };
            send(Action::DeployDone { app, deployment: String::new(), result }, true);
        }
        Effect::FollowDeployment { app, deployment } => {
            send(Action::DeployFollow { app: app.clone(), deployment: deployment.clone(), note: None }, false);
            let result = follow(&c, &app, &deployment, poll, send).await;
            send(Action::DeployDone { app, deployment, result }, true);
        }
        Effect::CancelDeployment { deployment } => {
            let result = c.cancel_deployment(&deployment).await.map_err(|e| e.to_string());
            send(Action::CfDone { label: "cancel the deployment".into(), result, after: CfAfter::Inventory }, true);
        }
        Effect::LoadEnvs { app } => {
            let result = c.envs(&app).await.map_err(|e| e.to_string());
            send(Action::Envs { app, result }, true);
        }
        Effect::LoadHistory { app } => {
            let result = c.app_deployments(&app, 0, 10).await.map_err(|e| e.to_string());
            send(Action::History { app, result }, true);
        }
        Effect::Cf { label, ops, after } => {
            let result = run_ops(&c, &label, &ops, poll, send).await;
            send(Action::CfDone { label, result, after }, true);
        }
        Effect::LoadBackups => {
            let result = backups(&c).await;
            send(Action::Backups { at: chrono::Utc::now(), result }, true);
        }
        Effect::TriggerBackup { db, backup } => {
            let result = backup_now(&c, &db, &backup, poll).await;
            send(Action::BackupDone { db, result }, true);
        }
        Effect::Probe { targets } => probe(&c, sv, targets, send).await,
        other => send(fail(other, "not a Coolify job".into()), true),
    }
}

/// The final action of a job that could not start.
fn fail(effect: Effect, e: String) -> Action {
    match effect {
        Effect::Deploy { app, .. } | Effect::FollowDeployment { app, .. } => {
            Action::DeployDone { app, deployment: String::new(), result: Err(e) }
        }
        Effect::LoadEnvs { app } => Action::Envs { app, result: Err(e) },
        Effect::LoadHistory { app } => Action::History { app, result: Err(e) },
        Effect::Cf { label, after, .. } => Action::CfDone { label, result: Err(e), after },
        Effect::TriggerBackup { db, .. } => Action::BackupDone { db, result: Err(e) },
        Effect::LoadBackups => Action::Backups { at: chrono::Utc::now(), result: Err(e) },
        _ => Action::CfDone { label: "Coolify".into(), result: Err(e), after: CfAfter::Inventory },
    }
}

/// One poll of a deployment: its status and the entries new since the last.
pub struct Poll {
    pub status: String,
    /// (entry index, its lines as (text, is stderr)); hidden entries have none.
    pub entries: Vec<(usize, Vec<(String, bool)>)>,
    pub logs_hidden: bool,
    pub created: Option<String>,
    pub finished: Option<String>,
}

/// Polls a deployment until it ends, handing each poll to `on`. Returns the
/// final status.
pub async fn follow_with(c: &Client, app: &str, deployment: &str, poll: Duration, mut on: impl FnMut(Poll)) -> Result<String, String> {
    // Values the log must not show: Coolify masks shown-once variables only.
    let known: Vec<String> =
        c.envs(app).await.map(|v| v.into_iter().filter_map(|e| e.value).filter(|v| v.len() >= 6).collect()).unwrap_or_default();
    let mut seen = 0usize;
    let mut errors = 0u32;
    loop {
        match c.deployment(deployment).await {
            Ok(d) => {
                errors = 0;
                let mut new = Vec::new();
                let hidden = match d.logs.as_deref() {
                    Some(raw) => {
                        let entries = decode_logs(raw)?;
                        if entries.len() < seen {
                            seen = 0;
                        }
                        for (i, e) in entries.iter().enumerate().skip(seen) {
                            let lines = if e.hidden {
                                Vec::new()
                            } else {
                                e.output.lines().map(|l| (redact(&sanitize(l.as_bytes()), &known), e.kind == "stderr")).collect()
                            };
                            new.push((i, lines));
                        }
                        seen = entries.len();
                        false
                    }
                    None => true,
                };
                let done = d.is_done();
                on(Poll {
                    status: d.status.clone(),
                    entries: new,
                    logs_hidden: hidden,
                    created: d.created_at.clone(),
                    finished: d.finished_at.clone(),
                });
                if done {
                    return Ok(d.status);
                }
            }
            Err(e @ coolify::Error::Transport(_)) if errors < MAX_POLL_ERRORS => {
                // The link dropped: keep polling; the deployment runs on regardless.
                errors += 1;
                if errors == 1 {
                    on(Poll {
                        status: format!("unknown ({e}); retrying"),
                        entries: vec![],
                        logs_hidden: false,
                        created: None,
                        finished: None,
                    });
                }
            }
            Err(e) => return Err(e.to_string()),
        }
        tokio::time::sleep(poll).await;
    }
}

/// Follows a deployment for the Deployments pane.
async fn follow(c: &Client, app: &str, deployment: &str, poll: Duration, send: &impl Fn(Action, bool)) -> Result<String, String> {
    follow_with(c, app, deployment, poll, |p| {
        send(
            Action::DeployUpdate {
                deployment: deployment.to_string(),
                status: p.status,
                entries: p.entries,
                logs_hidden: p.logs_hidden,
                created: p.created,
                finished: p.finished,
            },
            false,
        )
    })
    .await
}

/// Runs the calls in order; at the first failure says what was done and what was not.
async fn run_ops(c: &Client, label: &str, ops: &[CfOp], poll: Duration, send: &impl Fn(Action, bool)) -> Result<String, String> {
    let mut done: Vec<String> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let r: Result<String, String> = match op {
            CfOp::Patch { app, body } => c.patch_app(app, body).await.map(|_| "updated".to_string()).map_err(|e| e.to_string()),
            CfOp::CreateEnv { app, key, value, buildtime } => {
                c.create_env(app, key, value, *buildtime).await.map(|_| format!("added {key}")).map_err(|e| e.to_string())
            }
            CfOp::UpdateEnv { app, key, value } => {
                c.update_env(app, key, value).await.map(|_| format!("set {key}")).map_err(|e| e.to_string())
            }
            CfOp::DeleteEnv { app, uuid, key } => {
                c.delete_env(app, uuid).await.map(|_| format!("deleted {key}")).map_err(|e| e.to_string())
            }
            CfOp::Bulk { app, items } => match c.bulk_envs(app, items).await {
                Ok(_) => Ok(format!("set {}", items.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", "))),
                Err(e) => Err(bulk_failure(c, app, items, &e).await),
            },
            CfOp::AppAction { app, name, verb } => match c.app_action(app, verb).await {
                Ok((msg, Some(dep))) => {
                    send(Action::DeployFollow { app: app.clone(), deployment: dep.clone(), note: None }, false);
                    match follow(c, app, &dep, poll, send).await {
                        Ok(status) => Ok(format!("{} (deployment {status})", if msg.is_empty() { format!("{verb} {name}") } else { msg })),
                        Err(e) => Err(e),
                    }
                }
                Ok((msg, None)) => Ok(if msg.is_empty() { format!("{verb} {name}: requested") } else { msg }),
                Err(e) => Err(e.to_string()),
            },
            CfOp::DbAction { db: uuid, name, verb } => c
                .db_action(uuid, verb)
                .await
                .map(|m| if m.is_empty() { format!("{verb} {name}: requested") } else { m })
                .map_err(|e| e.to_string()),
        };
        match r {
            Ok(m) => done.push(m),
            Err(e) => {
                let mut msg = e;
                if !done.is_empty() {
                    msg.push_str(&format!("; done before it: {}", done.join(", ")));
                }
                let rest = ops.len() - i - 1;
                if rest > 0 {
                    msg.push_str(&format!("; {rest} later change(s) not sent"));
                }
                return Err(msg);
            }
        }
    }
    // One plain change: its label says it all.
    if let [CfOp::Patch { .. } | CfOp::CreateEnv { .. } | CfOp::UpdateEnv { .. } | CfOp::DeleteEnv { .. }] = ops {
        return Ok(format!("{label}: done"));
    }
    Ok(format!("{label}: {}", done.join(", ")))
}

/// The bulk endpoint validates item by item and stops at the first bad one,
/// keeping the earlier ones: read the variables back and say exactly which
/// were saved.
async fn bulk_failure(c: &Client, app: &str, items: &[(String, String)], e: &coolify::Error) -> String {
    let after = match c.envs(app).await {
        Ok(v) => v,
        Err(e2) => return format!("{e}; could not read the variables back ({e2}): check them before retrying"),
    };
    let (mut saved, mut not_saved) = (Vec::new(), Vec::new());
    for (k, v) in items {
        match after.iter().find(|x| &x.key == k && !x.is_preview) {
            Some(x) if x.value.as_deref() == Some(v.as_str()) => saved.push(k.as_str()),
            Some(x) if x.value.is_none() => not_saved.push(format!("{k} (unknown: value withheld)")),
            _ => not_saved.push(k.clone()),
        }
    }
    format!(
        "{e}; saved: {}; not saved: {}",
        if saved.is_empty() { "none".to_string() } else { saved.join(", ") },
        if not_saved.is_empty() { "none".to_string() } else { not_saved.join(", ") }
    )
}

/// Scheduled backups of every database.
async fn backups(c: &Client) -> Result<Vec<(String, Vec<coolify::model::Backup>)>, String> {
    let dbs: Vec<Database> = c.get("/databases").await.map_err(|e| e.to_string())?;
    let all = futures::future::join_all(dbs.iter().map(|d| async move { (d.uuid.clone(), c.backups(&d.uuid).await) })).await;
    let mut out = Vec::new();
    for (uuid, r) in all {
        match r {
            Ok(b) => out.push((uuid, b)),
            // Only standalone databases have backups; others answer 404.
            Err(e) if e.status() == Some(404) => out.push((uuid, Vec::new())),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(out)
}

/// Runs a backup now and follows its execution until it ends.
pub async fn backup_now(c: &Client, db: &str, backup: &str, poll: Duration) -> Result<String, String> {
    let before: Vec<String> = c.executions(db, backup).await.map_err(|e| e.to_string())?.into_iter().map(|e| e.uuid).collect();
    c.trigger_backup(db, backup).await.map_err(|e| e.to_string())?;
    let started = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(poll).await;
        let now = c.executions(db, backup).await.map_err(|e| e.to_string())?;
        match now.iter().find(|e| !before.contains(&e.uuid)) {
            Some(e) if e.status == "running" => {}
            Some(e) if e.status == "success" => {
                return Ok(format!("success, {}", crate::coolify::schedule::bytes(e.size.unwrap_or(0))));
            }
            Some(e) => return Err(format!("{}: {}", e.status, e.message.clone().unwrap_or_default())),
            None if started.elapsed() > Duration::from_secs(60) => {
                return Err("Coolify did not start a backup within a minute (it skips databases that are not running)".into());
            }
            None => {}
        }
        if started.elapsed() > Duration::from_secs(6 * 3600) {
            return Err("still running after six hours: check it in Coolify".into());
        }
    }
}

/// Build settings over the API and runtime versions over SSH, one SSH session
/// per server, servers in parallel; each result is sent as it comes.
async fn probe(c: &Client, sv: &Services, targets: Vec<ProbeTarget>, send: &impl Fn(Action, bool)) {
    let mut by_host: Vec<(Option<crate::ssh::HostRef>, Vec<ProbeTarget>)> = Vec::new();
    for t in targets {
        match by_host.iter_mut().find(|(h, _)| *h == t.host) {
            Some((_, v)) => v.push(t),
            None => by_host.push((t.host.clone(), vec![t])),
        }
    }
    let counts = futures::future::join_all(by_host.into_iter().map(|(host, ts)| probe_host(c, sv, host, ts, send))).await;
    let (ok, failed) = counts.into_iter().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    send(Action::ProbesDone { ok, failed }, true);
}

/// Probes the applications of one server; returns (read, failed).
async fn probe_host(
    c: &Client,
    sv: &Services,
    host: Option<crate::ssh::HostRef>,
    ts: Vec<ProbeTarget>,
    send: &impl Fn(Action, bool),
) -> (usize, usize) {
    let session = match &host {
        None => Err("Coolify does not say which server runs it".to_string()),
        Some(h) => match (resolve_target(sv, h), sv.ssh_env.clone()) {
            (Ok(target), Some(env)) => Session::connect(&target, &env).await.map_err(|e| format!("ssh {}: {e}", h.label())),
            (Err(e), _) => Err(e.to_string()),
            (_, None) => Err("SSH is not set up in this runtime".into()),
        },
    };
    let (mut ok, mut failed) = (0, 0);
    for t in ts {
        let build_python = c.envs(&t.app).await.ok().and_then(|v| {
            v.into_iter()
                .find(|e| matches!(e.key.as_str(), "NIXPACKS_PYTHON_VERSION" | "PYTHON_VERSION") && !e.is_preview)
                .map(|e| e.value.unwrap_or_else(|| "hidden".into()))
        });
        let runtime = match &session {
            Ok(s) => probe_app(s, &t.app).await,
            Err(e) => Err(e.clone()),
        };
        if runtime.is_ok() {
            ok += 1;
        } else {
            failed += 1;
        }
        send(Action::Probed { app: t.app, build_python, runtime }, false);
    }
    (ok, failed)
}

async fn probe_app(s: &Session, uuid: &str) -> Result<Vec<(String, String)>, String> {
    let ps = s.run(&find_container(uuid)).await.map_err(|e| e.to_string())?;
    let name = pick_container(&ps.stdout_text(), uuid).ok_or("no running container")?;
    let out = s.run(&docker_exec(&name, &format!("python -c {}", sh(PROBE_SCRIPT)))).await.map_err(|e| e.to_string())?;
    if !out.success() {
        let first = clean_lines(&out.stderr).into_iter().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string();
        return Err(if first.contains("not found") { "no python in the container".into() } else { format!("{}: {first}", out.exit) });
    }
    let kv = parse_probe(&clean_lines(&out.stdout).join("\n"));
    if kv.is_empty() { Err("the probe printed nothing".into()) } else { Ok(kv) }
}

/// Output lines made safe for the screen, one by one.
fn clean_lines(b: &[u8]) -> Vec<String> {
    b.split(|&c| c == b'\n').map(sanitize).collect()
}
