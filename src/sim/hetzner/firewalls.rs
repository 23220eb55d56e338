//! `/firewalls`: rules, where they apply, `set_rules` with the API's validation.

use super::{Params, S, created, error, invalid_input, not_found, page_of};
use crate::sim::json_response;
use crate::sim::rules::network as check_cidr;
use crate::sim::world::SRule;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

type Q = Query<Vec<(String, String)>>;

pub async fn list(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items = w.hz.firewalls.iter().map(|f| w.hz.firewall_json(f)).collect();
    match super::filtered(&p, items, &["name", "label_selector"], &["id", "name", "created"]) {
        Ok(items) => page_of("firewalls", items, page, per_page),
        Err(r) => r,
    }
}

/// A firewall's name: 1 to 128 characters, unique in the project.
fn name_of(w: &crate::sim::world::HetznerWorld, v: &Value, except: Option<i64>) -> Result<String, Response> {
    let Some(name) = v.as_str() else { return Err(invalid_input("name", "is required and must be a string")) };
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid_input("name", "must be 1 to 128 characters"));
    }
    if w.firewalls.iter().any(|f| f.name == name && Some(f.id) != except) {
        return Err(error(
            StatusCode::CONFLICT,
            "uniqueness_error",
            "firewall with the same name already exists",
            json!({"fields": [{"name": "name"}]}),
        ));
    }
    Ok(name.to_string())
}

/// `POST /firewalls`: name, labels, rules; applying at creation is not simulated
/// (refused rather than ignored).
pub async fn create(State(s): S, Json(b): Json<Value>) -> Response {
    let mut world = s.world();
    let w = &mut world.hz;
    let name = match name_of(w, &b["name"], None) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(m) => return invalid_input("labels", &m),
    };
    let mut rules = Vec::new();
    for (i, r) in b["rules"].as_array().into_iter().flatten().enumerate() {
        match rule_from(r, i) {
            Ok(r) => rules.push(r),
            Err(resp) => return resp,
        }
    }
    if b["apply_to"].as_array().is_some_and(|a| !a.is_empty()) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_error",
            "the simulator does not apply a firewall at creation: apply it after",
            Value::Null,
        );
    }
    let id = w.firewalls.iter().map(|f| f.id).max().unwrap_or(910_000) + 1;
    let fresh = crate::sim::world::SFirewall { id, name, labels, rules, servers: vec![], selectors: vec![] };
    let fw = w.firewall_json(&fresh);
    w.firewalls.push(fresh);
    created(json!({"firewall": fw, "actions": []}))
}

/// `PUT /firewalls/{id}`: a new name and/or labels (labels replaced whole).
pub async fn update(State(s): S, Path(id): Path<String>, Json(b): Json<Value>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let mut world = s.world();
    let w = &mut world.hz;
    let Some(i) = w.firewalls.iter().position(|f| f.id == id) else { return not_found("firewall") };
    let name = match b.get("name").filter(|n| !n.is_null()).map(|n| name_of(w, n, Some(id))).transpose() {
        Ok(n) => n,
        Err(r) => return r,
    };
    let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
        Ok(l) => l,
        Err(m) => return invalid_input("labels", &m),
    };
    if let Some(n) = name {
        w.firewalls[i].name = n;
    }
    if let Some(l) = labels {
        w.firewalls[i].labels = l;
    }
    json_response(StatusCode::OK, &json!({"firewall": w.firewall_json(&w.firewalls[i])}))
}

/// `DELETE /firewalls/{id}`: refused while it applies to anything.
pub async fn delete(State(s): S, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let mut world = s.world();
    let w = &mut world.hz;
    let Some(i) = w.firewalls.iter().position(|f| f.id == id) else { return not_found("firewall") };
    if !w.firewalls[i].servers.is_empty() || !w.firewalls[i].selectors.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "resource_in_use", "firewall still applied to a resource", Value::Null);
    }
    w.firewalls.remove(i);
    let mut r = axum::response::Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

