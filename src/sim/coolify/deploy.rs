//! Deployments: `/deploy`, following, cancelling, start/stop/restart, and the
//! application PATCH for domains. State changes are POST only (GET -> 405, as
//! Coolify 4.2+ answers).

use super::{S, message, need, sensitive};
use crate::sim::json_response;
use crate::sim::world::{CDeployment, CoolifyWorld, DeployRun, build_log, sites};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

type Q = Query<Vec<(String, String)>>;

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Applies finished deployments to their applications.
pub(crate) fn tick(w: &mut CoolifyWorld, now: chrono::DateTime<chrono::Utc>) {
    let mut done: Vec<(usize, bool)> = Vec::new();
    for d in &mut w.deployments {
        let st = d.run.status(now);
        if !d.run.applied && matches!(st, "finished" | "failed" | "cancelled-by-user") {
            d.run.applied = true;
            done.push((d.app, st == "finished"));
        }
    }
    for (app, ok) in done {
        if ok {
            w.apps[app].status = "running:healthy".into();
            w.apps[app].go_live();
        }
    }
}

pub(crate) fn deployment_json(w: &CoolifyWorld, d: &CDeployment, now: chrono::DateTime<chrono::Utc>, with_logs: bool) -> Value {
    let a = &w.apps[d.app];
    let server = &w.servers[a.server];
    let st = d.run.status(now);
    let ts = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let finished = matches!(st, "finished" | "failed" | "cancelled-by-user").then(|| d.run.finished_at().map(ts)).flatten();
    let mut v = json!({
        "id": d.id,
        "application_id": a.id.to_string(),
        "deployment_uuid": d.uuid,
        "pull_request_id": d.pr,
        "force_rebuild": d.force,
        "commit": d.commit,
        "commit_message": "Bump dependencies",
        "status": st,
        "is_webhook": false,
        "is_api": true,
        "restart_only": d.restart_only,
        "git_type": "github",
        "server_id": a.server as i64 + 1,
        "server_name": server.name,
        "application_name": a.name,
        "deployment_url": format!("/project/p/environment/e/application/{}/deployment/{}", a.uuid, d.uuid),
        "destination_id": (a.server + 1).to_string(),
        "only_this_server": false,
        "rollback": false,
        "current_process_id": "",
        "created_at": ts(d.run.created),
        "updated_at": ts(now),
        "finished_at": finished,
    });
    if with_logs {
        v["logs"] = Value::String(d.run.logs_json(now));
    }
    v
}

/// Queues a deployment of application `ai`; `None` when one for this commit is
/// already queued or running.
fn queue(w: &mut CoolifyWorld, ai: usize, force: bool, restart_only: bool, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let commit = w.apps[ai].commit.clone();
    if w.deployments.iter().any(|d| d.app == ai && d.commit == commit && matches!(d.run.status(now), "queued" | "in_progress")) {
        return None;
    }
    let site = sites()[w.apps[ai].site].clone();
    let server = w.servers[w.apps[ai].server].name.clone();
    let name = w.apps[ai].name.clone();
    let fails = if let Some(i) = w.fail_next_deploy.iter().position(|n| *n == name) {
        w.fail_next_deploy.remove(i);
        true
    } else {
        false
    };
    let db_url = w.apps[ai].envs.iter().find(|e| e.key == "DATABASE_URL").map(|e| e.value.clone());
    let mut rng = crate::sim::world::Rng::new(now.timestamp_millis() as u64 ^ ai as u64);
    // Nixpacks cannot give a Python newer than its nixpkgs has: the build fails.
    let fails = fails || crate::sim::world::nixpacks_python_too_new(&w.apps[ai], &site);
    let entries = build_log(&w.apps[ai], &site, &server, db_url.as_deref(), fails, &mut rng);
    let total = entries.last().map(|e| e.at_ms).unwrap_or(0) + 300;
    let speed = w.speed;
    let run = DeployRun {
        created: now,
        queued_ms: (800.0 * speed) as i64,
        build_ms: (total as f64 * speed) as i64,
        fails,
        entries: entries
            .into_iter()
            .map(|mut e| {
                e.at_ms = (e.at_ms as f64 * speed) as i64;
                e
            })
            .collect(),
        cancelled_at: None,
        applied: false,
    };
    let uuid = rng.cuid();
    let id = w.fresh_id();
    w.deployments.push(CDeployment { id, uuid: uuid.clone(), app: ai, pr: 0, commit, force, restart_only, run });
    Some(uuid)
}

