//! Coolify writes, each followed to its end: deployments until they finish
//! (the API returns the whole log on every poll, so only new entries are
//! passed on), backups until their execution ends, and sequences of changes
//! that report exactly what was done when one fails.

use super::Error;
use crate::coolify::model::{DeployStatus, EnvVar, decode_logs};
use crate::coolify::redact::redact;
use crate::coolify::{self, Client};
use crate::logs::sanitize::sanitize;
use std::time::Duration;

/// How often a deployment or backup is polled (the coolify CLI uses 2 s).
pub(crate) const POLL: Duration = Duration::from_secs(2);
/// Consecutive failed polls (a dropped link) before following gives up.
const MAX_POLL_ERRORS: u32 = 30;

/// One Coolify call that changes an application or a database.
#[derive(Clone, Debug, PartialEq)]
pub enum CfOp {
    Patch {
        app: String,
        body: serde_json::Value,
    },
    CreateEnv {
        app: String,
        key: String,
        value: String,
        buildtime: bool,
    },
    UpdateEnv {
        app: String,
        key: String,
        value: String,
    },
    DeleteEnv {
        app: String,
        uuid: String,
        key: String,
    },
    /// `PATCH .../envs/bulk`: upserts in order.
    Bulk {
        app: String,
        items: Vec<(String, String)>,
    },
    /// `start`, `stop` or `restart`; a deployment it queues is followed.
    AppAction {
        app: String,
        name: String,
        verb: String,
    },
    DbAction {
        db: String,
        name: String,
        verb: String,
    },
    /// An application from a public repository; for Nixpacks, the Python it asks for.
    CreateApp {
        name: String,
        body: serde_json::Value,
        python: Option<String>,
    },
    /// A pull request's preview: its containers and domain go.
    DeletePreview {
        app: String,
        pr: i64,
    },
    /// `start`, `stop` or `restart` a service.
    ServiceAction {
        service: String,
        name: String,
        verb: String,
    },
    /// A standalone PostgreSQL database (`POST /databases/postgresql`).
    CreatePostgres {
        name: String,
        body: serde_json::Value,
    },
    /// A backup schedule of a database.
    CreateBackup {
        db: String,
        name: String,
        body: serde_json::Value,
    },
    /// A scheduled task created, or updated by name.
    PutTask {
        app: String,
        name: String,
        command: String,
        frequency: String,
    },
}

/// One poll of a deployment: its status and the entries new since the last.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Poll {
    pub status: DeployStatus,
    /// (entry index, its lines as (text, is stderr)); hidden entries have none.
    pub entries: Vec<(usize, Vec<(String, bool)>)>,
    /// Coolify withheld the log: the token lacks `read:sensitive`.
    pub logs_hidden: bool,
    pub created: Option<String>,
    pub finished: Option<String>,
    /// The last poll failed (a dropped link): what happened, while it retries.
    pub trouble: Option<String>,
}

/// What following a deployment reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Follow {
    Started { app: String, deployment: String, note: Option<String> },
    Poll { deployment: String, poll: Poll },
}

/// `POST /deploy`: the deployment to follow, and a note when the commit was
/// already queued (Coolify then answers with a made-up id; the client finds
/// the real one).
pub(crate) async fn deploy(c: &Client, app: &str, force: bool) -> Result<(String, Option<String>), Error> {
    let (deployment, message) = c.deploy(app, force).await?;
    Ok((deployment, message.contains("already queued").then_some(message)))
}

/// Polls a deployment until it ends, handing each poll to `on`; the final status.
pub(crate) async fn follow(
    c: &Client,
    app: &str,
    deployment: &str,
    poll: Duration,
    mut on: impl FnMut(Poll),
) -> Result<DeployStatus, Error> {
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
                        let entries = decode_logs(raw).map_err(|e| Error::Coolify(coolify::Error::Decode(e)))?;
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
                    trouble: None,
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
                        status: DeployStatus::Other(format!("unknown ({e}); retrying")),
                        entries: vec![],
                        logs_hidden: false,
                        created: None,
                        finished: None,
                        trouble: Some(e.to_string()),
                    });
                }
            }
            Err(e) => return Err(e.into()),
        }
        tokio::time::sleep(poll).await;
    }
}

/// Runs the calls in order; at the first failure says what was done and what
/// was not. A deployment a call queues is followed through `on`.
pub(crate) async fn run_all(c: &Client, label: &str, ops: &[CfOp], poll: Duration, mut on: impl FnMut(Follow)) -> Result<String, Error> {
    let mut done: Vec<String> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match run_one(c, op, poll, &mut on).await {
            Ok(m) => done.push(m),
            Err(error) => {
                if done.is_empty() && i + 1 == ops.len() {
                    return Err(error);
                }
                return Err(Error::Partial { error: Box::new(error), done, not_sent: ops.len() - i - 1 });
            }
        }
    }
    // One plain change: its label says it all.
    if let [CfOp::Patch { .. } | CfOp::CreateEnv { .. } | CfOp::UpdateEnv { .. } | CfOp::DeleteEnv { .. }] = ops {
        return Ok(format!("{label}: done"));
    }
    Ok(format!("{label}: {}", done.join(", ")))
}