pub async fn get(State(s): S, Path(id): Path<String>) -> Response {
    let w = s.world();
    match id.parse::<i64>().ok().and_then(|id| w.hz.firewalls.iter().find(|f| f.id == id)) {
        Some(f) => json_response(StatusCode::OK, &json!({"firewall": w.hz.firewall_json(f)})),
        None => not_found("firewall"),
    }
}

fn rule_from(v: &Value, i: usize) -> Result<SRule, Response> {
    let field = |f: &str| format!("rules[{i}].{f}");
    let direction = v["direction"]
        .as_str()
        .filter(|d| matches!(*d, "in" | "out"))
        .ok_or_else(|| invalid_input(&field("direction"), "must be in or out"))?;
    let protocol = v["protocol"]
        .as_str()
        .filter(|p| matches!(*p, "tcp" | "udp" | "icmp" | "esp" | "gre"))
        .ok_or_else(|| invalid_input(&field("protocol"), "must be tcp, udp, icmp, esp or gre"))?;
    let ips = |k: &str| -> Result<Vec<String>, Response> {
        let list: Vec<String> =
            v[k].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
        if list.len() > 100 {
            return Err(invalid_input(&field(k), "at most 100 entries"));
        }
        for (j, c) in list.iter().enumerate() {
            check_cidr(c).map_err(|m| invalid_input(&format!("rules[{i}].{k}[{j}]"), &m))?;
        }
        Ok(list)
    };
    let source_ips = ips("source_ips")?;
    let destination_ips = ips("destination_ips")?;
    if direction == "in" && source_ips.is_empty() {
        return Err(invalid_input(&field("source_ips"), "required for direction in"));
    }
    if direction == "out" && destination_ips.is_empty() {
        return Err(invalid_input(&field("destination_ips"), "required for direction out"));
    }
    let port = v["port"].as_str().map(str::to_string);
    match (protocol, &port) {
        ("tcp" | "udp", None) => return Err(invalid_input(&field("port"), "required for tcp and udp")),
        ("tcp" | "udp", Some(p)) => {
            let ok = match p.split_once('-') {
                Some((a, b)) => matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(a), Ok(b)) if a >= 1 && a < b),
                None => p.parse::<u16>().is_ok_and(|p| p >= 1),
            };
            if !ok {
                return Err(invalid_input(&field("port"), "a port 1-65535 or a range like 1024-2048"));
            }
        }
        (_, Some(_)) => return Err(invalid_input(&field("port"), "only tcp and udp rules have a port")),
        _ => {}
    }
    Ok(SRule {
        description: v["description"].as_str().map(str::to_string),
        direction: direction.into(),
        source_ips,
        destination_ips,
        protocol: protocol.into(),
        port,
    })
}

pub async fn set_rules(State(s): S, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let Some(list) = body["rules"].as_array() else { return invalid_input("rules", "required") };
    if list.len() > 50 {
        return error(
            StatusCode::FORBIDDEN,
            "resource_limit_exceeded",
            "a firewall has at most 50 rules",
            json!({"limits": [{"name": "rules"}]}),
        );
    }
    let mut rules = Vec::new();
    for (i, v) in list.iter().enumerate() {
        match rule_from(v, i) {
            Ok(r) => rules.push(r),
            Err(resp) => return resp,
        }
    }
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(fid) = id.parse::<i64>().ok().filter(|id| w.hz.firewalls.iter().any(|f| f.id == *id)) else { return not_found("firewall") };
    if let Some(f) = w.hz.firewalls.iter_mut().find(|f| f.id == fid) {
        f.rules = rules;
    }
    let targets: Vec<i64> = w.hz.servers.iter().filter(|sv| sv.firewalls.contains(&fid)).map(|sv| sv.id).collect();
    let mut actions = vec![w.hz.start_action("set_firewall_rules", vec![(fid, "firewall")], 800, vec![], vec![]).json(now)];
    for t in targets {
        actions.push(w.hz.start_action("apply_firewall", vec![(fid, "firewall"), (t, "server")], 1200, vec![], vec![]).json(now));
    }
    created(json!({"actions": actions}))
}