/// `POST /deploy?uuid=..&force=..` (or the same in a JSON body).
pub(crate) async fn deploy(State(s): S, Query(q): Q, body: Option<Json<Value>>) -> Response {
    if let Err(r) = need(&s, "deploy") {
        return r;
    }
    let body = body.map(|b| b.0).unwrap_or(Value::Null);
    let uuids: String = param(&q, "uuid").map(str::to_string).or_else(|| body["uuid"].as_str().map(str::to_string)).unwrap_or_default();
    if uuids.is_empty() && param(&q, "tag").is_none() {
        return message(StatusCode::BAD_REQUEST, "You must provide uuid or tag.");
    }
    let force = param(&q, "force").map(|f| f == "true" || f == "1").or_else(|| body["force"].as_bool()).unwrap_or(false);
    let now = chrono::Utc::now();
    let mut world = s.world();
    world.sync(now);
    let w = &mut world.cf;
    tick(w, now);
    let mut out = Vec::new();
    for u in uuids.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        let Some(ai) = w.apps.iter().position(|a| a.uuid == u) else { continue };
        let name = w.apps[ai].name.clone();
        match queue(w, ai, force, false, now) {
            Some(dep) => out.push(json!({"message": format!("Application {name} deployment queued."), "resource_uuid": u, "deployment_uuid": dep})),
            // The real server answers with a fresh uuid that exists nowhere.
            None => out.push(json!({"message": "Deployment already queued for this commit.", "resource_uuid": u, "deployment_uuid": crate::sim::world::Rng::new(now.timestamp_nanos_opt().unwrap_or(0) as u64).cuid()})),
        }
    }
    if out.is_empty() {
        return message(StatusCode::NOT_FOUND, "No resources found.");
    }
    json_response(StatusCode::OK, &json!({"deployments": out}))
}

pub(crate) async fn list(State(s): S) -> Response {
    let now = chrono::Utc::now();
    let mut world = s.world();
    tick(&mut world.cf, now);
    let w = &world.cf;
    let v: Vec<Value> = w
        .deployments
        .iter()
        .filter(|d| matches!(d.run.status(now), "queued" | "in_progress"))
        .map(|d| deployment_json(w, d, now, false))
        .collect();
    json_response(StatusCode::OK, &Value::Array(v))
}

pub(crate) async fn get(State(s): S, Path(uuid): Path<String>) -> Response {
    let now = chrono::Utc::now();
    let sens = sensitive(&s);
    let mut world = s.world();
    tick(&mut world.cf, now);
    let w = &world.cf;
    match w.deployments.iter().find(|d| d.uuid == uuid) {
        Some(d) => json_response(StatusCode::OK, &deployment_json(w, d, now, sens)),
        None => message(StatusCode::NOT_FOUND, "Deployment not found."),
    }
}

