//! Contract tier: every request our clients send and every response the
//! simulator returns is checked against the published OpenAPI documents
//! (vendored in tests/specs/, byte-identical to the published documents).

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use cutover::config::Secret;
use cutover::sim::{Api, Exchange, Sim, SimOptions};
use cutover::{coolify, hetzner};
use support::openapi::Spec;

fn check_all(exchanges: &[Exchange]) {
    support::openapi::check_exchanges(exchanges);
}

async fn recording_sim() -> Sim {
    Sim::start(SimOptions { record: true, ..SimOptions::default() }).await.expect("sim")
}

fn hz_client(sim: &Sim) -> hetzner::Client {
    let mut c = hetzner::Client::new(&sim.hetzner_endpoint(), Secret::new(sim.shared.hetzner_token.clone())).unwrap();
    c.retry = cutover::api::RetryPolicy::none();
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
    // Both halves: production, and no database server among them (there is one in production).
    assert!(servers.iter().all(|s| s.labels.get("role").map(String::as_str) != Some("db")), "role!=db applied");
    let all = c.servers_all().await.unwrap();
    assert!(
        all.iter().any(
            |s| s.labels.get("env").map(String::as_str) == Some("production") && s.labels.get("role").map(String::as_str) == Some("db")
        )
    );
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
        cutover::api::RetryPolicy { max_retries: 3, base: std::time::Duration::from_millis(5), cap: std::time::Duration::from_millis(20) };
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
    let servers: Vec<serde_json::Value> = c.get("/servers").await.unwrap();
    let _: serde_json::Value = c.get(&format!("/servers/{}/resources", servers[0]["uuid"].as_str().unwrap())).await.unwrap();
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

fn fast_sim_opts() -> SimOptions {
    SimOptions { record: true, action_speed: 0.05, ..SimOptions::default() }
}

async fn server_id(c: &hetzner::Client, name: &str) -> i64 {
    c.servers_all().await.unwrap().into_iter().find(|s| s.name == name).unwrap().id
}

#[tokio::test]
async fn server_actions_follow_to_the_end() {
    // Actions take the time they take in production (a reboot 3 s, a shutdown
    // 1 s and the server off 3 s later): the checks made while one runs need
    // that time, not a sped-up world's 150 ms.
    let sim = Sim::start(SimOptions { record: true, action_speed: 1.0, ..SimOptions::default() }).await.unwrap();
    let c = hz_client(&sim);
    let web = server_id(&c, "web-uat-1").await;
    let a = c.server_action(web, "reboot").await.unwrap();
    assert_eq!((a.command.as_str(), a.status.as_str()), ("reboot_server", "running"));
    // Another action while one runs: locked.
    let e = c.server_action(web, "reset").await.unwrap_err();
    assert_eq!(e.api_code(), Some("locked"));
    let mut seen = Vec::new();
    let done = c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |p| seen.push(p[0].progress)).await.unwrap();
    assert_eq!(done[0].status, "success");
    assert!(seen.len() >= 2, "progress was polled: {seen:?}");
    // A shutdown succeeds before the server is off.
    let a = c.server_action(web, "shutdown").await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_ne!(c.server(web).await.unwrap().status, "off", "shutdown success is not off yet");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while c.server(web).await.unwrap().status != "off" {
        assert!(std::time::Instant::now() < deadline, "the server went off after the shutdown");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A failing action ends in error with its code and message.
    sim.control("fail-action start_server").unwrap();
    let a = c.server_action(web, "poweron").await.unwrap();
    let done = c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(done[0].status, "error");
    assert_eq!(done[0].error.as_ref().unwrap().code, "action_failed");
    // Delete protection is honoured.
    let db = server_id(&c, "db-prod-1").await;
    let e = c.delete_server(db).await.unwrap_err();
    assert_eq!(e.api_code(), Some("protected"));
    let scratch = server_id(&c, "scratch").await;
    let a = c.delete_server(scratch).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(c.server(scratch).await.unwrap_err().api_code(), Some("not_found"));
    let now = chrono::Utc::now();
    let m = c.metrics(web, &["cpu", "network"], now - chrono::Duration::hours(1), now).await.unwrap();
    assert!(m.time_series["cpu"].values.len() > 10);
    assert!(m.time_series.contains_key("network.0.bandwidth.in"));
    let p = c.pricing().await.unwrap();
    assert_eq!(p.currency, "EUR");
    assert!(!c.volumes().await.unwrap().is_empty());
    check_all(&sim.exchanges());
}

/// Primary IPs move only between servers that are off, in one location, to a
/// server without an address of that family; a server deleted takes its own.
#[tokio::test]
async fn primary_ips_move_as_hetzner_moves_them() {
    let sim = Sim::start(fast_sim_opts()).await.unwrap();
    let c = hz_client(&sim);
    let ips = c.primary_ips().await.unwrap();
    assert_eq!(ips.len(), 17, "two per server and the kept one");
    let kept = ips.iter().find(|p| p.name == "shop-ip").unwrap();
    assert_eq!((kept.assignee_id, kept.auto_delete, kept.kind.as_str()), (None, false, "ipv4"));
    let web = server_id(&c, "web-prod-1").await;
    let own = ips.iter().find(|p| p.assignee_id == Some(web) && p.kind == "ipv4").unwrap().clone();
    let code = |e: hetzner::Error| e.api_code().unwrap_or("").to_string();
    // Running: refused. Off, with an IPv4 still: refused. Elsewhere: refused.
    assert_eq!(code(c.primary_ip_action(kept.id, "assign", Some(web)).await.unwrap_err()), "server_not_stopped");
    assert_eq!(code(c.primary_ip_action(own.id, "unassign", None).await.unwrap_err()), "server_not_stopped");
    sim.control("power-off web-prod-1").unwrap();
    assert_eq!(code(c.primary_ip_action(kept.id, "assign", Some(web)).await.unwrap_err()), "server_has_ipv4");
    let other = ips.iter().find(|p| p.assignee_id.is_some() && p.assignee_id != Some(web) && p.kind == "ipv4").unwrap();
    assert_eq!(code(c.primary_ip_action(other.id, "assign", Some(web)).await.unwrap_err()), "primary_ip_already_assigned");
    let a = c.primary_ip_action(own.id, "unassign", None).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(c.server(web).await.unwrap().ipv4(), None);
    let a = c.primary_ip_action(kept.id, "assign", Some(web)).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(c.server(web).await.unwrap().ipv4(), Some("203.0.113.200"));
    // Filters as Hetzner's: by address and by name.
    let (hz, token) = (sim.hetzner_endpoint(), sim.shared.hetzner_token.clone());
    let r = reqwest::Client::new().get(format!("{hz}/primary_ips?ip=203.0.113.200")).bearer_auth(&token).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["primary_ips"].as_array().unwrap().len(), 1);
    assert_eq!(v["primary_ips"][0]["assignee_id"], serde_json::json!(web));
    // A deleted server takes its auto-deleted addresses along; a kept one stays.
    let scratch = server_id(&c, "scratch").await;
    let a = c.delete_server(scratch).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let after = c.primary_ips().await.unwrap();
    assert!(after.iter().all(|p| p.assignee_id != Some(scratch)));
    assert_eq!(after.len(), 15, "scratch's two went with it; web-prod-1's own stays, unassigned");
    assert!(after.iter().any(|p| p.id == own.id && p.assignee_id.is_none()));
    check_all(&sim.exchanges());
}

