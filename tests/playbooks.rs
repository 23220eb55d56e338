//! Tier 2: playbooks in tests/playbooks/ drive the console in-process against a
//! fresh simulated world and assert on the screen.

mod support;

use cutover::sim::SimOptions;

#[tokio::test]
async fn navigate() {
    support::play_ok("navigate").await;
}

#[tokio::test]
async fn filter_and_sort() {
    support::play_ok("filter").await;
}

#[tokio::test]
async fn theme_switch() {
    support::play_ok("theme").await;
}

#[tokio::test]
async fn help_comes_from_the_keymap() {
    support::play_ok("help").await;
}

#[tokio::test]
async fn api_errors_are_shown_and_survived() {
    support::play_ok("errors").await;
}

#[tokio::test]
async fn command_mode() {
    support::play_ok("commands").await;
}

#[tokio::test]
async fn a_failing_step_reports_file_line_and_screen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.play");
    std::fs::write(&path, "WaitFor \"8 servers loaded\"\nAssert \"no such text\"\n").unwrap();
    let pb = cutover::playbook::Playbook::load(&path).unwrap();
    let sim = std::sync::Arc::new(cutover::sim::Sim::start(SimOptions::default()).await.unwrap());
    let mut st = support::state();
    let sv = cutover::runtime::setup::demo_services(&mut st, &sim).unwrap();
    let f = cutover::playbook::run_in_process(&pb, st, sv, Default::default()).await.unwrap_err();
    assert_eq!(f.line, 2);
    assert!(f.to_string().contains("bad.play:2: step `Assert \"no such text\"` failed"), "{f}");
    assert!(f.screen.contains("web-prod-1"), "the screen at the failure is included");
}

#[tokio::test]
async fn ten_thousand_servers_load_page_by_page() {
    let (r, sim) =
        support::play("bulk", SimOptions { servers: Some(10_000), rate_limit: 100_000, record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let pages = sim.exchanges().iter().filter(|e| e.path == "/v1/servers").count();
    assert_eq!(pages, 200, "10,000 servers at 50 per page");
    assert!(sim.exchanges().iter().all(|e| e.path != "/v1/servers" || e.query.contains("per_page=50")));
}

#[tokio::test]
async fn a_429_waits_for_the_quota_instead_of_hammering() {
    let (r, sim) = support::play("rate_limited", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let ex = sim.exchanges();
    let limited = ex.iter().filter(|e| e.status == 429).count();
    assert!((1..=2).contains(&limited), "{limited} requests hit the limit");
}

#[tokio::test]
async fn tail_filter_highlight_save_and_exec_in_the_demo() {
    let _ = std::fs::remove_file("/tmp/cutover-playbook-errors.log");
    support::play_ok("logs").await;
    let saved = std::fs::read_to_string("/tmp/cutover-playbook-errors.log").expect("the view was saved");
    assert!(!saved.is_empty());
    // The filtered view was saved: errors (and gap markers) only.
    assert!(saved.lines().all(|l| l.contains("ERROR") || l.starts_with("──")), "{saved}");
    assert!(!saved.contains('\x1b'));
}

#[tokio::test]
async fn command_runs_report_exit_status_and_cancel() {
    support::play_ok("run_cancel").await;
}

#[tokio::test]
async fn read_only_playbooks_do_not_run_commands() {
    support::play_ok("readonly_exec").await;
}
