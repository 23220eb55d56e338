//! Coolify jobs: loads, and the writes of the ops layer turned into actions
//! for the panes (a followed deployment's polls, a sequence's result); the
//! version probes that `docker exec` into each application's container.

use super::jobs::{Services, resolve_target};
use crate::app::Action;
use crate::app::PaneId;
use crate::app::action::{After, Effect, FleetTarget, ProbeTarget};
use crate::app::panes::{databases, deployments, fleet, services, versions};
use crate::app::world::WorldMsg;
use crate::coolify::model::{Database, DeployStatus};
use crate::coolify::{self, Client};
use crate::django::probe::{PROBE_SCRIPT, parse_probe};
use crate::logs::sanitize::sanitize;
use crate::ops::coolify::{self as cf, Follow};
use crate::ssh::Session;
use crate::ssh::quote::{docker_exec, find_container, pick_container, sh};

pub async fn run(effect: Effect, sv: &Services, send: &impl Fn(Action, bool)) {
    let Some(c) = sv.coolify.clone() else {
        let e = crate::ops::Error::Coolify(coolify::Error::NoToken("(none configured)".into()));
        send(fail(effect, e), true);
        return;
    };
    let poll = sv.coolify_poll();
    match effect {
        Effect::Deploy { app, force } => {
            let result = match cf::deploy(&c, &app, force).await {
                Ok((deployment, note)) => {
                    send(Action::from(deployments::Msg::DeployFollow { app: app.clone(), deployment: deployment.clone(), note }), false);
                    follow(&c, &app, &deployment, poll, send).await
                }
                Err(e) => Err(e),
            };
            send(Action::from(deployments::Msg::DeployDone { app, deployment: String::new(), result }), true);
        }
        Effect::FollowDeployment { app, deployment } => {
            send(Action::from(deployments::Msg::DeployFollow { app: app.clone(), deployment: deployment.clone(), note: None }), false);
            let result = follow(&c, &app, &deployment, poll, send).await;
            send(Action::from(deployments::Msg::DeployDone { app, deployment, result }), true);
        }
        Effect::CancelDeployment { deployment } => {
            let result = c.cancel_deployment(&deployment).await.map_err(crate::ops::Error::from);
            send(Action::OpDone { to: PaneId::Deployments, label: "cancel the deployment".into(), result, after: After::Inventory }, true);
        }
        Effect::LoadEnvs { app } => {
            let result = c.envs(&app).await.map_err(|e| e.to_string());
            send(Action::from(deployments::Msg::Envs { app, result }), true);
        }
        Effect::LoadHistory { app } => {
            let result = c.app_deployments(&app, 0, 10).await.map_err(|e| e.to_string());
            send(Action::from(deployments::Msg::History { app, result }), true);
        }
        Effect::LoadTasks { app } => {
            let result = c.tasks(&app).await.map_err(|e| e.to_string());
            send(Action::from(deployments::Msg::Tasks { app, result }), true);
        }
        Effect::Cf { to, label, ops, after } => {
            let result = cf::run_all(&c, &label, &ops, poll, |f| send(follow_action(f), false)).await;
            send(Action::OpDone { to, label, result, after }, true);
        }
        Effect::LoadBackups => {
            let result = backups(&c).await;
            send(Action::from(WorldMsg::Backups { at: chrono::Utc::now(), result }), true);
        }
        Effect::TriggerBackup { db, backup } => {
            let result = cf::backup_now(&c, &db, Some(&backup), poll).await;
            send(Action::from(databases::Msg::BackupDone { db, result }), true);
        }
        Effect::Probe { targets } => probe(&c, sv, targets, send).await,
        Effect::CheckFleet { sites } => check_fleet(&c, sv, sites, send).await,
        Effect::LoadS3 { db } => {
            let result = c.s3_storages().await.map_err(|e| e.to_string());
            send(Action::from(databases::Msg::S3 { db, result }), true);
        }
        Effect::LoadAppLogs { app } => {
            // Remote bytes: escape sequences neutralised before they reach the screen.
            let result = c
                .app_logs(&app, 200)
                .await
                .map(|t| t.lines().map(|l| crate::logs::sanitize::sanitize(l.as_bytes())).collect())
                .map_err(|e| e.to_string());
            send(Action::from(deployments::Msg::AppLogs { app, result }), true);
        }
        Effect::LoadDbLogs { db } => {
            let result = c
                .db_logs(&db, 200)
                .await
                .map(|t| t.lines().map(|l| crate::logs::sanitize::sanitize(l.as_bytes())).collect())
                .map_err(|e| e.to_string());
            send(Action::from(databases::Msg::Logs { db, result }), true);
        }
        Effect::LoadStorages { app } => {
            let result = c.storages(&app).await.map_err(|e| e.to_string());
            send(Action::from(deployments::Msg::Storages { app, result }), true);
        }
        Effect::LoadPreviews { app } => {
            let result = c.previews(&app).await.map_err(|e| e.to_string());
            send(Action::from(deployments::Msg::Previews { app, result }), true);
        }
        Effect::LoadServices => {
            let result = c.services().await.map_err(|e| e.to_string());
            send(Action::from(services::Msg::Loaded(result)), true);
        }
        Effect::ServiceLogs { service, part } => {
            // Remote bytes: escape sequences neutralised before they reach the screen.
            let result = c
                .service_logs(&service, &part, 200)
                .await
                .map(|t| t.lines().map(|l| crate::logs::sanitize::sanitize(l.as_bytes())).collect())
                .map_err(|e| e.to_string());
            send(Action::from(services::Msg::Logs { service, part, result }), true);
        }
        Effect::ServiceEnvs { service } => {
            let result = c.service_envs(&service).await.map_err(|e| e.to_string());
            send(Action::from(services::Msg::Envs { service, result }), true);
        }
        other => send(fail(other, crate::ops::Error::Refused("not a Coolify job".into())), true),
    }
}

