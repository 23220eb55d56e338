//! `/zones` and their RRSets: the Cloud API's DNS, with its validation
//! (TXT must be quoted, one TTL per RRSet, change protection, 100 per page).

use super::{Params, S, created, error, invalid_input, not_found, page_of};
use crate::sim::json_response;
use crate::sim::rules;
use crate::sim::world::{HetznerWorld, SRrset, SZone};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

type Q = Query<Vec<(String, String)>>;

fn find<'a>(w: &'a HetznerWorld, key: &str) -> Option<&'a SZone> {
    w.zones.iter().find(|z| z.name == key || z.id.to_string() == key)
}

fn idx(w: &HetznerWorld, key: &str) -> Option<usize> {
    w.zones.iter().position(|z| z.name == key || z.id.to_string() == key)
}

pub(super) async fn list(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items = w.hz.zones.iter().filter(|z| p.get("name").is_none_or(|n| n == z.name)).map(|z| w.hz.zone_json(z)).collect();
    page_of("zones", items, page, per_page)
}

/// A zone name as Hetzner takes it: a lower-case domain of two labels or more.
fn zone_name_ok(n: &str) -> bool {
    let labels: Vec<&str> = n.split('.').collect();
    n.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// `POST /zones`: a primary zone with the SOA and the three NS records Hetzner
/// adds itself. (Secondary zones and zones created from a zone file or RRSets
/// are not simulated: refused, not ignored.)
pub(super) async fn create_zone(State(s): S, Json(b): Json<Value>) -> Response {
    let Some(name) = b["name"].as_str() else { return invalid_input("name", "is required") };
    if !zone_name_ok(name) {
        return invalid_input("name", "must be a lower-case domain name of two labels or more");
    }
    match b["mode"].as_str() {
        Some("primary") => {}
        Some("secondary") => {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "unsupported_error", "the simulator serves primary zones only", Value::Null);
        }
        _ => return invalid_input("mode", "must be primary or secondary"),
    }
    if b.get("zonefile").is_some_and(|z| !z.is_null()) || b["rrsets"].as_array().is_some_and(|r| !r.is_empty()) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_error",
            "the simulator creates zones empty: import after",
            Value::Null,
        );
    }
    let ttl = match b.get("ttl").filter(|t| !t.is_null()) {
        None => 3600,
        Some(t) => match t.as_u64().filter(|t| (60..=2_147_483_647).contains(t)) {
            Some(t) => t as u32,
            None => return invalid_input("ttl", "a number, at least 60"),
        },
    };
    if let Some(Err(m)) = b.get("labels").filter(|l| !l.is_null()).map(crate::sim::rules::labels) {
        return invalid_input("labels", &m);
    }
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    if w.hz.zones.iter().any(|z| z.name == name) {
        return error(
            StatusCode::CONFLICT,
            "uniqueness_error",
            "zone with this name already exists",
            json!({"fields": [{"name": "name"}]}),
        );
    }
    let id = w.hz.zones.iter().map(|z| z.id).max().unwrap_or(0) + 1;
    let ns = |t: &str, v: Vec<String>| crate::sim::world::SRrset {
        name: "@".into(),
        rtype: t.into(),
        ttl: None,
        records: v.into_iter().map(|v| (v, None)).collect(),
        protected: false,
    };
    let mut z = crate::sim::world::SZone {
        id,
        name: name.to_string(),
        ttl,
        rrsets: vec![ns("NS", crate::sim::world::HETZNER_NS.iter().map(|n| n.to_string()).collect())],
        delegation: "unknown",
        protected: false,
        serial: now.format("%Y%m%d01").to_string().parse().unwrap_or(1),
    };
    let soa = z.soa();
    z.rrsets.insert(0, ns("SOA", vec![soa]));
    let json = w.hz.zone_json(&z);
    w.hz.zones.push(z);
    let a = w.hz.start_action("create_zone", vec![(id, "zone")], 400, vec![], vec![]).json(now);
    created(json!({"zone": json, "action": a}))
}