/// `GET /deployments/applications/{uuid}`: `{count, deployments}`, newest first.
pub(crate) async fn for_app(State(s): S, Path(uuid): Path<String>, Query(q): Q) -> Response {
    let now = chrono::Utc::now();
    let sens = sensitive(&s);
    let skip: usize = param(&q, "skip").and_then(|v| v.parse().ok()).unwrap_or(0);
    let take: usize = param(&q, "take").and_then(|v| v.parse().ok()).unwrap_or(10);
    let mut world = s.world();
    tick(&mut world.cf, now);
    let w = &world.cf;
    let Some(ai) = w.apps.iter().position(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let mut ds: Vec<&CDeployment> = w.deployments.iter().filter(|d| d.app == ai).collect();
    ds.sort_by_key(|d| std::cmp::Reverse(d.id));
    let count = ds.len();
    let v: Vec<Value> = ds.into_iter().skip(skip).take(take).map(|d| deployment_json(w, d, now, sens)).collect();
    json_response(StatusCode::OK, &json!({"count": count, "deployments": v}))
}

pub(crate) async fn cancel(State(s): S, Path(uuid): Path<String>) -> Response {
    if let Err(r) = need(&s, "deploy") {
        return r;
    }
    let now = chrono::Utc::now();
    let mut world = s.world();
    tick(&mut world.cf, now);
    let Some(d) = world.cf.deployments.iter_mut().find(|d| d.uuid == uuid) else {
        return message(StatusCode::NOT_FOUND, "Deployment not found.");
    };
    let st = d.run.status(now);
    if !matches!(st, "queued" | "in_progress") {
        return message(StatusCode::BAD_REQUEST, &format!("Deployment cannot be cancelled. Current status: {st}"));
    }
    d.run.cancelled_at = Some(now);
    json_response(
        StatusCode::OK,
        &json!({"message": "Deployment cancelled successfully.", "deployment_uuid": uuid, "status": "cancelled-by-user"}),
    )
}

/// `GET` on a state-changing route: refused since Coolify 4.2.
pub(crate) async fn post_required_verb(Path((_, verb)): Path<(String, String)>) -> Response {
    if matches!(verb.as_str(), "start" | "stop" | "restart") {
        post_required().await
    } else {
        json_response(StatusCode::NOT_FOUND, &json!({"message": "Not found.", "docs": "https://coolify.io/docs"}))
    }
}

pub(crate) async fn post_required() -> Response {
    let mut r = message(StatusCode::METHOD_NOT_ALLOWED, "This endpoint has changed to a POST request.");
    r.headers_mut().insert("allow", HeaderValue::from_static("POST"));
    r
}

pub(crate) async fn app_action(State(s): S, Path((uuid, verb)): Path<(String, String)>, Query(q): Q) -> Response {
    if let Err(r) = need(&s, "deploy") {
        return r;
    }
    let now = chrono::Utc::now();
    let mut world = s.world();
    world.sync(now);
    let w = &mut world.cf;
    tick(w, now);
    let Some(ai) = w.apps.iter().position(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    match verb.as_str() {
        "stop" => {
            w.apps[ai].status = "exited".into();
            json_response(StatusCode::OK, &json!({"message": "Application stopping request queued."}))
        }
        "start" | "restart" => {
            let force = param(&q, "force").is_some_and(|f| f == "true");
            let dep = queue(w, ai, force, verb == "restart", now).unwrap_or_default();
            let msg = if verb == "start" { "Deployment request queued." } else { "Restart request queued." };
            json_response(StatusCode::OK, &json!({"message": msg, "deployment_uuid": dep}))
        }
        _ => message(StatusCode::NOT_FOUND, "Not found."),
    }
}

fn valid_domain(d: &str) -> bool {
    let Some(rest) = d.strip_prefix("https://").or_else(|| d.strip_prefix("http://")) else { return false };
    let host = rest.split([':', '/']).next().unwrap_or("");
    !host.is_empty() && host.split('.').count() >= 2 && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// `PATCH /applications/{uuid}`: the fields cutover changes (domains, instant_deploy).
/// The fields `PATCH /applications/{uuid}` takes (Coolify's documented
/// request body); anything else is "This field is not allowed.".
pub(crate) const PATCH_FIELDS: &[&str] = &[
    "project_uuid",
    "server_uuid",
    "environment_name",
    "github_app_uuid",
    "git_repository",
    "git_branch",
    "ports_exposes",
    "destination_uuid",
    "build_pack",
    "name",
    "description",
    "domains",
    "noindex_domains",
    "git_commit_sha",
    "docker_registry_image_name",
    "docker_registry_image_tag",
    "is_static",
    "is_spa",
    "is_auto_deploy_enabled",
    "is_force_https_enabled",
    "is_preview_deployments_enabled",
    "install_command",
    "build_command",
    "start_command",
    "ports_mappings",
    "base_directory",
    "publish_directory",
    "health_check_enabled",
    "health_check_path",
    "health_check_port",
    "health_check_host",
    "health_check_method",
    "health_check_return_code",
    "health_check_scheme",
    "health_check_response_text",
    "health_check_interval",
    "health_check_timeout",
    "health_check_retries",
    "health_check_start_period",
    "limits_memory",
    "limits_memory_swap",
    "limits_memory_swappiness",
    "limits_memory_reservation",
    "limits_cpus",
    "limits_cpuset",
    "limits_cpu_shares",
    "custom_labels",
    "custom_docker_run_options",
    "post_deployment_command",
    "post_deployment_command_container",
    "pre_deployment_command",
    "pre_deployment_command_container",
    "manual_webhook_secret_github",
    "manual_webhook_secret_gitlab",
    "manual_webhook_secret_bitbucket",
    "manual_webhook_secret_gitea",
    "redirect",
    "instant_deploy",
    "dockerfile",
    "dockerfile_location",
    "docker_compose_location",
    "docker_compose_custom_start_command",
    "docker_compose_custom_build_command",
    "docker_compose_domains",
    "watch_paths",
    "use_build_server",
    "use_build_secrets",
    "is_git_submodules_enabled",
    "is_git_lfs_enabled",
    "is_git_shallow_clone_enabled",
    "disable_build_cache",
    "inject_build_args_to_dockerfile",
    "include_source_commit_in_build",
    "is_env_sorting_enabled",
    "is_pr_deployments_public_enabled",
    "stop_grace_period",
    "docker_images_to_keep",
    "is_gzip_enabled",
    "is_stripprefix_enabled",
    "is_raw_compose_deployment_enabled",
    "is_log_drain_enabled",
    "is_gpu_enabled",
    "gpu_driver",
    "gpu_count",
    "gpu_device_ids",
    "gpu_options",
    "is_consistent_container_name_enabled",
    "custom_internal_name",
    "preview_url_template",
    "max_restart_count",
    "connect_to_docker_network",
    "force_domain_override",
    "is_container_label_escape_enabled",
    "is_preserve_repository_enabled",
];

/// The ones the simulated world acts on; the rest are kept as settings.
const ACTED_ON: &[&str] = &["domains", "docker_compose_domains", "instant_deploy", "force_domain_override", "pre_deployment_command"];

pub(crate) async fn patch_app(State(s): S, Path(uuid): Path<String>, Json(body): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let now = chrono::Utc::now();
    let mut world = s.world();
    let w = &mut world.cf;
    let Some(ai) = w.apps.iter().position(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let allowed = PATCH_FIELDS;
    if let Some(obj) = body.as_object()
        && let Some(bad) = obj.keys().find(|k| !allowed.contains(&k.as_str()))
    {
        return json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": "Validation failed.", "errors": {bad.clone(): ["This field is not allowed."]}}),
        );
    }
    if let Some(c) = body["pre_deployment_command"].as_str() {
        w.apps[ai].pre_deployment_command = Some(c.to_string());
    }
    // What the world does not act on is kept, and shown back by GET.
    if let Some(obj) = body.as_object() {
        for (k, v) in obj.iter().filter(|(k, _)| !ACTED_ON.contains(&k.as_str())) {
            w.apps[ai].settings.insert(k.clone(), v.clone());
        }
    }
    if let Some(d) = body["domains"].as_str() {
        if w.apps[ai].build_pack == "dockercompose" {
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"message": "Validation failed.", "errors": {"domains": "Docker Compose applications use docker_compose_domains (per service), not domains."}}),
            );
        }
        let list: Vec<String> = d.split(',').map(|x| x.trim().trim_end_matches('/').to_string()).filter(|x| !x.is_empty()).collect();
        if let Some(bad) = list.iter().find(|x| !valid_domain(x)) {
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"message": "Validation failed.", "errors": {"domains": [format!("{bad} is not a valid URL (https://host).")]}}),
            );
        }
        let force = body["force_domain_override"].as_bool().unwrap_or(false);
        let conflicts: Vec<Value> =
            list.iter()
                .filter_map(|dom| {
                    w.apps.iter().enumerate().find(|(i, o)| *i != ai && o.fqdn.split(',').any(|f| f.trim() == dom)).map(
                        |(_, o)| json!({"domain": dom, "resource_name": o.name, "resource_uuid": o.uuid, "resource_type": "application"}),
                    )
                })
                .collect();
        if !conflicts.is_empty() && !force {
            return json_response(
                StatusCode::CONFLICT,
                &json!({"message": "Domain conflicts detected. Use force_domain_override=true to proceed.", "conflicts": conflicts, "warning": "Using the same domain for multiple resources can cause routing conflicts."}),
            );
        }
        w.apps[ai].fqdn = list.join(",");
    }
    if let Some(cd) = body["docker_compose_domains"].as_array() {
        w.apps[ai].compose_domains =
            cd.iter().map(|x| (x["name"].as_str().unwrap_or("").to_string(), x["domain"].as_str().unwrap_or("").to_string())).collect();
    }
    if body["instant_deploy"].as_bool() == Some(true) {
        queue(w, ai, false, false, now);
    }
    json_response(StatusCode::OK, &json!({"uuid": uuid}))
}

