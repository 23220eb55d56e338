//! `/applications/{uuid}/scheduled-tasks`: commands Coolify runs in an
//! application's container on a schedule (the nightly preview copy).

use super::{S, message, need};
use crate::sim::json_response;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// One scheduled task as Coolify stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct CTask {
    pub uuid: String,
    pub name: String,
    pub command: String,
    pub frequency: String,
    pub container: Option<String>,
    pub timeout: i64,
    pub enabled: bool,
}

fn task_json(t: &CTask) -> Value {
    json!({"uuid": t.uuid, "name": t.name, "command": t.command, "frequency": t.frequency, "container": t.container,
        "timeout": t.timeout, "enabled": t.enabled, "created_at": super::TS, "updated_at": super::TS})
}

/// What Coolify accepts as a frequency: a cron expression or one of its words.
fn valid_frequency(f: &str) -> bool {
    const WORDS: &[&str] = &["every_minute", "hourly", "daily", "weekly", "monthly", "yearly"];
    if WORDS.contains(&f) {
        return true;
    }
    let fields: Vec<&str> = f.split_whitespace().collect();
    fields.len() == 5 && fields.iter().all(|x| x.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | ',' | '-' | '/')))
}

fn invalid(field: &str, msg: &str) -> Response {
    json_response(StatusCode::UNPROCESSABLE_ENTITY, &json!({"message": "Validation failed.", "errors": {field: [msg]}}))
}

pub(super) async fn list(State(s): S, Path(uuid): Path<String>) -> Response {
    let w = s.world();
    match w.cf.apps.iter().find(|a| a.uuid == uuid) {
        Some(a) => json_response(StatusCode::OK, &Value::Array(a.tasks.iter().map(task_json).collect())),
        None => message(StatusCode::NOT_FOUND, "Application not found."),
    }
}

pub(super) async fn create(State(s): S, Path(uuid): Path<String>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let allowed = ["name", "command", "frequency", "container", "timeout", "enabled"];
    if let Some(bad) = b.as_object().and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str()))) {
        return invalid(bad, "This field is not allowed.");
    }
    for f in ["name", "command", "frequency"] {
        if b[f].as_str().is_none_or(str::is_empty) {
            return invalid(f, &format!("The {f} field is required."));
        }
    }
    let frequency = b["frequency"].as_str().unwrap_or("").to_string();
    if !valid_frequency(&frequency) {
        return invalid("frequency", "Invalid cron expression or frequency format.");
    }
    let mut w = s.world();
    let fresh = w.rng.cuid();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let t = CTask {
        uuid: fresh,
        name: b["name"].as_str().unwrap_or("").to_string(),
        command: b["command"].as_str().unwrap_or("").to_string(),
        frequency,
        container: b["container"].as_str().map(str::to_string),
        timeout: b["timeout"].as_i64().unwrap_or(300),
        enabled: b["enabled"].as_bool().unwrap_or(true),
    };
    let out = task_json(&t);
    a.tasks.push(t);
    json_response(StatusCode::CREATED, &out)
}

pub(super) async fn update(State(s): S, Path((uuid, task)): Path<(String, String)>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    if let Some(f) = b["frequency"].as_str()
        && !valid_frequency(f)
    {
        return invalid("frequency", "Invalid cron expression or frequency format.");
    }
    let mut w = s.world();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let Some(t) = a.tasks.iter_mut().find(|t| t.uuid == task) else { return message(StatusCode::NOT_FOUND, "Scheduled task not found.") };
    if let Some(v) = b["name"].as_str() {
        t.name = v.into();
    }
    if let Some(v) = b["command"].as_str() {
        t.command = v.into();
    }
    if let Some(v) = b["frequency"].as_str() {
        t.frequency = v.into();
    }
    if let Some(v) = b["enabled"].as_bool() {
        t.enabled = v;
    }
    json_response(StatusCode::OK, &task_json(t))
}
