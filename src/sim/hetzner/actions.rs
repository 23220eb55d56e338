//! `/actions`, server power actions, delete and metrics.

use super::{Params, S, created, error, invalid_input, not_found};
use crate::sim::json_response;
use crate::sim::world::Effect;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

type Q = Query<Vec<(String, String)>>;

pub(super) async fn list(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let ids: Vec<i64> = p.all("id").iter().filter_map(|i| i.parse().ok()).collect();
    if ids.is_empty() {
        return invalid_input("id", "at least one id is required");
    }
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let actions: Vec<Value> = w.hz.actions.iter().filter(|a| ids.contains(&a.id)).map(|a| a.json(now)).collect();
    json_response(StatusCode::OK, &json!({"actions": actions}))
}

/// `GET /servers/actions`: the actions of servers, filtered and paged.
pub(super) async fn list_servers_actions(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let now = chrono::Utc::now();
    let w = s.world();
    let items: Vec<Value> = w.hz.actions.iter().filter(|a| a.resources.iter().any(|(_, t)| *t == "server")).map(|a| a.json(now)).collect();
    match super::filtered(&p, items, &["id", "status"], &["id", "command", "status", "started", "finished"]) {
        Ok(items) => super::page_of("actions", items, page, per_page),
        Err(r) => r,
    }
}

pub(super) async fn get(State(s): S, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    match w.hz.actions.iter().find(|a| a.id == id) {
        Some(a) => json_response(StatusCode::OK, &json!({"action": a.json(now)})),
        None => not_found("action"),
    }
}

/// A host name as Hetzner takes it for server names and reverse DNS: labels of
/// letters, digits and `-`, dots between, at most 253 characters.
pub(super) fn hostname_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// `PUT /servers/{id}`: a new name (a unique host name) and/or labels.
pub(super) async fn update(State(s): S, Path(id): Path<String>, Json(b): Json<Value>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let mut w = s.world();
    let Some(i) = w.hz.servers.iter().position(|sv| sv.id == id) else { return not_found("server") };
    let name = match b.get("name").filter(|n| !n.is_null()) {
        None => None,
        Some(n) => match n.as_str().filter(|n| hostname_ok(n)) {
            None => return invalid_input("name", "must be a valid hostname"),
            Some(n) if w.hz.servers.iter().any(|sv| sv.name == n && sv.id != id) => {
                return error(
                    StatusCode::CONFLICT,
                    "uniqueness_error",
                    "server name is already used",
                    json!({"fields": [{"name": "name"}]}),
                );
            }
            Some(n) => Some(n.to_string()),
        },
    };
    let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
        Ok(l) => l,
        Err(m) => return invalid_input("labels", &m),
    };
    if let Some(n) = name {
        w.hz.servers[i].name = n;
    }
    if let Some(l) = labels {
        w.hz.servers[i].labels = l;
    }
    let v = w.hz.server_json(&w.hz.servers[i]);
    json_response(StatusCode::OK, &json!({"server": v}))
}

