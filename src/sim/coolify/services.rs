//! `/services`: one-click and compose stacks (an application and its
//! databases): listed, started, stopped, restarted, their variables and the
//! logs of each part. Coolify has no backups for the databases inside them.

use super::{S, message, need, sensitive};
use crate::sim::json_response;
use crate::sim::world::CService;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

fn service_json(w: &crate::sim::world::CoolifyWorld, s: &CService, parts: bool) -> Value {
    let mut v = json!({
        "id": s.id, "uuid": s.uuid, "name": s.name, "environment_id": s.env_id, "server_id": s.server as i64 + 1,
        "description": null, "destination_type": "App\\Models\\StandaloneDocker", "destination_id": s.server as i64 + 1,
        "connect_to_docker_network": false, "is_container_label_escape_enabled": true, "is_container_label_readonly_enabled": true,
        "config_hash": "", "service_type": s.service_type, "status": s.status,
        "created_at": super::TS, "updated_at": super::TS, "deleted_at": null,
    });
    let _ = w;
    if parts {
        let state = if s.status.starts_with("running") { "running:healthy" } else { "exited" };
        v["applications"] = s
            .apps
            .iter()
            .map(|(n, fqdn, image)| json!({"uuid": format!("{}-{n}", s.uuid), "name": n, "human_name": n, "fqdn": fqdn, "image": image, "status": state}))
            .collect();
        v["databases"] = s
            .dbs
            .iter()
            .map(|(n, image)| json!({"uuid": format!("{}-{n}", s.uuid), "name": n, "human_name": n, "image": image, "status": state}))
            .collect();
    }
    v
}

pub(super) async fn list(State(s): S) -> Response {
    let mut w = s.world();
    w.sync(chrono::Utc::now());
    json_response(StatusCode::OK, &Value::Array(w.cf.services.iter().map(|x| service_json(&w.cf, x, false)).collect()))
}

pub(super) async fn get(State(s): S, Path(uuid): Path<String>) -> Response {
    let mut w = s.world();
    w.sync(chrono::Utc::now());
    match w.cf.services.iter().find(|x| x.uuid == uuid) {
        Some(x) => json_response(StatusCode::OK, &service_json(&w.cf, x, true)),
        None => message(StatusCode::NOT_FOUND, "Service not found."),
    }
}

/// `POST /services/{uuid}/start|stop|restart`.
pub(super) async fn action(State(s): S, Path((uuid, verb)): Path<(String, String)>) -> Response {
    if !matches!(verb.as_str(), "start" | "stop" | "restart") {
        return message(StatusCode::NOT_FOUND, "Not found.");
    }
    if let Err(r) = need(&s, "deploy") {
        return r;
    }
    let mut w = s.world();
    let Some(x) = w.cf.services.iter_mut().find(|x| x.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Service not found.") };
    let running = x.status.starts_with("running");
    match (verb.as_str(), running) {
        ("start", true) => message(StatusCode::BAD_REQUEST, "Service is already running."),
        ("stop", false) => message(StatusCode::BAD_REQUEST, "Service is already stopped."),
        ("start", false) | ("restart", _) => {
            x.status = "running:healthy".into();
            let m = if verb == "start" { "Service starting request queued." } else { "Service restarting request queued." };
            json_response(StatusCode::OK, &json!({"message": m}))
        }
        _ => {
            x.status = "exited".into();
            json_response(StatusCode::OK, &json!({"message": "Service stopping request queued."}))
        }
    }
}

pub(super) async fn envs(State(s): S, Path(uuid): Path<String>) -> Response {
    let sens = sensitive(&s);
    let w = s.world();
    match w.cf.services.iter().find(|x| x.uuid == uuid) {
        Some(x) => json_response(StatusCode::OK, &Value::Array(x.envs.iter().map(|e| super::envs::env_json(e, sens)).collect())),
        None => message(StatusCode::NOT_FOUND, "Service not found."),
    }
}

/// `GET /services/{uuid}/logs?sub_service_name=&lines=`: a part's container
/// log (read:sensitive, as every log through the API).
pub(super) async fn logs(State(s): S, Path(uuid): Path<String>, Query(q): Query<Vec<(String, String)>>) -> Response {
    if !sensitive(&s) {
        return message(StatusCode::FORBIDDEN, "Missing required permissions: read:sensitive");
    }
    let get = |k: &str| q.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let lines: usize = match get("lines").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => {
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"message": "Validation failed.", "errors": {"lines": ["The lines field must be between 1 and 10000."]}}),
            );
        }
    };
    let w = s.world();
    let Some(x) = w.cf.services.iter().find(|x| x.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Service not found.") };
    let Some(part) = get("sub_service_name") else {
        return json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": "Validation failed.", "errors": {"sub_service_name": ["The sub service name field is required."]}}),
        );
    };
    let is_db = x.dbs.iter().any(|(n, _)| *n == part);
    if !is_db && !x.apps.iter().any(|(n, _, _)| *n == part) {
        return message(StatusCode::NOT_FOUND, "Sub-service not found.");
    }
    if !x.status.starts_with("running") {
        return json_response(StatusCode::OK, &json!({"logs": ""}));
    }
    let start = chrono::Utc::now() - chrono::Duration::seconds(lines as i64 * 7);
    let text: Vec<String> = (0..lines)
        .map(|i| {
            let t = (start + chrono::Duration::seconds(i as i64 * 7)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
            if is_db {
                format!("{t} LOG:  checkpoint complete: wrote {} buffers", 10 + i % 90)
            } else {
                format!("{t} [info] GET /api/event 202 in {}ms", 2 + i % 17)
            }
        })
        .collect();
    json_response(StatusCode::OK, &json!({"logs": text.join("\n")}))
}
