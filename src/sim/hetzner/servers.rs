//! Creating servers (`POST /servers`) and the SSH keys they are given
//! (`/ssh_keys`), checked as Hetzner checks them: a unique host name, a type
//! and image that exist, a type that can still be ordered in the location,
//! keys and firewalls that exist, cloud-init of at most 32 KiB. A server
//! without keys gets a root password, once, in the answer.

use super::{Params, S, created, error, invalid_input, json_response, page_of};
use crate::sim::world::{SServer, SSshKey};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

type Q = Query<Vec<(String, String)>>;

pub(super) async fn list_keys(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let mut items: Vec<Value> = w.hz.ssh_keys.iter().map(SSshKey::json).collect();
    if let Some(fp) = p.get("fingerprint") {
        items.retain(|k| k["fingerprint"].as_str() == Some(fp));
    }
    match super::filtered(&p, items, &["name", "label_selector"], &["id", "name"]) {
        Ok(items) => page_of("ssh_keys", items, page, per_page),
        Err(r) => r,
    }
}

/// `TYPE BASE64 [comment]` with a blob that names the same type: its MD5
/// fingerprint as Hetzner shows it (`aa:bb:...`).
pub fn fingerprint(public_key: &str) -> Option<String> {
    let mut parts = public_key.split_whitespace();
    let kind = parts.next()?;
    let known =
        ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com"];
    if !known.contains(&kind) {
        return None;
    }
    let blob = data_encoding::BASE64.decode(parts.next()?.as_bytes()).ok()?;
    let n = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    if blob.get(4..4 + n)? != kind.as_bytes() {
        return None;
    }
    let d = md5::compute(&blob);
    Some(d.0.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"))
}

pub(super) async fn create_key(State(s): S, Json(b): Json<Value>) -> Response {
    let Some(name) = b["name"].as_str().filter(|n| !n.trim().is_empty()) else { return invalid_input("name", "is required") };
    let Some(key) = b["public_key"].as_str() else { return invalid_input("public_key", "is required") };
    let Some(fp) = fingerprint(key) else { return invalid_input("public_key", "invalid public key") };
    let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(m) => return invalid_input("labels", &m),
    };
    let mut w = s.world();
    if w.hz.ssh_keys.iter().any(|k| k.fingerprint == fp) {
        return error(
            StatusCode::CONFLICT,
            "uniqueness_error",
            "SSH key with the same fingerprint already exists",
            json!({"fields": [{"name": "public_key"}]}),
        );
    }
    if w.hz.ssh_keys.iter().any(|k| k.name == name) {
        return error(
            StatusCode::CONFLICT,
            "uniqueness_error",
            "SSH key with the same name already exists",
            json!({"fields": [{"name": "name"}]}),
        );
    }
    w.hz.next_id += 1;
    let k = SSshKey {
        id: w.hz.next_id,
        name: name.to_string(),
        public_key: key.trim().to_string(),
        fingerprint: fp,
        labels,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let v = k.json();
    w.hz.ssh_keys.push(k);
    created(json!({"ssh_key": v}))
}

/// `id` or name, as the API takes references.
fn by_ref<'a, T>(v: &Value, items: &'a [T], id: impl Fn(&T) -> i64, name: impl Fn(&T) -> &str) -> Option<&'a T> {
    match v {
        Value::Number(n) => n.as_i64().and_then(|i| items.iter().find(|x| id(x) == i)),
        Value::String(s) => {
            items.iter().find(|x| name(x) == s).or_else(|| s.parse::<i64>().ok().and_then(|i| items.iter().find(|x| id(x) == i)))
        }
        _ => None,
    }
}

const MAX_USER_DATA: usize = 32 * 1024;

