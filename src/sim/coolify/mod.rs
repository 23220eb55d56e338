//! The simulated Coolify API (`/api/v1/...`), with the real server's routes,
//! status strings and error bodies (where they differ from its OpenAPI document,
//! the real server's behaviour is what is served).

mod databases;
pub(crate) mod deploy;
mod envs;
mod previews;
mod services;
pub mod tasks;

use super::world::{CApp, CDatabase, CoolifyWorld};
use super::{Api, Shared, json_response, lock, record};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) type S = State<Arc<Shared>>;

/// 403 unless the token has `ability` (as Coolify's `api.ability` middleware).
pub fn need(s: &Shared, ability: &str) -> Result<(), Response> {
    let w = lock(&s.world);
    if w.cf.abilities.iter().any(|a| a == ability || a == "root") {
        Ok(())
    } else {
        Err(message(StatusCode::FORBIDDEN, &format!("Missing required permissions: {ability}")))
    }
}

/// Whether secrets (env values, deployment logs, DB passwords) are shown.
pub fn sensitive(s: &Shared) -> bool {
    lock(&s.world).cf.abilities.iter().any(|a| a == "read:sensitive" || a == "root")
}

pub fn message(status: StatusCode, msg: &str) -> Response {
    json_response(status, &json!({"message": msg}))
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/v1/health", get(health))
        .route("/api/v1/version", get(version))
        .route("/api/v1/projects", get(projects))
        .route("/api/v1/projects/{uuid}", get(project))
        .route("/api/v1/projects/{uuid}/environments", get(environments))
        .route("/api/v1/projects/{uuid}/{env}", get(environment))
        .route("/api/v1/applications", get(applications))
        .route("/api/v1/applications/public", post(deploy::create_public))
        .route("/api/v1/applications/{uuid}", get(application).patch(deploy::patch_app))
        .route("/api/v1/applications/{uuid}/envs", get(envs::list).post(envs::create).patch(envs::update))
        .route("/api/v1/applications/{uuid}/envs/bulk", patch(envs::bulk))
        .route("/api/v1/applications/{uuid}/envs/{env}", delete(envs::delete))
        .route("/api/v1/applications/{uuid}/scheduled-tasks", get(tasks::list).post(tasks::create))
        .route("/api/v1/applications/{uuid}/storages", get(deploy::storages))
        .route("/api/v1/applications/{uuid}/logs", get(deploy::app_logs))
        .route("/api/v1/applications/{uuid}/previews/{pr}", get(previews::get).delete(previews::delete))
        .route("/api/v1/applications/{uuid}/scheduled-tasks/{task}", patch(tasks::update))
        .route("/api/v1/applications/{uuid}/{verb}", post(deploy::app_action).get(deploy::post_required_verb))
        .route("/api/v1/deploy", post(deploy::deploy).get(deploy::post_required))
        .route("/api/v1/deployments", get(deploy::list))
        .route("/api/v1/deployments/{uuid}", get(deploy::get))
        .route("/api/v1/deployments/{uuid}/cancel", post(deploy::cancel))
        .route("/api/v1/deployments/applications/{uuid}", get(deploy::for_app))
        .route("/api/v1/databases/postgresql", post(databases::create_postgres))
        .route("/api/v1/databases/{uuid}/logs", get(databases::logs))
        .route("/api/v1/s3-storages", get(databases::s3_storages))
        .route("/api/v1/databases/{uuid}/backups", get(databases::backups).post(databases::create_backup))
        .route("/api/v1/databases/{uuid}/backups/{backup}", patch(databases::patch_backup))
        .route("/api/v1/databases/{uuid}/backups/{backup}/executions", get(databases::executions))
        .route("/api/v1/databases/{uuid}/{verb}", post(databases::db_action).get(deploy::post_required_verb))
        .route("/api/v1/databases", get(databases))
        .route("/api/v1/databases/{uuid}", get(database))
        .route("/api/v1/services", get(services::list))
        .route("/api/v1/services/{uuid}", get(services::get))
        .route("/api/v1/services/{uuid}/envs", get(services::envs))
        .route("/api/v1/services/{uuid}/logs", get(services::logs))
        .route("/api/v1/services/{uuid}/{verb}", post(services::action).get(deploy::post_required_verb))
        .route("/api/v1/servers", get(servers))
        .route("/api/v1/servers/{uuid}", get(server))
        .route("/api/v1/servers/{uuid}/resources", get(server_resources))
        .route("/api/v1/resources", get(resources))
        .fallback(|| async { json_response(StatusCode::NOT_FOUND, &json!({"message": "Not found.", "docs": "https://coolify.io/docs"})) })
        .layer(from_fn_with_state(shared.clone(), guard))
        .layer(from_fn_with_state(shared.clone(), |State(s): S, req: Request, next: Next| record(s, Api::Coolify, req, next)))
        .with_state(shared)
}

