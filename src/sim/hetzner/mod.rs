//! The simulated Hetzner Cloud API (`/v1/...`): the paths, fields, status strings,
//! pagination, rate-limit headers and error bodies of the real service.

mod actions;
pub mod firewalls;
mod networks;
pub mod servers;
mod zonefile_import;
mod zones;

use super::{Api, Shared, json_response, lock, record};
use crate::sim::rules::LabelSelector as Selector;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) type S = State<Arc<Shared>>;
type Q = Query<Vec<(String, String)>>;

pub fn error(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    json_response(status, &json!({"error": {"code": code, "message": message, "details": details}}))
}

pub fn invalid_input(field: &str, msg: &str) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
        &format!("invalid input in field '{field}'"),
        json!({"fields": [{"name": field, "messages": [msg]}]}),
    )
}

/// An action's optional JSON body: nothing is null; anything else must parse.
pub fn json_body(body: &[u8]) -> Result<Value, Response> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| error(StatusCode::BAD_REQUEST, "json_error", &format!("invalid JSON: {e}"), Value::Null))
}

/// What a `POST .../{id}/actions/{verb}` starts with: its optional JSON body
/// and its numeric id.
pub fn action_args(id: &str, body: &[u8]) -> Result<(Value, i64), Response> {
    let b = json_body(body)?;
    let id = id.parse::<i64>().map_err(|_| invalid_input("id", "must be an integer"))?;
    Ok((b, id))
}

/// Hetzner's 423 while another action runs on the resource.
pub fn locked(what: &str) -> Response {
    error(StatusCode::LOCKED, "locked", &format!("{what} is locked: another action is running"), Value::Null)
}

pub fn created(v: Value) -> Response {
    json_response(StatusCode::CREATED, &v)
}

pub fn not_found(what: &str) -> Response {
    error(StatusCode::NOT_FOUND, "not_found", &format!("{what} not found"), Value::Null)
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/servers", get(list_servers).post(servers::create_server))
        .route("/v1/ssh_keys", get(servers::list_keys).post(servers::create_key))
        .route("/v1/servers/actions", get(actions::list_servers_actions))
        .route("/v1/servers/{id}", get(get_server).put(actions::update).delete(actions::delete))
        .route("/v1/servers/{id}/actions/{verb}", post(actions::server_action))
        .route("/v1/servers/{id}/metrics", get(actions::metrics))
        .route("/v1/actions", get(actions::list))
        .route("/v1/actions/{id}", get(actions::get))
        .route("/v1/volumes", get(firewalls::volumes))
        .route("/v1/volumes/{id}/actions/{verb}", post(servers::volume_action))
        .route("/v1/networks", get(networks::list).post(networks::create))
        .route("/v1/networks/{id}", get(networks::get))
        .route("/v1/primary_ips", get(servers::primary_ips))
        .route("/v1/primary_ips/{id}", get(servers::primary_ip))
        .route("/v1/primary_ips/{id}/actions/{verb}", post(servers::primary_ip_action))
        .route("/v1/images", get(actions::images))
        .route("/v1/firewalls", get(firewalls::list).post(firewalls::create))
        .route("/v1/firewalls/{id}", get(firewalls::get).put(firewalls::update).delete(firewalls::delete))
        .route("/v1/firewalls/{id}/actions/set_rules", post(firewalls::set_rules))
        .route("/v1/firewalls/{id}/actions/apply_to_resources", post(firewalls::apply))
        .route("/v1/firewalls/{id}/actions/remove_from_resources", post(firewalls::remove))
        .route("/v1/zones", get(zones::list).post(zones::create_zone))
        .route("/v1/zones/{zone}", get(zones::get).delete(zones::delete_zone))
        .route("/v1/zones/{zone}/actions/change_protection", post(zones::zone_protection))
        .route("/v1/zones/{zone}/zonefile", get(zones::export))
        .route("/v1/zones/{zone}/actions/change_ttl", post(zones::zone_ttl))
        .route("/v1/zones/{zone}/actions/import_zonefile", post(zones::import))
        .route("/v1/zones/{zone}/rrsets", get(zones::rrsets).post(zones::create))
        .route("/v1/zones/{zone}/rrsets/{name}/{rtype}", get(zones::rrset).delete(zones::delete_rrset))
        .route("/v1/zones/{zone}/rrsets/{name}/{rtype}/actions/set_records", post(zones::set_records))
        .route("/v1/zones/{zone}/rrsets/{name}/{rtype}/actions/add_records", post(zones::add_records))
        .route("/v1/zones/{zone}/rrsets/{name}/{rtype}/actions/remove_records", post(zones::remove_records))
        .route("/v1/zones/{zone}/rrsets/{name}/{rtype}/actions/change_ttl", post(zones::rrset_ttl))
        .route("/v1/server_types", get(list_server_types))
        .route("/v1/locations", get(list_locations))
        .route("/v1/pricing", get(pricing))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "not found", Value::Null) })
        .layer(from_fn_with_state(shared.clone(), guard))
        .layer(from_fn_with_state(shared.clone(), |State(s): S, req: Request, next: Next| record(s, Api::Hetzner, req, next)))
        .with_state(shared)
}