/// Networks: a private range with subnets inside it; a server joins with an
/// address of its zone's subnet (or one it asks for, if free), once.
#[tokio::test]
async fn networks_are_created_and_joined_as_hetzner_does() {
    let sim = Sim::start(fast_sim_opts()).await.unwrap();
    let c = hz_client(&sim);
    let nets = c.networks().await.unwrap();
    let private = nets.iter().find(|n| n.name == "private").unwrap().clone();
    assert_eq!(private.subnets[0].gateway.as_deref(), Some("10.0.0.1"));
    let code = |e: hetzner::Error| e.api_code().unwrap_or("").to_string();
    // Ranges: private, no host bits, subnets inside.
    assert_eq!(code(c.create_network("pub", "100.64.0.0/16", "100.64.1.0/24", "eu-central").await.unwrap_err()), "invalid_input");
    assert_eq!(code(c.create_network("bits", "10.1.0.1/16", "10.1.1.0/24", "eu-central").await.unwrap_err()), "invalid_input");
    assert_eq!(code(c.create_network("out", "10.1.0.0/16", "10.2.1.0/24", "eu-central").await.unwrap_err()), "invalid_input");
    assert_eq!(code(c.create_network("private", "10.1.0.0/16", "10.1.1.0/24", "eu-central").await.unwrap_err()), "uniqueness_error");
    let backend = c.create_network("backend", "10.1.0.0/16", "10.1.1.0/24", "eu-central").await.unwrap();
    // Joining: once; the server then says its address.
    let web2 = server_id(&c, "web-prod-2").await;
    let a = c.server_network(web2, private.id, true).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let s = c.server(web2).await.unwrap();
    assert_eq!(s.private_net.iter().map(|p| (p.network, p.ip.as_str())).collect::<Vec<_>>(), [(private.id, "10.0.1.4")]);
    assert_eq!(code(c.server_network(web2, private.id, true).await.unwrap_err()), "server_already_attached");
    assert_eq!(code(c.server_network(web2, backend.id, false).await.unwrap_err()), "server_not_attached");
    let a = c.server_network(web2, private.id, false).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert!(c.server(web2).await.unwrap().private_net.is_empty());
    // A new server on a network from the start.
    let req = hetzner::model::NewServer {
        name: "app-2".into(),
        server_type: "cpx22".into(),
        image: "debian-12".into(),
        location: "fsn1".into(),
        networks: vec![backend.id],
        start_after_create: true,
        ..Default::default()
    };
    let (s, _, _) = c.create_server(&req).await.unwrap();
    assert_eq!(s.private_net.iter().map(|p| p.ip.as_str()).collect::<Vec<_>>(), ["10.1.1.2"]);
    let bad = hetzner::model::NewServer { name: "app-3".into(), networks: vec![999], ..req };
    assert_eq!(code(c.create_server(&bad).await.unwrap_err()), "invalid_input");
    check_all(&sim.exchanges());
}