async fn guard(State(s): S, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/api/health" || path == "/api/v1/health" {
        return next.run(req).await;
    }
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == s.coolify_token);
    if !authorised {
        return message(StatusCode::UNAUTHORIZED, "Unauthenticated.");
    }
    // throttle:api, with Laravel's headers on every answer.
    let (limit, counted) = {
        let mut t = crate::sim::lock(&s.cf_throttle);
        (t.limit, t.hit(std::time::Instant::now()))
    };
    let remaining = match counted {
        Ok(r) => r,
        Err(wait) => {
            let mut r = message(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.");
            let reset = chrono::Utc::now().timestamp() + wait as i64;
            for (k, v) in [
                ("retry-after", wait as i64),
                ("x-ratelimit-limit", limit as i64),
                ("x-ratelimit-remaining", 0),
                ("x-ratelimit-reset", reset),
            ] {
                r.headers_mut().insert(k, HeaderValue::from(v));
            }
            return r;
        }
    };
    let mut resp = guarded(&s, req, next).await;
    resp.headers_mut().insert("x-ratelimit-limit", HeaderValue::from(limit));
    resp.headers_mut().insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    resp
}

/// Faults, then the route.
async fn guarded(s: &Shared, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if let Some(f) = s.take_fault(Api::Coolify, req.method().as_str(), &path) {
        return crate::sim::fault::answer(f.kind, req, next, |status, _, msg| {
            let mut r = message(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), msg);
            if status == 429 {
                // Laravel's throttle says when to come back.
                r.headers_mut().insert("retry-after", HeaderValue::from_static("2"));
            }
            r
        })
        .await;
    }
    let resp = next.run(req).await;
    match crate::sim::protocol::refused(resp).await {
        Ok(r) => refusal(r),
        Err(resp) => resp,
    }
}

/// What the framework refused, as Coolify says it (`validateIncomingRequest`;
/// a method a route does not take falls through to the catch-all route).
fn refusal(r: crate::sim::protocol::Refused) -> Response {
    use crate::sim::protocol::Refused;
    let invalid = |e: &str| json_response(StatusCode::BAD_REQUEST, &json!({"message": "Invalid request.", "error": e}));
    match r {
        Refused::ContentType => invalid("Content-Type must be application/json."),
        Refused::EmptyJson => invalid("Empty JSON."),
        Refused::InvalidJson(_) => invalid("Invalid JSON."),
        Refused::WrongShape(d) => {
            json_response(StatusCode::UNPROCESSABLE_ENTITY, &json!({"message": "Validation failed.", "errors": {"body": [d]}}))
        }
        Refused::Method(_) => json_response(StatusCode::NOT_FOUND, &json!({"message": "Not found.", "docs": "https://coolify.io/docs"})),
    }
}

async fn health() -> Response {
    let mut r = Response::new(Body::from("OK"));
    r.headers_mut().insert("content-type", HeaderValue::from_static("text/html; charset=UTF-8"));
    r
}

async fn version(State(s): S) -> Response {
    let mut r = Response::new(Body::from(s.world().cf.version.clone()));
    r.headers_mut().insert("content-type", HeaderValue::from_static("text/html; charset=UTF-8"));
    r
}

pub(crate) const TS: &str = "2026-01-04T18:22:10.000000Z";

fn project_json(p: &super::world::CProject) -> Value {
    json!({"id": p.id, "uuid": p.uuid, "name": p.name, "description": p.description})
}

fn env_json(e: &super::world::CEnv, project_id: i64) -> Value {
    json!({"id": e.id, "uuid": e.uuid, "name": e.name, "project_id": project_id, "description": "", "created_at": TS, "updated_at": TS})
}