pub async fn apply(State(s): S, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    apply_or_remove(s, id, body, true).await
}

pub async fn remove(State(s): S, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    apply_or_remove(s, id, body, false).await
}

async fn apply_or_remove(s: std::sync::Arc<crate::sim::Shared>, id: String, body: Value, apply: bool) -> Response {
    let key = if apply { "apply_to" } else { "remove_from" };
    let Some(list) = body[key].as_array() else { return invalid_input(key, "required") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(fid) = id.parse::<i64>().ok().filter(|id| w.hz.firewalls.iter().any(|f| f.id == *id)) else { return not_found("firewall") };
    let mut actions = Vec::new();
    for (i, t) in list.iter().enumerate() {
        match t["type"].as_str() {
            Some("server") => {
                let Some(sid) = t["server"]["id"].as_i64().filter(|sid| w.hz.servers.iter().any(|sv| sv.id == *sid)) else {
                    return invalid_input(&format!("{key}[{i}].server.id"), "no such server");
                };
                let already = w.hz.servers.iter().find(|sv| sv.id == sid).is_some_and(|sv| sv.firewalls.contains(&fid));
                if apply && already {
                    return error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "firewall_already_applied",
                        "firewall is already applied to this server",
                        Value::Null,
                    );
                }
                if let Some(f) = w.hz.firewalls.iter_mut().find(|f| f.id == fid) {
                    if apply {
                        f.servers.push(sid);
                    } else {
                        f.servers.retain(|x| *x != sid);
                    }
                }
                if let Some(sv) = w.hz.servers.iter_mut().find(|sv| sv.id == sid) {
                    if apply {
                        sv.firewalls.push(fid);
                    } else {
                        sv.firewalls.retain(|x| *x != fid);
                    }
                }
                let cmd = if apply { "apply_firewall" } else { "remove_firewall" };
                actions.push(w.hz.start_action(cmd, vec![(fid, "firewall"), (sid, "server")], 1200, vec![], vec![]).json(now));
            }
            Some("label_selector") => {
                let Some(sel) = t["label_selector"]["selector"].as_str().map(str::to_string) else {
                    return invalid_input(&format!("{key}[{i}].label_selector.selector"), "required");
                };
                if let Err(m) = crate::sim::rules::LabelSelector::parse(&sel) {
                    return invalid_input(&format!("{key}[{i}].label_selector.selector"), &m);
                }
                if let Some(f) = w.hz.firewalls.iter_mut().find(|f| f.id == fid) {
                    if apply {
                        f.selectors.push(sel.clone());
                    } else {
                        f.selectors.retain(|x| *x != sel);
                    }
                }
                let sel_parsed = crate::sim::rules::LabelSelector::parse(&sel).unwrap_or_default();
                for sv in w.hz.servers.iter_mut() {
                    let labels: std::collections::BTreeMap<String, String> = sv.labels.iter().cloned().collect();
                    if sel_parsed.matches(&labels) {
                        if apply && !sv.firewalls.contains(&fid) {
                            sv.firewalls.push(fid);
                        } else if !apply {
                            sv.firewalls.retain(|x| *x != fid);
                        }
                    }
                }
                actions.push(
                    w.hz.start_action(
                        if apply { "apply_firewall" } else { "remove_firewall" },
                        vec![(fid, "firewall")],
                        1200,
                        vec![],
                        vec![],
                    )
                    .json(now),
                );
            }
            _ => return invalid_input(&format!("{key}[{i}].type"), "must be server or label_selector"),
        }
    }
    created(json!({"actions": actions}))
}

pub async fn volumes(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items = w.hz.volumes.iter().map(|v| w.hz.volume_json(v)).collect();
    match super::filtered(&p, items, &["name", "label_selector", "status"], &["id", "name", "created"]) {
        Ok(items) => page_of("volumes", items, page, per_page),
        Err(r) => r,
    }
}
