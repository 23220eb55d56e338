//! Validates recorded HTTP exchanges against an OpenAPI document: the request's
//! query parameters and body, and the response body for its status.

use cutover::sim::Exchange;
use regex::Regex;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub struct Spec {
    doc: Value,
    /// (regex, template, literal segment count)
    paths: Vec<(Regex, String, usize)>,
    /// Prefix the real service puts before the spec's paths (`/v1`, `/api/v1`).
    prefix: String,
}

/// OpenAPI 3.0's `nullable: true` (which the Coolify document uses although it
/// says 3.1) becomes JSON Schema's `type: [T, "null"]`.
fn fix_nullable(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("nullable") == Some(&Value::Bool(true)) {
                match m.get("type").cloned() {
                    Some(Value::String(t)) => {
                        m.insert("type".into(), json!([t, "null"]));
                    }
                    Some(_) => {}
                    None if m.contains_key("$ref") => {
                        let r = m.remove("$ref").unwrap_or(Value::Null);
                        m.insert("anyOf".into(), json!([{"$ref": r}, {"type": "null"}]));
                    }
                    None => {}
                }
            }
            for x in m.values_mut() {
                fix_nullable(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(fix_nullable),
        _ => {}
    }
}

impl Spec {
    pub fn load(file: &str, prefix: &str) -> Spec {
        let path = format!("{}/tests/specs/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut doc: Value = serde_json::from_str(&text).expect("spec is JSON");
        fix_nullable(&mut doc);
        let mut paths = Vec::new();
        for tpl in doc["paths"].as_object().expect("paths").keys() {
            let mut re = String::from("^");
            let mut literal = 0;
            for seg in tpl.split('/').filter(|s| !s.is_empty()) {
                re.push('/');
                if seg.starts_with('{') {
                    re.push_str("[^/]+");
                } else {
                    literal += 1;
                    re.push_str(&regex::escape(seg));
                }
            }
            re.push('$');
            paths.push((Regex::new(&re).expect("path regex"), tpl.clone(), literal));
        }
        Spec { doc, paths, prefix: prefix.to_string() }
    }

    fn template(&self, path: &str) -> Option<&str> {
        let p = path.strip_prefix(&self.prefix)?;
        self.paths.iter().filter(|(re, _, _)| re.is_match(p)).max_by_key(|(_, _, lit)| *lit).map(|(_, t, _)| t.as_str())
    }

    fn validate(&self, schema: &Value, instance: &Value) -> Vec<String> {
        // Refs point into the document's components: carry them along.
        let mut root = match schema {
            Value::Object(m) => m.clone(),
            other => {
                let mut m = Map::new();
                m.insert("allOf".into(), json!([other]));
                m
            }
        };
        if let Some(c) = self.doc.get("components") {
            root.insert("components".into(), c.clone());
        }
        let validator = jsonschema::draft202012::options().build(&Value::Object(root)).expect("schema compiles");
        validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path)).collect()
    }

    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.get("$ref").and_then(|r| r.as_str()).and_then(|r| r.strip_prefix('#')) {
            Some(ptr) => self.doc.pointer(ptr).unwrap_or(v),
            None => v,
        }
    }

    /// Problems with one exchange; empty when it conforms. The request is always
    /// checked; `known` lists responses where the real service is documented to
    /// differ from its document (checked against the real behaviour by the tests).
    pub fn check(&self, ex: &Exchange, known: &[Divergence]) -> Vec<String> {
        let where_ = format!("{} {}?{} -> {}", ex.method, ex.path, ex.query, ex.status);
        let Some(tpl) = self.template(&ex.path) else {
            return vec![format!("{where_}: path not in the spec")];
        };
        let path_item = &self.doc["paths"][tpl];
        let diverges = known.iter().any(|d| d.method.eq_ignore_ascii_case(&ex.method) && d.path == tpl && d.status == ex.status);
        let Some(op) = path_item.get(ex.method.to_lowercase()) else {
            // A method the document lacks is a problem unless a divergence names
            // it (GET on a state-changing route answers 405; a route the service
            // has outside its document).
            return if diverges { Vec::new() } else { vec![format!("{where_}: method not in the spec for {tpl}")] };
        };
        let mut problems = Vec::new();
        // Query parameters.
        let mut params: Vec<&Value> = Vec::new();
        for list in [path_item.get("parameters"), op.get("parameters")].into_iter().flatten() {
            params.extend(list.as_array().into_iter().flatten().map(|p| self.resolve(p)));
        }
        let mut given: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in url_pairs(&ex.query) {
            given.entry(k).or_default().push(v);
        }
        for (name, values) in &given {
            let Some(p) = params.iter().find(|p| p["in"] == "query" && p["name"] == name.as_str()) else {
                problems.push(format!("{where_}: query parameter `{name}` is not in the spec"));
                continue;
            };
            let schema = &p["schema"];
            let inst = if schema["type"] == "array" {
                Value::Array(values.iter().map(|v| typed(&schema["items"], v)).collect())
            } else {
                if values.len() > 1 {
                    problems.push(format!("{where_}: `{name}` repeated but not an array"));
                }
                typed(schema, &values[0])
            };
            for e in self.validate(schema, &inst) {
                problems.push(format!("{where_}: query `{name}`: {e}"));
            }
        }
        for p in &params {
            if p["in"] == "query" && p["required"] == true && !given.contains_key(p["name"].as_str().unwrap_or("")) {
                problems.push(format!("{where_}: required query parameter `{}` missing", p["name"]));
            }
        }
        // Request body.
        if let Some(body) = &ex.request_body {
            match op.pointer("/requestBody/content/application~1json/schema") {
                Some(schema) => {
                    for e in self.validate(schema, body) {
                        problems.push(format!("{where_}: request body: {e}"));
                    }
                }
                None => problems.push(format!("{where_}: sent a body, the spec has none")),
            }
        }
        // Response.
        if diverges {
            return problems;
        }
        let status = ex.status.to_string();
        let class = format!("{}xx", ex.status / 100);
        let responses = &op["responses"];
        let Some(resp) = responses.get(&status).or_else(|| responses.get(&class)).or_else(|| responses.get("default")) else {
            problems.push(format!("{where_}: status {status} not documented for {} {tpl}", ex.method));
            return problems;
        };
        let resp = self.resolve(resp);
        let content = resp.get("content").and_then(|c| c.as_object());
        let Some(content) = content else {
            if !ex.response_body.is_empty() {
                problems.push(format!("{where_}: body returned, none documented"));
            }
            return problems;
        };
        let ct = ex.content_type.split(';').next().unwrap_or("").trim();
        let Some(media) = content.get(ct) else {
            problems.push(format!("{where_}: content type `{ct}` not documented ({:?})", content.keys().collect::<Vec<_>>()));
            return problems;
        };
        let instance: Value = if ct == "application/json" {
            match serde_json::from_slice(&ex.response_body) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{where_}: response is not JSON: {e}"));
                    return problems;
                }
            }
        } else {
            Value::String(String::from_utf8_lossy(&ex.response_body).into_owned())
        };
        if let Some(schema) = media.get("schema") {
            for e in self.validate(schema, &instance).into_iter().take(5) {
                problems.push(format!("{where_}: response: {e}"));
            }
        }
        problems
    }
}