/// Auth, rate limit, correlation id and injected faults: what every real
/// response goes through.
async fn guard(State(s): S, req: Request, next: Next) -> Response {
    let corr = lock(&s.correlation).hex(16);
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == s.hetzner_token);
    let (limit, remaining, reset, allowed) = {
        let mut b = lock(&s.bucket);
        b.refill();
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        let now = chrono::Utc::now().timestamp();
        (b.limit, b.tokens.floor() as i64, now + b.secs_to_full(), allowed)
    };
    let mut resp = if !allowed {
        error(StatusCode::TOO_MANY_REQUESTS, "rate_limit_exceeded", &format!("limit of {limit} requests per hour reached"), Value::Null)
    } else if !authorised {
        error(StatusCode::UNAUTHORIZED, "unauthorized", "unable to authenticate", Value::Null)
    } else if let Some(f) = s.take_fault(Api::Hetzner, req.method().as_str(), req.uri().path()) {
        crate::sim::fault::answer(f.kind, req, next, |status, code, msg| {
            error(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), code, msg, Value::Null)
        })
        .await
    } else {
        let host = req.headers().get("host").and_then(|v| v.to_str().ok()).unwrap_or("localhost").to_string();
        let (path, query) = (req.uri().path().to_string(), req.uri().query().unwrap_or("").to_string());
        let resp = next.run(req).await;
        let allow = resp.headers().get("allow").cloned();
        let mut resp = match crate::sim::protocol::refused(resp).await {
            Ok(r) => refusal(r, allow),
            Err(resp) => resp,
        };
        let page = resp.headers_mut().remove(PAGE_HEADER);
        if let Some(p) = page.as_ref().and_then(|v| v.to_str().ok()) {
            let n: Vec<usize> = p.split(' ').filter_map(|x| x.parse().ok()).collect();
            if let [page, per_page, last] = n[..]
                && let Ok(v) = HeaderValue::from_str(&link_header(&format!("http://{host}{path}"), &query, page, per_page, last))
            {
                resp.headers_mut().insert("link", v);
            }
        }
        resp
    };
    let h = resp.headers_mut();
    for (k, v) in [("ratelimit-limit", limit as i64), ("ratelimit-remaining", remaining), ("ratelimit-reset", reset)] {
        h.insert(k, HeaderValue::from(v));
    }
    if let Ok(v) = HeaderValue::from_str(&corr) {
        h.insert("x-correlation-id", v);
    }
    resp
}

/// Query parameters, with repeated keys kept.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect()
    }

    /// `page`/`per_page` with the API's limits.
    pub fn paging(&self, max: usize) -> Result<(usize, usize), Box<Response>> {
        let page = match self.get("page") {
            None => 1,
            Some(p) => {
                p.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| Box::new(invalid_input("page", "must be a positive integer")))?
            }
        };
        let per_page = match self.get("per_page") {
            None => 25,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|p| (1..=max).contains(p))
                .ok_or_else(|| Box::new(invalid_input("per_page", &format!("must be between 1 and {max}"))))?,
        };
        Ok((page, per_page))
    }
}

/// One page of `items` with the API's `meta.pagination`.
pub fn page_of(key: &str, items: Vec<Value>, page: usize, per_page: usize) -> Response {
    let total = items.len();
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = (start + per_page).min(total);
    let slice: Vec<Value> = items.into_iter().skip(start).take(end - start).collect();
    page_json(key, slice, page, per_page, total)
}

/// Set by a page for the guard, which turns it into the `Link` header (it
/// knows the request's URL); never sent.
const PAGE_HEADER: &str = "x-sim-page";