/// `POST /servers/{id}/actions/{verb}`: the power verbs (no body), and the
/// changes that take one (protection, backups, reverse DNS).
pub(super) async fn server_action(State(s): S, Path((id, verb)): Path<(String, String)>, body: axum::body::Bytes) -> Response {
    if matches!(verb.as_str(), "poweron" | "poweroff" | "reboot" | "reset" | "shutdown") {
        return power(State(s), Path((id, verb))).await;
    }
    let (b, id) = match super::action_args(&id, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(i) = w.hz.servers.iter().position(|sv| sv.id == id) else { return not_found("server") };
    if w.hz.busy(id, now) {
        return super::locked("server");
    }
    let command = match verb.as_str() {
        "attach_to_network" | "detach_from_network" => match super::networks::server_verb(&mut w.hz, i, &verb, &b) {
            Ok(c) => {
                let net = b["network"].as_i64().unwrap_or(0);
                let a = w.hz.start_action(c, vec![(id, "server"), (net, "network")], 1000, vec![], vec![]).json(now);
                return created(json!({"action": a}));
            }
            Err(r) => return r,
        },
        "change_protection" => {
            let (del, reb) = (b["delete"].as_bool(), b["rebuild"].as_bool());
            if del.is_none() && reb.is_none() {
                return invalid_input("delete", "delete or rebuild is required");
            }
            // Hetzner: the two must be the same.
            let on = del.or(reb).unwrap_or(false);
            if del.zip(reb).is_some_and(|(d, r)| d != r) {
                return invalid_input("rebuild", "delete and rebuild protection must be the same");
            }
            w.hz.servers[i].protect_delete = on;
            w.hz.servers[i].protect_rebuild = on;
            "change_protection"
        }
        "enable_backup" => {
            if w.hz.servers[i].backup_window.is_some() {
                return error(StatusCode::CONFLICT, "conflict", "backups are already enabled", Value::Null);
            }
            w.hz.servers[i].backup_window = Some("22-02".into());
            "enable_backup"
        }
        "disable_backup" => {
            w.hz.servers[i].backup_window = None;
            "disable_backup"
        }
        "change_dns_ptr" => {
            let Some(ip) = b["ip"].as_str() else { return invalid_input("ip", "is required") };
            if w.hz.servers[i].ipv4.as_deref() != Some(ip) {
                return invalid_input("ip", "is not an address of this server");
            }
            match &b["dns_ptr"] {
                Value::Null => w.hz.servers[i].dns_ptr = None,
                Value::String(p) if hostname_ok(p) => w.hz.servers[i].dns_ptr = Some(p.clone()),
                _ => return invalid_input("dns_ptr", "must be a valid hostname or null"),
            }
            "change_dns_ptr"
        }
        "create_image" => {
            let kind = b["type"].as_str().unwrap_or("snapshot");
            if kind != "snapshot" {
                return invalid_input("type", "the simulator takes snapshots (backups come from the backup schedule)");
            }
            let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
                Ok(l) => l.unwrap_or_default(),
                Err(m) => return invalid_input("labels", &m),
            };
            let image_id = 300_000_000 + w.hz.snapshots.len() as i64 + 1;
            let disk = w.hz.types[w.hz.servers[i].type_idx].disk;
            let snap = crate::sim::world::SSnapshot {
                id: image_id,
                description: b["description"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}-{}", w.hz.servers[i].name, now.format("%Y%m%d%H%M%S"))),
                server: id,
                created: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                disk: disk.into(),
                labels,
            };
            let image = w.hz.snapshot_json(&snap);
            w.hz.snapshots.push(snap);
            // A snapshot copies the disk: it takes a while, and the server is locked meanwhile.
            let a = w.hz.start_action("create_image", vec![(id, "server"), (image_id, "image")], 3000, vec![], vec![]).json(now);
            return created(json!({"image": image, "action": a}));
        }
        "change_type" => {
            // By name or by id, as the API takes it (the hcloud CLI sends the id).
            let t = b["server_type"].as_str().map(str::to_string).or_else(|| b["server_type"].as_i64().map(|i| i.to_string()));
            let (Some(t), Some(upgrade)) = (t, b["upgrade_disk"].as_bool()) else {
                return invalid_input("server_type", "server_type and upgrade_disk are required");
            };
            let t = t.as_str();
            let sv = &w.hz.servers[i];
            if sv.status != "off" {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "server_not_stopped",
                    "server must be stopped before changing its type",
                    Value::Null,
                );
            }
            let Some(ti) = w.hz.types.iter().position(|x| x.name == t || t.parse::<i64>().ok() == Some(x.id)) else {
                return invalid_input("server_type", "server type not found");
            };
            let (old, new) = (&w.hz.types[sv.type_idx], &w.hz.types[ti]);
            let disk = sv.disk_gb.unwrap_or(old.disk);
            let why = if new.deprecated {
                Some("the server type is deprecated")
            } else if new.arch != old.arch {
                Some("the server type has another architecture")
            } else if new.disk < disk {
                Some("the server type's disk is smaller than the server's: disks cannot shrink")
            } else {
                None
            };
            if let Some(m) = why {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_server_type", m, Value::Null);
            }
            let disk_gb = if upgrade { None } else { Some(disk) };
            w.hz.servers[i].type_idx = ti;
            w.hz.servers[i].disk_gb = disk_gb;
            // The disk is copied, then the server starts again.
            let on = vec![crate::sim::world::Effect::ServerStatus { id, status: "running".into() }];
            let a = w.hz.start_action("change_server_type", vec![(id, "server")], 3000, on, vec![]).json(now);
            return created(json!({"action": a}));
        }
        "rebuild" => {
            let imgs = crate::sim::world::images();
            let image = match &b["image"] {
                Value::String(x) => imgs.iter().position(|m| m.1 == x || x.parse::<i64>().ok() == Some(m.0)),
                Value::Number(n) => imgs.iter().position(|m| n.as_i64() == Some(m.0)),
                _ => return invalid_input("image", "is required"),
            };
            let Some(image) = image else { return invalid_input("image", "image not found") };
            if b["user_data"].as_str().is_some_and(|u| u.len() > 32 * 1024) {
                return invalid_input("user_data", "is too long (maximum is 32 KiB)");
            }
            if w.hz.servers[i].protect_rebuild {
                return error(StatusCode::LOCKED, "protected", "server is protected against rebuilds", Value::Null);
            }
            w.hz.servers[i].image = image;
            w.hz.servers[i].status = "rebuilding".into();
            let keys = w.hz.servers[i].has_keys;
            let on = vec![crate::sim::world::Effect::ServerStatus { id, status: "running".into() }];
            let a = w.hz.start_action("rebuild_server", vec![(id, "server")], 3000, on, vec![]).json(now);
            let password = (!keys).then(|| w.rng.hex(24));
            return created(json!({"action": a, "root_password": password}));
        }
        other => return error(StatusCode::NOT_FOUND, "not_found", &format!("action {other} not found"), Value::Null),
    };
    let a = w.hz.start_action(command, vec![(id, "server")], 500, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

/// `GET /images`: system images and snapshots, with the documented filters.
pub(super) async fn images(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let types = p.all("type");
    let items: Vec<Value> =
        w.hz.images_json().into_iter().filter(|i| types.is_empty() || i["type"].as_str().is_some_and(|t| types.contains(&t))).collect();
    match super::filtered(&p, items, &["name", "label_selector", "status"], &["id", "name", "created"]) {
        Ok(items) => super::page_of("images", items, page, per_page),
        Err(r) => r,
    }
}

/// `POST /servers/{id}/actions/{verb}` for the power verbs.
pub(super) async fn power(State(s): S, Path((id, verb)): Path<(String, String)>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(status) = w.hz.servers.iter().find(|sv| sv.id == id).map(|sv| sv.status.clone()) else {
        return not_found("server");
    };
    if w.hz.busy(id, now) {
        return super::locked("server");
    }
    let st = |s: &str| Effect::ServerStatus { id, status: s.into() };
    let res = vec![(id, "server")];
    // (duration ms, status while running, effects on success, effects later)
    type Plan<'a> = (i64, Option<&'a str>, Vec<Effect>, Vec<(chrono::Duration, Effect)>);
    let (ms, now_status, on_success, later): Plan = match verb.as_str() {
        "poweron" => (2500, Some("starting"), vec![st("running")], vec![]),
        "poweroff" => (1500, Some("stopping"), vec![st("off")], vec![]),
        "reboot" => (3000, None, vec![st("running")], vec![]),
        "reset" => (2500, Some("starting"), vec![st("running")], vec![]),
        // ACPI shutdown: the action only says the signal was sent; the server
        // goes off a little later (or never, if the OS ignores it).
        "shutdown" => (1000, None, vec![st("stopping")], vec![(chrono::Duration::milliseconds(3000), st("off"))]),
        other => return error(StatusCode::NOT_FOUND, "not_found", &format!("action {other} not found"), Value::Null),
    };
    let _ = status;
    if let Some(ns) = now_status
        && let Some(sv) = w.hz.servers.iter_mut().find(|sv| sv.id == id)
    {
        sv.status = ns.into();
    }
    // The real API's command names.
    let command = match verb.as_str() {
        "poweron" => "start_server",
        "poweroff" => "stop_server",
        "reboot" => "reboot_server",
        "reset" => "reset_server",
        _ => "shutdown_server",
    };
    let a = w.hz.start_action(command, res, ms, on_success, later).json(now);
    created(json!({"action": a}))
}