/// A response where the real service differs from its published document.
pub struct Divergence {
    pub method: &'static str,
    /// The spec's path template.
    pub path: &'static str,
    pub status: u16,
    /// Where it is written down, and what the service really does.
    pub why: &'static str,
}

const fn d(method: &'static str, path: &'static str, status: u16, why: &'static str) -> Divergence {
    Divergence { method, path, status, why }
}

/// Where the real Coolify differs from its published document.
pub const COOLIFY_KNOWN: &[Divergence] = &[
    d("GET", "/databases", 200, "objects where the document says string (coolify#10449)"),
    d("GET", "/databases/{uuid}", 200, "an object where the document says string (coolify#10449)"),
    d("GET", "/deployments/applications/{uuid}", 200, "`{count, deployments}` where the document says [Application]"),
    d("GET", "/databases/{uuid}/backups", 200, "a list of backup schedules, typed string"),
    d("PATCH", "/databases/{uuid}/backups/{scheduled_backup_uuid}", 200, "`{message}`; the document has no body"),
    d("POST", "/applications/{uuid}/envs", 409, "409 when the key exists; undocumented"),
    d("PATCH", "/applications/{uuid}/envs/bulk", 422, "422 from the per-item validation; undocumented"),
    d("PATCH", "/applications/{uuid}", 422, "422 for a field that is not allowed; undocumented"),
    // ApiAbility answers 403 "Missing required permissions: X" (or API disabled)
    // on any route; these are the routes the suite meets it on.
    d("GET", "/version", 403, "403 when the API is disabled or the token lacks the ability"),
    d("GET", "/projects", 403, "403 when the API is disabled or the token lacks the ability"),
    d("GET", "/applications", 403, "403 when the token lacks the read ability"),
    d("GET", "/applications/{uuid}/envs", 403, "403 without read:sensitive"),
    d("POST", "/deploy", 403, "403 without the deploy ability"),
    d("GET", "/applications", 429, "Laravel's throttle answers 429 with Retry-After on any route; undocumented"),
    d("GET", "/deploy", 405, "405 on GET since v4.2.0 (state-changing routes)"),
    d("GET", "/services", 200, "nullable columns (description, deleted_at) are null where the document says string"),
    d("GET", "/services/{uuid}", 200, "nullable columns null; `applications[]` and `databases[]` with their status (PR #3011)"),
    d("POST", "/databases/postgresql", 404, "404 {message: Project not found.} (and Server, Environment); undocumented"),
    d(
        "POST",
        "/databases/postgresql",
        201,
        "201 {uuid, internal_db_url}; the document says 200 \"Database updated\" (DatabasesController)",
    ),
    d("GET", "/applications/{uuid}/start", 405, "405 on GET since v4.2.0 (state-changing routes)"),
    d(
        "GET",
        "/applications/{uuid}/previews/{pull_request_id}",
        200,
        "Coolify v4.3 reads a preview (docs: get-preview-deployment-by-pull-request-id); the document has only DELETE",
    ),
    d("GET", "/applications/{uuid}/previews/{pull_request_id}", 404, "the same route: `Preview not found.` for a deleted one"),
    d("GET", "/services/{uuid}/logs", 422, "Laravel's validation (`sub_service_name` is required) answers 422; undocumented"),
];