#[tokio::test]
async fn firewall_rules_are_validated_and_set() {
    let sim = Sim::start(fast_sim_opts()).await.unwrap();
    let c = hz_client(&sim);
    let fws = c.firewalls().await.unwrap();
    let web = fws.iter().find(|f| f.name == "web").unwrap();
    assert!(web.applied_to.iter().any(|a| a.kind == "label_selector" && !a.applied_to_resources.is_empty()));
    let mut rules = web.rules.clone();
    rules.push(hetzner::model::Rule {
        description: None,
        direction: "in".into(),
        source_ips: vec!["203.0.113.7/24".into()],
        destination_ips: vec![],
        protocol: "tcp".into(),
        port: Some("8080".into()),
    });
    let e = c.set_rules(web.id, &rules).await.unwrap_err();
    let hetzner::Error::Api(api) = &e else { panic!("{e}") };
    assert_eq!(api.code, "invalid_input");
    assert!(api.field_messages()[0].1.contains("host bits"), "{e}");
    rules.last_mut().unwrap().source_ips = vec!["203.0.113.7/32".into()];
    let actions = c.set_rules(web.id, &rules).await.unwrap();
    assert!(actions.iter().any(|a| a.command == "set_firewall_rules"));
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    c.wait_actions(&ids, std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let again = c.firewalls().await.unwrap();
    assert_eq!(again.iter().find(|f| f.name == "web").unwrap().rules.len(), 4);
    let db = fws.iter().find(|f| f.name == "db").unwrap();
    let uat = server_id(&c, "web-uat-1").await;
    let a = c.apply_firewall(db.id, &[uat], &["env=staging".into()]).await.unwrap();
    assert_eq!(a.len(), 2);
    check_all(&sim.exchanges());
}

#[tokio::test]
async fn dns_zones_and_rrsets() {
    let sim = Sim::start(fast_sim_opts()).await.unwrap();
    let c = hz_client(&sim);
    let zones = c.zones().await.unwrap();
    let z = zones.iter().find(|z| z.name == "example.com").unwrap();
    assert_eq!(z.authoritative_nameservers.as_ref().unwrap().delegation_status, "valid");
    assert!(zones.iter().any(|z| z.authoritative_nameservers.as_ref().is_some_and(|n| n.delegation_status == "invalid")));
    let rr = c.rrsets("example.com").await.unwrap();
    let dkim = rr.iter().find(|r| r.name == "mail._domainkey").unwrap();
    assert!(dkim.protection.change);
    assert!(dkim.records[0].value.matches('"').count() >= 4, "long TXT stored as several strings");
    // Create, modify, change TTL, delete.
    c.create_rrset("example.com", "new", "A", Some(300), &["198.51.100.10".into()]).await.unwrap();
    let e = c.create_rrset("example.com", "new", "A", None, &["198.51.100.11".into()]).await.unwrap_err();
    assert_eq!(e.api_code(), Some("uniqueness_error"));
    let e = c.create_rrset("example.com", "txt", "TXT", None, &["not quoted".into()]).await.unwrap_err();
    assert_eq!(e.api_code(), Some("invalid_input"), "the API itself refuses unquoted TXT");
    c.rrset_records("example.com", "new", "A", "add_records", &["198.51.100.11".into()], Some(300)).await.unwrap();
    c.rrset_records("example.com", "new", "A", "remove_records", &["198.51.100.10".into()], None).await.unwrap();
    c.rrset_records("example.com", "uat", "A", "set_records", &["198.51.100.12".into()], None).await.unwrap();
    c.rrset_ttl("example.com", "uat", "A", Some(60)).await.unwrap();
    let e = c.rrset_records("example.com", "mail._domainkey", "TXT", "set_records", &["\"x\"".into()], None).await.unwrap_err();
    assert_eq!(e.api_code(), Some("protected"));
    c.delete_rrset("example.com", "new", "A").await.unwrap();
    c.zone_ttl("doestatis.example", 600).await.unwrap();
    let rr = c.rrsets("example.com").await.unwrap();
    let uat = rr.iter().find(|r| r.name == "uat" && r.rtype == "A").unwrap();
    assert_eq!((uat.ttl, uat.records[0].value.as_str()), (Some(60), "198.51.100.12"));
    assert!(!rr.iter().any(|r| r.name == "new"));
    // Export, then import it back (a zone without protected RRSets).
    let text = c.export_zone("doestatis.example").await.unwrap();
    assert!(text.starts_with("$ORIGIN\tdoestatis.example."));
    let edited = text.replace("\nuat\t3600\tIN\tA\t", "\nuat\t300\tIN\tA\t");
    c.import_zone("doestatis.example", &edited).await.unwrap();
    let e = c.import_zone("doestatis.example", "$ORIGIN other.example.\n").await.unwrap_err();
    assert_eq!(e.api_code(), Some("invalid_input"));
    check_all(&sim.exchanges());
}

/// The validator itself: a response or request that breaks the spec is caught.
#[test]
fn the_validator_catches_violations() {
    let hz = Spec::load("hetzner-cloud.openapi.json", "/v1");
    let ex = |method: &str, path: &str, query: &str, req: Option<serde_json::Value>, status: u16, body: &str| Exchange {
        api: Api::Hetzner,
        method: method.into(),
        path: path.into(),
        query: query.into(),
        request_body: req,
        status,
        content_type: "application/json".into(),
        response_body: body.as_bytes().to_vec().into(),
        at: std::time::Instant::now(),
        wire_fault: false,
    };
    // A server without its required fields.
    let bad = ex("GET", "/v1/servers/1", "", None, 200, r#"{"server":{"id":1,"name":"x"}}"#);
    assert!(!hz.check(&bad, &[]).is_empty());
    // A status string outside the enum.
    let bad = ex(
        "GET",
        "/v1/actions",
        "id=1",
        None,
        200,
        r#"{"actions":[{"id":1,"command":"x","status":"done","progress":1,"started":"","finished":null,"resources":[],"error":null}]}"#,
    );
    assert!(hz.check(&bad, &[]).iter().any(|p| p.contains("status")), "{:?}", hz.check(&bad, &[]));
    // An unknown query parameter and a bad sort value.
    assert!(!hz.check(&ex("GET", "/v1/servers", "colour=red", None, 200, r#"{"servers":[],"meta":{"pagination":{"page":1,"per_page":25,"previous_page":null,"next_page":null,"last_page":1,"total_entries":0}}}"#), &[]).is_empty());
    assert!(!hz.check(&ex("GET", "/v1/servers", "sort=colour", None, 200, r#"{"servers":[],"meta":{"pagination":{"page":1,"per_page":25,"previous_page":null,"next_page":null,"last_page":1,"total_entries":0}}}"#), &[]).is_empty());
    // A request body with a wrong type.
    let bad = ex(
        "POST",
        "/v1/zones/x/actions/change_ttl",
        "",
        Some(serde_json::json!({"ttl": "long"})),
        201,
        r#"{"action":{"id":1,"command":"x","status":"running","progress":1,"started":"","finished":null,"resources":[],"error":null}}"#,
    );
    assert!(hz.check(&bad, &[]).iter().any(|p| p.contains("request body")));
    // A named divergence excuses only the response: the request is still checked.
    let known =
        [support::openapi::Divergence { method: "POST", path: "/zones/{id_or_name}/actions/change_ttl", status: 201, why: "a test" }];
    let problems = hz.check(&bad, &known);
    assert!(!problems.is_empty() && problems.iter().all(|p| p.contains("request body")), "{problems:?}");
    // An error body without `code`.
    let bad = ex("GET", "/v1/servers/1", "", None, 404, r#"{"error":{"message":"gone"}}"#);
    assert!(!hz.check(&bad, &[]).is_empty());
    // A path the API does not have.
    assert!(!hz.check(&ex("GET", "/v1/serverz", "", None, 200, "{}"), &[]).is_empty());
}

fn cf_client(sim: &Sim) -> coolify::Client {
    let mut c = coolify::Client::new(&sim.coolify_url(), Secret::new(sim.shared.coolify_token.clone())).unwrap();
    c.retry = cutover::api::RetryPolicy::none();
    c
}

async fn app_uuid(c: &coolify::Client, name: &str) -> String {
    let apps: Vec<serde_json::Value> = c.get("/applications").await.unwrap();
    apps.iter().find(|a| a["name"] == name).unwrap()["uuid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn coolify_deployments_conform() {
    let sim = Sim::start(SimOptions { record: true, ..SimOptions::default() }).await.unwrap();
    sim.control("deploy-speed 0.05").unwrap();
    let c = cf_client(&sim);
    let shop = app_uuid(&c, "shop-production").await;
    let history = c.app_deployments(&shop, 0, 10).await.unwrap();
    assert_eq!(history.len(), 3, "past deployments, newest first");
    let (dep, _) = c.deploy(&shop, false).await.unwrap();
    // Deploying the same commit again: Coolify hands out a fake uuid; the real one is found.
    let (again, note) = c.deploy(&shop, false).await.unwrap();
    assert_eq!(again, dep, "{note}");
    assert!(c.deployment("nonexistent").await.is_err());
    let mut last = String::new();
    for _ in 0..100 {
        let d = c.deployment(&dep).await.unwrap();
        last = d.status.to_string();
        if d.is_done() {
            let entries = coolify::model::decode_logs(d.logs.as_deref().unwrap()).unwrap();
            assert!(entries.iter().any(|e| e.hidden), "debug entries are there, marked hidden");
            assert!(entries.iter().any(|e| e.output.contains("Rolling update completed.")));
            assert!(entries[0].order.is_none(), "the first entry lacks `order`");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last, "finished");
    // Cancel a running one.
    let (dep2, _) = c.deploy(&shop, true).await.unwrap();
    c.cancel_deployment(&dep2).await.unwrap();
    assert_eq!(c.deployment(&dep2).await.unwrap().status.as_str(), "cancelled-by-user");
    let e = c.cancel_deployment(&dep2).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    // Start/stop/restart are POST; GET is refused.
    c.app_action(&shop, "stop").await.unwrap();
    let (_, queued) = c.app_action(&shop, "restart").await.unwrap();
    assert!(queued.is_some());
    let e = c.request_text(reqwest::Method::GET, &format!("/applications/{shop}/start"), &[], None).await.unwrap_err();
    assert_eq!(e.status(), Some(405));
    // Without read:sensitive the logs are absent; without deploy, deploying is refused.
    sim.control("coolify-abilities read,write").unwrap();
    assert!(c.deployment(&dep).await.unwrap().logs.is_none());
    let e = c.deploy(&shop, false).await.unwrap_err();
    assert_eq!(e.status(), Some(403));
    assert!(e.to_string().contains("deploy permission"), "{e}");
    check_all(&sim.exchanges());
}

#[tokio::test]
async fn coolify_envs_domains_and_backups_conform() {
    let sim = Sim::start(SimOptions { record: true, ..SimOptions::default() }).await.unwrap();
    sim.control("deploy-speed 0.05").unwrap();
    let c = cf_client(&sim);
    let shop = app_uuid(&c, "shop-production").await;
    let envs = c.envs(&shop).await.unwrap();
    let secret = envs.iter().find(|e| e.key == "DJANGO_SECRET_KEY").unwrap();
    assert!(secret.is_shown_once && secret.value.is_none(), "shown-once values never come back");
    assert!(envs.iter().find(|e| e.key == "DATABASE_URL").unwrap().value.as_deref().unwrap().starts_with("postgres://"));
    c.create_env(&shop, "FEATURE_X", "1", false).await.unwrap();
    let e = c.create_env(&shop, "FEATURE_X", "2", false).await.unwrap_err();
    assert_eq!(e.status(), Some(409));
    c.update_env(&shop, "FEATURE_X", "2").await.unwrap();
    // Bulk: item 2 is invalid; item 1 stays saved (validated one by one).
    let e =
        c.bulk_envs(&shop, &[("A_OK".into(), "1".into()), ("1BAD".into(), "x".into()), ("C_NEVER".into(), "3".into())]).await.unwrap_err();
    assert_eq!(e.status(), Some(422));
    let keys: Vec<String> = c.envs(&shop).await.unwrap().into_iter().map(|e| e.key).collect();
    assert!(keys.contains(&"A_OK".into()) && !keys.contains(&"C_NEVER".into()));
    let fx = c.envs(&shop).await.unwrap().into_iter().find(|e| e.key == "FEATURE_X").unwrap();
    c.delete_env(&shop, &fx.uuid).await.unwrap();
    // Domains: compose apps refuse `domains`; a domain in use elsewhere conflicts.
    c.patch_app(&shop, &serde_json::json!({"domains": "https://example.com,https://new.example.com"})).await.unwrap();
    let tatis = app_uuid(&c, "tatis-production").await;
    let e = c.patch_app(&tatis, &serde_json::json!({"domains": "https://new.example.com"})).await.unwrap_err();
    assert_eq!(e.status(), Some(409));
    let hockey = app_uuid(&c, "hockey-production").await;
    let e = c.patch_app(&hockey, &serde_json::json!({"domains": "https://x.example.com"})).await.unwrap_err();
    assert_eq!(e.status(), Some(422));
    let e = c.patch_app(&shop, &serde_json::json!({"domains": "example.com"})).await.unwrap_err();
    assert_eq!(e.status(), Some(422));
    // Backups: trigger one and follow its execution.
    let dbs: Vec<serde_json::Value> = c.get("/databases").await.unwrap();
    let db = dbs.iter().find(|d| d["name"] == "shop-production-db").unwrap()["uuid"].as_str().unwrap().to_string();
    let backups = c.backups(&db).await.unwrap();
    let b = &backups[0];
    assert!(!b.executions.is_empty());
    let before: Vec<String> = b.executions.iter().map(|e| e.uuid.clone()).collect();
    c.trigger_backup(&db, &b.uuid).await.unwrap();
    // A new execution, followed until it succeeds (however fast the machine).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let ex = c.executions(&db, &b.uuid).await.unwrap();
        assert!(!before.contains(&ex[0].uuid), "a new execution is listed first");
        assert!(matches!(ex[0].status.as_str(), "running" | "success"), "{}", ex[0].status);
        if ex[0].status == "success" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the backup finished");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let e = c.db_action(&db, "start").await.unwrap_err();
    assert_eq!(e.status(), Some(400), "already running");
    check_all(&sim.exchanges());
}

/// What the services answer before a handler would (a body that is not JSON,
/// no content type, a method the route does not take), pages' `Link` headers,
/// and the documented filters, on both APIs. Raw requests: a client would
/// never send most of these.
#[tokio::test]
async fn protocol_errors_links_and_filters_are_the_services() {
    let sim = recording_sim().await;
    let http = reqwest::Client::new();
    let hz = sim.hetzner_endpoint();
    let hz_token = format!("Bearer {}", sim.shared.hetzner_token);
    let send = |m: reqwest::Method, url: String, ct: Option<&'static str>, body: &'static str, token: String| {
        let mut r = http.request(m, url).header("authorization", token).body(body);
        if let Some(c) = ct {
            r = r.header("content-type", c);
        }
        async move {
            let resp = r.send().await.unwrap();
            let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
            let v: serde_json::Value = resp.json().await.expect("a JSON body");
            (status, headers, v)
        }
    };
    let json = Some("application/json");
    let rrsets = format!("{hz}/zones/example.com/rrsets");
    // Hetzner: 400 json_error in its envelope; 405 method_not_allowed.
    let (st, _, v) = send(reqwest::Method::POST, rrsets.clone(), json, "{\"name\": ", hz_token.clone()).await;
    assert_eq!((st, v["error"]["code"].as_str()), (400, Some("json_error")), "{v}");
    let (st, _, v) = send(reqwest::Method::POST, rrsets.clone(), None, "{}", hz_token.clone()).await;
    assert_eq!((st, v["error"]["code"].as_str()), (400, Some("json_error")), "{v}");
    let (st, h, v) = send(reqwest::Method::PUT, format!("{hz}/pricing"), json, "{}", hz_token.clone()).await;
    assert_eq!((st, v["error"]["code"].as_str()), (405, Some("method_not_allowed")), "{v}");
    assert_eq!(h.get("allow").and_then(|a| a.to_str().ok()), Some("GET,HEAD"));
    // Pages link to the previous, next and last ones, the query kept.
    let (st, h, _) = send(reqwest::Method::GET, format!("{hz}/servers?per_page=3&page=2&sort=name"), None, "", hz_token.clone()).await;
    assert_eq!(st, 200);
    let link = h.get("link").and_then(|l| l.to_str().ok()).expect("a Link header").to_string();
    for (rel, page) in [("prev", 1), ("next", 3), ("last", 3)] {
        assert!(link.contains(&format!("/v1/servers?sort=name&page={page}&per_page=3>; rel=\"{rel}\"")), "{rel} in {link}");
    }
    // Routes that were taken for others, and filters that were ignored.
    let (st, _, v) = send(reqwest::Method::GET, format!("{hz}/servers/actions"), None, "", hz_token.clone()).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["actions"].is_array() && v["meta"]["pagination"].is_object());
    let (_, _, v) = send(reqwest::Method::GET, format!("{hz}/volumes?name=old-uploads"), None, "", hz_token.clone()).await;
    let names: Vec<&str> = v["volumes"].as_array().unwrap().iter().filter_map(|x| x["name"].as_str()).collect();
    assert_eq!(names, ["old-uploads"]);
    let (_, _, v) = send(reqwest::Method::GET, format!("{hz}/firewalls?label_selector=role%3Ddb"), None, "", hz_token.clone()).await;
    let names: Vec<&str> = v["firewalls"].as_array().unwrap().iter().filter_map(|x| x["name"].as_str()).collect();
    assert_eq!(names, ["db"]);
    let (st, _, v) = send(reqwest::Method::GET, format!("{hz}/volumes?sort=size"), None, "", hz_token.clone()).await;
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("invalid_input")), "an undocumented sort is refused: {v}");

    // Coolify: validateIncomingRequest's answers; a method no route takes is the catch-all's 404.
    let cf = format!("{}/api/v1", sim.coolify_url());
    let cf_token = format!("Bearer {}", sim.shared.coolify_token);
    let c = cf_client(&sim);
    let shop = app_uuid(&c, "shop-uat").await;
    let envs = format!("{cf}/applications/{shop}/envs");
    for (ct, body, says) in
        [(None, "{}", "Content-Type must be application/json."), (json, "", "Empty JSON."), (json, "{\"key\": ", "Invalid JSON.")]
    {
        let (st, _, v) = send(reqwest::Method::POST, envs.clone(), ct, body, cf_token.clone()).await;
        assert_eq!((st, v["message"].as_str(), v["error"].as_str()), (400, Some("Invalid request."), Some(says)), "{v}");
    }
    let (st, _, v) = send(reqwest::Method::POST, envs.clone(), json, r#"{"key":"A","value":"1","colour":"red"}"#, cf_token.clone()).await;
    assert_eq!((st, v["errors"]["colour"][0].as_str()), (422, Some("This field is not allowed.")), "{v}");
    let (st, _, v) =
        send(reqwest::Method::POST, envs.clone(), json, r#"{"key":"B","value":"1","is_buildtime":true,"comment":"x"}"#, cf_token.clone())
            .await;
    assert_eq!(st, 201, "the fields the code takes beside the spec's: {v}");
    let (st, _, v) = send(reqwest::Method::DELETE, format!("{cf}/applications"), None, "", cf_token.clone()).await;
    assert_eq!((st, v["message"].as_str()), (404, Some("Not found.")), "{v}");
    // PATCH takes every documented field and shows it back; others are refused.
    let app = format!("{cf}/applications/{shop}");
    let (st, _, v) =
        send(reqwest::Method::PATCH, app.clone(), json, r#"{"health_check_path":"/up/","limits_memory":"512m"}"#, cf_token.clone()).await;
    assert_eq!(st, 200, "{v}");
    let (_, _, v) = send(reqwest::Method::GET, app.clone(), None, "", cf_token.clone()).await;
    assert_eq!((v["health_check_path"].as_str(), v["limits_memory"].as_str()), (Some("/up/"), Some("512m")));
    let (st, _, v) = send(reqwest::Method::PATCH, app.clone(), json, r#"{"frobnicate":true}"#, cf_token.clone()).await;
    assert_eq!((st, v["errors"]["frobnicate"][0].as_str()), (422, Some("This field is not allowed.")), "{v}");
    // The project's environments: a list, not an environment named "environments".
    let projects: Vec<serde_json::Value> = c.get("/projects").await.unwrap();
    let p = projects[0]["uuid"].as_str().unwrap();
    let (st, _, v) = send(reqwest::Method::GET, format!("{cf}/projects/{p}/environments"), None, "", cf_token.clone()).await;
    assert_eq!(st, 200, "{v}");
    assert!(v.as_array().is_some_and(|a| a.iter().any(|e| e["name"] == "production")), "{v}");
    // The refused requests are outside the documents on purpose; what was
    // answered is checked.
    let answered: Vec<Exchange> = sim.exchanges().into_iter().filter(|e| e.status < 400).collect();
    assert!(answered.len() >= 10, "{} answered", answered.len());
    check_all(&answered);
}

/// Coolify's `throttle:api`: a fixed window per minute, Laravel's headers on
/// every answer, 429 "Too Many Attempts." with `Retry-After` past the limit.
#[tokio::test]
async fn coolify_throttles_as_laravel_does() {
    let sim = Sim::start(SimOptions { coolify_per_minute: 5, ..SimOptions::default() }).await.expect("sim");
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/version", sim.coolify_url());
    let token = format!("Bearer {}", sim.shared.coolify_token);
    for left in (0..5).rev() {
        let r = http.get(&url).header("authorization", &token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "5");
        assert_eq!(r.headers()["x-ratelimit-remaining"], left.to_string().as_str());
    }
    let r = http.get(&url).header("authorization", &token).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["message"], "Too Many Attempts.");
}

/// A reload that knows the last inventory asks only what can have changed.
#[tokio::test]
async fn an_inventory_reload_reuses_what_cannot_have_changed() {
    let sim = recording_sim().await;
    let c = cf_client(&sim);
    let first = c.inventory().await.unwrap();
    let before = sim.exchanges().len();
    let again = c.inventory_from(Some(&first)).await.unwrap();
    let asked: Vec<String> = sim.exchanges()[before..].iter().map(|e| e.path.clone()).collect();
    assert_eq!(asked, ["/api/v1/servers", "/api/v1/applications", "/api/v1/databases"]);
    assert_eq!(again, first, "the same inventory");
    // A resource nobody placed yet: the servers are asked where it runs.
    let mut older = first.clone();
    older.applications.pop();
    let before = sim.exchanges().len();
    let again = c.inventory_from(Some(&older)).await.unwrap();
    assert!(sim.exchanges()[before..].iter().any(|e| e.path.ends_with("/resources")));
    assert_eq!(again, first);
}

#[tokio::test]
async fn servers_and_ssh_keys_are_created_as_hetzner_creates_them() {
    let sim = Sim::start(SimOptions { record: true, ..fast_sim_opts() }).await.expect("sim");
    let c = hz_client(&sim);
    let keys = c.ssh_keys().await.unwrap();
    assert!(keys.iter().all(|k| k.fingerprint.split(':').count() == 16), "MD5 fingerprints: {keys:?}");
    // A key: a real OpenSSH public key, once; the same key again is a uniqueness error.
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKnWQW3UPlV3vM4s1B8lhnNb0jkbjN2G0lVnDv8o3tqL operator@jumpbox";
    let k = c.create_ssh_key("operator", key).await.unwrap();
    assert_eq!(c.ssh_keys().await.unwrap().len(), keys.len() + 1);
    let code = |e: hetzner::Error| match e {
        hetzner::Error::Api(a) => (a.status, a.code.clone()),
        other => panic!("{other}"),
    };
    assert_eq!(code(c.create_ssh_key("again", key).await.unwrap_err()), (409, "uniqueness_error".into()));
    assert_eq!(code(c.create_ssh_key("bad", "ssh-ed25519 bm90IGEga2V5").await.unwrap_err()), (422, "invalid_input".into()));
    // A server: followed until it runs; with a key, no root password.
    let req = |name: &str, t: &str, keys: Vec<String>| hetzner::model::NewServer {
        name: name.into(),
        server_type: t.into(),
        image: "debian-12".into(),
        location: "hel1".into(),
        ssh_keys: keys,
        start_after_create: true,
        ..Default::default()
    };
    let (s, actions, pw) = c.create_server(&req("app-1", "cax21", vec![k.name.clone()])).await.unwrap();
    assert_eq!((s.status.as_str(), pw), ("initializing", None));
    assert_eq!(actions.iter().map(|a| a.command.as_str()).collect::<Vec<_>>(), ["create_server", "start_server"]);
    c.wait_actions(&actions.iter().map(|a| a.id).collect::<Vec<_>>(), std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(c.server(s.id).await.unwrap().status, "running");
    let (_, a2, pw) = c.create_server(&req("app-2", "cx23", vec![])).await.unwrap();
    assert!(pw.is_some_and(|p| p.len() >= 16), "no key: a root password, once");
    c.wait_actions(&a2.iter().map(|a| a.id).collect::<Vec<_>>(), std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    // Refusals: the name taken, a type no longer sold, a key that is not there, too much cloud-init.
    assert_eq!(code(c.create_server(&req("app-1", "cx23", vec![])).await.unwrap_err()), (409, "uniqueness_error".into()));
    assert_eq!(code(c.create_server(&req("app-3", "cpx11", vec![])).await.unwrap_err()), (412, "resource_unavailable".into()));
    assert_eq!(code(c.create_server(&req("app-3", "cx23", vec!["nobody".into()])).await.unwrap_err()), (422, "invalid_input".into()));
    let mut big = req("app-3", "cx23", vec![]);
    big.user_data = Some("#cloud-config\n".to_string() + &"x".repeat(33 * 1024));
    assert_eq!(code(c.create_server(&big).await.unwrap_err()), (422, "invalid_input".into()));
    assert_eq!(code(c.create_server(&req("bad_name!", "cx23", vec![])).await.unwrap_err()), (422, "invalid_input".into()));
    // A type change wants the server off, the same architecture and no smaller disk.
    assert_eq!(code(c.change_type(s.id, "cax11", true).await.unwrap_err()), (422, "server_not_stopped".into()));
    let off = c.server_action(s.id, "poweroff").await.unwrap();
    c.wait_actions(&[off.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(code(c.change_type(s.id, "cpx32", true).await.unwrap_err()), (422, "invalid_server_type".into()), "arm to x86");
    assert_eq!(code(c.change_type(s.id, "cax11", true).await.unwrap_err()), (422, "invalid_server_type".into()), "80 GB to 40 GB");
    // app-2 (cx23, 40 GB) up to cpx22 with its disk kept, and back down again.
    let s2 = c.servers_all().await.unwrap().into_iter().find(|x| x.name == "app-2").unwrap();
    let off = c.server_action(s2.id, "poweroff").await.unwrap();
    c.wait_actions(&[off.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let a = c.change_type(s2.id, "cpx22", false).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let up = c.server(s2.id).await.unwrap();
    assert_eq!((up.server_type.name.as_str(), up.primary_disk_size, up.status.as_str()), ("cpx22", 40.0, "running"), "the disk kept");
    let off = c.server_action(s2.id, "poweroff").await.unwrap();
    c.wait_actions(&[off.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let a = c.change_type(s2.id, "cx23", true).await.unwrap();
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(c.server(s2.id).await.unwrap().server_type.name, "cx23", "back down: its disk was kept");
    // A rebuild: protected servers refuse it; a server created with a key gets no password.
    let (a, pw) = c.rebuild(s.id, "ubuntu-24.04").await.unwrap();
    assert_eq!(pw, None);
    c.wait_actions(&[a.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    let p = c.server_protection(s.id, true).await.unwrap();
    c.wait_actions(&[p.id], std::time::Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(code(c.rebuild(s.id, "debian-12").await.unwrap_err()), (423, "protected".into()));
    check_all(&sim.exchanges());
}

#[tokio::test]
async fn coolify_databases_and_backup_schedules_are_created_as_coolify_creates_them() {
    let sim = recording_sim().await;
    let c = cf_client(&sim);
    let inv = c.inventory().await.unwrap();
    let p = inv.projects.iter().find(|p| p.name == "Book Club").unwrap();
    let env = p.environments.iter().find(|e| e.name == "uat").unwrap();
    let server = inv.servers.iter().find(|s| s.name == "db-uat-1").unwrap();
    let status = |e: coolify::Error| match e {
        coolify::Error::Api { status, message, errors } => {
            (status, format!("{message} {}", errors.map(|x| x.to_string()).unwrap_or_default()))
        }
        other => panic!("{other}"),
    };
    let base = serde_json::json!({"server_uuid": server.uuid, "project_uuid": p.uuid, "environment_name": "uat", "environment_uuid": env.uuid,
        "name": "bookclub-uat-db", "postgres_db": "bookclub", "instant_deploy": true});
    // Refusals first: a field Coolify does not take, a public database without a port, a project that is not there.
    let mut bad = base.clone();
    bad["colour"] = serde_json::json!("blue");
    assert_eq!(status(c.create_postgres(&bad).await.unwrap_err()).0, 422);
    let mut public = base.clone();
    public["is_public"] = serde_json::json!(true);
    assert!(status(c.create_postgres(&public).await.unwrap_err()).1.contains("The public port field is required"));
    let mut gone = base.clone();
    gone["project_uuid"] = serde_json::json!("nope");
    assert_eq!(status(c.create_postgres(&gone).await.unwrap_err()), (404, "Project not found. ".into()));
    let uuid = c.create_postgres(&base).await.unwrap();
    let again = c.inventory().await.unwrap();
    assert!(again.databases.iter().any(|d| d.uuid == uuid && d.name == "bookclub-uat-db"));
    // A schedule: a frequency Coolify reads, an S3 destination that exists.
    assert_eq!(status(c.create_backup(&uuid, &serde_json::json!({"frequency": "twice a day"})).await.unwrap_err()).0, 422);
    let e = status(c.create_backup(&uuid, &serde_json::json!({"frequency": "daily", "save_s3": true})).await.unwrap_err());
    assert!(e.1.contains("s3 storage uuid field is required"), "{e:?}");
    let s3 = c.s3_storages().await.unwrap();
    // S3 only is a switch of Coolify's UI; the API's create refuses it.
    let body = serde_json::json!({"frequency": "0 2 * * *", "save_s3": true, "s3_storage_uuid": s3[0].uuid, "disable_local_backup": true});
    assert!(status(c.create_backup(&uuid, &body).await.unwrap_err()).1.contains("This field is not allowed."));
    let b = c
        .create_backup(&uuid, &serde_json::json!({"frequency": "0 2 * * *", "save_s3": true, "s3_storage_uuid": s3[0].uuid}))
        .await
        .unwrap();
    assert!(c.backups(&uuid).await.unwrap().iter().any(|x| x.uuid == b && x.save_s3 && !x.disable_local_backup));
    // The destination is listed without its keys, which Coolify never gives.
    assert!(s3[0].endpoint.starts_with("http://127.0.0.1:") && s3[0].bucket == "acme-backups");
    check_all(&sim.exchanges());
}

/// Previews: the pull requests the deployments name, those that still exist
/// read one by one; a deleted one is gone (its deployments stay).
#[tokio::test]
async fn previews_are_read_and_deleted_as_coolify_does() {
    let sim = recording_sim().await;
    let c = cf_client(&sim);
    let app = app_uuid(&c, "shop-uat").await;
    let prs = |v: &[coolify::model::PreviewRow]| v.iter().map(|r| r.preview.pull_request_id).collect::<Vec<_>>();
    let list = c.previews(&app).await.unwrap();
    assert_eq!(prs(&list), [44, 41], "newest first; #38's was deleted");
    assert_eq!(list[0].preview.fqdn.as_deref(), Some("https://44.uat.example.com"));
    assert!(c.app_deployments(&app, 0, 100).await.unwrap().iter().any(|d| d.pull_request_id == 38), "its deployment stays");
    assert_eq!(c.preview(&app, 38).await.unwrap(), None);
    c.delete_preview(&app, 41).await.unwrap();
    assert_eq!(c.delete_preview(&app, 41).await.unwrap_err().status(), Some(404));
    assert_eq!(prs(&c.previews(&app).await.unwrap()), [44]);
    check_all(&sim.exchanges());
}

#[tokio::test]
async fn applications_are_created_and_nixpacks_refuses_a_python_it_lacks() {
    let sim = recording_sim().await;
    sim.control("deploy-speed 0.05").unwrap();
    let c = cf_client(&sim);
    let inv = c.inventory().await.unwrap();
    let p = inv.projects.iter().find(|p| p.name == "Talks").unwrap();
    let env = p.environments.iter().find(|e| e.name == "production").unwrap();
    let server = inv.servers.iter().find(|s| s.name == "web-prod-1").unwrap();
    let body = |name: &str, domains: &str| {
        serde_json::json!({"project_uuid": p.uuid, "server_uuid": server.uuid, "environment_name": "production", "environment_uuid": env.uuid,
            "git_repository": "https://github.com/acme/talks-v2", "git_branch": "main", "build_pack": "nixpacks", "ports_exposes": "8000",
            "name": name, "domains": domains})
    };
    // A domain another application serves: 409, as Coolify answers.
    match c.create_public_app(&body("talks-v2", "https://talks.example")).await.unwrap_err() {
        coolify::Error::Api { status, message, .. } => assert_eq!((status, message.starts_with("Domain conflicts detected")), (409, true)),
        other => panic!("{other}"),
    }
    let uuid = c.create_public_app(&body("talks-v2", "https://v2.talks.example")).await.unwrap();
    // Python 3.14 asked of Nixpacks: the build fails at setup, and says why.
    c.create_env(&uuid, "NIXPACKS_PYTHON_VERSION", "3.14", true).await.unwrap();
    let http = reqwest::Client::new();
    let r: serde_json::Value = http
        .post(format!("{}/api/v1/deploy?uuid={uuid}", sim.coolify_url()))
        .bearer_auth(sim.shared.coolify_token.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dep = r["deployments"][0]["deployment_uuid"].as_str().unwrap().to_string();
    let mut status = String::new();
    let mut logs = String::new();
    for _ in 0..200 {
        let d: serde_json::Value = http
            .get(format!("{}/api/v1/deployments/{dep}", sim.coolify_url()))
            .bearer_auth(sim.shared.coolify_token.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = d["status"].as_str().unwrap_or("").to_string();
        logs = d["logs"].as_str().unwrap_or("").to_string();
        if status == "failed" || status == "finished" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "failed");
    assert!(logs.contains("Nixpacks' nixpkgs has Python up to 3.13"), "{logs}");
    check_all(&sim.exchanges());
}
