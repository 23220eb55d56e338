//! Third-party clients against the simulator: the hcloud CLI, the hcloud
//! Python library and coolipy drive `cutover sim`'s Hetzner and Coolify over
//! real HTTP. Each succeeds where the real service accepts and is refused
//! with the real service's code where it refuses; every answer the simulator
//! gave them is checked against the published OpenAPI documents.
//!
//! `tests/run` installs the clients (apt `hcloud-cli`, pip `hcloud`, `coolipy`).

#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use cutover::sim::{Sim, SimOptions};
use std::process::{Command, Output};

async fn sim() -> Sim {
    Sim::start(SimOptions { record: true, action_speed: 0.05, ..SimOptions::default() }).await.expect("sim")
}

/// Runs a client with the simulator's endpoints and tokens (and no
/// configuration of the machine's own), bounded in time.
fn run(sim: &Sim, program: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg(program).args(args);
    cmd.env("HCLOUD_ENDPOINT", sim.hetzner_endpoint())
        .env("HCLOUD_TOKEN", &sim.shared.hetzner_token)
        .env("HCLOUD_CONFIG", dir.path().join("cli.toml"))
        .env("HCLOUD_POLL_INTERVAL", "100ms")
        .env("COOLIFY_URL", sim.coolify_url())
        .env("COOLIFY_TOKEN", &sim.shared.coolify_token)
        .env("HOME", dir.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY");
    let out = cmd.output().unwrap_or_else(|e| panic!("{program}: {e} (tests/run installs it)"));
    assert_ne!(out.status.code(), Some(124), "{program} {args:?} timed out");
    out
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// An hcloud command that must succeed; its output.
fn ok(sim: &Sim, args: &[&str]) -> String {
    let o = run(sim, "hcloud", args);
    assert!(o.status.success(), "hcloud {}: {}", args.join(" "), text(&o));
    text(&o)
}

/// An hcloud command Hetzner refuses with `code`.
fn refused(sim: &Sim, args: &[&str], code: &str) {
    let o = run(sim, "hcloud", args);
    assert!(!o.status.success() && text(&o).contains(&format!("({code})")), "hcloud {}: expected {code}: {}", args.join(" "), text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hcloud_cli_creates_and_changes_as_on_hetzner() {
    let sim = sim().await;
    let names = ok(&sim, &["server", "list", "-o", "noheader", "-o", "columns=name"]);
    assert_eq!(names.lines().count(), 8, "{names}");
    assert!(ok(&sim, &["server", "describe", "web-prod-1"]).contains("10.0.1.3"), "its private address");
    ok(&sim, &["server-type", "list"]);
    ok(&sim, &["location", "list"]);
    ok(&sim, &["image", "list", "--type", "system"]);
    // SSH keys, then a server with one, on the private network, followed until it runs.
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9sZ0yDqJ8oX3b0m5pQ9Vd3Zb8k1w5cF2n7yE4tR6u cli@test";
    ok(&sim, &["ssh-key", "create", "--name", "cli-key", "--public-key", key]);
    refused(&sim, &["ssh-key", "create", "--name", "cli-key", "--public-key", key], "uniqueness_error");
    let created = ok(
        &sim,
        &[
            "server",
            "create",
            "--name",
            "cli-1",
            "--type",
            "cpx22",
            "--image",
            "ubuntu-24.04",
            "--location",
            "fsn1",
            "--ssh-key",
            "cli-key",
            "--network",
            "private",
        ],
    );
    assert!(created.contains("Server") && created.contains("IPv4:"), "{created}");
    refused(&sim, &["server", "create", "--name", "cli-2", "--type", "cpx11", "--image", "ubuntu-24.04"], "resource_unavailable");
    // Primary IPs: moved only between servers that are off.
    let ips = ok(&sim, &["primary-ip", "list", "-o", "noheader", "-o", "columns=name"]);
    assert_eq!(ips.lines().count(), 19, "{ips}");
    assert!(ok(&sim, &["primary-ip", "describe", "shop-ip"]).contains("Not assigned"));
    refused(&sim, &["primary-ip", "assign", "--server", "web-prod-1", "shop-ip"], "server_not_stopped");
    // Volumes: found by name; attached in their location.
    assert!(ok(&sim, &["volume", "describe", "old-uploads"]).contains("old-uploads"));
    ok(&sim, &["volume", "attach", "--server", "web-prod-2", "old-uploads"]);
    ok(&sim, &["volume", "detach", "old-uploads"]);
    // Networks: a server joins once.
    assert!(ok(&sim, &["network", "describe", "private"]).contains("10.0.0.0/16"));
    ok(&sim, &["server", "attach-to-network", "--network", "private", "web-prod-2"]);
    refused(&sim, &["server", "attach-to-network", "--network", "private", "web-prod-2"], "server_already_attached");
    // Firewalls, and a type change that wants the server off.
    ok(&sim, &["firewall", "create", "--name", "cli-fw"]);
    ok(&sim, &["firewall", "delete", "cli-fw"]);
    refused(&sim, &["server", "change-type", "web-prod-2", "cpx42"], "server_not_stopped");
    support::openapi::check_answers(&sim.exchanges());
}

/// A Python client script: every check `ok` or `refused` as the service
/// refuses, none `FAIL`.
fn python(sim: &Sim, script: &str) -> String {
    let o = run(sim, "python3", &[&format!("{}/tests/clients/{script}", env!("CARGO_MANIFEST_DIR"))]);
    let out = text(&o);
    assert!(o.status.success() && out.contains("\n0 failed"), "{script}:\n{out}");
    assert!(!out.contains("FAIL "), "{out}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hcloud_python_library_works_as_on_hetzner() {
    let sim = sim().await;
    let out = tokio::task::block_in_place(|| python(&sim, "hcloud_lib.py"));
    assert!(out.lines().filter(|l| l.starts_with("ok ")).count() >= 25, "{out}");
    assert!(out.contains("refused primary_ips.assign to a running server server_not_stopped"), "{out}");
    support::openapi::check_answers(&sim.exchanges());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coolipy_works_as_on_coolify() {
    let sim = sim().await;
    let out = tokio::task::block_in_place(|| python(&sim, "coolipy_lib.py"));
    assert!(out.lines().filter(|l| l.starts_with("ok ")).count() >= 20, "{out}");
    assert!(out.contains("refused services.logs without its part 422"), "{out}");
    support::openapi::check_answers(&sim.exchanges());
}