pub fn app_json(w: &CoolifyWorld, a: &CApp) -> Value {
    let server = &w.servers[a.server];
    let now = chrono::Utc::now();
    // The application's own deployments: a preview's do not make it fail.
    let last = w.deployments.iter().filter(|d| w.apps[d.app].uuid == a.uuid && d.pr == 0).max_by_key(|d| d.id);
    let compose = if a.compose_domains.is_empty() {
        Value::Null
    } else {
        let m: serde_json::Map<String, Value> = a.compose_domains.iter().map(|(svc, d)| (svc.clone(), json!({"domain": d}))).collect();
        Value::String(Value::Object(m).to_string())
    };
    let mut v = json!({
        "uuid": a.uuid,
        "name": a.name,
        "description": null,
        "fqdn": if a.fqdn.is_empty() { Value::Null } else { Value::String(a.fqdn.clone()) },
        "status": a.status,
        "build_pack": a.build_pack,
        "git_repository": a.repo,
        "git_branch": a.branch,
        "git_commit_sha": a.commit,
        "environment_id": a.env_id,
        "destination_id": a.server as i64 + 1,
        "destination_type": "App\\Models\\StandaloneDocker",
        "ports_exposes": "8000",
        "base_directory": "/",
        "dockerfile_location": "/Dockerfile",
        "docker_compose_location": "/docker-compose.yaml",
        "docker_compose_domains": compose,
        "post_deployment_command": if a.build_pack == "static" { Value::Null } else { json!("python manage.py migrate --no-input") },
        "post_deployment_command_container": null,
        "pre_deployment_command": a.pre_deployment_command,
        "health_check_enabled": true,
        "health_check_path": "/healthz/",
        "server_status": true,
        "last_online_at": TS,
        "server_name": server.name,
        "last_deployment_status": last.map(|d| Value::String(d.run.status(now).to_string())).unwrap_or(Value::Null),
        "created_at": TS,
        "updated_at": TS,
    });
    if let Some(obj) = v.as_object_mut() {
        obj.extend(a.settings.clone());
    }
    v
}

pub fn db_json(w: &CoolifyWorld, d: &CDatabase, sensitive: bool) -> Value {
    let server = &w.servers[d.server];
    let mut v = json!({
        "uuid": d.uuid,
        "name": d.name,
        "description": null,
        "database_type": "standalone-postgresql",
        "image": d.image,
        "status": d.status,
        "environment_id": d.env_id,
        "destination_id": d.server as i64 + 1,
        "postgres_db": d.db_name,
        "postgres_user": d.user,
        "is_public": d.public_port.is_some(),
        "public_port": d.public_port,
        "server_name": server.name,
        "server_uuid": server.uuid,
        "backup_configs": d.backups.iter().map(|b| json!({
            "uuid": b.uuid, "enabled": b.enabled, "frequency": b.frequency, "save_s3": b.save_s3,
            "latest_log": b.executions.first().map(|e| json!({"status": e.status, "size": e.size, "created_at": e.created_at, "message": e.message})),
        })).collect::<Vec<_>>(),
        "created_at": TS,
        "updated_at": TS,
    });
    if sensitive {
        v["postgres_password"] = json!(d.password);
        v["internal_db_url"] = json!(format!("postgres://{}:{}@{}:5432/{}", d.user, d.password, d.uuid, d.db_name));
    }
    v
}

async fn projects(State(s): S) -> Response {
    let w = s.world();
    json_response(StatusCode::OK, &Value::Array(w.cf.projects.iter().map(project_json).collect()))
}

async fn project(State(s): S, Path(uuid): Path<String>) -> Response {
    let w = s.world();
    match w.cf.projects.iter().find(|p| p.uuid == uuid) {
        Some(p) => {
            let mut v = project_json(p);
            v["environments"] = Value::Array(p.envs.iter().map(|e| env_json(e, p.id)).collect());
            json_response(StatusCode::OK, &v)
        }
        None => message(StatusCode::NOT_FOUND, "Project not found."),
    }
}

/// `GET /projects/{uuid}/environments`: the project's environments.
async fn environments(State(s): S, Path(uuid): Path<String>) -> Response {
    let w = s.world();
    match w.cf.projects.iter().find(|p| p.uuid == uuid) {
        Some(p) => json_response(StatusCode::OK, &Value::Array(p.envs.iter().map(|e| env_json(e, p.id)).collect())),
        None => message(StatusCode::NOT_FOUND, "Project not found."),
    }
}

async fn environment(State(s): S, Path((uuid, env)): Path<(String, String)>) -> Response {
    let w = s.world();
    let Some(p) = w.cf.projects.iter().find(|p| p.uuid == uuid) else {
        return message(StatusCode::NOT_FOUND, "Project not found.");
    };
    let Some(e) = p.envs.iter().find(|e| e.name == env || e.uuid == env) else {
        return message(StatusCode::NOT_FOUND, "Environment not found.");
    };
    let mut v = env_json(e, p.id);
    v["applications"] = Value::Array(w.cf.apps.iter().filter(|a| a.env_id == e.id).map(|a| app_json(&w.cf, a)).collect());
    v["postgresqls"] = Value::Array(w.cf.databases.iter().filter(|d| d.env_id == e.id).map(|d| db_json(&w.cf, d, false)).collect());
    for k in ["redis", "mongodbs", "mysqls", "mariadbs", "services"] {
        v[k] = json!([]);
    }
    json_response(StatusCode::OK, &v)
}