/// Where the real Hetzner API differs from its published document: none met.
pub const HETZNER_KNOWN: &[Divergence] = &[];

/// Checks every exchange against the vendored documents; panics listing the problems.
pub fn check_exchanges(exchanges: &[Exchange]) {
    let hz = Spec::load("hetzner-cloud.openapi.json", "/v1");
    let cf = Spec::load("coolify.openapi.json", "/api/v1");
    let mut problems = Vec::new();
    for ex in exchanges.iter().filter(|e| !e.wire_fault) {
        problems.extend(match ex.api {
            cutover::sim::Api::Hetzner => hz.check(ex, HETZNER_KNOWN),
            cutover::sim::Api::Coolify => cf.check(ex, COOLIFY_KNOWN),
        });
    }
    assert!(problems.is_empty(), "{} contract problems:\n{}", problems.len(), problems.join("\n"));
}

/// As `check_exchanges`, for clients that are not ours: what they send is
/// theirs to get right (coolipy sends `environment_name` alone, which Coolify
/// takes though its document marks `environment_uuid` required); every answer
/// the simulator gave them must conform.
pub fn check_answers(exchanges: &[Exchange]) {
    let hz = Spec::load("hetzner-cloud.openapi.json", "/v1");
    let cf = Spec::load("coolify.openapi.json", "/api/v1");
    let request_side =
        |p: &String| p.contains(": request body") || p.contains("sent a body") || p.contains("query parameter") || p.contains(": query `");
    let mut problems = Vec::new();
    for ex in exchanges.iter().filter(|e| !e.wire_fault) {
        let found = match ex.api {
            cutover::sim::Api::Hetzner => hz.check(ex, HETZNER_KNOWN),
            cutover::sim::Api::Coolify => cf.check(ex, COOLIFY_KNOWN),
        };
        problems.extend(found.into_iter().filter(|p| !request_side(p)));
    }
    assert!(problems.is_empty(), "{} contract problems in the answers:\n{}", problems.len(), problems.join("\n"));
}

fn typed(schema: &Value, v: &str) -> Value {
    match schema["type"].as_str() {
        Some("integer") => v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v.into())),
        Some("number") => v.parse::<f64>().map(Value::from).unwrap_or(Value::String(v.into())),
        Some("boolean") => v.parse::<bool>().map(Value::from).unwrap_or(Value::String(v.into())),
        _ => Value::String(v.into()),
    }
}

fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
