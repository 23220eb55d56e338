//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod openapi;

use cutover::app::State;
use cutover::input::Keymap;
use cutover::playbook::{Hooks, InProcess, Playbook};
use cutover::runtime::Services;
use cutover::sim::{Sim, SimOptions};
use cutover::theme::{ColorDepth, Theme};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub fn state() -> State {
    let themes = Theme::load_all(None).expect("built-in themes");
    State::new(Keymap::builtin("default").expect("keymap"), themes, "default", ColorDepth::TrueColor, false, false)
}

pub struct SimHooks(pub Arc<Sim>);

impl Hooks for SimHooks {
    fn sim(&self, cmd: &str) -> Result<(), String> {
        self.0.control(cmd)
    }
}

pub fn playbook_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/playbooks")
}

/// Runs `tests/playbooks/<name>.play` against a fresh simulated world.
pub async fn play(name: &str, opts: SimOptions) -> (Result<String, cutover::playbook::Failure>, Arc<Sim>) {
    let path = playbook_dir().join(format!("{name}.play"));
    play_path(&path, opts).await
}

/// As `play`, with the files the playbook writes (`/tmp/cutover-playbook-*`
/// in its text) in a directory of this run only: the returned one.
pub async fn play_tmp(name: &str, opts: SimOptions) -> (Result<String, cutover::playbook::Failure>, Arc<Sim>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(playbook_dir().join(format!("{name}.play"))).expect("playbook");
    let text = text.replace("/tmp/cutover-playbook-", &format!("{}/cutover-playbook-", dir.path().display()));
    let path = dir.path().join(format!("{name}.play"));
    std::fs::write(&path, text).expect("write playbook");
    let (r, sim) = play_in(&path, opts, &dir.path().join("snapshots")).await;
    (r, sim, dir)
}

/// Runs a playbook given as text (for tests of the playbook language itself).
pub async fn play_text(text: &str) -> Result<String, cutover::playbook::Failure> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("inline.play");
    std::fs::write(&path, text).expect("write playbook");
    play_path(&path, SimOptions::default()).await.0
}

async fn play_path(path: &Path, opts: SimOptions) -> (Result<String, cutover::playbook::Failure>, Arc<Sim>) {
    let own = tempfile::tempdir().expect("temp dir");
    play_in(path, opts, &own.path().join("snapshots")).await
}

/// As `play_path`, with `Snapshot` steps writing into `snapshots`.
async fn play_in(path: &Path, opts: SimOptions, snapshots: &Path) -> (Result<String, cutover::playbook::Failure>, Arc<Sim>) {
    let pb = Playbook::load(path).unwrap_or_else(|e| panic!("{e}"));
    // Every playbook's traffic is recorded and checked against the API documents.
    let sim = Arc::new(Sim::start(SimOptions { record: true, ..opts }).await.expect("sim starts"));
    let mut st = state();
    let mut services: Services = cutover::demo::services(&mut st, &sim).expect("services");
    // Never the developer's own runbooks: only the built-in ones.
    let own = tempfile::tempdir().expect("temp dir");
    services.runbooks_dir = Some(own.path().to_path_buf());
    services.campaigns_dir = Some(own.path().join("campaigns"));
    let snapshots = snapshots.to_path_buf();
    let r = cutover::playbook::run_in_process(
        &pb,
        st,
        services,
        InProcess { size: (120, 40), snapshots, timeout: Duration::from_secs(15), hooks: Some(Arc::new(SimHooks(sim.clone()))) },
    )
    .await;
    if r.is_ok() {
        openapi::check_exchanges(&sim.exchanges());
    }
    (r, sim)
}

/// Panics with the failure (file:line and the screen) if the playbook failed.
pub async fn play_ok(name: &str) -> String {
    match play(name, SimOptions::default()).await.0 {
        Ok(screen) => screen,
        Err(f) => panic!("{f}"),
    }
}

pub mod pg;
pub mod pty;
pub mod sshd;