/// `GET /applications/{uuid}/logs?lines=`: `docker logs` of its first
/// container, ANSI stripped; a stopped application has none (400).
pub(super) async fn app_logs(State(s): S, Path(uuid): Path<String>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let lines: u64 = match q.iter().find(|(k, _)| k == "lines").map(|(_, v)| v.parse::<u64>()) {
        None => 100,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => {
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"message": "Validation failed.", "errors": {"lines": ["The lines field must be an integer."]}}),
            );
        }
    };
    let w = s.world();
    let Some(a) = w.cf.apps.iter().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    if !a.status.starts_with("running") {
        return message(StatusCode::BAD_REQUEST, "Application is not running.");
    }
    let site = sites()[a.site].slug;
    let mut rng = crate::sim::world::Rng::new(a.id as u64);
    let start = chrono::Utc::now() - chrono::Duration::seconds(lines as i64 * 3);
    let mut out: Vec<String> = Vec::new();
    for n in 0..lines {
        let ts = (start + chrono::Duration::seconds(n as i64 * 3)).to_rfc3339();
        out.extend(crate::sim::logs::app_lines(&mut rng, n, &ts, site));
    }
    let keep = out.len().saturating_sub(lines as usize);
    json_response(StatusCode::OK, &json!({"logs": out[keep..].join("\n")}))
}