async fn applications(State(s): S) -> Response {
    let mut w = s.world();
    w.sync(chrono::Utc::now());
    deploy::tick(&mut w.cf, chrono::Utc::now());
    json_response(StatusCode::OK, &Value::Array(w.cf.apps.iter().map(|a| app_json(&w.cf, a)).collect()))
}

async fn application(State(s): S, Path(uuid): Path<String>) -> Response {
    let mut w = s.world();
    w.sync(chrono::Utc::now());
    deploy::tick(&mut w.cf, chrono::Utc::now());
    match w.cf.apps.iter().find(|a| a.uuid == uuid) {
        Some(a) => json_response(StatusCode::OK, &app_json(&w.cf, a)),
        None => message(StatusCode::NOT_FOUND, "Application not found."),
    }
}

async fn databases(State(s): S) -> Response {
    let sens = sensitive(&s);
    let mut w = s.world();
    w.sync(chrono::Utc::now());
    databases::tick(&mut w, chrono::Utc::now());
    json_response(StatusCode::OK, &Value::Array(w.cf.databases.iter().map(|d| db_json(&w.cf, d, sens)).collect()))
}

async fn database(State(s): S, Path(uuid): Path<String>) -> Response {
    let sens = sensitive(&s);
    let mut w = s.world();
    w.sync(chrono::Utc::now());
    databases::tick(&mut w, chrono::Utc::now());
    match w.cf.databases.iter().find(|d| d.uuid == uuid) {
        Some(d) => json_response(StatusCode::OK, &db_json(&w.cf, d, sens)),
        None => message(StatusCode::NOT_FOUND, "Database not found."),
    }
}

fn server_json(sv: &super::world::CServer, id: usize) -> Value {
    json!({
        "id": id as i64 + 1, "uuid": sv.uuid, "name": sv.name, "description": format!("Hetzner server {}", sv.hetzner),
        "ip": sv.ip, "user": "root", "port": 22, "proxy": {"type": "traefik", "status": "running"}, "proxy_type": "traefik",
        "high_disk_usage_notification_sent": false, "unreachable_notification_sent": false, "unreachable_count": 0,
        "validation_logs": "", "log_drain_notification_sent": false, "swarm_cluster": "",
        "settings": {"is_reachable": true, "is_usable": true},
    })
}

async fn servers(State(s): S) -> Response {
    let w = s.world();
    json_response(StatusCode::OK, &Value::Array(w.cf.servers.iter().enumerate().map(|(i, sv)| server_json(sv, i)).collect()))
}

async fn server(State(s): S, Path(uuid): Path<String>) -> Response {
    let w = s.world();
    match w.cf.servers.iter().enumerate().find(|(_, sv)| sv.uuid == uuid) {
        Some((i, sv)) => json_response(StatusCode::OK, &server_json(sv, i)),
        None => message(StatusCode::NOT_FOUND, "Server not found."),
    }
}

fn resource_rows(w: &CoolifyWorld, server: Option<usize>) -> Vec<Value> {
    let mut out = Vec::new();
    for a in w.apps.iter().filter(|a| server.is_none_or(|s| a.server == s)) {
        out.push(json!({"id": a.id, "uuid": a.uuid, "name": a.name, "type": "application", "status": a.status, "created_at": TS, "updated_at": TS}));
    }
    for (i, d) in w.databases.iter().enumerate().filter(|(_, d)| server.is_none_or(|s| d.server == s)) {
        out.push(json!({"id": 1000 + i as i64, "uuid": d.uuid, "name": d.name, "type": "standalone-postgresql", "status": d.status, "created_at": TS, "updated_at": TS}));
    }
    out
}

async fn server_resources(State(s): S, Path(uuid): Path<String>) -> Response {
    let w = s.world();
    match w.cf.servers.iter().position(|sv| sv.uuid == uuid) {
        Some(i) => json_response(StatusCode::OK, &Value::Array(resource_rows(&w.cf, Some(i)))),
        None => message(StatusCode::NOT_FOUND, "Server not found."),
    }
}

async fn resources(State(s): S) -> Response {
    let w = s.world();
    json_response(StatusCode::OK, &Value::Array(resource_rows(&w.cf, None)))
}
