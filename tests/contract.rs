//! Contract tier: every request our clients send and every response the
//! simulator returns is checked against the published OpenAPI documents
//! (vendored in tests/specs/, byte-identical to ../shared/specs/).

mod support;

use cutover::config::Secret;
use cutover::sim::{Api, Exchange, Sim, SimOptions};
use cutover::{coolify, hetzner};
use support::openapi::Spec;

/// Where the real Coolify differs from its document (../shared/notes/coolify-api.md §3):
/// these responses are checked against the real behaviour in their own tests instead.
const COOLIFY_KNOWN: &[(&str, &str, u16)] = &[
    // "/databases and /databases/{uuid} responses typed string (wrong, #10449)".
    ("GET", "/databases", 200),
    ("GET", "/databases/{uuid}", 200),
];

fn check_all(exchanges: &[Exchange]) {
    let hz = Spec::load("hetzner-cloud.openapi.json", "/v1");
    let cf = Spec::load("coolify.openapi.json", "/api/v1");
    let mut problems = Vec::new();
    for ex in exchanges {
        let p = match ex.api {
            Api::Hetzner => hz.check(ex, &[]),
            Api::Coolify => cf.check(ex, COOLIFY_KNOWN),
        };
        problems.extend(p);
    }
    assert!(problems.is_empty(), "{} contract problems:\n{}", problems.len(), problems.join("\n"));
}

async fn recording_sim() -> Sim {
    Sim::start(SimOptions { record: true, ..SimOptions::default() }).await.expect("sim")
}

fn hz_client(sim: &Sim) -> hetzner::Client {
    let mut c = hetzner::Client::new(&sim.hetzner_endpoint(), Secret::new(sim.shared.hetzner_token.clone())).unwrap();
    c.retry.max_retries = 0;
    c
}

#[tokio::test]
async fn hetzner_reads_conform() {
    let sim = recording_sim().await;
    let c = hz_client(&sim);
    let mut pages = 0;
    c.servers_paged(|_, _| pages += 1).await.unwrap();
    let servers: Vec<hetzner::Server> =
        c.list_all("/servers", "servers", &[("label_selector", "env=production,role!=db".into())]).await.unwrap();
    assert!(!servers.is_empty() && servers.iter().all(|s| s.labels.get("env").map(String::as_str) == Some("production")));
    let one = c.server(servers[0].id).await.unwrap();
    assert_eq!(one.name, servers[0].name);
    let _: serde_json::Value = c.get("/server_types", &[("per_page", "50".into())]).await.unwrap();
    let _: serde_json::Value = c.get("/locations", &[]).await.unwrap();
    let _: serde_json::Value = c.get("/pricing", &[]).await.unwrap();
    let ex = sim.exchanges();
    assert!(ex.len() >= 6);
    check_all(&ex);
}

#[tokio::test]
async fn hetzner_errors_conform_and_decode() {
    let sim = recording_sim().await;
    let c = hz_client(&sim);
    // 404 not_found
    let e = c.server(1).await.unwrap_err();
    assert_eq!(e.api_code(), Some("not_found"));
    // 422 invalid_input with details.fields
    let e = c.get::<serde_json::Value>("/servers", &[("per_page", "500".into())]).await.unwrap_err();
    let hetzner::Error::Api(api) = &e else { panic!("{e}") };
    assert_eq!((api.status, api.code.as_str()), (422, "invalid_input"));
    assert_eq!(api.field_messages()[0].0, "per_page");
    assert!(api.correlation_id.is_some());
    assert!(e.to_string().contains("invalid_input") && e.to_string().contains("per_page"), "{e}");
    // 401 unauthorized
    let bad = hetzner::Client::new(&sim.hetzner_endpoint(), Secret::new("x".repeat(64))).unwrap();
    let e = bad.server(1).await.unwrap_err();
    assert_eq!(e.api_code(), Some("unauthorized"));
    // 429 rate_limit_exceeded with the reset time
    sim.exhaust_rate_limit();
    let e = c.server(1).await.unwrap_err();
    let hetzner::Error::Api(api) = &e else { panic!("{e}") };
    assert_eq!((api.status, api.code.as_str()), (429, "rate_limit_exceeded"));
    assert!(api.reset.is_some());
    assert_eq!(c.rate_limit().map(|r| r.remaining), Some(0));
    check_all(&sim.exchanges());
}

#[tokio::test]
async fn retryable_errors_are_retried_others_are_not() {
    let sim = recording_sim().await;
    let mut c = hz_client(&sim);
    c.retry =
        hetzner::http::RetryPolicy { max_retries: 3, base: std::time::Duration::from_millis(5), cap: std::time::Duration::from_millis(20) };
    sim.control("fault hetzner GET /v1/servers 409 conflict 2 conflict, try again").unwrap();
    assert!(c.get::<serde_json::Value>("/servers", &[]).await.is_ok(), "conflict is retried");
    sim.control("fault hetzner GET /v1/servers 503 unavailable 1 maintenance").unwrap();
    let e = c.get::<serde_json::Value>("/servers", &[]).await.unwrap_err();
    assert_eq!(e.api_code(), Some("unavailable"), "503 unavailable is not in the retry list");
    let calls = sim.exchanges().iter().filter(|x| x.path == "/v1/servers").count();
    assert_eq!(calls, 4, "3 tries for the conflict, 1 for unavailable");
}

#[tokio::test]
async fn coolify_reads_conform() {
    let sim = recording_sim().await;
    let c = coolify::Client::new(&sim.coolify_url(), Secret::new(sim.shared.coolify_token.clone())).unwrap();
    assert_eq!(c.version().await.unwrap(), "4.3.10");
    let projects: Vec<serde_json::Value> = c.get("/projects").await.unwrap();
    let uuid = projects[0]["uuid"].as_str().unwrap().to_string();
    let _: serde_json::Value = c.get(&format!("/projects/{uuid}")).await.unwrap();
    let _: serde_json::Value = c.get(&format!("/projects/{uuid}/production")).await.unwrap();
    let apps: Vec<serde_json::Value> = c.get("/applications").await.unwrap();
    let _: serde_json::Value = c.get(&format!("/applications/{}", apps[0]["uuid"].as_str().unwrap())).await.unwrap();
    let _: serde_json::Value = c.get("/servers").await.unwrap();
    let dbs: Vec<serde_json::Value> = c.get("/databases").await.unwrap();
    // The real server returns database objects where the document says `string`.
    assert!(dbs[0]["uuid"].is_string() && dbs[0]["database_type"] == "standalone-postgresql");
    let e = c.get::<serde_json::Value>("/applications/nope").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    let bad = coolify::Client::new(&sim.coolify_url(), Secret::new("1|nope")).unwrap();
    let e = bad.version().await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert!(e.to_string().contains("Unauthenticated."), "{e}");
    check_all(&sim.exchanges());
}