/// `GET /applications/{uuid}/storages`: its persistent volumes (file mounts: none here).
pub(super) async fn storages(State(s): S, Path(uuid): Path<String>) -> Response {
    let w = s.world();
    let Some(a) = w.cf.apps.iter().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let list: Vec<Value> = a
        .storages
        .iter()
        .enumerate()
        .map(|(i, (name, mount, host))| {
            json!({"id": i + 1, "uuid": format!("{}-storage-{i}", a.uuid), "name": name, "mount_path": mount, "host_path": host,
                "resource_type": "App\\Models\\Application", "resource_id": a.id, "is_readonly": false})
        })
        .collect();
    json_response(StatusCode::OK, &json!({"persistent_storages": list, "file_storages": []}))
}

/// The fields `POST /applications/public` takes (a few of its many; the
/// others are refused as Coolify refuses fields it does not know).
const CREATE_FIELDS: &[&str] = &[
    "project_uuid",
    "server_uuid",
    "environment_name",
    "environment_uuid",
    "git_repository",
    "git_branch",
    "build_pack",
    "ports_exposes",
    "destination_uuid",
    "name",
    "description",
    "domains",
    "git_commit_sha",
    "base_directory",
    "instant_deploy",
    "pre_deployment_command",
    "post_deployment_command",
    "is_auto_deploy_enabled",
    "is_force_https_enabled",
    "health_check_path",
];