/// The final action of a job that could not start.
fn fail(effect: Effect, e: crate::ops::Error) -> Action {
    match effect {
        Effect::Deploy { app, .. } | Effect::FollowDeployment { app, .. } => {
            Action::from(deployments::Msg::DeployDone { app, deployment: String::new(), result: Err(e) })
        }
        Effect::LoadEnvs { app } => Action::from(deployments::Msg::Envs { app, result: Err(e.to_string()) }),
        Effect::LoadHistory { app } => Action::from(deployments::Msg::History { app, result: Err(e.to_string()) }),
        Effect::LoadTasks { app } => Action::from(deployments::Msg::Tasks { app, result: Err(e.to_string()) }),
        Effect::Cf { to, label, after, .. } => Action::OpDone { to, label, result: Err(e), after },
        Effect::TriggerBackup { db, .. } => Action::from(databases::Msg::BackupDone { db, result: Err(e) }),
        Effect::LoadS3 { db } => Action::from(databases::Msg::S3 { db, result: Err(e.to_string()) }),
        Effect::LoadServices => Action::from(services::Msg::Loaded(Err(e.to_string()))),
        Effect::LoadStorages { app } => Action::from(deployments::Msg::Storages { app, result: Err(e.to_string()) }),
        Effect::LoadPreviews { app } => Action::from(deployments::Msg::Previews { app, result: Err(e.to_string()) }),
        Effect::LoadAppLogs { app } => Action::from(deployments::Msg::AppLogs { app, result: Err(e.to_string()) }),
        Effect::LoadDbLogs { db } => Action::from(databases::Msg::Logs { db, result: Err(e.to_string()) }),
        Effect::ServiceLogs { service, part } => Action::from(services::Msg::Logs { service, part, result: Err(e.to_string()) }),
        Effect::ServiceEnvs { service } => Action::from(services::Msg::Envs { service, result: Err(e.to_string()) }),
        Effect::LoadBackups => Action::from(WorldMsg::Backups { at: chrono::Utc::now(), result: Err(e.to_string()) }),
        _ => Action::OpDone { to: PaneId::Deployments, label: "Coolify".into(), result: Err(e), after: After::Inventory },
    }
}

/// A followed deployment's progress, as the Deployments pane takes it.
fn follow_action(f: Follow) -> Action {
    match f {
        Follow::Started { app, deployment, note } => Action::from(deployments::Msg::DeployFollow { app, deployment, note }),
        Follow::Poll { deployment, poll: p } => Action::from(deployments::Msg::DeployUpdate {
            deployment,
            status: p.status,
            entries: p.entries,
            logs_hidden: p.logs_hidden,
            created: p.created,
            finished: p.finished,
        }),
    }
}