pub(super) async fn create_server(State(s): S, Json(b): Json<Value>) -> Response {
    let Some(name) = b["name"].as_str() else { return invalid_input("name", "is required") };
    if !super::actions::hostname_ok(name) {
        return invalid_input("name", "must be a valid hostname");
    }
    if b["server_type"].is_null() {
        return invalid_input("server_type", "is required");
    }
    if b["image"].is_null() {
        return invalid_input("image", "is required");
    }
    if b["user_data"].as_str().is_some_and(|u| u.len() > MAX_USER_DATA) {
        return invalid_input("user_data", "is too long (maximum is 32 KiB)");
    }
    let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(m) => return invalid_input("labels", &m),
    };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let hz = &mut w.hz;
    if hz.servers.iter().any(|sv| sv.name == name) {
        return error(StatusCode::CONFLICT, "uniqueness_error", "server name is already used", json!({"fields": [{"name": "name"}]}));
    }
    let types: Vec<(i64, String)> = hz.types.iter().map(|t| (t.id, t.name.to_string())).collect();
    let Some(type_idx) = by_ref(&b["server_type"], &types, |t| t.0, |t| &t.1).and_then(|t| types.iter().position(|x| x == t)) else {
        return invalid_input("server_type", "server type not found");
    };
    let imgs = crate::sim::world::images();
    let Some(image) = (match &b["image"] {
        Value::Number(n) => n.as_i64().and_then(|i| imgs.iter().position(|x| x.0 == i)),
        Value::String(s) => imgs.iter().position(|x| x.1 == s || s.parse::<i64>().ok() == Some(x.0)),
        _ => None,
    }) else {
        return invalid_input("image", "image not found");
    };
    let locs: Vec<(i64, String)> = hz.locations.iter().map(|l| (l.id, l.name.to_string())).collect();
    let loc_idx = match &b["location"] {
        Value::Null => 0,
        v => match by_ref(v, &locs, |l| l.0, |l| &l.1).and_then(|l| locs.iter().position(|x| x == l)) {
            Some(i) => i,
            None => return invalid_input("location", "location not found"),
        },
    };
    let t = &hz.types[type_idx];
    // A deprecated type past its end of sale is not for order any more.
    if t.deprecated {
        return error(
            StatusCode::PRECONDITION_FAILED,
            "resource_unavailable",
            &format!("server type {} is not available in location {} (deprecated)", t.name, locs[loc_idx].1),
            Value::Null,
        );
    }
    let mut key_ids = Vec::new();
    for k in b["ssh_keys"].as_array().cloned().unwrap_or_default() {
        match by_ref(&k, &hz.ssh_keys, |x| x.id, |x| &x.name) {
            Some(x) => key_ids.push(x.id),
            None => return invalid_input("ssh_keys", &format!("ssh key {k} not found")),
        }
    }
    let mut fw_ids = Vec::new();
    for f in b["firewalls"].as_array().cloned().unwrap_or_default() {
        let Some(id) = f["firewall"].as_i64() else { return invalid_input("firewalls", "each item needs a firewall id") };
        if !hz.firewalls.iter().any(|x| x.id == id) {
            return invalid_input("firewalls", &format!("firewall {id} not found"));
        }
        fw_ids.push(id);
    }
    let mut net_ids = Vec::new();
    for n in b["networks"].as_array().into_iter().flatten() {
        let Some(id) = n.as_i64() else { return invalid_input("networks", "must be network ids") };
        if !hz.networks.iter().any(|x| x.id == id) {
            return invalid_input("networks", &format!("network {id} not found"));
        }
        net_ids.push(id);
    }
    // Addresses from the project's pool: the next free ones.
    let used: Vec<String> = hz.servers.iter().filter_map(|sv| sv.ipv4.clone()).collect();
    let Some(ipv4) = (20..250).map(|n| format!("198.51.100.{n}")).find(|ip| !used.contains(ip)) else {
        return error(
            StatusCode::FORBIDDEN,
            "resource_limit_exceeded",
            "primary ip limit exceeded",
            json!({"limits": [{"name": "primary_ip_limit"}]}),
        );
    };
    hz.next_id += 1;
    let id = hz.next_id;
    let start = b["start_after_create"].as_bool().unwrap_or(true);
    let server = SServer {
        id,
        name: name.to_string(),
        status: "initializing".into(),
        created: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        type_idx,
        loc_idx,
        // A /64 network, as Hetzner gives a server (clients split it at the `/`).
        ipv6: Some(format!("{}/64", std::net::Ipv6Addr::new(0x2001, 0xdb8, 0x1b00, (id % 0xffff) as u16, 0, 0, 0, 0))),
        ipv4: Some(ipv4),
        ipv4_id: 60_000 + id,
        ipv6_id: 70_000 + id,
        labels,
        protect_delete: false,
        protect_rebuild: false,
        backup_window: None,
        dns_ptr: None,
        image,
        firewalls: fw_ids.clone(),
        volumes: vec![],
        disk_gb: None,
        has_keys: !key_ids.is_empty(),
    };
    hz.primary_ips_of(&server);
    hz.servers.push(server);
    // Attached from the start: an address in each network's subnet of its zone.
    let at = hz.servers.len() - 1;
    for n in &net_ids {
        if let Err(r) = super::networks::server_verb(hz, at, "attach_to_network", &json!({"network": n})) {
            hz.servers.pop();
            hz.primary_ips.retain(|p| p.assignee != Some(id));
            for net in &mut hz.networks {
                net.servers.retain(|(s, _)| *s != id);
            }
            return r;
        }
    }
    let v = hz.server_json(&hz.servers[at]);
    for f in &fw_ids {
        if let Some(fw) = hz.firewalls.iter_mut().find(|x| x.id == *f)
            && !fw.servers.contains(&id)
        {
            fw.servers.push(id);
        }
    }
    let status = if start { "running" } else { "off" };
    let create = hz
        .start_action(
            "create_server",
            vec![(id, "server")],
            4000,
            vec![crate::sim::world::Effect::ServerStatus { id, status: status.into() }],
            vec![],
        )
        .json(now);
    let next: Vec<Value> =
        if start { vec![hz.start_action("start_server", vec![(id, "server")], 4000, vec![], vec![]).json(now)] } else { vec![] };
    // A root password only when no key lets anyone in.
    let password = key_ids.is_empty().then(|| w.rng.hex(24));
    json_response(StatusCode::CREATED, &json!({"server": v, "action": create, "next_actions": next, "root_password": password}))
}