/// A page already cut out of `total` entries.
pub fn page_json(key: &str, slice: Vec<Value>, page: usize, per_page: usize, total: usize) -> Response {
    let last = total.div_ceil(per_page).max(1);
    let mut resp = json_response(
        StatusCode::OK,
        &json!({
            key: slice,
            "meta": {"pagination": {
                "page": page, "per_page": per_page,
                "previous_page": if page > 1 { json!(page - 1) } else { Value::Null },
                "next_page": if page < last { json!(page + 1) } else { Value::Null },
                "last_page": last, "total_entries": total,
            }},
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{page} {per_page} {last}")) {
        resp.headers_mut().insert(PAGE_HEADER, v);
    }
    resp
}

/// The documented filters of a list, applied to its items' JSON: `name`,
/// `label_selector`, `status` (repeatable), `id` (repeatable) where the route
/// takes them, then `sort` (`field` or `field:asc|desc`, repeatable, first
/// wins). An unknown sort field or a bad selector is refused as Hetzner does.
pub fn filtered(p: &Params, mut items: Vec<Value>, takes: &[&str], sorts: &[&str]) -> Result<Vec<Value>, Response> {
    let selector: Option<Selector> = match takes.contains(&"label_selector").then(|| p.get("label_selector")).flatten() {
        Some(sel) => Some(Selector::parse(sel).map_err(|m| invalid_input("label_selector", m.as_str()))?),
        None => None,
    };
    let statuses = if takes.contains(&"status") { p.all("status") } else { vec![] };
    let ids: Vec<i64> = if takes.contains(&"id") { p.all("id").iter().filter_map(|i| i.parse().ok()).collect() } else { vec![] };
    let name = takes.contains(&"name").then(|| p.get("name")).flatten();
    let ip = takes.contains(&"ip").then(|| p.get("ip")).flatten();
    items.retain(|v| {
        let labels: std::collections::BTreeMap<String, String> = v["labels"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default();
        name.is_none_or(|n| v["name"].as_str() == Some(n))
            && ip.is_none_or(|i| v["ip"].as_str() == Some(i))
            && (statuses.is_empty() || v["status"].as_str().is_some_and(|st| statuses.contains(&st)))
            && (ids.is_empty() || v["id"].as_i64().is_some_and(|i| ids.contains(&i)))
            && selector.as_ref().is_none_or(|sel| sel.matches(&labels))
    });
    let specs = p.all("sort");
    for spec in &specs {
        let field = spec.split_once(':').map_or(*spec, |(f, _)| f);
        let dir = spec.split_once(':').map_or("asc", |(_, d)| d);
        if !sorts.contains(&field) || !matches!(dir, "asc" | "desc") {
            return Err(invalid_input("sort", &format!("invalid sort `{spec}`")));
        }
    }
    for spec in specs.iter().rev() {
        let (field, dir) = spec.split_once(':').unwrap_or((spec, "asc"));
        items.sort_by(|a, b| {
            let o = match (&a[field], &b[field]) {
                (Value::Number(x), Value::Number(y)) => x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0)),
                (x, y) => x.as_str().unwrap_or("").cmp(y.as_str().unwrap_or("")),
            };
            if dir == "desc" { o.reverse() } else { o }
        });
    }
    Ok(items)
}

/// RFC 8288 links to the previous, next and last pages, as Hetzner sends
/// them: the request's URL with `page` (and `per_page`) set.
fn link_header(base: &str, query: &str, page: usize, per_page: usize, last: usize) -> String {
    let kept: Vec<&str> =
        query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("page=") && !kv.starts_with("per_page=")).collect();
    let url = |p: usize| {
        let mut q = kept.clone();
        let (page, per) = (format!("page={p}"), format!("per_page={per_page}"));
        q.push(&page);
        q.push(&per);
        format!("<{base}?{}>", q.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
    }
    links.push(format!("{}; rel=\"last\"", url(last)));
    links.join(", ")
}

/// What the framework refused, in Hetzner's envelope.
fn refusal(r: crate::sim::protocol::Refused, allow: Option<HeaderValue>) -> Response {
    use crate::sim::protocol::Refused;
    match r {
        Refused::ContentType => {
            error(StatusCode::BAD_REQUEST, "json_error", "the request body must be JSON (Content-Type: application/json)", Value::Null)
        }
        Refused::EmptyJson => error(StatusCode::BAD_REQUEST, "json_error", "the request body is empty", Value::Null),
        Refused::InvalidJson(d) => error(StatusCode::BAD_REQUEST, "json_error", &format!("invalid JSON: {d}"), Value::Null),
        Refused::WrongShape(d) => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", &format!("invalid input: {d}"), Value::Null),
        Refused::Method(_) => {
            let mut resp = error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed", Value::Null);
            if let Some(a) = allow {
                resp.headers_mut().insert("allow", a);
            }
            resp
        }
    }
}

async fn list_servers(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let selector: Option<Selector> = match p.get("label_selector").map(Selector::parse).transpose() {
        Ok(sel) => sel,
        Err(m) => return invalid_input("label_selector", m.as_str()),
    };
    let statuses = p.all("status");
    let name = p.get("name");
    let sorts = p.all("sort");
    for spec in &sorts {
        let (field, dir) = spec.split_once(':').unwrap_or((spec, "asc"));
        if !["id", "name", "created"].contains(&field) || !matches!(dir, "asc" | "desc") {
            return invalid_input("sort", &format!("invalid sort `{spec}`"));
        }
    }
    let mut w = s.world();
    w.hz.tick(chrono::Utc::now());
    // Filter and sort the records, then serialize only the requested page.
    let mut hits: Vec<&super::world::SServer> =
        w.hz.servers
            .iter()
            .filter(|sv| name.is_none_or(|n| sv.name == n))
            .filter(|sv| statuses.is_empty() || statuses.contains(&sv.status.as_str()))
            .filter(|sv| selector.as_ref().is_none_or(|sel| sel.matches(&sv.labels.iter().cloned().collect())))
            .collect();
    for spec in sorts.iter().rev() {
        let (field, dir) = spec.split_once(':').unwrap_or((spec, "asc"));
        hits.sort_by(|a, b| {
            let o = match field {
                "id" => a.id.cmp(&b.id),
                "name" => a.name.cmp(&b.name),
                _ => a.created.cmp(&b.created),
            };
            if dir == "desc" { o.reverse() } else { o }
        });
    }
    let total = hits.len();
    let start = (page - 1).saturating_mul(per_page).min(total);
    let items: Vec<Value> = hits[start..(start + per_page).min(total)].iter().map(|sv| w.hz.server_json(sv)).collect();
    page_json("servers", items, page, per_page, total)
}

async fn get_server(State(s): S, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return invalid_input("id", "must be an integer");
    };
    let mut w = s.world();
    w.hz.tick(chrono::Utc::now());
    match w.hz.servers.iter().find(|sv| sv.id == id) {
        Some(sv) => json_response(StatusCode::OK, &json!({"server": w.hz.server_json(sv)})),
        None => not_found("server"),
    }
}

