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
                    if let (true, Some(s3)) = (b.save_s3, w.cf.s3.first()) {
                        w.pg.objects
                            .insert(crate::sim::pg::object_key(&s3.bucket, &e.filename), crate::sim::pg::Object::Dump(dump.clone()));
                    }
                    if !b.disable_local {
                        w.pg.files.insert(e.filename.clone(), dump);
                    }
                }
            }
        }
    }
}

fn backup_json(b: &crate::sim::world::CBackup) -> Value {
    json!({
        "uuid": b.uuid, "id": b.id, "enabled": b.enabled, "frequency": b.frequency, "save_s3": b.save_s3,
        "s3_storage_id": if b.save_s3 { json!(1) } else { Value::Null }, "disable_local_backup": b.disable_local,
        "databases_to_backup": null, "dump_all": false,
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

fn invalid(field: &str, msg: &str) -> Response {
    json_response(StatusCode::UNPROCESSABLE_ENTITY, &json!({"message": "Validation failed.", "errors": {field: [msg]}}))
}

/// `GET /databases/{uuid}/logs?lines=`: its container's log; a stopped one has none (400).
pub(super) async fn logs(
    State(s): S,
    Path(uuid): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> Response {
    let lines: u64 = match q.iter().find(|(k, _)| k == "lines").map(|(_, v)| v.parse::<u64>()) {
        None => 100,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => return invalid("lines", "The lines field must be an integer."),
    };
    let w = s.world();
    let Some(d) = w.cf.databases.iter().find(|d| d.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Database not found.") };
    if !d.status.starts_with("running") {
        return message(StatusCode::BAD_REQUEST, "Database is not running.");
    }
    let mut rng = crate::sim::world::Rng::new(d.db_name.len() as u64 * 7919);
    let start = chrono::Utc::now() - chrono::Duration::seconds(lines as i64 * 5);
    let text: Vec<String> =
        (0..lines).map(|n| crate::sim::logs::db_line(&mut rng, &(start + chrono::Duration::seconds(n as i64 * 5)).to_rfc3339())).collect();
    json_response(StatusCode::OK, &json!({"logs": text.join("\n")}))
}

/// `GET /s3-storages`: the destinations backups can go to.
pub(super) async fn s3_storages(State(s): S) -> Response {
    let w = s.world();
    let list: Vec<Value> =
        w.cf.s3
            .iter()
            .map(|x| {
                json!({"uuid": x.uuid, "name": x.name, "description": null, "endpoint": x.endpoint, "bucket": x.bucket, "region": x.region,
                "is_usable": x.is_usable, "team_id": 0, "created_at": super::TS, "updated_at": super::TS})
            })
            .collect();
    json_response(StatusCode::OK, &Value::Array(list))
}

/// The fields `POST /databases/postgresql` takes (DatabasesController).
const PG_FIELDS: &[&str] = &[
    "server_uuid",
    "project_uuid",
    "environment_name",
    "environment_uuid",
    "postgres_user",
    "postgres_password",
    "postgres_db",
    "postgres_initdb_args",
    "postgres_host_auth_method",
    "postgres_conf",
    "destination_uuid",
    "name",
    "description",
    "image",
    "is_public",
    "public_port",
    "public_port_timeout",
    "limits_memory",
    "limits_memory_swap",
    "limits_memory_swappiness",
    "limits_memory_reservation",
    "limits_cpus",
    "limits_cpuset",
    "limits_cpu_shares",
    "instant_deploy",
    "tags",
];

/// `POST /databases/postgresql`: a standalone PostgreSQL in a project's
/// environment on a server; `201 {uuid, internal_db_url}` (the spec says 200:
/// Coolify answers 201, and shows the credentials even to read-less tokens).
pub(super) async fn create_postgres(State(s): S, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    if let Some(bad) = b.as_object().and_then(|o| o.keys().find(|k| !PG_FIELDS.contains(&k.as_str()))) {
        return invalid(bad, "This field is not allowed.");
    }
    for f in ["server_uuid", "project_uuid"] {
        if b[f].as_str().is_none_or(str::is_empty) {
            return invalid(f, &format!("The {} field is required.", f.replace('_', " ")));
        }
    }
    if b["environment_name"].as_str().is_none_or(str::is_empty) && b["environment_uuid"].as_str().is_none_or(str::is_empty) {
        return invalid("environment_name", "The environment name field is required when environment uuid is not present.");
    }
    let port = match &b["public_port"] {
        Value::Null => None,
        v => match v.as_u64().filter(|p| (1024..=65535).contains(p)) {
            Some(p) => Some(p as u16),
            None => return invalid("public_port", "The public port field must be between 1024 and 65535."),
        },
    };
    let public = b["is_public"].as_bool().unwrap_or(false);
    if public && port.is_none() {
        return invalid("public_port", "The public port field is required when is public is true.");
    }
    let mut w = s.world();
    let Some(server) = w.cf.servers.iter().position(|x| Some(x.uuid.as_str()) == b["server_uuid"].as_str()) else {
        return message(StatusCode::NOT_FOUND, "Server not found.");
    };
    let Some(p) = w.cf.projects.iter().find(|p| Some(p.uuid.as_str()) == b["project_uuid"].as_str()) else {
        return message(StatusCode::NOT_FOUND, "Project not found.");
    };
    let env = p
        .envs
        .iter()
        .find(|e| b["environment_name"].as_str() == Some(e.name.as_str()) || b["environment_uuid"].as_str() == Some(e.uuid.as_str()));
    let Some(env) = env else { return message(StatusCode::NOT_FOUND, "Environment not found.") };
    let env_id = env.id;
    let site = crate::sim::world::sites().iter().position(|x| x.name == p.name).unwrap_or(0);
    if public && w.cf.databases.iter().any(|d| d.server == server && d.public_port == port) {
        return invalid("public_port", "The public port is already in use on this server.");
    }
    let uuid = w.rng.cuid();
    let name = b["name"].as_str().map(str::to_string).unwrap_or_else(|| format!("postgresql-database-{uuid}"));
    let user = b["postgres_user"].as_str().unwrap_or("postgres").to_string();
    let db_name = b["postgres_db"].as_str().unwrap_or("postgres").to_string();
    let password = b["postgres_password"].as_str().map(str::to_string).unwrap_or_else(|| w.rng.hex(32));
    let image = b["image"].as_str().unwrap_or("postgres:17-alpine").to_string();
    let version = image.split(':').nth(1).and_then(|t| t.split(['-', '.']).next()).and_then(|v| v.parse().ok()).unwrap_or(17);
    let running = b["instant_deploy"].as_bool().unwrap_or(false);
    w.cf.databases.push(crate::sim::world::CDatabase {
        uuid: uuid.clone(),
        name,
        site,
        env_id,
        server,
        image,
        status: if running { "running:healthy".into() } else { "exited".into() },
        db_name: db_name.clone(),
        user: user.clone(),
        password: password.clone(),
        public_port: if public { port } else { None },
        backups: vec![],
    });
    // Its PostgreSQL: an empty database of that name.
    let mut dbs = std::collections::BTreeMap::new();
    dbs.insert(db_name.clone(), crate::sim::pg::Db::default());
    dbs.insert("postgres".to_string(), crate::sim::pg::Db::default());
    w.pg.servers.insert(uuid.clone(), crate::sim::pg::PgServer { version, dbs });
    let mut out = json!({"uuid": uuid, "internal_db_url": format!("postgres://{user}:{password}@{uuid}:5432/{db_name}")});
    if let (true, Some(p)) = (public, port) {
        let ip = w.cf.servers[server].ip.clone();
        out["external_db_url"] = json!(format!("postgres://{user}:{password}@{ip}:{p}/{db_name}"));
    }
    json_response(StatusCode::CREATED, &out)
}

const BACKUP_FIELDS: &[&str] = &[
    "frequency",
    "enabled",
    "save_s3",
    "s3_storage_uuid",
    "databases_to_backup",
    "dump_all",
    "backup_now",
    "database_backup_retention_amount_locally",
    "database_backup_retention_days_locally",
    "database_backup_retention_max_storage_locally",
    "database_backup_retention_amount_s3",
    "database_backup_retention_days_s3",
    "database_backup_retention_max_storage_s3",
    "timeout",
];

/// `POST /databases/{uuid}/backups`: a backup schedule, to S3 when asked
/// (the destination must exist and be usable); `backup_now` runs it at once.
pub(super) async fn create_backup(State(s): S, Path(uuid): Path<String>, Json(b): Json<Value>) -> Response {
    if let Err(r) = need(&s, "write") {
        return r;
    }
    if let Some(bad) = b.as_object().and_then(|o| o.keys().find(|k| !BACKUP_FIELDS.contains(&k.as_str()))) {
        return invalid(bad, "This field is not allowed.");
    }
    let Some(freq) = b["frequency"].as_str().filter(|f| !f.is_empty()) else {
        return invalid("frequency", "The frequency field is required.");
    };
    if crate::sim::rules::coolify_cron(freq).is_none() {
        return invalid("frequency", "Invalid cron expression or frequency format.");
    }
    let save_s3 = b["save_s3"].as_bool().unwrap_or(false);
    let now = chrono::Utc::now();
    let mut w = s.world();
    if save_s3 {
        let Some(s3) = b["s3_storage_uuid"].as_str() else {
            return invalid("s3_storage_uuid", "The s3 storage uuid field is required when save s3 is true.");
        };
        match w.cf.s3.iter().find(|x| x.uuid == s3) {
            None => return message(StatusCode::NOT_FOUND, "S3 storage not found."),
            Some(x) if !x.is_usable => return invalid("s3_storage_uuid", "The S3 storage is not usable: validate it first."),
            Some(_) => {}
        }
    }
    let fresh = w.rng.cuid();
    let exec_uuid = w.rng.cuid();
    let id = w.cf.next_id;
    w.cf.next_id += 1;
    let Some(d) = w.cf.databases.iter_mut().find(|d| d.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Database not found.") };
    let running = d.status.starts_with("running");
    let mut bk = crate::sim::world::CBackup {
        uuid: fresh.clone(),
        id,
        frequency: freq.to_string(),
        enabled: b["enabled"].as_bool().unwrap_or(true),
        save_s3,
        // Turned on in Coolify's UI only: the API's create does not take it.
        disable_local: false,
        retention_local: b["database_backup_retention_amount_locally"].as_i64().unwrap_or(0),
        retention_s3: b["database_backup_retention_amount_s3"].as_i64().unwrap_or(0),
        executions: vec![],
    };
    // The backup job skips a database that is not running.
    if b["backup_now"].as_bool() == Some(true) && running {
        bk.executions.push(CExecution {
            uuid: exec_uuid,
            filename: format!("/data/coolify/backups/databases/acme-0/{}-{uuid}/pg-dump-{}-{}.dmp", d.name, d.db_name, now.timestamp()),
            size: 0,
            status: "running".into(),
            message: String::new(),
            created_at: now.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        });
    }
    d.backups.push(bk);
    json_response(StatusCode::CREATED, &json!({"uuid": fresh, "message": "Backup configuration created successfully."}))
}