/// `GET /primary_ips`, with Hetzner's filters.
pub(super) async fn primary_ips(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items = w.hz.primary_ips.iter().map(|x| w.hz.primary_ip_json(x)).collect();
    match super::filtered(&p, items, &["name", "label_selector", "ip"], &["id", "created"]) {
        Ok(items) => page_of("primary_ips", items, page, per_page),
        Err(r) => r,
    }
}

/// `GET /primary_ips/{id}`.
pub(super) async fn primary_ip(State(s): S, axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let w = s.world();
    match w.hz.primary_ips.iter().find(|p| p.id == id) {
        Some(p) => json_response(StatusCode::OK, &json!({"primary_ip": w.hz.primary_ip_json(p)})),
        None => super::not_found("primary_ip"),
    }
}

/// `assign` (to a server that is off, in its location, without an address
/// of that family) or `unassign` (from a server that is off) a Primary IP.
pub(super) async fn primary_ip_action(
    State(s): S,
    axum::extract::Path((id, verb)): axum::extract::Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let (b, id) = match super::action_args(&id, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(i) = w.hz.primary_ips.iter().position(|p| p.id == id) else { return super::not_found("primary_ip") };
    if w.hz.busy(id, now) {
        return super::locked("primary_ip");
    }
    let unprocessable = |code: &str, msg: &str| error(StatusCode::UNPROCESSABLE_ENTITY, code, msg, Value::Null);
    let v6 = w.hz.primary_ips[i].v6;
    let (command, server) = match verb.as_str() {
        "assign" => {
            let Some(server) = b["assignee_id"].as_i64() else { return invalid_input("assignee_id", "is required") };
            if b["assignee_type"].as_str().is_some_and(|t| t != "server") {
                return invalid_input("assignee_type", "must be server");
            }
            let Some(sv) = w.hz.servers.iter().find(|x| x.id == server) else { return invalid_input("assignee_id", "server not found") };
            if w.hz.primary_ips[i].assignee.is_some() {
                return unprocessable("primary_ip_already_assigned", "Primary IP is already assigned to a different Server");
            }
            if sv.status != "off" {
                return unprocessable("server_not_stopped", "The Server is running, but needs to be powered off");
            }
            if !v6 && sv.ipv4.is_some() {
                return unprocessable("server_has_ipv4", "The Server already has an IPv4 address");
            }
            if v6 && sv.ipv6.is_some() {
                return unprocessable("server_has_ipv6", "The Server already has an IPv6 address");
            }
            if sv.loc_idx != w.hz.primary_ips[i].loc_idx {
                return invalid_input("assignee_id", "Primary IP and Server must be in the same location");
            }
            let ip = w.hz.primary_ips[i].ip.clone();
            w.hz.primary_ips[i].assignee = Some(server);
            if let Some(sv) = w.hz.servers.iter_mut().find(|x| x.id == server) {
                if v6 {
                    (sv.ipv6, sv.ipv6_id) = (Some(ip), id);
                } else {
                    (sv.ipv4, sv.ipv4_id, sv.dns_ptr) = (Some(ip), id, None);
                }
            }
            ("assign_primary_ip", server)
        }
        "unassign" => {
            if !b.is_null() && b.as_object().is_none_or(|o| !o.is_empty()) {
                return invalid_input("body", "this action takes no parameters");
            }
            let Some(server) = w.hz.primary_ips[i].assignee else {
                return unprocessable("invalid_input", "Primary IP is not assigned");
            };
            let Some(sv) = w.hz.servers.iter().find(|x| x.id == server) else { return super::not_found("server") };
            if sv.status != "off" {
                return unprocessable("server_not_stopped", "The Server is running, but needs to be powered off");
            }
            w.hz.primary_ips[i].assignee = None;
            if let Some(sv) = w.hz.servers.iter_mut().find(|x| x.id == server) {
                if v6 {
                    sv.ipv6 = None;
                } else {
                    (sv.ipv4, sv.dns_ptr) = (None, None);
                }
            }
            ("unassign_primary_ip", server)
        }
        other => return error(StatusCode::NOT_FOUND, "not_found", &format!("action {other} not found"), Value::Null),
    };
    let a = w.hz.start_action(command, vec![(id, "primary_ip"), (server, "server")], 1000, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

/// `POST /volumes/{id}/actions/{attach|detach|resize}`: a volume follows its
/// server's location; it is attached to one server at a time; it only grows.
pub(super) async fn volume_action(
    State(s): S,
    axum::extract::Path((id, verb)): axum::extract::Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let (b, id) = match super::action_args(&id, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(i) = w.hz.volumes.iter().position(|v| v.id == id) else { return super::not_found("volume") };
    if w.hz.busy(id, now) {
        return super::locked("volume");
    }
    let mut res = vec![(id, "volume")];
    let command = match verb.as_str() {
        "attach" => {
            let Some(server) = b["server"].as_i64() else { return invalid_input("server", "is required") };
            let Some(sv) = w.hz.servers.iter().find(|x| x.id == server) else { return invalid_input("server", "server not found") };
            if w.hz.volumes[i].server.is_some() {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "volume_already_attached",
                    "volume is already attached to a server",
                    Value::Null,
                );
            }
            if sv.loc_idx != w.hz.volumes[i].loc_idx {
                return invalid_input("server", "server and volume must be in the same location");
            }
            if w.hz.busy(server, now) {
                return super::locked("server");
            }
            w.hz.volumes[i].server = Some(server);
            if let Some(sv) = w.hz.servers.iter_mut().find(|x| x.id == server) {
                sv.volumes.push(id);
            }
            res.push((server, "server"));
            "attach_volume"
        }
        "detach" => {
            let Some(server) = w.hz.volumes[i].server.take() else {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "volume_not_attached", "volume is not attached to a server", Value::Null);
            };
            if let Some(sv) = w.hz.servers.iter_mut().find(|x| x.id == server) {
                sv.volumes.retain(|v| *v != id);
            }
            res.push((server, "server"));
            "detach_volume"
        }
        "resize" => {
            let Some(size) = b["size"].as_f64() else { return invalid_input("size", "is required") };
            let now_size = w.hz.volumes[i].size as f64;
            if size <= now_size {
                return invalid_input("size", "must be greater than the current size (volumes cannot shrink)");
            }
            if size > 10240.0 {
                return invalid_input("size", "must be at most 10240 GB");
            }
            w.hz.volumes[i].size = size.ceil() as i64;
            "resize_volume"
        }
        other => return error(StatusCode::NOT_FOUND, "not_found", &format!("action {other} not found"), Value::Null),
    };
    let a = w.hz.start_action(command, res, 1500, vec![], vec![]).json(now);
    created(json!({"action": a}))
}