async fn list_server_types(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items = w.hz.types.iter().filter(|t| p.get("name").is_none_or(|n| n == t.name)).map(|t| w.hz.type_json(t)).collect();
    page_of("server_types", items, page, per_page)
}

async fn list_locations(State(s): S, Query(q): Q) -> Response {
    let p = Params(q);
    let (page, per_page) = match p.paging(50) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let w = s.world();
    let items =
        w.hz.locations
            .iter()
            .filter(|l| p.get("name").is_none_or(|n| n == l.name))
            .map(super::world::HetznerWorld::location_json)
            .collect();
    page_of("locations", items, page, per_page)
}

async fn pricing(State(s): S) -> Response {
    use super::world::net_gross;
    let w = s.world();
    let per_loc = |net: i64| {
        w.hz.locations
            .iter()
            .map(|l| json!({"location": l.name, "price_hourly": net_gross(net / 730), "price_monthly": net_gross(net)}))
            .collect::<Vec<_>>()
    };
    json_response(
        StatusCode::OK,
        &json!({"pricing": {
            "currency": "EUR",
            "vat_rate": super::world::VAT,
            "primary_ips": [
                {"type": "ipv4", "prices": per_loc(5_000)},
                {"type": "ipv6", "prices": per_loc(0)},
            ],
            "floating_ip": {"price_monthly": net_gross(30_000)},
            "floating_ips": [
                {"type": "ipv4", "prices": w.hz.locations.iter().map(|l| json!({"location": l.name, "price_monthly": net_gross(30_000)})).collect::<Vec<_>>()},
                {"type": "ipv6", "prices": w.hz.locations.iter().map(|l| json!({"location": l.name, "price_monthly": net_gross(30_000)})).collect::<Vec<_>>()},
            ],
            "image": {"price_per_gb_month": net_gross(1_100)},
            "volume": {"price_per_gb_month": net_gross(440)},
            "server_backup": {"percentage": "20.00"},
            "server_types": w.hz.types.iter().map(|t| json!({"id": t.id, "name": t.name, "prices": w.hz.type_json(t)["prices"].clone()})).collect::<Vec<_>>(),
            "load_balancer_types": [],
        }}),
    )
}