async fn run_one(c: &Client, op: &CfOp, poll: Duration, on: &mut impl FnMut(Follow)) -> Result<String, Error> {
    Ok(match op {
        CfOp::Patch { app, body } => {
            c.patch_app(app, body).await?;
            "updated".to_string()
        }
        CfOp::CreateEnv { app, key, value, buildtime } => {
            c.create_env(app, key, value, *buildtime).await?;
            format!("added {key}")
        }
        CfOp::UpdateEnv { app, key, value } => {
            c.update_env(app, key, value).await?;
            format!("set {key}")
        }
        CfOp::DeleteEnv { app, uuid, key } => {
            c.delete_env(app, uuid).await?;
            format!("deleted {key}")
        }
        CfOp::DeletePreview { app, pr } => c.delete_preview(app, *pr).await?,
        CfOp::Bulk { app, items } => match c.bulk_envs(app, items).await {
            Ok(_) => format!("set {}", items.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ")),
            Err(e) => return Err(Error::Failed(bulk_failure(c, app, items, &e).await)),
        },
        CfOp::AppAction { app, name, verb } => match c.app_action(app, verb).await? {
            (msg, Some(dep)) => {
                on(Follow::Started { app: app.clone(), deployment: dep.clone(), note: None });
                let status = follow(c, app, &dep, poll, |p| on(Follow::Poll { deployment: dep.clone(), poll: p })).await?;
                format!("{} (deployment {status})", if msg.is_empty() { format!("{verb} {name}") } else { msg })
            }
            (msg, None) => {
                if msg.is_empty() {
                    format!("{verb} {name}: requested")
                } else {
                    msg
                }
            }
        },
        CfOp::PutTask { app, name, command, frequency } => {
            if c.put_scheduled_task(app, name, command, frequency).await? {
                format!("created task {name}")
            } else {
                format!("updated task {name}")
            }
        }
        CfOp::CreateApp { name, body, python } => {
            let uuid = c.create_public_app(body).await?;
            if let Some(v) = python {
                // Nixpacks reads it at build time.
                c.create_env(&uuid, "NIXPACKS_PYTHON_VERSION", v, true).await?;
            }
            format!("created {name} ({uuid}); deploy it when its variables are in")
        }
        CfOp::ServiceAction { service, name, verb } => {
            let m = c.service_action(service, verb).await?;
            if m.is_empty() { format!("{verb} {name}: requested") } else { m }
        }
        CfOp::CreatePostgres { name, body } => {
            let uuid = c.create_postgres(body).await?;
            format!("created database {name} ({uuid})")
        }
        CfOp::CreateBackup { db, name, body } => {
            let uuid = c.create_backup(db, body).await?;
            let freq = body["frequency"].as_str().unwrap_or("");
            if body["backup_now"].as_bool() == Some(true) {
                // The first backup is followed to its end, as `b` follows one.
                let first = follow_execution(c, db, &uuid, &[], poll).await?;
                format!("{freq}; first backup {first}")
            } else {
                format!("{freq} ({name})")
            }
        }
        CfOp::DbAction { db, name, verb } => {
            let m = c.db_action(db, verb).await?;
            if m.is_empty() { format!("{verb} {name}: requested") } else { m }
        }
    })
}

/// Stops or starts an application and follows it until Coolify reports it
/// exited (a stop) or running (a start), for at most `limit`.
pub(crate) async fn set_running(c: &Client, app: &str, start: bool, poll: Duration, limit: Duration) -> Result<String, Error> {
    let verb = if start { "start" } else { "stop" };
    let (msg, dep) = c.app_action(app, verb).await?;
    if let Some(dep) = dep {
        let status = follow(c, app, &dep, poll, |_| {}).await?;
        if status != DeployStatus::Finished {
            return Err(Error::Failed(format!("{verb}: deployment {dep} {status}")));
        }
    }
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let status = c.application(app).await?.status;
        let there = if start { status.starts_with("running") } else { status.starts_with("exited") || status.starts_with("stopped") };
        if there {
            return Ok(if msg.is_empty() { status } else { format!("{msg}; {status}") });
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Failed(format!("{verb} requested, but after {} s the application is still {status}", limit.as_secs())));
        }
        tokio::time::sleep(poll).await;
    }
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

/// A variable's current entry (not the preview one), if set.
pub(crate) fn current<'a>(envs: &'a [EnvVar], key: &str) -> Option<&'a EnvVar> {
    envs.iter().find(|e| e.key == key && !e.is_preview)
}