pub(super) async fn delete(State(s): S, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(sv) = w.hz.servers.iter().find(|sv| sv.id == id) else { return not_found("server") };
    if sv.protect_delete {
        return error(StatusCode::LOCKED, "protected", "server is protected: disable delete protection first", Value::Null);
    }
    if w.hz.busy(id, now) {
        return super::locked("server");
    }
    if let Some(sv) = w.hz.servers.iter_mut().find(|sv| sv.id == id) {
        sv.status = "deleting".into();
    }
    let a = w.hz.start_action("delete_server", vec![(id, "server")], 2000, vec![Effect::ServerDelete { id }], vec![]).json(now);
    json_response(StatusCode::OK, &json!({"action": a}))
}

pub(super) async fn metrics(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    let p = Params(q);
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let types: Vec<String> = p.all("type").iter().flat_map(|t| t.split(',')).map(str::to_string).collect();
    if types.is_empty() || types.iter().any(|t| !matches!(t.as_str(), "cpu" | "disk" | "network")) {
        return invalid_input("type", "must be cpu, disk or network");
    }
    let parse = |k: &str| p.get(k).and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok()).map(|t| t.with_timezone(&chrono::Utc));
    let (Some(start), Some(end)) = (parse("start"), parse("end")) else {
        return invalid_input("start", "start and end are required (RFC 3339)");
    };
    if end <= start {
        return invalid_input("end", "must be after start");
    }
    let w = s.world();
    if !w.hz.servers.iter().any(|sv| sv.id == id) {
        return not_found("server");
    }
    let span = (end - start).num_seconds().max(1);
    let step = p.get("step").and_then(|v| v.parse::<i64>().ok()).unwrap_or((span / 200).max(1)).max(1);
    let n = (span / step).min(500);
    let series = |seed: i64, scale: f64| -> Vec<Value> {
        (0..n)
            .map(|i| {
                let t = start.timestamp() + i * step;
                // A daily wave plus a little deterministic noise.
                let wave = ((t as f64 / 86400.0 * std::f64::consts::TAU).sin() + 1.0) / 2.0;
                let noise = (((t + seed) * 2654435761) % 1000) as f64 / 1000.0;
                json!([t as f64, format!("{:.2}", (wave * 0.6 + noise * 0.4) * scale)])
            })
            .collect()
    };
    let mut ts = serde_json::Map::new();
    for t in &types {
        match t.as_str() {
            "cpu" => {
                ts.insert("cpu".into(), json!({"values": series(id, 100.0)}));
            }
            "network" => {
                for (k, sc) in [
                    ("network.0.bandwidth.in", 2.0e6),
                    ("network.0.bandwidth.out", 5.0e6),
                    ("network.0.pps.in", 900.0),
                    ("network.0.pps.out", 1100.0),
                ] {
                    ts.insert(k.into(), json!({"values": series(id + k.len() as i64, sc)}));
                }
            }
            _ => {
                for (k, sc) in [
                    ("disk.0.iops.read", 300.0),
                    ("disk.0.iops.write", 500.0),
                    ("disk.0.bandwidth.read", 8.0e6),
                    ("disk.0.bandwidth.write", 1.2e7),
                ] {
                    ts.insert(k.into(), json!({"values": series(id + k.len() as i64, sc)}));
                }
            }
        }
    }
    json_response(
        StatusCode::OK,
        &json!({"metrics": {"start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "end": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "step": step as f64, "time_series": ts}}),
    )
}
