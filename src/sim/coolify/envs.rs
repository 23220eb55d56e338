//! Environment variables of an application, with the real endpoint's quirks:
//! PATCH matches by key, bulk is an upsert validated item by item.

use super::{S, message, need, sensitive};
use crate::sim::json_response;
use crate::sim::world::{CEnvVar, Rng};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

pub(super) fn env_json(e: &CEnvVar, sens: bool) -> Value {
    let mut v = json!({
        "uuid": e.uuid, "key": e.key, "is_preview": e.is_preview, "is_literal": e.is_literal, "is_multiline": e.is_multiline,
        "is_shown_once": e.is_shown_once, "is_runtime": e.is_runtime, "is_buildtime": e.is_buildtime, "is_shared": false,
        "comment": null, "version": "4.3.10", "created_at": "2026-01-04T18:22:10.000000Z", "updated_at": "2026-01-04T18:22:10.000000Z",
        "resourceable_type": "App\\\\Models\\\\Application", "resourceable_id": 1,
    });
    // Values need read:sensitive, and are never shown for shown-once variables.
    if sens && !e.is_shown_once {
        v["value"] = json!(e.value);
        v["real_value"] = json!(e.value);
    }
    v
}

fn valid_key(k: &str) -> bool {
    let mut c = k.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn invalid_key() -> Response {
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({"message": "Validation failed.", "errors": {"key": ["The key field format is invalid."]}}),
    )
}

fn from_body(b: &Value, uuid: String) -> CEnvVar {
    CEnvVar {
        uuid,
        key: b["key"].as_str().unwrap_or("").to_string(),
        value: b["value"].as_str().unwrap_or("").to_string(),
        is_preview: b["is_preview"].as_bool().unwrap_or(false),
        is_buildtime: b["is_buildtime"].as_bool().unwrap_or(true),
        is_runtime: b["is_runtime"].as_bool().unwrap_or(true),
        is_shown_once: b["is_shown_once"].as_bool().unwrap_or(false),
        is_literal: b["is_literal"].as_bool().unwrap_or(false),
        is_multiline: b["is_multiline"].as_bool().unwrap_or(false),
    }
}

pub(super) async fn list(State(s): S, Path(uuid): Path<String>) -> Response {
    let sens = sensitive(&s);
    let w = s.world();
    match w.cf.apps.iter().find(|a| a.uuid == uuid) {
        Some(a) => {
            // Production variables first, then preview ones.
            let mut v: Vec<&CEnvVar> = a.envs.iter().collect();
            v.sort_by_key(|e| e.is_preview);
            json_response(StatusCode::OK, &Value::Array(v.into_iter().map(|e| env_json(e, sens)).collect()))
        }
        None => message(StatusCode::NOT_FOUND, "Application not found."),
    }
}

/// What `POST /applications/{uuid}/envs` takes: the spec's fields and the
/// three the code accepts beside them (`is_runtime`, `is_buildtime`, `comment`).
pub(crate) const ENV_FIELDS: &[&str] =
    &["key", "value", "is_preview", "is_literal", "is_multiline", "is_shown_once", "is_runtime", "is_buildtime", "comment"];

pub(super) async fn create(State(s): S, Path(uuid): Path<String>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    if let Some(bad) = b.as_object().and_then(|o| o.keys().find(|k| !ENV_FIELDS.contains(&k.as_str()))) {
        return json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": "Validation failed.", "errors": {bad.clone(): ["This field is not allowed."]}}),
        );
    }
    let mut w = s.world();
    let fresh = w.rng.cuid();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let e = from_body(&b, fresh.clone());
    if !valid_key(&e.key) {
        return invalid_key();
    }
    if a.envs.iter().any(|x| x.key == e.key && x.is_preview == e.is_preview) {
        return message(StatusCode::CONFLICT, "Environment variable already exists. Use PATCH request to update it.");
    }
    a.envs.push(e);
    json_response(StatusCode::CREATED, &json!({"uuid": fresh}))
}

pub(super) async fn update(State(s): S, Path(uuid): Path<String>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let sens = sensitive(&s);
    let mut w = s.world();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let key = b["key"].as_str().unwrap_or("");
    let preview = b["is_preview"].as_bool().unwrap_or(false);
    let Some(e) = a.envs.iter_mut().find(|x| x.key == key && x.is_preview == preview) else {
        return message(StatusCode::NOT_FOUND, "Environment variable not found.");
    };
    let keep = e.uuid.clone();
    let mut n = from_body(&b, keep);
    if b.get("is_buildtime").is_none() {
        n.is_buildtime = e.is_buildtime;
    }
    *e = n;
    let out = env_json(e, sens);
    json_response(StatusCode::CREATED, &out)
}

pub(super) async fn bulk(State(s): S, Path(uuid): Path<String>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let sens = sensitive(&s);
    let Some(items) = b["data"].as_array().filter(|d| !d.is_empty()) else {
        return message(StatusCode::BAD_REQUEST, "Bulk data is required.");
    };
    let mut w = s.world();
    let mut rng = Rng::new(w.rng.next_u64());
    let rejected = w.cf.reject_env.clone();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let mut out = Vec::new();
    for item in items {
        // Validated one by one: a bad item stops here, earlier ones stay saved.
        let k = item["key"].as_str().unwrap_or("");
        if !valid_key(k) {
            return invalid_key();
        }
        if rejected.iter().any(|r| r == k) {
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"message": "Validation failed.", "errors": {"value": ["The value field is invalid."]}}),
            );
        }
        let preview = item["is_preview"].as_bool().unwrap_or(false);
        match a.envs.iter_mut().find(|x| x.key == k && x.is_preview == preview) {
            Some(e) => {
                e.value = item["value"].as_str().unwrap_or("").to_string();
                out.push(env_json(e, sens));
            }
            None => {
                let e = from_body(item, rng.cuid());
                out.push(env_json(&e, sens));
                a.envs.push(e);
            }
        }
    }
    json_response(StatusCode::CREATED, &Value::Array(out))
}

pub(super) async fn delete(State(s): S, Path((uuid, env)): Path<(String, String)>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let mut w = s.world();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let before = a.envs.len();
    a.envs.retain(|e| e.uuid != env);
    if a.envs.len() == before {
        return message(StatusCode::NOT_FOUND, "Environment variable not found.");
    }
    json_response(StatusCode::OK, &json!({"message": "Environment variable deleted."}))
}