/// Follows a deployment for the Deployments pane.
async fn follow(
    c: &Client,
    app: &str,
    deployment: &str,
    poll: std::time::Duration,
    send: &impl Fn(Action, bool),
) -> Result<DeployStatus, crate::ops::Error> {
    cf::follow(c, app, deployment, poll, |p| send(follow_action(Follow::Poll { deployment: deployment.to_string(), poll: p }), false)).await
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
    send(Action::from(versions::Msg::ProbesDone { ok, failed }), true);
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
        Some(h) => match (resolve_target(sv, h).await, sv.ssh_env.clone()) {
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
        send(Action::from(versions::Msg::Probed { app: t.app, build_python, runtime }), false);
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

/// Sites checked at once (each is a GET, a few DNS questions and one API call).
const FLEET_AT_ONCE: usize = 8;

/// Checks every site, several at a time; each result goes to the pane as it comes.
async fn check_fleet(c: &Client, sv: &Services, sites: Vec<FleetTarget>, send: &impl Fn(Action, bool)) {
    use futures::StreamExt;
    let n = sites.len();
    let mut results = futures::stream::iter(sites.into_iter().map(|t| async move {
        let found = check_site(c, sv, &t).await;
        (t.app, found)
    }))
    .buffer_unordered(FLEET_AT_ONCE);
    while let Some((app, found)) = results.next().await {
        send(Action::from(fleet::Msg::Checked { app, found: Box::new(found) }), false);
    }
    send(Action::from(fleet::Msg::Done { sites: n }), true);
}

async fn check_site(c: &Client, sv: &Services, t: &FleetTarget) -> fleet::Found {
    let now = chrono::Utc::now();
    let web = crate::verify::web::get(&t.url, None, &sv.web, false);
    let dns = crate::dns::propagation::check(&t.domain, "A", &[], &sv.dns);
    let envs = c.envs(&t.app);
    let (web, dns, envs) = tokio::join!(web, dns, envs);
    let (http, tls_days) = match web {
        Ok(r) => (Some(Ok(r.status)), r.cert.map(|c| c.days_left(now))),
        Err(e) => (Some(Err(e)), None),
    };
    let dns = Some(dns.map(|p| {
        let first = |a: &[crate::dns::propagation::Answer]| a.iter().find(|x| x.error.is_none()).map(|x| x.values.clone());
        let auth = first(&p.authoritative).unwrap_or_default();
        let public = first(&p.public);
        let shown = if auth.is_empty() { "no A record".to_string() } else { format!("A {}", auth.join(" ")) };
        match public {
            Some(v) if !v.is_empty() && crate::dns::propagation::differs(&v, &auth) => format!("{shown} (resolvers: {})", v.join(" ")),
            _ => shown,
        }
    }));
    let db_host = Some(match envs {
        Ok(list) => match list.iter().find(|e| e.key == "DATABASE_URL" && !e.is_preview) {
            Some(e) => match e.value.as_deref() {
                Some(v) => database_host(v),
                None => Err("its value is hidden (the token needs read:sensitive)".into()),
            },
            // A site without a database (a static page, a worker).
            None => Ok(String::new()),
        },
        Err(e) => Err(e.to_string()),
    });
    fleet::Found { http, tls_days, dns, db_host }
}

/// `host:port/db` of a database URL: never the user or the password.
fn database_host(url: &str) -> Result<String, String> {
    let (_, rest) = url.split_once("://").ok_or("not a URL")?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, p),
        _ => (hostport, "5432"),
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    let db = path.split('?').next().unwrap_or("");
    Ok(format!("{host}:{port}/{db}"))
}

#[cfg(test)]
mod tests {
    use super::database_host;

    #[test]
    fn a_database_url_is_shown_without_its_credentials() {
        assert_eq!(database_host("postgres://shop:s3cret@abc123:5432/shop").unwrap(), "abc123:5432/shop");
        assert_eq!(database_host("postgresql://u@[2001:db8::1]:6432/x?sslmode=require").unwrap(), "[2001:db8::1]:6432/x");
        assert_eq!(database_host("postgres://old-db.example.net/blog").unwrap(), "old-db.example.net:5432/blog");
        assert!(database_host("sqlite:db.sqlite3").is_err());
    }
}