/// `DELETE /zones/{id_or_name}`: refused while protected.
pub(super) async fn delete_zone(State(s): S, Path(key): Path<String>) -> Response {
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    if w.hz.zones[zi].protected {
        return error(StatusCode::LOCKED, "protected", "zone is delete protected", Value::Null);
    }
    let z = w.hz.zones.remove(zi);
    let a = w.hz.start_action("delete_zone", vec![(z.id, "zone")], 400, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

/// `POST /zones/{id_or_name}/actions/change_protection`.
pub(super) async fn zone_protection(State(s): S, Path(key): Path<String>, Json(b): Json<Value>) -> Response {
    let Some(on) = b["delete"].as_bool() else { return invalid_input("delete", "must be true or false") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    w.hz.zones[zi].protected = on;
    let zid = w.hz.zones[zi].id;
    let a = w.hz.start_action("change_protection", vec![(zid, "zone")], 300, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

pub(super) async fn get(State(s): S, Path(key): Path<String>) -> Response {
    let w = s.world();
    match find(&w.hz, &key) {
        Some(z) => json_response(StatusCode::OK, &json!({"zone": w.hz.zone_json(z)})),
        None => not_found("zone"),
    }
}

pub(super) async fn rrsets(State(s): S, Path(key): Path<String>, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(100) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let types = p.all("type");
    let w = s.world();
    let Some(z) = find(&w.hz, &key) else { return not_found("zone") };
    let items = z
        .rrsets
        .iter()
        .filter(|r| p.get("name").is_none_or(|n| n == r.name))
        .filter(|r| types.is_empty() || types.contains(&r.rtype.as_str()))
        .map(|r| HetznerWorld::rrset_json(z, r))
        .collect();
    page_of("rrsets", items, page, per_page)
}

pub(super) async fn rrset(State(s): S, Path((key, name, rtype)): Path<(String, String, String)>) -> Response {
    let w = s.world();
    let Some(z) = find(&w.hz, &key) else { return not_found("zone") };
    match z.rrsets.iter().find(|r| r.name == name && r.rtype == rtype) {
        Some(r) => json_response(StatusCode::OK, &json!({"rrset": HetznerWorld::rrset_json(z, r)})),
        None => not_found("rrset"),
    }
}

/// Checks values as the API does; `field` names the records array for errors.
fn values(rtype: &str, body: &Value, field: &str) -> Result<Vec<(String, Option<String>)>, Response> {
    let Some(list) = body["records"].as_array().filter(|l| !l.is_empty()) else {
        return Err(invalid_input(field, "at least one record is required"));
    };
    if list.len() > 50 {
        return Err(invalid_input(field, "at most 50 records per request"));
    }
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let v = r["value"].as_str().unwrap_or("");
        let f = format!("{field}[{i}].value");
        // The API itself does not quote TXT: unquoted TXT is refused.
        rules::record_value(rtype, v).map_err(|m| invalid_input(&f, &m))?;
        if out.iter().any(|(x, _)| x == v) {
            return Err(invalid_input(&f, "values must be distinct"));
        }
        out.push((v.to_string(), r["comment"].as_str().map(str::to_string)));
    }
    Ok(out)
}

fn valid_name(name: &str, zone: &str) -> bool {
    rules::rrset_name(name, zone)
}

pub(super) async fn create(State(s): S, Path(key): Path<String>, Json(body): Json<Value>) -> Response {
    let name = body["name"].as_str().unwrap_or("").to_string();
    let rtype = body["type"].as_str().unwrap_or("").to_string();
    if !rules::RRSET_TYPES.contains(&rtype.as_str()) || rtype == "SOA" {
        return invalid_input("type", "unsupported record type");
    }
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    let zname = w.hz.zones[zi].name.clone();
    if !valid_name(&name, &zname) {
        return invalid_input("name", "must be relative to the zone, lower case, without a trailing dot (`@` for the apex)");
    }
    let recs = match values(&rtype, &body, "records") {
        Ok(v) => v,
        Err(r) => return r,
    };
    if w.hz.zones[zi].rrsets.iter().any(|r| r.name == name && r.rtype == rtype) {
        return error(
            StatusCode::CONFLICT,
            "uniqueness_error",
            "RRSet with this name and type already exists",
            json!({"fields": [{"name": "name"}, {"name": "type"}]}),
        );
    }
    if rtype == "CNAME" && w.hz.zones[zi].rrsets.iter().any(|r| r.name == name) {
        return invalid_input("type", "a CNAME cannot sit beside other records of the same name");
    }
    let ttl = body["ttl"].as_u64().map(|t| t as u32);
    let rr = SRrset { name, rtype, ttl, records: recs, protected: false };
    let zid = w.hz.zones[zi].id;
    w.hz.zones[zi].rrsets.push(rr.clone());
    w.hz.zones[zi].bump();
    let a = w.hz.start_action("create_rrset", vec![(zid, "zone")], 400, vec![], vec![]).json(now);
    let z = &w.hz.zones[zi];
    created(json!({"rrset": HetznerWorld::rrset_json(z, &rr), "action": a}))
}

enum Op {
    Set,
    Add,
    Remove,
    Ttl,
}

async fn modify(s: std::sync::Arc<crate::sim::Shared>, key: String, name: String, rtype: String, body: Value, op: Op) -> Response {
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    let zid = w.hz.zones[zi].id;
    let pos = w.hz.zones[zi].rrsets.iter().position(|r| r.name == name && r.rtype == rtype);
    if let Some(p) = pos
        && w.hz.zones[zi].rrsets[p].protected
    {
        return error(StatusCode::LOCKED, "protected", "RRSet is change protected", Value::Null);
    }
    let command = match op {
        Op::Set => "set_rrset_records",
        Op::Add => "add_rrset_records",
        Op::Remove => "remove_rrset_records",
        Op::Ttl => "change_rrset_ttl",
    };
    match op {
        Op::Ttl => {
            let Some(p) = pos else { return not_found("rrset") };
            if body.get("ttl").is_none() {
                return invalid_input("ttl", "required (a number, or null for the zone default)");
            }
            let ttl = body["ttl"].as_u64().map(|t| t as u32);
            if ttl.is_some_and(|t| t < 60) {
                return invalid_input("ttl", "must be at least 60");
            }
            w.hz.zones[zi].rrsets[p].ttl = ttl;
        }
        Op::Set | Op::Add | Op::Remove => {
            let recs = match values(&rtype, &body, "records") {
                Ok(v) => v,
                Err(r) => return r,
            };
            match (op, pos) {
                (Op::Set, Some(p)) => w.hz.zones[zi].rrsets[p].records = recs,
                (Op::Set | Op::Remove, None) => return not_found("rrset"),
                (Op::Add, Some(p)) => {
                    let r = &mut w.hz.zones[zi].rrsets[p];
                    if let Some(t) = body["ttl"].as_u64()
                        && Some(t as u32) != r.ttl
                    {
                        return invalid_input("ttl", "must equal the RRSet's TTL");
                    }
                    for rec in recs {
                        if !r.records.iter().any(|(v, _)| *v == rec.0) {
                            r.records.push(rec);
                        }
                    }
                }
                (Op::Add, None) => {
                    let zname = w.hz.zones[zi].name.clone();
                    if !valid_name(&name, &zname) {
                        return invalid_input("name", "invalid RRSet name");
                    }
                    let ttl = body["ttl"].as_u64().map(|t| t as u32);
                    w.hz.zones[zi].rrsets.push(SRrset { name: name.clone(), rtype: rtype.clone(), ttl, records: recs, protected: false });
                }
                (Op::Remove, Some(p)) => {
                    let r = &mut w.hz.zones[zi].rrsets[p];
                    r.records.retain(|(v, _)| !recs.iter().any(|(x, _)| x == v));
                    if r.records.is_empty() {
                        w.hz.zones[zi].rrsets.remove(p);
                    }
                }
                _ => {}
            }
        }
    }
    w.hz.zones[zi].bump();
    let a = w.hz.start_action(command, vec![(zid, "zone")], 400, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

pub(super) async fn set_records(State(s): S, Path((k, n, t)): Path<(String, String, String)>, Json(b): Json<Value>) -> Response {
    modify(s, k, n, t, b, Op::Set).await
}

pub(super) async fn add_records(State(s): S, Path((k, n, t)): Path<(String, String, String)>, Json(b): Json<Value>) -> Response {
    modify(s, k, n, t, b, Op::Add).await
}

pub(super) async fn remove_records(State(s): S, Path((k, n, t)): Path<(String, String, String)>, Json(b): Json<Value>) -> Response {
    modify(s, k, n, t, b, Op::Remove).await
}

pub(super) async fn rrset_ttl(State(s): S, Path((k, n, t)): Path<(String, String, String)>, Json(b): Json<Value>) -> Response {
    modify(s, k, n, t, b, Op::Ttl).await
}

pub(super) async fn delete_rrset(State(s): S, Path((key, name, rtype)): Path<(String, String, String)>) -> Response {
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    let Some(p) = w.hz.zones[zi].rrsets.iter().position(|r| r.name == name && r.rtype == rtype) else { return not_found("rrset") };
    if w.hz.zones[zi].rrsets[p].protected {
        return error(StatusCode::LOCKED, "protected", "RRSet is change protected", Value::Null);
    }
    if matches!(rtype.as_str(), "SOA") || (rtype == "NS" && name == "@") {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "the SOA and apex NS records cannot be deleted",
            json!({"fields": [{"name": "type", "messages": ["managed by Hetzner"]}]}),
        );
    }
    let zid = w.hz.zones[zi].id;
    w.hz.zones[zi].rrsets.remove(p);
    w.hz.zones[zi].bump();
    let a = w.hz.start_action("delete_rrset", vec![(zid, "zone")], 400, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

pub(super) async fn zone_ttl(State(s): S, Path(key): Path<String>, Json(body): Json<Value>) -> Response {
    let Some(ttl) = body["ttl"].as_u64().filter(|t| *t >= 60) else { return invalid_input("ttl", "a number, at least 60") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    w.hz.zones[zi].ttl = ttl as u32;
    w.hz.zones[zi].bump();
    let zid = w.hz.zones[zi].id;
    let a = w.hz.start_action("change_zone_ttl", vec![(zid, "zone")], 400, vec![], vec![]).json(now);
    created(json!({"action": a}))
}

pub(super) async fn export(State(s): S, Path(key): Path<String>) -> Response {
    let w = s.world();
    match find(&w.hz, &key) {
        Some(z) => json_response(StatusCode::OK, &json!({"zonefile": z.zonefile()})),
        None => not_found("zone"),
    }
}

pub(super) async fn import(State(s): S, Path(key): Path<String>, Json(body): Json<Value>) -> Response {
    let Some(text) = body["zonefile"].as_str() else { return invalid_input("zonefile", "required") };
    let now = chrono::Utc::now();
    let mut w = s.world();
    w.hz.tick(now);
    let Some(zi) = idx(&w.hz, &key) else { return not_found("zone") };
    let zname = w.hz.zones[zi].name.clone();
    let imported = match super::zonefile_import::read(text, &zname) {
        Ok(z) => z,
        Err(e) => return invalid_input("zonefile", &e),
    };
    if !imported.rrsets.iter().any(|(_, t, _, _)| t == "SOA") {
        return invalid_input("zonefile", "a SOA record is required");
    }
    let ns: Vec<&str> =
        imported.rrsets.iter().filter(|(n, t, _, _)| t == "NS" && n == "@").flat_map(|(_, _, _, v)| v.iter().map(String::as_str)).collect();
    if !crate::sim::world::HETZNER_NS.iter().all(|n| ns.contains(n)) {
        return invalid_input("zonefile", "the assigned Hetzner NS records must be present");
    }
    if w.hz.zones[zi].rrsets.iter().any(|r| r.protected) {
        return error(StatusCode::LOCKED, "protected", "an RRSet of this zone is change protected", Value::Null);
    }
    let default_ttl = imported.default_ttl.unwrap_or(w.hz.zones[zi].ttl);
    let mut rrsets: Vec<SRrset> = Vec::new();
    for (name, rtype, ttl, vals) in imported.rrsets {
        let vals = if rtype == "SOA" { vec![w.hz.zones[zi].soa()] } else { vals };
        rrsets.push(SRrset { name, rtype, ttl: Some(ttl), records: vals.into_iter().map(|v| (v, None)).collect(), protected: false });
    }
    let z = &mut w.hz.zones[zi];
    z.ttl = default_ttl;
    z.rrsets = rrsets;
    z.bump();
    let zid = z.id;
    let a = w.hz.start_action("import_zonefile", vec![(zid, "zone")], 600, vec![], vec![]).json(now);
    created(json!({"action": a}))
}
