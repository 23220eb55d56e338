//! Database start/stop/restart and scheduled backups (trigger one now with
//! `backup_now`, follow its execution).

use super::{S, message, need};
use crate::sim::json_response;
use crate::sim::world::CExecution;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// Executions still running finish after their time, their file written on
/// the database's server (the data as it is then).
pub(super) fn tick(w: &mut crate::sim::World, now: chrono::DateTime<chrono::Utc>) {
    let speed = w.cf.speed;
    for d in &mut w.cf.databases {
        for b in &mut d.backups {
            for e in &mut b.executions {
                if e.status == "running"
                    && let Ok(started) = chrono::DateTime::parse_from_rfc3339(&e.created_at)
                    && now - started.with_timezone(&chrono::Utc) > chrono::Duration::milliseconds((2500.0 * speed) as i64)
                {
                    let server = w.pg.servers.get(&d.uuid);
                    let Some((db, version)) = server.and_then(|s| s.dbs.get(&d.db_name).map(|db| (db.clone(), s.version))) else {
                        e.status = "failed".into();
                        e.message = format!("pg_dump: error: database \"{}\" does not exist", d.db_name);
                        continue;
                    };
                    let dump = crate::sim::pg::Dump { db, version, truncated: false };
                    e.status = "success".into();
                    e.size = crate::sim::pg::dump_size(&dump) as i64;
                    e.message = String::new();
                    w.pg.files.insert(e.filename.clone(), dump);
                }
            }
        }
    }
}

fn backup_json(b: &crate::sim::world::CBackup) -> Value {
    json!({
        "uuid": b.uuid, "id": b.id, "enabled": b.enabled, "frequency": b.frequency, "save_s3": b.save_s3,
        "s3_storage_id": if b.save_s3 { json!(1) } else { Value::Null }, "databases_to_backup": null, "dump_all": false,
        "database_backup_retention_amount_locally": b.retention_local, "database_backup_retention_days_locally": 0,
        "database_backup_retention_max_storage_locally": 0, "database_backup_retention_amount_s3": b.retention_s3,
        "database_backup_retention_days_s3": 0, "database_backup_retention_max_storage_s3": 0, "timeout": 3600,
        "executions": b.executions.iter().map(execution_json).collect::<Vec<_>>(),
    })
}

fn execution_json(e: &CExecution) -> Value {
    json!({"uuid": e.uuid, "filename": e.filename, "size": e.size, "created_at": e.created_at, "message": e.message, "status": e.status})
}

pub(super) async fn backups(State(s): S, Path(uuid): Path<String>) -> Response {
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.sync(now);
    tick(&mut w, now);
    match w.cf.databases.iter().find(|d| d.uuid == uuid) {
        Some(d) => json_response(StatusCode::OK, &Value::Array(d.backups.iter().map(backup_json).collect())),
        None => message(StatusCode::NOT_FOUND, "Database not found."),
    }
}

pub(super) async fn executions(State(s): S, Path((uuid, backup)): Path<(String, String)>) -> Response {
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.sync(now);
    tick(&mut w, now);
    let Some(b) = w.cf.databases.iter().find(|d| d.uuid == uuid).and_then(|d| d.backups.iter().find(|b| b.uuid == backup)) else {
        return message(StatusCode::NOT_FOUND, "Backup configuration not found.");
    };
    json_response(StatusCode::OK, &json!({"executions": b.executions.iter().map(execution_json).collect::<Vec<_>>()}))
}

/// `PATCH /databases/{uuid}/backups/{backup}`; `{"backup_now": true}` runs one.
pub(super) async fn patch_backup(State(s): S, Path((uuid, backup)): Path<(String, String)>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    let now = chrono::Utc::now();
    let mut w = s.world();
    let fresh = w.rng.cuid();
    let Some(d) = w.cf.databases.iter_mut().find(|d| d.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Database not found.") };
    let running = d.status.starts_with("running");
    let (slug, dbname) = (d.name.clone(), d.db_name.clone());
    let Some(bk) = d.backups.iter_mut().find(|x| x.uuid == backup) else {
        return message(StatusCode::NOT_FOUND, "Backup configuration not found.");
    };
    if let Some(f) = b["frequency"].as_str() {
        bk.frequency = f.to_string();
    }
    if let Some(e) = b["enabled"].as_bool() {
        bk.enabled = e;
    }
    // The backup job silently skips a database that is not running.
    if b["backup_now"].as_bool() == Some(true) && running {
        bk.executions.insert(
            0,
            CExecution {
                uuid: fresh,
                filename: format!("/data/coolify/backups/databases/acme-0/{slug}-{uuid}/pg-dump-{dbname}-{}.dmp", now.timestamp()),
                size: 0,
                status: "running".into(),
                message: String::new(),
                created_at: now.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            },
        );
    }
    json_response(StatusCode::OK, &json!({"message": "Database backup configuration updated"}))
}

pub(super) async fn db_action(State(s): S, Path((uuid, verb)): Path<(String, String)>) -> Response {
    if let Err(r) = need(&s, "deploy") {
        return r;
    }
    let mut w = s.world();
    let Some(d) = w.cf.databases.iter_mut().find(|d| d.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Database not found.") };
    let running = d.status.starts_with("running");
    match (verb.as_str(), running) {
        ("start", true) => message(StatusCode::BAD_REQUEST, "Database is already running."),
        ("stop", false) => message(StatusCode::BAD_REQUEST, "Database is already stopped."),
        ("start", false) | ("restart", _) => {
            d.status = "running:healthy".into();
            json_response(
                StatusCode::OK,
                &json!({"message": if verb == "start" { "Database starting request queued." } else { "Database restarting request queued." }}),
            )
        }
        ("stop", true) => {
            d.status = "exited".into();
            json_response(StatusCode::OK, &json!({"message": "Database stopping request queued."}))
        }
        _ => message(StatusCode::NOT_FOUND, "Not found."),
    }
}