/// `POST /applications/public`: an application from a public Git repository,
/// its build pack chosen; `201 {uuid, domains}`; a domain another resource
/// serves is a 409 unless overridden.
pub(super) async fn create_public(State(s): S, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let invalid = |field: &str, msg: &str| {
        json_response(StatusCode::UNPROCESSABLE_ENTITY, &json!({"message": "Validation failed.", "errors": {field: [msg]}}))
    };
    if let Some(bad) = b.as_object().and_then(|o| o.keys().find(|k| !CREATE_FIELDS.contains(&k.as_str()))) {
        return invalid(bad, "This field is not allowed.");
    }
    for f in ["project_uuid", "server_uuid", "git_repository", "git_branch", "build_pack", "ports_exposes"] {
        if b[f].as_str().is_none_or(str::is_empty) {
            return invalid(f, &format!("The {} field is required.", f.replace('_', " ")));
        }
    }
    let pack = b["build_pack"].as_str().unwrap_or("");
    if !["nixpacks", "railpack", "static", "dockerfile", "dockercompose"].contains(&pack) {
        return invalid("build_pack", "The selected build pack is invalid.");
    }
    let repo = b["git_repository"].as_str().unwrap_or("");
    if !(repo.starts_with("https://") || repo.starts_with("git@")) {
        return invalid("git_repository", "The git repository field format is invalid.");
    }
    let domains: Vec<String> = b["domains"]
        .as_str()
        .unwrap_or("")
        .split(',')
        .map(|d| d.trim().trim_end_matches('/').to_string())
        .filter(|d| !d.is_empty())
        .collect();
    if let Some(d) = domains.iter().find(|d| !d.starts_with("https://") && !d.starts_with("http://")) {
        return invalid("domains", &format!("{d} is not a valid URL (https://host)."));
    }
    let mut w = s.world();
    let Some(server) = w.cf.servers.iter().position(|x| Some(x.uuid.as_str()) == b["server_uuid"].as_str()) else {
        return message(StatusCode::NOT_FOUND, "Server not found.");
    };
    let Some(p) = w.cf.projects.iter().find(|p| Some(p.uuid.as_str()) == b["project_uuid"].as_str()).cloned() else {
        return message(StatusCode::NOT_FOUND, "Project not found.");
    };
    let Some(env) = p
        .envs
        .iter()
        .find(|e| b["environment_name"].as_str() == Some(e.name.as_str()) || b["environment_uuid"].as_str() == Some(e.uuid.as_str()))
    else {
        return message(StatusCode::NOT_FOUND, "Environment not found.");
    };
    if let Some(d) = domains.iter().find(|d| w.cf.apps.iter().any(|a| a.domains().contains(d))) {
        return json_response(
            StatusCode::CONFLICT,
            &json!({"message": "Domain conflicts detected. Use force_domain_override=true to proceed.", "warning": format!("{d} is used by another resource.")}),
        );
    }
    let site = crate::sim::world::sites().iter().position(|x| x.name == p.name).unwrap_or(0);
    let uuid = w.rng.cuid();
    let commit = w.rng.hex(40);
    let id = w.cf.next_id;
    w.cf.next_id += 1;
    let name = b["name"].as_str().map(str::to_string).unwrap_or_else(|| format!("{}-{uuid}", repo.rsplit('/').next().unwrap_or("app")));
    w.cf.apps.push(crate::sim::world::CApp {
        previews: Vec::new(),
        pre_deployment_command: b["pre_deployment_command"].as_str().map(str::to_string),
        tasks: Vec::new(),
        id,
        uuid: uuid.clone(),
        name,
        site,
        env_id: env.id,
        server,
        fqdn: domains.join(","),
        status: "exited".into(),
        build_pack: pack.to_string(),
        repo: repo.to_string(),
        branch: b["git_branch"].as_str().unwrap_or("main").to_string(),
        commit,
        envs: Vec::new(),
        settings: serde_json::Map::new(),
        storages: Vec::new(),
        compose_domains: Vec::new(),
        live_domains: Vec::new(),
        live_allowed_hosts: None,
        certified_at_start: Vec::new(),
    });
    json_response(StatusCode::CREATED, &json!({"uuid": uuid, "domains": domains.join(",")}))
}

#[cfg(test)]
mod tests {
    /// The fields PATCH takes are the documented ones, no more, no fewer.
    #[test]
    fn patch_takes_the_documented_fields() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/specs/coolify.openapi.json");
        let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let props = spec["paths"]["/applications/{uuid}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
            .as_object()
            .unwrap();
        let mut documented: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut ours = super::PATCH_FIELDS.to_vec();
        documented.sort();
        ours.sort();
        assert_eq!(ours, documented);
    }
}