/// Sets a variable (created when missing); returns its entry before.
pub(crate) async fn set_env(c: &Client, app: &str, key: &str, value: &str) -> Result<Option<EnvVar>, Error> {
    if key == "DATABASE_URL" {
        crate::coolify::env::check_database_url(value).map_err(Error::Refused)?;
    }
    let envs = c.envs(app).await?;
    let before = current(&envs, key).cloned();
    match &before {
        Some(_) => c.update_env(app, key, value).await?,
        None => c.create_env(app, key, value, false).await?,
    }
    Ok(before)
}

/// Adds `item` to a list variable (`ALLOWED_HOSTS`) unless it is there;
/// returns the new value, or `None` when it was already there.
pub(crate) async fn append_env(c: &Client, app: &str, key: &str, item: &str, separator: &str) -> Result<Option<String>, Error> {
    let envs = c.envs(app).await?;
    let cur = current(&envs, key);
    if cur.is_some_and(|e| e.value.is_none()) {
        return Err(Error::Refused(format!("Coolify withholds {key}: the token lacks read:sensitive")));
    }
    let old = cur.and_then(|e| e.value.clone()).unwrap_or_default();
    let mut items: Vec<String> = old.split(separator).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    if items.iter().any(|x| x == item) {
        return Ok(None);
    }
    items.push(item.to_string());
    let new = items.join(separator);
    match cur {
        Some(_) => c.update_env(app, key, &new).await?,
        None => c.create_env(app, key, &new, false).await?,
    }
    Ok(Some(new))
}

/// Removes `item` from a list variable; returns the new value, or `None`
/// when it was not there.
pub(crate) async fn remove_from_env(c: &Client, app: &str, key: &str, item: &str, separator: &str) -> Result<Option<String>, Error> {
    let envs = c.envs(app).await?;
    let Some(cur) = current(&envs, key) else { return Ok(None) };
    let Some(old) = cur.value.clone() else {
        return Err(Error::Refused(format!("Coolify withholds {key}: the token lacks read:sensitive")));
    };
    let items: Vec<&str> = old.split(separator).map(str::trim).filter(|x| !x.is_empty()).collect();
    if !items.contains(&item) {
        return Ok(None);
    }
    let new = items.into_iter().filter(|x| *x != item).collect::<Vec<_>>().join(separator);
    c.update_env(app, key, &new).await?;
    Ok(Some(new))
}

/// Adds or removes one domain of an application; (before, after). A
/// docker-compose application has domains per service and is refused.
pub(crate) async fn edit_domain(c: &Client, app: &str, domain: &str, add: bool) -> Result<(Vec<String>, Vec<String>), Error> {
    let cur: crate::coolify::model::Application = c.get(&format!("/applications/{app}")).await?;
    if cur.build_pack == "dockercompose" {
        return Err(Error::Refused(format!(
            "{} is a docker-compose application: its domains are per service; set them in the Deployments pane (u)",
            cur.name
        )));
    }
    let before = cur.domains();
    let d = domain.trim_end_matches('/').to_string();
    let mut after = before.clone();
    if add && !after.contains(&d) {
        after.push(d.clone());
    }
    if !add {
        after.retain(|x| *x != d);
    }
    if after != before {
        c.patch_app(app, &serde_json::json!({"domains": after.join(",")})).await?;
    }
    Ok((before, after))
}

/// Runs a database's scheduled backup now and follows its execution to the
/// end; the schedule is the enabled one unless `schedule` names one.
pub(crate) async fn backup_now(c: &Client, db: &str, schedule: Option<&str>, poll: Duration) -> Result<String, Error> {
    let backup = match schedule {
        Some(s) => s.to_string(),
        None => {
            let b = c.backups(db).await?;
            b.iter()
                .find(|x| x.enabled)
                .or(b.first())
                .map(|x| x.uuid.clone())
                .ok_or_else(|| Error::NotFound(format!("{db} has no backup schedule")))?
        }
    };
    let before: Vec<String> = c.executions(db, &backup).await?.into_iter().map(|e| e.uuid).collect();
    c.trigger_backup(db, &backup).await?;
    follow_execution(c, db, &backup, &before, poll).await
}

/// Follows the first execution of a schedule not in `before` to its end.
async fn follow_execution(c: &Client, db: &str, backup: &str, before: &[String], poll: Duration) -> Result<String, Error> {
    let started = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(poll).await;
        let now = c.executions(db, backup).await?;
        match now.iter().find(|e| !before.contains(&e.uuid)) {
            Some(e) if e.status == "running" => {}
            Some(e) if e.status == "success" => {
                return Ok(format!("success, {}", crate::coolify::schedule::bytes(e.size.unwrap_or(0))));
            }
            Some(e) => return Err(Error::Failed(format!("{}: {}", e.status, e.message.clone().unwrap_or_default()))),
            None if started.elapsed() > Duration::from_secs(60) => {
                return Err(Error::Timeout(
                    "Coolify did not start a backup within a minute (it skips databases that are not running)".into(),
                ));
            }
            None => {}
        }
        if started.elapsed() > Duration::from_secs(6 * 3600) {
            return Err(Error::Timeout("still running after six hours: check it in Coolify".into()));
        }
    }
}
