//! Private networks: list, get, create, and the servers' attach/detach
//! actions, with Hetzner's checks (a private range, subnets inside it, an
//! address free in a subnet of the server's network zone).

use super::{Params, S, created, error, invalid_input, json_response, not_found, page_of};
use crate::sim::world::{HetznerWorld, SNetwork};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::net::Ipv4Addr;

type Q = Query<Vec<(String, String)>>;

/// `a.b.c.d/n` as an address and a prefix length.
pub(super) fn cidr(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (a, n) = s.split_once('/')?;
    let (a, n): (Ipv4Addr, u8) = (a.parse().ok()?, n.parse().ok()?);
    (n <= 32).then_some((a, n))
}

fn mask(n: u8) -> u32 {
    if n == 0 { 0 } else { u32::MAX << (32 - n) }
}

/// Whether `inner` lies inside `outer` (both CIDR).
fn within(inner: (Ipv4Addr, u8), outer: (Ipv4Addr, u8)) -> bool {
    inner.1 >= outer.1 && u32::from(inner.0) & mask(outer.1) == u32::from(outer.0) & mask(outer.1)
}

/// RFC 1918, as Hetzner asks of a network's range.
fn private(r: (Ipv4Addr, u8)) -> bool {
    [("10.0.0.0", 8), ("172.16.0.0", 12), ("192.168.0.0", 16)]
        .iter()
        .any(|(a, n)| within(r, (a.parse().unwrap_or(Ipv4Addr::UNSPECIFIED), *n)))
}

/// The first address of a subnet of `zone` no server holds (the network's
/// first address is its gateway).
fn free_ip(n: &SNetwork, zone: &str) -> Option<Ipv4Addr> {
    for (r, z, _) in n.subnets.iter().filter(|(_, z, _)| z == zone) {
        let _ = z;
        let (base, len) = cidr(r)?;
        let first = u32::from(base) & mask(len);
        let size = 1u64 << (32 - len as u32);
        for k in 2..size.saturating_sub(1) {
            let ip = Ipv4Addr::from(first + k as u32);
            if !n.servers.iter().any(|(_, x)| *x == ip) {
                return Some(ip);
            }
        }
    }
    None
}

pub(super) async fn list(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items = w.hz.networks.iter().map(|n| w.hz.network_json(n)).collect();
    match super::filtered(&p, items, &["name", "label_selector"], &["id", "name", "created"]) {
        Ok(items) => page_of("networks", items, page, per_page),
        Err(r) => r,
    }
}

pub(super) async fn get(State(s): S, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return invalid_input("id", "must be an integer") };
    let w = s.world();
    match w.hz.networks.iter().find(|n| n.id == id) {
        Some(n) => json_response(StatusCode::OK, &json!({"network": w.hz.network_json(n)})),
        None => not_found("network"),
    }
}

/// `POST /networks`: a name, a private range, subnets inside it.
pub(super) async fn create(State(s): S, body: axum::body::Bytes) -> Response {
    let b = match super::json_body(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(name) = b["name"].as_str().filter(|n| !n.is_empty()) else { return invalid_input("name", "is required") };
    let Some(range) = b["ip_range"].as_str() else { return invalid_input("ip_range", "is required") };
    let Some(r) = cidr(range).filter(|r| private(*r) && r.1 <= 24) else {
        return invalid_input("ip_range", "must be a private IPv4 range (RFC 1918) of at least /24");
    };
    if u32::from(r.0) & !mask(r.1) != 0 {
        return invalid_input("ip_range", "host bits must be zero");
    }
    let labels = match b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(m) => return invalid_input("labels", &m),
    };
    let mut subnets = Vec::new();
    for (i, sn) in b["subnets"].as_array().into_iter().flatten().enumerate() {
        let kind = sn["type"].as_str().unwrap_or("");
        if !matches!(kind, "cloud" | "server" | "vswitch") {
            return invalid_input(&format!("subnets.{i}.type"), "must be cloud, server or vswitch");
        }
        let Some(zone) = sn["network_zone"].as_str() else { return invalid_input(&format!("subnets.{i}.network_zone"), "is required") };
        if !matches!(zone, "eu-central" | "us-east" | "us-west" | "ap-southeast") {
            return invalid_input(&format!("subnets.{i}.network_zone"), "unknown network zone");
        }
        let Some(sr) = sn["ip_range"].as_str().and_then(cidr) else {
            return invalid_input(&format!("subnets.{i}.ip_range"), "is required (the simulator picks none for you)");
        };
        if !within(sr, r) {
            return invalid_input(&format!("subnets.{i}.ip_range"), "must lie within the network's ip_range");
        }
        subnets.push((sn["ip_range"].as_str().unwrap_or("").to_string(), zone.to_string(), kind.to_string()));
    }
    let mut world = s.world();
    let w: &mut HetznerWorld = &mut world.hz;
    if w.networks.iter().any(|n| n.name == name) {
        return error(StatusCode::CONFLICT, "uniqueness_error", "network name is already used", json!({"fields": [{"name": "name"}]}));
    }
    let id = w.networks.iter().map(|n| n.id).max().unwrap_or(4_700) + 1;
    let fresh = SNetwork {
        id,
        name: name.to_string(),
        ip_range: range.to_string(),
        subnets,
        servers: vec![],
        labels,
        protect_delete: false,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let v = w.network_json(&fresh);
    w.networks.push(fresh);
    created(json!({"network": v}))
}

/// `attach_to_network` / `detach_from_network` of server `i`; the command
/// of the action, or Hetzner's refusal.
pub(super) fn server_verb(w: &mut HetznerWorld, i: usize, verb: &str, b: &Value) -> Result<&'static str, Response> {
    let Some(net) = b["network"].as_i64() else { return Err(invalid_input("network", "is required")) };
    let Some(k) = w.networks.iter().position(|n| n.id == net) else { return Err(not_found("network")) };
    let sid = w.servers[i].id;
    let unprocessable = |code: &str, m: &str| error(StatusCode::UNPROCESSABLE_ENTITY, code, m, Value::Null);
    if verb == "detach_from_network" {
        if !w.networks[k].servers.iter().any(|(s, _)| *s == sid) {
            return Err(unprocessable("server_not_attached", "The server is not attached to the network"));
        }
        w.networks[k].servers.retain(|(s, _)| *s != sid);
        return Ok("detach_from_network");
    }
    if w.networks[k].servers.iter().any(|(s, _)| *s == sid) {
        return Err(unprocessable("server_already_attached", "The server is already attached to the network"));
    }
    let zone = w.locations[w.servers[i].loc_idx].zone;
    let ip = match b["ip"].as_str() {
        Some(x) => {
            let Ok(ip) = x.parse::<Ipv4Addr>() else { return Err(invalid_input("ip", "is not an IPv4 address")) };
            let inside = w.networks[k].subnets.iter().any(|(r, z, _)| z == zone && cidr(r).is_some_and(|r| within((ip, 32), r)));
            if !inside || w.networks[k].servers.iter().any(|(_, x)| *x == ip) {
                return Err(unprocessable("ip_not_available", "The provided Network IP is not available"));
            }
            ip
        }
        None => free_ip(&w.networks[k], zone)
            .ok_or_else(|| unprocessable("no_subnet_available", "No Subnet or IP is available for the Server within the network"))?,
    };
    w.networks[k].servers.push((sid, ip));
    Ok("attach_to_network")
}
