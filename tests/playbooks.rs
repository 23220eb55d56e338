//! Tier 2: playbooks in tests/playbooks/ drive the console in-process against a
//! fresh simulated world and assert on the screen.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use cutover::sim::SimOptions;

#[tokio::test]
async fn every_tail_source_and_the_logs_keys() {
    support::play_ok("logs_sources").await;
}

#[tokio::test]
async fn a_long_line_is_cut_on_screen_and_saved_whole() {
    // 5,000 bytes of output on one line: 2,000 shown, the rest said, all saved.
    let long: String = (0..500).map(|i| format!("{:09}|", i)).collect();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("long.log");
    let text = format!(
        "Set Mode write\nWaitFor \"8 servers loaded\"\nWaitIdle\nKey :\nPaste \"exec web-prod-1 echo {long}\"\nKey <Enter>\n\
         WaitFor \"can't be established\"\nType \"yes\"\nKey <Enter>\nWaitFor \"exit status 0\"\nKey w\n\
         Assert \"000000199|\"\nAssert! \"000000200|\"\nAssert \"[+3000 bytes, kept whole in saves]\"\n\
         Key <C-s>\nKey <C-u>\nType \"{}\"\nKey <Enter>\nWaitFor \"saved \"\n",
        saved.display()
    );
    ok(play_text(&text, SimOptions::default()).await.0);
    let file = std::fs::read_to_string(&saved).unwrap();
    assert!(file.lines().any(|l| l == long), "the whole line is in the saved file");
}

#[tokio::test]
async fn help_fits_a_small_screen_and_ends_where_it_ends() {
    support::play_ok("help_small").await;
}

#[tokio::test]
async fn a_long_value_keeps_the_confirmation_prompt_in_view() {
    let (r, sim) = support::play("long_value", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let z = w.hz.zones.iter().find(|z| z.name == "example.com").unwrap();
    let long = z.rrsets.iter().find(|r| r.name == "long" && r.rtype == "TXT").expect("added");
    assert_eq!(long.records.len(), 1);
    assert!(long.records[0].0.contains("\" \""), "split into two strings: {}", long.records[0].0);
}

#[tokio::test]
async fn a_dns_record_is_shown_whole() {
    support::play_ok("dns_record").await;
}

#[tokio::test]
async fn sorting_at_80_columns_moves_over_the_columns_shown() {
    support::play_ok("sort_small").await;
}

#[tokio::test]
async fn the_deployment_log_wraps_on_w() {
    support::play_ok("deploy_wrap").await;
}

#[tokio::test]
async fn a_variable_is_shown_whole_and_masked() {
    support::play_ok("env_detail").await;
}

#[tokio::test]
async fn log_lines_scroll_sideways() {
    support::play_ok("logs_sideways").await;
}

#[tokio::test]
async fn firewalls_are_created_renamed_and_deleted() {
    let (r, sim) = support::play("firewall_lifecycle", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let names: Vec<&str> = w.hz.firewalls.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["web", "db"], "the new one is gone again, the applied one stays");
    let deletes = sim.exchanges().iter().filter(|e| e.method == "DELETE").count();
    assert_eq!(deletes, 1, "only the firewall applied to nothing was asked to go");
}

#[tokio::test]
async fn zones_are_created_protected_and_deleted() {
    let (r, sim) = support::play("zone_lifecycle", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    assert_eq!(w.hz.zones.len(), 9);
    assert!(!w.hz.zones.iter().any(|z| z.name == "new-site.example"));
    let protected_refused = sim.exchanges().iter().filter(|e| e.method == "DELETE" && e.status == 423).count();
    assert_eq!(protected_refused, 0, "the console did not send the delete of a protected zone");
}

#[tokio::test]
async fn a_server_is_renamed_labelled_protected_backed_up_and_named_back() {
    let (r, sim) = support::play("server_changes", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let s = w.hz.servers.iter().find(|s| s.name == "web-uat-2").expect("renamed");
    assert!(s.labels.contains(&("tier".into(), "edge".into())));
    assert!(s.protect_delete && s.protect_rebuild);
    assert!(s.backup_window.is_some());
    assert_eq!(s.dns_ptr.as_deref(), Some("mail.example.com"));
    assert_eq!(w.hz.snapshots.iter().map(|i| (i.server, i.description.as_str())).collect::<Vec<_>>(), [(s.id, "before the cut-over")]);
    assert!(!sim.exchanges().iter().any(|e| e.method == "DELETE"), "the protected server was not asked to go");
}

#[tokio::test]
async fn scheduled_tasks_are_listed_added_and_changed() {
    let (r, sim) = support::play("tasks", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
    let tasks: Vec<(&str, &str, &str)> = app.tasks.iter().map(|t| (t.name.as_str(), t.command.as_str(), t.frequency.as_str())).collect();
    assert_eq!(
        tasks,
        [("nightly-pr-copy", "python manage.py copy_from_production --anonymise", "0 3 * * *")],
        "one task, changed in place"
    );
}

#[tokio::test]
async fn navigate() {
    let (r, _sim, dir) = support::play_tmp("navigate", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let snap = std::fs::read_to_string(dir.path().join("snapshots/detail.txt")).expect("the snapshot was written");
    assert!(snap.contains("Server web-prod-1") && snap.lines().count() == 40, "{snap}");
}

#[tokio::test]
async fn filter_and_sort() {
    support::play_ok("filter").await;
}

#[tokio::test]
async fn fleet_checks_find_what_needs_a_look_and_a_server_that_went_down() {
    let (r, sim) = support::play("fleet", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    // The checks read; they never write.
    let writes: Vec<String> = sim.exchanges().iter().filter(|e| e.method != "GET").map(|e| format!("{} {}", e.method, e.path)).collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[tokio::test]
async fn a_campaign_is_drafted_from_the_applications_shown() {
    support::play_ok("campaign_draft").await;
}

#[tokio::test]
async fn servers_are_created_with_keys_firewalls_labels_and_cloud_init() {
    let (r, sim) = support::play("new_server", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let ex = sim.exchanges();
    let creates: Vec<_> = ex.iter().filter(|e| e.method == "POST" && e.path == "/v1/servers").collect();
    assert_eq!(creates.len(), 2, "the deprecated type and the taken name were refused before sending");
    let b = creates[0].request_body.clone().unwrap();
    assert_eq!(
        (b["server_type"].as_str(), b["location"].as_str(), b["image"].as_str()),
        (Some("cpx22"), Some("nbg1"), Some("ubuntu-24.04"))
    );
    assert_eq!(b["ssh_keys"], serde_json::json!(["ops-laptop", "ci-deploy"]));
    assert!(b["firewalls"][0]["firewall"].is_i64(), "{b}");
    assert!(b["user_data"].as_str().is_some_and(|u| u.starts_with("#cloud-config") && u.contains("fail2ban")), "{b}");
    let w = sim.shared.world();
    let fw = w.hz.firewalls.iter().find(|f| f.name == "web").unwrap();
    let s = w.hz.servers.iter().find(|s| s.name == "web-prod-3").unwrap();
    assert!(fw.servers.contains(&s.id), "the firewall applies from the start");
    assert_eq!(b["networks"], serde_json::json!([4711]));
    let private = w.hz.networks.iter().find(|n| n.name == "private").unwrap();
    assert!(private.servers.iter().any(|(id, _)| *id == s.id), "on the private network from the start");
    // The root password was on screen once; it is in no request the console sent.
    let second = creates[1].request_body.clone().unwrap();
    assert_eq!(second["ssh_keys"], serde_json::json!([]));
}

#[tokio::test]
async fn a_server_changes_type_only_when_off_and_a_rebuild_is_typed() {
    let (r, sim) = support::play("server_type", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let ex = sim.exchanges();
    let posts: Vec<String> =
        ex.iter().filter(|e| e.method == "POST").map(|e| e.path.rsplit('/').next().unwrap_or("").to_string()).collect();
    assert_eq!(posts, ["change_type", "rebuild"], "the running server's change was refused before sending");
}

#[tokio::test]
async fn a_postgres_database_is_created_and_backed_up_to_s3() {
    let (r, sim) = support::play("new_database", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let d = w.cf.databases.iter().find(|d| d.name == "bookclub-production-db").expect("created");
    assert_eq!((d.db_name.as_str(), d.user.as_str(), d.public_port), ("bookclub", "bookclub", None));
    let b = &d.backups[0];
    assert!(b.save_s3 && b.retention_local == 7 && b.retention_s3 == 7, "{b:?}");
    assert_eq!(b.executions.iter().filter(|e| e.status == "success").count(), 1, "the first backup ran");
    // The local-only schedule was previewed, and not sent.
    assert_eq!(sim.exchanges().iter().filter(|e| e.method == "POST" && e.path.ends_with("/backups")).count(), 1);
}

#[tokio::test]
async fn ssh_keys_are_listed_and_added_from_a_public_key_file() {
    let (r, sim) = support::play("ssh_keys", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let k = w.hz.ssh_keys.iter().find(|k| k.name == "operator").expect("added");
    assert!(k.public_key.ends_with("operator@jumpbox"), "the file's key, comment and all");
    assert_eq!(w.hz.ssh_keys.len(), 3);
}

#[tokio::test]
async fn services_are_listed_with_their_parts_logs_variables_and_power() {
    let (r, sim) = support::play("services", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let posts: Vec<String> = sim.exchanges().iter().filter(|e| e.method == "POST").map(|e| e.path.clone()).collect();
    assert_eq!(posts.len(), 2, "start, then the typed stop: {posts:?}");
    assert!(posts[0].ends_with("/start") && posts[1].ends_with("/stop"));
}

#[tokio::test]
async fn a_volume_is_attached_grown_and_detached() {
    let (r, sim) = support::play("volumes", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let acts: Vec<String> =
        sim.exchanges().iter().filter(|e| e.method == "POST").map(|e| e.path.rsplit('/').next().unwrap_or("").to_string()).collect();
    assert_eq!(acts, ["attach", "resize", "detach"], "the smaller size was refused before sending");
    let w = sim.shared.world();
    let v = w.hz.volumes.iter().find(|v| v.name == "old-uploads").unwrap();
    assert_eq!((v.size, v.server), (50, None));
}

#[tokio::test]
async fn an_application_is_created_with_a_python_nixpacks_provides() {
    let (r, sim) = support::play("new_app", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let a = w.cf.apps.iter().find(|a| a.name == "menus-v2").expect("created");
    assert_eq!((a.build_pack.as_str(), a.fqdn.as_str(), a.status.as_str()), ("nixpacks", "https://v2.menus.example", "exited"));
    let py = a.envs.iter().find(|e| e.key == "NIXPACKS_PYTHON_VERSION").expect("set");
    assert!(py.value == "3.13" && py.is_buildtime, "{py:?}");
}

#[tokio::test]
async fn an_applications_volumes_and_its_log_through_the_api_are_shown() {
    support::play_ok("storages").await;
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
async fn completion_and_pickers() {
    support::play_ok("completion").await;
}

#[tokio::test]
async fn command_arguments_are_used_or_refused() {
    support::play_ok("command_args").await;
}

#[tokio::test]
async fn a_failing_step_reports_file_line_and_screen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.play");
    std::fs::write(&path, "WaitFor \"8 servers loaded\"\nAssert \"no such text\"\n").unwrap();
    let pb = cutover::playbook::Playbook::load(&path).unwrap();
    let sim = std::sync::Arc::new(cutover::sim::Sim::start(SimOptions::default()).await.unwrap());
    let mut st = support::state();
    let sv = cutover::demo::services(&mut st, &sim).unwrap();
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
    let limited: Vec<_> = ex.iter().filter(|e| e.status == 429).collect();
    // One reload sends three requests at once (servers, prices, volumes): at
    // most that burst meets the 429, then the client paces itself.
    assert!((1..=3).contains(&limited.len()), "{} requests hit the limit", limited.len());
    let first = limited[0].at;
    assert!(
        limited.iter().all(|e| e.at.duration_since(first) < std::time::Duration::from_millis(200)),
        "every 429 came in the first burst"
    );
    let after: Vec<_> = ex.iter().filter(|e| e.api == cutover::sim::Api::Hetzner && e.at > first && e.status != 429).collect();
    assert!(!after.is_empty());
    for w in after.windows(2) {
        let gap = w[1].at.duration_since(w[0].at);
        assert!(gap >= std::time::Duration::from_millis(900), "paced at the refill rate (3600/h = 1/s), got {gap:?}");
    }
}

#[tokio::test]
async fn tail_filter_highlight_save_and_exec_in_the_demo() {
    let (r, _sim, dir) = support::play_tmp("logs", SimOptions::default()).await;
    ok(r);
    let saved = std::fs::read_to_string(dir.path().join("cutover-playbook-errors.log")).expect("the view was saved");
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

#[tokio::test]
async fn reboot_followed_to_the_end() {
    support::play_ok("reboot").await;
}

#[tokio::test]
async fn a_failed_action_is_reported() {
    support::play_ok("failed_action").await;
}

#[tokio::test]
async fn assert_not_fails_when_the_text_is_there_and_regexes_match_per_line() {
    let base = "WaitFor \"8 servers loaded\"\n";
    // `^` anchors at each screen row: the cursor row starts with the border then `▶`.
    support::play_text(&format!("{base}Assert /^│▶ coolify /\nAssert /db-prod-1 .*$/\n")).await.unwrap_or_else(|f| panic!("{f}"));
    for absent in ["Assert! /^│▶ coolify /", "Assert! \"8 servers loaded\"", "Assert! /^ 1 Servers/"] {
        let f = support::play_text(&format!("{base}{absent}\n")).await.expect_err(absent);
        assert!(f.message.ends_with("is on the screen"), "{absent}: {}", f.message);
        assert_eq!(f.line, 2);
    }
    let f = support::play_text(&format!("{base}Assert /^▶ coolify/\n")).await.expect_err("the row starts with the border");
    assert!(f.message.ends_with("is not on the screen"), "{}", f.message);
}

#[tokio::test]
async fn protection_and_typed_confirmation() {
    let (r, sim) = support::play("protected", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let ex = sim.exchanges();
    // The refusal is the console's: no DELETE reached the API.
    assert!(!ex.iter().any(|e| e.method == "DELETE"), "a DELETE was sent for a protected server");
    assert!(ex.iter().any(|e| e.method == "POST" && e.path.ends_with("/actions/poweroff")), "the typed power-off was sent");
}

#[tokio::test]
async fn delete_an_unprotected_server_by_typing_its_name() {
    let (r, sim) = support::play("delete_server", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let deletes: Vec<_> = sim.exchanges().into_iter().filter(|e| e.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1, "one DELETE, after the name was typed right: {deletes:?}");
    assert!(deletes[0].path.starts_with("/v1/servers/"), "{}", deletes[0].path);
    let names: Vec<String> = sim.shared.world().hz.servers.iter().map(|s| s.name.clone()).collect();
    assert!(!names.iter().any(|n| n == "scratch") && names.len() == 7, "{names:?}");
}

#[tokio::test]
async fn monthly_cost_from_api_prices() {
    support::play_ok("costs").await;
}

#[tokio::test]
async fn lock_ssh_to_one_ip() {
    let (r, sim) = support::play("lock_ssh", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let fw = w.hz.firewalls.iter().find(|f| f.name == "web").unwrap();
    let ssh: Vec<_> = fw.rules.iter().filter(|r| r.port.as_deref() == Some("22")).collect();
    assert_eq!(ssh.len(), 1);
    assert_eq!(ssh[0].source_ips, ["198.51.100.23/32"]);
    assert_eq!(fw.rules.len(), 3, "the other rules are kept");
}

#[tokio::test]
async fn bad_input_is_refused_inline_and_sends_nothing() {
    let (r, sim) = support::play("bad_input", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let writes: Vec<_> = sim.exchanges().into_iter().filter(|e| e.method != "GET").collect();
    assert!(writes.is_empty(), "nothing was sent: {:?}", writes.iter().map(|e| format!("{} {}", e.method, e.path)).collect::<Vec<_>>());
}

#[tokio::test]
async fn point_uat_at_a_new_server_after_lowering_the_ttl() {
    let (r, sim, dir) = support::play_tmp("point_uat", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let exported = std::fs::read_to_string(dir.path().join("cutover-playbook-example.com.zone")).expect("exported first");
    assert!(exported.contains("uat\t3600\tIN\tA\t203.0.113.12"), "the export holds the old record");
    let writes: Vec<String> = sim.exchanges().into_iter().filter(|e| e.method == "POST").map(|e| e.path).collect();
    let ttl = writes.iter().position(|p| p.ends_with("/rrsets/uat/A/actions/change_ttl")).expect("TTL lowered");
    let set = writes.iter().position(|p| p.ends_with("/rrsets/uat/A/actions/set_records")).expect("records set");
    assert!(ttl < set, "TTL first: {writes:?}");
    let w = sim.shared.world();
    let z = w.hz.zones.iter().find(|z| z.name == "example.com").unwrap();
    let uat = z.rrsets.iter().find(|r| r.name == "uat" && r.rtype == "A").unwrap();
    assert_eq!((uat.ttl, uat.records[0].0.as_str()), (Some(60), "203.0.113.11"));
}

#[tokio::test]
async fn read_only_hides_every_write() {
    // Nothing was written: the simulator saw no write request.
    let (r, sim) = support::play("readonly", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let writes: Vec<_> = sim.exchanges().into_iter().filter(|e| e.method != "GET").map(|e| format!("{} {}", e.method, e.path)).collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[tokio::test]
async fn write_mode_shows_what_read_only_hides() {
    support::play_ok("write_hints").await;
}

#[tokio::test]
async fn shutdown_is_followed_until_off() {
    support::play_ok("shutdown").await;
}

#[tokio::test]
async fn apply_a_firewall_by_label_selector() {
    support::play_ok("apply_firewall").await;
}

#[tokio::test]
async fn zone_import_previews_what_it_replaces() {
    // The export of a fresh simulated world, edited: uat goes, staging comes.
    let probe = cutover::sim::Sim::start(SimOptions::default()).await.unwrap();
    let text = probe.shared.world().hz.zones.iter().find(|z| z.name == "doestatis.example").unwrap().zonefile();
    let edited: String = text.lines().filter(|l| !l.starts_with("uat\t")).map(|l| format!("{l}\n")).collect::<String>()
        + "staging\t3600\tIN\tA\t198.51.100.77\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("import.zone");
    std::fs::write(&file, edited).unwrap();
    let play = std::fs::read_to_string(support::playbook_dir().join("import_zone.play"))
        .unwrap()
        .replace("/tmp/cutover-playbook-import.zone", &file.display().to_string());
    let (r, sim) = play_text(&play, SimOptions::default()).await;
    ok(r);
    // What the import did, in the world, not only on the screen.
    let w = sim.shared.world();
    let z = w.hz.zones.iter().find(|z| z.name == "doestatis.example").unwrap();
    assert!(!z.rrsets.iter().any(|r| r.name == "uat"), "uat removed");
    assert!(z.rrsets.iter().any(|r| r.name == "staging" && r.records[0].0 == "198.51.100.77"), "staging added");
}

#[tokio::test]
async fn switch_hetzner_context() {
    use cutover::config::Secret;
    use cutover::config::contexts::{HetznerContext, TokenSource};
    let demo = std::sync::Arc::new(cutover::sim::Sim::start(SimOptions::default()).await.unwrap());
    let big = cutover::sim::Sim::start(SimOptions { servers: Some(20), ..SimOptions::default() }).await.unwrap();
    let ctx = |name: &str, sim: &cutover::sim::Sim| HetznerContext {
        name: name.into(),
        endpoint: sim.hetzner_endpoint(),
        token: TokenSource::Value(Secret::new(sim.shared.hetzner_token.clone())),
        readonly: name == "bulk",
        poll_interval: std::time::Duration::from_millis(100),
        origin: "test".into(),
        legacy_dns_token: false,
    };
    let mut st = support::state();
    let mut sv = cutover::demo::services(&mut st, &demo).unwrap();
    sv.hetzner_contexts = vec![ctx("demo", &demo), ctx("bulk", &big)];
    st.world.contexts.hetzner_all = vec![("demo".into(), "test".into()), ("bulk".into(), "test".into())];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ctx.play");
    std::fs::write(
        &path,
        "Set Mode write\nWaitFor \"8 servers loaded\"\nAssert \"hetzner: demo\"\nKey :\nType \"ctx\"\nKey <Enter>\nWaitFor \"Hetzner context\"\nAssert \"demo (active)\"\nKey j <Enter>\nWaitFor \"20 servers loaded\"\nAssert \"hetzner: bulk\"\nAssert \"READ-ONLY\"\nKey :\nType \"ctx demo\"\nKey <Enter>\nWaitFor \"8 servers loaded\"\nAssert! \"READ-ONLY\"\n",
    )
    .unwrap();
    let pb = cutover::playbook::Playbook::load(&path).unwrap();
    if let Err(f) = cutover::playbook::run_in_process(&pb, st, sv, Default::default()).await {
        panic!("{f}");
    }
}

#[tokio::test]
async fn a_legacy_dns_token_is_explained() {
    let sim = std::sync::Arc::new(cutover::sim::Sim::start(SimOptions::default()).await.unwrap());
    let mut st = support::state();
    let sv = cutover::demo::services(&mut st, &sim).unwrap();
    st.world.contexts.legacy_dns = true;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.play");
    std::fs::write(&path, "Key 3\nWaitFor \"example.com\"\nAssert \"That API was shut down in May 2026\"\nAssert \"Migrate a zone\"\n")
        .unwrap();
    let pb = cutover::playbook::Playbook::load(&path).unwrap();
    if let Err(f) = cutover::playbook::run_in_process(&pb, st, sv, Default::default()).await {
        panic!("{f}");
    }
}

#[tokio::test]
async fn deploy_and_follow_to_finished() {
    let (r, sim) = support::play("deploy", SimOptions { record: true, ..SimOptions::default() }).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let ex = sim.exchanges();
    // State changes are POSTs (GET on /deploy is refused by Coolify 4.2+).
    assert!(ex.iter().any(|e| e.method == "POST" && e.path == "/api/v1/deploy"), "deployed by POST");
    assert!(!ex.iter().any(|e| e.method == "GET" && e.path == "/api/v1/deploy"));
    let polls =
        ex.iter().filter(|e| e.method == "GET" && e.path.starts_with("/api/v1/deployments/") && !e.path.contains("/applications/")).count();
    assert!(polls >= 2, "the deployment was polled until it ended ({polls} polls)");
}

#[tokio::test]
async fn a_failed_deployment_shows_why() {
    support::play_ok("deploy_failed").await;
}

#[tokio::test]
async fn add_a_domain_and_redeploy() {
    let (r, sim) = support::play("domains", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let app = w.cf.apps.iter().find(|a| a.name == "shop-production").unwrap();
    assert_eq!(app.fqdn, "https://example.com,https://new.example.com");
    let hockey = w.cf.apps.iter().find(|a| a.name == "hockey-production").unwrap();
    assert!(hockey.compose_domains.contains(&("scraper".to_string(), "https://scraper.ahl-stats.example".to_string())));
}

#[tokio::test]
async fn env_vars_change_through_a_reviewed_diff() {
    let (r, sim) = support::play("env_diff", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
    let get = |k: &str| app.envs.iter().find(|e| e.key == k).map(|e| e.value.clone());
    assert_eq!(get("ALLOWED_HOSTS").as_deref(), Some("uat.example.com,www.uat.example.com"));
    assert_eq!(get("DJANGO_SETTINGS_MODULE"), None, "deleted explicitly");
    let db = get("DATABASE_URL").unwrap();
    assert!(db.starts_with("postgres://shop:") && db.ends_with("@shop-db-2:5432/shop"), "{db}");
    assert!(!db.contains("****"), "the masked password was restored, not sent as ****: {db}");
    assert_eq!(get("CACHE_URL").as_deref(), Some("redis://cache:6379/0"), "saved before the bad item");
    assert_eq!(get("LATER"), None);
}

#[tokio::test]
async fn backups_health_and_backup_now() {
    support::play_ok("backup").await;
}

#[tokio::test]
async fn a_token_without_read_sensitive_or_deploy() {
    support::play_ok("permissions").await;
}

#[tokio::test]
async fn version_inventory_over_ssh_and_export() {
    let (r, _sim, dir) = support::play_tmp("inventory", SimOptions::default()).await;
    ok(r);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cutover-playbook-inventory.json")).expect("exported"))
            .expect("valid JSON");
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), 18);
    let tatis = rows.iter().find(|r| r["application"] == "tatis-production").unwrap();
    assert_eq!(
        (tatis["python_build"].as_str(), tatis["python"].as_str(), tatis["django"].as_str()),
        (Some("3.12"), Some("3.12.7"), Some("5.2.4"))
    );
    assert_eq!(tatis["database"], "tatis-production-db");
    let talks = rows.iter().find(|r| r["application"] == "talks-uat").unwrap();
    assert_eq!((talks["python"].as_str(), talks["probe"].as_str()), (Some(""), Some("no running container")));
    let csv = std::fs::read_to_string(dir.path().join("cutover-playbook-inventory.csv")).expect("exported");
    assert_eq!(csv.lines().count(), 19, "a header and 18 rows");
    assert!(csv.starts_with("application,project,environment,build_pack,python_build,python,django,"));
}

#[tokio::test]
async fn already_queued_is_followed_and_a_deployment_cancelled() {
    support::play_ok("cancel").await;
}

#[tokio::test]
async fn coolify_refusals_are_explained() {
    support::play_ok("coolify_errors").await;
}

#[tokio::test]
async fn rehearse_moving_a_site_on_the_simulated_world() {
    let (r, sim, dir) = support::play_tmp("rehearse_move_site", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    {
        let w = sim.shared.world();
        let z = w.hz.zones.iter().find(|z| z.name == "example.com").unwrap();
        let uat = z.rrsets.iter().find(|r| r.name == "uat" && r.rtype == "A").unwrap();
        assert_eq!((uat.ttl, uat.records[0].0.as_str()), (Some(70), "203.0.113.11"), "uat points at web-uat-1, its TTL put back");
        assert!(!z.rrsets.iter().any(|r| r.name == "hetzner.uat"), "the temporary records are gone");
        let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
        assert_eq!(app.fqdn, "https://uat.example.com");
        assert_eq!(app.live_domains, ["https://uat.example.com"], "deployed without the temporary domain");
        let hosts = app.envs.iter().find(|e| e.key == "ALLOWED_HOSTS").unwrap();
        assert!(!hosts.value.contains("hetzner.uat"), "the temporary name left ALLOWED_HOSTS: {}", hosts.value);
    }
    let report = std::fs::read_to_string(dir.path().join("cutover-playbook-move-site.md")).expect("report exported");
    assert!(report.contains("# Move a site to a new server with Coolify"));
    assert!(report.contains("### 14. Point uat.example.com (A and AAAA) at web-uat-1 (api)"), "{report}");
    assert!(report.contains("- note: before: uat A 203.0.113.12 (TTL 60)"), "the old address is on record");
    assert!(
        report.contains("### 4. Allow hetzner.uat.example.com in ALLOWED_HOSTS (api)\n\n- state: **skipped: skipped by the operator**")
    );
    assert!(report.contains("- hetzner context: demo"));
}

#[tokio::test]
async fn a_long_form_scrolls_to_its_focused_field() {
    support::play_ok("checklist_small").await;
}

/// Runs a playbook given as text against a fresh simulated world.
async fn play_text(text: &str, opts: SimOptions) -> (Result<String, cutover::playbook::Failure>, std::sync::Arc<cutover::sim::Sim>) {
    play_with_runbooks(text, opts, &[]).await
}

/// The same, with runbooks of the operator's own (`name`, TOML).
async fn play_with_runbooks(
    text: &str,
    opts: SimOptions,
    runbooks: &[(&str, &str)],
) -> (Result<String, cutover::playbook::Failure>, std::sync::Arc<cutover::sim::Sim>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inline.play");
    std::fs::write(&path, text).unwrap();
    let pb = cutover::playbook::Playbook::load(&path).unwrap();
    let sim = std::sync::Arc::new(cutover::sim::Sim::start(SimOptions { record: true, ..opts }).await.unwrap());
    // What the world does before the console starts (a fault on its first loads).
    for line in text.lines().filter_map(|l| l.strip_prefix("# before: ")) {
        sim.control(line).unwrap();
    }
    let mut st = support::state();
    let mut sv = cutover::demo::services(&mut st, &sim).unwrap();
    let own = dir.path().join("runbooks");
    std::fs::create_dir_all(&own).unwrap();
    for (name, toml) in runbooks {
        std::fs::write(own.join(format!("{name}.toml")), toml).unwrap();
    }
    sv.runbooks_dir = Some(own);
    let opts = cutover::playbook::InProcess {
        size: (120, 40),
        snapshots: dir.path().join("snapshots"),
        timeout: std::time::Duration::from_secs(15),
        hooks: Some(std::sync::Arc::new(support::SimHooks(sim.clone()))),
    };
    let r = cutover::playbook::run_in_process(&pb, st, sv, opts).await;
    if r.is_ok() {
        support::openapi::check_exchanges(&sim.exchanges());
    }
    (r, sim)
}

fn ok(r: Result<String, cutover::playbook::Failure>) -> String {
    r.unwrap_or_else(|f| panic!("{f}"))
}

#[tokio::test]
async fn runaway_pagination_stops_at_the_pages_the_first_answer_announced() {
    let (r, sim) = play_text(
        "WaitFor \"120 servers loaded\"\nSim \"fault hetzner GET /v1/servers runaway 50\"\nKey <C-r>\nWaitIdle\nAssert \"the API announced 3 page(s) and kept going: stopped there\"\n",
        SimOptions { servers: Some(120), record: true, ..SimOptions::default() },
    )
    .await;
    ok(r);
    let pages = sim.exchanges().iter().filter(|e| e.path == "/v1/servers").count();
    assert_eq!(pages, 6, "3 pages at start, 3 on reload: never the 4th the server kept offering");
}

#[tokio::test]
async fn an_oversized_answer_is_refused_and_a_reload_recovers() {
    ok(play_text(
        "WaitFor \"8 servers loaded\"\nSim \"fault hetzner GET /v1/servers oversized\"\nKey <C-r>\nWaitIdle\nAssert \"larger than the 64 MB cutover accepts\"\nKey <C-r>\nWaitFor \"8 servers loaded\"\n",
        SimOptions::default(),
    )
    .await
    .0);
}

#[tokio::test]
async fn truncated_and_reset_answers_are_explained_and_survived() {
    ok(play_text(
        "WaitFor \"8 servers loaded\"\nSim \"fault hetzner GET /v1/servers truncate\"\nKey <C-r>\nWaitIdle\nAssert \"error: Hetzner API unreachable\"\n\
         Sim \"fault hetzner GET /v1/servers reset\"\nKey <C-r>\nWaitIdle\nAssert \"error: Hetzner API unreachable\"\n\
         Sim \"fault hetzner GET /v1/servers stall 300ms\"\nKey <C-r>\nWaitFor \"8 servers loaded\"\n",
        SimOptions::default(),
    )
    .await
    .0);
}

#[tokio::test]
async fn a_malformed_answer_is_an_error_in_the_pane_never_bytes_in_the_header() {
    let screen = ok(play_text(
        "WaitFor \"8 servers loaded\"\nSim \"fault coolify GET /api/v1/version malformed\"\nSim \"fault coolify GET /api/v1/applications malformed\"\n\
         Key 2 <C-r>\nWaitIdle\nAssert \"coolify: demo (unreachable)\"\nAssert! \"v4.3}\"\n\
         Sim \"fault hetzner GET /v1/servers malformed\"\nKey 1 <C-r>\nWaitIdle\nAssert \"error: Hetzner API answer not understood\"\n",
        SimOptions::default(),
    )
    .await
    .0);
    assert!(!screen.contains("nul"), "{screen}");
}

#[tokio::test]
async fn a_coolify_429_says_when_it_retries() {
    ok(play_text(
        "WaitFor \"8 servers loaded\"\nKey 2\nWaitFor \"Coolify resources (26)\"\nSim \"fault coolify GET /api/v1/applications 429 throttled 1 Too Many Attempts.\"\nKey <C-r>\n\
         WaitFor /Coolify: rate limited \\(HTTP 429\\): retry 1 of 3; next try at \\d\\d:\\d\\d:\\d\\d/\nWaitIdle\nAssert! \"rate limited (HTTP 429)\"\nAssert \"Coolify resources (26)\"\n",
        SimOptions::default(),
    )
    .await
    .0);
}

#[tokio::test]
async fn a_hetzner_429_with_a_quota_of_one_says_why_it_waits() {
    // The counter comes with the request that took the one token, which may end
    // after the servers' request is told to wait: wait for both, in any order.
    ok(play_text(
        "WaitFor /Hetzner: rate limited \\(0 of 1 requests an hour left\\): one request per refill; next try at \\d\\d:\\d\\d:\\d\\d/\nWaitFor \"API 0/1\"\n",
        SimOptions { rate_limit: 1, ..SimOptions::default() },
    )
    .await
    .0);
}

const DEPLOY_RUNBOOK: &str = r#"
name = "redeploy"
title = "Redeploy {app}"
[[params]]
name = "app"
label = "Coolify application"
kind = "app"
[[steps]]
id = "deploy"
title = "Deploy {app}"
[steps.api.deploy]
app = "{app}"
"#;

#[tokio::test]
async fn a_run_is_abandoned_by_typing_its_runbook_name() {
    let (r, _sim) = play_with_runbooks(
        "Set Mode write\nWaitFor \"8 servers loaded\"\nWaitIdle\nKey 6\nWaitFor \"Redeploy <app>\"\nKey G\n\
         Assert /▶ Redeploy/\nKey <Enter>\nWaitFor \"Start: Redeploy\"\nType \"shop-production\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\n\
         WaitFor \"run \"\nKey A\nWaitFor \"Abandon Redeploy shop-production\"\nAssert \"Type redeploy to confirm\"\n\
         Type \"redeplo\"\nKey <Enter>\nAssert \"type `redeploy` exactly to confirm\"\nType \"y\"\nKey <Enter>\nWaitIdle\nKey <Esc>\n\
         WaitFor \"Past runs\"\nAssert /Redeploy shop-production \\(for shop-production\\)  abandoned/\nAssert! \"Unfinished runs\"\n",
        SimOptions::default(),
        &[("redeploy", DEPLOY_RUNBOOK)],
    )
    .await;
    ok(r);
}

const SNAPSHOT_RUNBOOK: &str = r#"
name = "snap"
title = "Snapshot {server}"
[[params]]
name = "server"
label = "Hetzner server"
kind = "server"
[[steps]]
id = "snap"
title = "Snapshot {server}"
[steps.api.snapshot]
server = "{server}"
description = "{server} before the move"
"#;

/// A runbook step takes a snapshot, follows it to the end and notes the image.
#[tokio::test]
async fn a_runbook_step_snapshots_a_server() {
    let (r, sim) = play_with_runbooks(
        "Set Mode write\nSim \"action-speed 0.1\"\nWaitFor \"8 servers loaded\"\nWaitIdle\nKey :\nType \"runbook snap\"\nKey <Enter>\n\
         WaitFor \"Start: Snapshot\"\nType \"db-uat-1\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor \"run \"\nKey x\nWaitIdle\n\
         Assert /snapshot: image \\d+ \\(db-uat-1 before the move\\)/\n",
        SimOptions::default(),
        &[("snap", SNAPSHOT_RUNBOOK)],
    )
    .await;
    ok(r);
    let w = sim.shared.world();
    let db = w.hz.servers.iter().find(|s| s.name == "db-uat-1").unwrap().id;
    assert_eq!(w.hz.snapshots.iter().map(|i| (i.server, i.description.as_str())).collect::<Vec<_>>(), [(db, "db-uat-1 before the move")]);
}

#[tokio::test]
async fn ctrl_c_cancels_a_deploy_step_in_coolify() {
    let (r, sim) = play_with_runbooks(
        "Set Mode write\nSim \"deploy-speed 20\"\nWaitFor \"8 servers loaded\"\nKey 6\nWaitFor \"Redeploy <app>\"\nKey G\n\
         Assert /▶ Redeploy/\nKey <Enter>\nWaitFor \"Start: Redeploy\"\nType \"shop-production\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor \"run \"\nKey x\n\
         WaitFor \"step 1: Deploy shop-production: running\"\nAssert \"<C-c> cancel\"\nAssert! \"x run next\"\nWaitFor \"[queued]\"\nKey <C-c>\nWaitIdle 30s\n\
         Assert /failed: cancelled by the operator: deployment \\S+ is cancelled-by-user/\n",
        SimOptions { record: true, ..SimOptions::default() },
        &[("redeploy", DEPLOY_RUNBOOK)],
    )
    .await;
    ok(r);
    assert!(sim.exchanges().iter().any(|e| e.method == "POST" && e.path.ends_with("/cancel")), "the deployment was cancelled in Coolify");
}

/// A step started before the console has Coolify's resources (a slow link
/// right after launch) still finds the application by name: the runtime asks
/// Coolify itself, never sending a name where a uuid belongs (it was a 404,
/// "No resources found", now and then on a loaded machine).
#[tokio::test]
async fn a_step_started_before_coolify_is_loaded_finds_the_app_by_name() {
    let (r, sim) = play_with_runbooks(
        "# before: fault coolify GET /api/v1/applications stall 6s\n\
         Set Mode write\nSim \"deploy-speed 0.05\"\nWaitFor \"8 servers loaded\"\nKey 6\nWaitFor \"Redeploy <app>\"\nKey G\n\
         Assert /▶ Redeploy/\nKey <Enter>\nWaitFor \"Start: Redeploy\"\nType \"shop-production\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor \"run \"\n\
         Key x\nWaitIdle 30s\nAssert /\\[done\\]\\s+1\\. Deploy shop-production/\n",
        SimOptions::default(),
        &[("redeploy", DEPLOY_RUNBOOK)],
    )
    .await;
    ok(r);
    let deploys: Vec<String> = sim.exchanges().iter().filter(|e| e.path == "/api/v1/deploy").map(|e| e.query.clone()).collect();
    assert_eq!(deploys.len(), 1, "{deploys:?}");
    assert!(!deploys[0].contains("shop-production"), "a uuid, not the name: {deploys:?}");
}

#[tokio::test]
async fn a_reload_never_moves_the_target_of_a_detail_view() {
    support::play_ok("wrong_target").await;
}

const SLEEP_RUNBOOK: &str = r#"
name = "slow"
title = "Slow command on {host}"
[[params]]
name = "host"
label = "Server"
kind = "host"
[[steps]]
id = "slow"
title = "Sleep on {host}"
[steps.ssh]
host = "{host}"
command = "sleep 600"
"#;

#[tokio::test]
async fn ctrl_c_kills_a_running_ssh_step_on_the_server() {
    let (r, sim) = play_with_runbooks(
        "Set Mode write\nWaitFor \"8 servers loaded\"\nKey 6\nWaitFor \"Slow command on <host>\"\nKey G\n\
         Assert /▶ Slow command/\nKey <Enter>\nWaitFor \"Start: Slow command\"\nType \"web-prod-1\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor \"run \"\nKey x\n\
         WaitFor \"can't be established\"\nType \"yes\"\nKey <Enter>\n\
         WaitFor \"step 1: Sleep on web-prod-1: running\"\nAssert \"<C-c> cancel\"\nKey <C-c>\nWaitIdle 30s\n\
         Assert \"cancelled by the operator (the command was killed)\"\n",
        SimOptions::default(),
        &[("slow", SLEEP_RUNBOOK)],
    )
    .await;
    ok(r);
    drop(sim);
}

#[tokio::test]
async fn a_run_does_not_start_with_what_would_go_wrong_later() {
    support::play_ok("runbook_preflight").await;
}

const REQUIRES_RUNBOOK: &str = r#"
name = "copy-then-switch"
title = "Copy, then switch"
[[steps]]
id = "copy"
title = "Copy the data"
[[steps]]
id = "switch"
title = "Switch to the copy"
requires = ["copy"]
"#;

#[tokio::test]
async fn a_step_whose_input_was_skipped_waits_for_a_typed_reason() {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("override.md");
    let (r, _sim) = play_with_runbooks(
        &"Set Mode write\nWaitFor \"8 servers loaded\"\nKey 6\nWaitFor \"Copy, then switch\"\nKey G\nAssert /▶ Copy, then switch/\nKey <Enter>\n\
         WaitFor \"Start: Copy, then switch\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor \"run \"\nKey S y\nWaitIdle\nKey x\n\
         WaitFor \"Blocked: Switch to the copy\"\nAssert \"This step builds on `copy` (skipped), which was not done.\"\n\
         Type \"because\"\nKey <Enter>\nAssert \"say why, in a few words\"\nType \" the copy was made by hand from last night's dump\"\nKey <Enter>\n\
         WaitIdle\nAssert \"override of step 2 journaled: press x to run it\"\nKey x\nWaitFor \"Done: Switch to the copy\"\nKey y\nWaitIdle\n\
         Assert \"2 of 2 settled FINISHED\"\nKey E <C-u>\nType \"OVERRIDE_REPORT\"\nKey <Enter>\nWaitIdle\n"
            .replace("OVERRIDE_REPORT", &report_path.display().to_string()),
        SimOptions::default(),
        &[("copy-then-switch", REQUIRES_RUNBOOK)],
    )
    .await;
    ok(r);
    let report = std::fs::read_to_string(&report_path).unwrap();
    assert!(
        report.contains("- **run although `copy` was not done**: because the copy was made by hand from last night's dump"),
        "{report}"
    );
}

#[tokio::test]
async fn a_powered_off_server_answers_nothing_and_its_apps_are_exited() {
    let sim = cutover::sim::Sim::start(SimOptions::default()).await.unwrap();
    let ip: std::net::IpAddr = "203.0.113.11".parse().unwrap();
    let web = cutover::verify::web::WebSettings {
        extra_roots: vec![sim.web.ca.clone()],
        connect_map: sim.web.servers.clone(),
        connect_default: Some(sim.web.elsewhere),
        dns: Some(sim.dns_addr),
    };
    // On: the proxy answers (its default certificate accepted on purpose).
    assert!(cutover::verify::web::get("https://uat.example.com/", Some(ip), &web, true).await.is_ok());
    sim.control("power-off web-uat-1").unwrap();
    let r = cutover::verify::web::get("https://uat.example.com/", Some(ip), &web, true).await;
    assert!(r.is_err(), "an off server answered: {r:?}");
    let mut w = sim.shared.world();
    w.sync(chrono::Utc::now());
    let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
    assert!(app.status.starts_with("exited"), "Coolify reports {}", app.status);
}

const POINT_RUNBOOK: &str = r#"
name = "point"
title = "Point www at a server"
[[steps]]
id = "point"
title = "Point www.example.com at web-uat-1"
[steps.api.dns_point]
zone = "example.com"
name = "www"
server = "web-uat-1"
"#;

#[tokio::test]
async fn switching_a_name_that_is_a_cname_is_refused() {
    let (r, sim) = play_with_runbooks(
        "Set Mode write\nWaitFor \"8 servers loaded\"\nKey 6\nWaitFor \"Point www at a server\"\nKey G\nKey <Enter>\n\
         WaitFor \"Start: Point www at a server\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor \"run \"\nKey x\nWaitIdle\n\
         Assert \"www.example.com is a CNAME to example.com.: delete it (or point it at a name of the new server) before\"\n",
        SimOptions::default(),
        &[("point", POINT_RUNBOOK)],
    )
    .await;
    ok(r);
    let w = sim.shared.world();
    let z = w.hz.zones.iter().find(|z| z.name == "example.com").unwrap();
    assert!(!z.rrsets.iter().any(|r| r.name == "www" && r.rtype == "A"), "no A written beside the CNAME");
}

#[tokio::test]
async fn rehearse_moving_a_database_on_the_simulated_world() {
    let (r, sim) = support::play("rehearse_move_database", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let old = w.cf.databases.iter().find(|d| d.name == "recipes-uat-db").unwrap();
    let new = w.cf.databases.iter().find(|d| d.name == "tatis-uat-db").unwrap();
    assert!(!w.pg.servers[&old.uuid].dbs.contains_key("recipes"), "dropped on the old server");
    let moved = &w.pg.servers[&new.uuid].dbs["recipes"];
    assert!(moved.tables["public.store_order"].rows > 0);
    let app = w.cf.apps.iter().find(|a| a.name == "recipes-uat").unwrap();
    assert!(app.status.starts_with("running"), "{}", app.status);
}

#[tokio::test]
async fn skipping_the_write_freeze_shows_the_lost_writes_and_blocks_the_switch() {
    support::play_ok("rehearse_move_database_without_freeze").await;
}

#[tokio::test]
async fn rehearse_refreshing_a_preview_database_on_the_simulated_world() {
    let (r, sim) = support::play("rehearse_refresh_preview", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let uuid = &w.cf.databases.iter().find(|d| d.name == "shop-uat-db").unwrap().uuid;
    let dbs = &w.pg.servers[uuid].dbs;
    assert_eq!(dbs["shop_pr"].tables["public.store_order"], dbs["shop"].tables["public.store_order"], "the preview is a copy");
    let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
    let task = app.tasks.iter().find(|t| t.name == "refresh shop_pr").expect("the nightly task");
    assert_eq!(task.frequency, "0 3 * * *");
    assert!(!task.command.contains("postgres://"), "no URL, no password in the task: {}", task.command);
    assert!(app.envs.iter().any(|e| e.key == "PR_COPY_TARGET_URL" && e.value.ends_with("/shop_pr")));
}

#[tokio::test]
async fn a_primary_ip_moves_to_another_server() {
    let (r, sim) = support::play("primary_ips", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let web = w.hz.servers.iter().find(|s| s.name == "web-prod-1").unwrap();
    assert_eq!(web.ipv4.as_deref(), Some("203.0.113.200"));
    let own = w.hz.primary_ips.iter().find(|p| p.ip == "198.51.100.10").unwrap();
    assert_eq!(own.assignee, None, "its own address is kept, unassigned");
}

#[tokio::test]
async fn networks_are_joined_left_and_created() {
    let (r, sim) = support::play("networks", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let names: Vec<&str> = w.hz.networks.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["private", "backend"]);
    assert_eq!(w.hz.networks[0].servers.len(), 2, "web-prod-2 joined and left again");
}

#[tokio::test]
async fn previews_are_listed_with_their_urls_and_deleted() {
    let (r, sim) = support::play("previews", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
    assert_eq!(app.previews.iter().map(|p| p.pr).collect::<Vec<_>>(), [44], "#41 deleted, #44 kept");
}

#[tokio::test]
async fn restore_drills_find_the_backup_that_restores_and_the_one_that_does_not() {
    let (r, sim) = support::play("restore_drill", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    // Both scratch databases were dropped; the live ones are untouched.
    let w = sim.shared.world();
    for name in ["shop-uat-db", "hockey-uat-db", "tatis-uat-db"] {
        let d = w.cf.databases.iter().find(|d| d.name == name).unwrap();
        let dbs = &w.pg.servers[&d.uuid].dbs;
        assert!(!dbs.contains_key("cutover_drill"), "{name}: the scratch database is gone");
        assert!(dbs[&d.db_name].tables["public.store_order"].rows > 0, "{name}: the live database is untouched");
    }
    // The file fetched from S3 was removed at the end; the object stays.
    let tatis = w.cf.databases.iter().find(|d| d.name == "tatis-uat-db").unwrap();
    let newest = &tatis.backups[0].executions[0].filename;
    assert!(!w.pg.files.contains_key(newest), "the downloaded copy is gone");
    assert!(w.pg.objects.contains_key(&cutover::sim::pg::object_key("acme-backups", newest)), "the S3 copy stays");
}

#[tokio::test]
async fn rehearse_django_migrations_on_the_simulated_world() {
    let (r, sim) = support::play("rehearse_django_migrate", SimOptions::default()).await;
    if let Err(f) = r {
        panic!("{f}");
    }
    let w = sim.shared.world();
    let uuid = &w.cf.databases.iter().find(|d| d.name == "shop-uat-db").unwrap().uuid;
    assert_eq!(w.pg.servers[uuid].dbs["shop"].migrations.len(), cutover::sim::pg::MIGRATIONS.len(), "every migration applied");
    let app = w.cf.apps.iter().find(|a| a.name == "shop-uat").unwrap();
    assert_eq!(app.pre_deployment_command.as_deref(), Some("python manage.py migrate --noinput"));
}

/// A redeploy as a campaign runs it at each site: announce, deploy, check.
const REDEPLOY: &str = r#"name = "redeploy-check"
title = "Redeploy {app} and check it"
[[params]]
name = "app"
label = "Application"
kind = "app"
[[params]]
name = "site"
label = "Site URL"
kind = "url"
[[params]]
name = "web"
label = "Its server"
kind = "server"
[[params]]
name = "owner"
label = "Who is told"
[[steps]]
id = "announce"
title = "Tell {owner} that {app} is redeployed"
[[steps]]
id = "deploy"
title = "Deploy {app}"
[steps.api.deploy]
app = "{app}"
[[steps]]
id = "check"
title = "{site} answers"
[steps.verify.http]
url = "{site}"
"#;

/// The nine demo sites by two stages; production comes after uat and takes
/// what it does not say (the owner) from the site's finished uat run.
fn nine_sites() -> String {
    let sites = [
        ("shop", "example.com"),
        ("tatis", "doestatis.example"),
        ("hockey", "ahl-stats.example"),
        ("recipes", "recipes.example"),
        ("bookclub", "bookclub.example"),
        ("datasette", "data.example"),
        ("talks", "talks.example"),
        ("menus", "menus.example"),
        ("status", "status.example"),
    ];
    let mut t = String::from(
        "name = \"hetzner\"\ntitle = \"Nine sites to Hetzner\"\nparallel = 2\n\n[[stages]]\nname = \"uat\"\nrunbooks = [\"redeploy-check\"]\n\n\
         [[stages]]\nname = \"production\"\nrunbooks = [\"redeploy-check\"]\nafter = \"uat\"\napprove = true\n",
    );
    for (slug, domain) in sites {
        t.push_str(&format!(
            "\n[[sites]]\nname = \"{slug}\"\n[sites.stages.uat]\napp = \"{slug}-uat\"\nsite = \"https://uat.{domain}/\"\nweb = \"web-uat-1\"\nowner = \"{slug}@example.net\"\n\
             [sites.stages.production]\napp = \"{slug}-production\"\nsite = \"https://{domain}/\"\nweb = \"web-prod-1\"\n"
        ));
    }
    t
}

/// Starts the run of the board's cell under the cursor and runs it to the end.
fn run_cell(site: &str, stage: &str) -> String {
    // Production asks for a typed approval, having shown how uat went.
    let approve = if stage == "production" {
        format!("Key <Enter>\nWaitFor \"Approve {site} for production\"\nAssert \"uat: 1 run(s) done in\"\nType \"{site}\"\n")
    } else {
        String::new()
    };
    format!(
        "{approve}Key <Enter>\nWaitFor \"{site} / {stage}: Start: Redeploy <app>\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\n\
         WaitFor /run \\S+-redeploy-check(-\\d+)? started: 3 steps/\nKey x\nWaitFor \"Done: Tell\"\nKey y\nWaitIdle\nKey x\nWaitIdle\nKey x\nWaitIdle\n\
         Assert \"3 of 3 settled FINISHED\"\nKey <Esc>\nKey :\nType \"campaign hetzner\"\nKey <Enter>\n"
    )
}

/// Runs a playbook against `sim` with the operator's runbooks and campaigns
/// in `config` and the runs journaled in `runs` (kept between sessions: a
/// second session is the console started again after the first one died).
async fn play_session(
    text: &str,
    sim: &std::sync::Arc<cutover::sim::Sim>,
    config: &std::path::Path,
    runs: &std::path::Path,
) -> Result<String, cutover::playbook::Failure> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.play");
    std::fs::write(&path, text).unwrap();
    let pb = cutover::playbook::Playbook::load(&path).unwrap();
    let mut st = support::state();
    let mut sv = cutover::demo::services(&mut st, sim).unwrap();
    sv.runbooks_dir = Some(config.join("runbooks"));
    sv.campaigns_dir = Some(config.join("campaigns"));
    sv.runs_dir = Some(runs.to_path_buf());
    let opts = cutover::playbook::InProcess {
        size: (120, 40),
        snapshots: dir.path().join("snapshots"),
        timeout: std::time::Duration::from_secs(15),
        hooks: Some(std::sync::Arc::new(support::SimHooks(sim.clone()))),
    };
    cutover::playbook::run_in_process(&pb, st, sv, opts).await
}

#[tokio::test]
async fn a_campaign_of_nine_sites_by_two_stages_with_a_lock_a_failure_and_a_crash() {
    let sim = std::sync::Arc::new(cutover::sim::Sim::start(SimOptions { record: true, ..SimOptions::default() }).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (config, runs) = (dir.path().join("config"), dir.path().join("runs"));
    std::fs::create_dir_all(config.join("runbooks")).unwrap();
    std::fs::create_dir_all(config.join("campaigns")).unwrap();
    std::fs::write(config.join("runbooks/redeploy-check.toml"), REDEPLOY).unwrap();
    std::fs::write(config.join("campaigns/hetzner.toml"), nine_sites()).unwrap();
    let open_board = "Key :\nType \"campaign hetzner\"\nKey <Enter>\nWaitFor \"Campaign hetzner\"\n";
    let start = format!(
        "Set Mode write\nSim \"deploy-speed 0.05\"\nWaitFor \"8 servers loaded\"\nKey 2\nWaitFor \"Coolify resources (26)\"\n{open_board}"
    );
    // Session 1: shop's uat run, tatis's uat run started (and the console dies
    // with it open), hockey's uat refused while tatis holds web-uat-1.
    let mut s1 = start.clone();
    s1.push_str("Assert \"Nine sites to Hetzner: 0 of 18 done, 0 of 2 open at once\"\n");
    s1.push_str("Assert /shop\\s+pending 0\\/1\\s+pending 0\\/1/\n");
    // Production waits for uat.
    s1.push_str("Key l <Enter>\nAssert \"shop/production comes after uat, which is not done for shop\"\nKey h\n");
    s1.push_str(&run_cell("shop", "uat"));
    // Its uat done, shop's production cell asks for approval.
    s1.push_str("Assert /shop\\s+done 1\\/1 \\S+\\s+approve\\? 0\\/1/\n");
    s1.push_str(
        "Key j <Enter>\nWaitFor \"tatis / uat: Start\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\nWaitFor /started: 3 steps/\nKey x\nWaitFor \"Done: Tell\"\nKey y\nWaitIdle\n\
         Assert \"step 1: Tell tatis@example.net that tatis-uat is redeployed: done\"\nKey <Esc>\n",
    );
    s1.push_str(open_board);
    s1.push_str("Assert /tatis\\s+waiting 0\\/1/\nKey j <Enter>\nWaitFor \"hockey / uat: Start\"\nKey <Enter>\n");
    s1.push_str("Assert \"not now: host:web-uat-1 is held by tatis/uat\"\nKey <Esc>\n");
    if let Err(f) = play_session(&s1, &sim, &config, &runs).await {
        panic!("{f}");
    }
    // Session 2: the console again. The open run is on the board and resumes
    // where it stopped; then every other site, one uat deploy failing and
    // retried; then production, promoted from uat.
    let mut s2 = start.replace(
        "WaitFor \"8 servers loaded\"",
        "WaitFor \"unfinished run: Redeploy tatis-uat and check it at step 2 of 3: Deploy tatis-uat\"\nWaitFor \"Servers (8)\"",
    );
    s2.push_str("Assert /tatis\\s+waiting 0\\/1/\nKey j <Enter>\nWaitFor \"Redeploy tatis-uat and check it 1 of 3 settled\"\n");
    s2.push_str("Key x\nWaitIdle\nKey x\nWaitIdle\nAssert \"3 of 3 settled FINISHED\"\nKey <Esc>\n");
    s2.push_str(open_board);
    let sites = ["shop", "tatis", "hockey", "recipes", "bookclub", "datasette", "talks", "menus", "status"];
    for (i, site) in sites.iter().enumerate().skip(2) {
        s2.push_str(&format!("Key g{}\n", " j".repeat(i)));
        if *site == "talks" {
            // The demo's talks-uat deploy fails (a requirement pip cannot
            // find): midway, the run waits, failed, on the board; Enter opens
            // it and the deploy is run again.
            s2.push_str(
                "Key <Enter>\nWaitFor \"talks / uat: Start\"\nKey <Enter>\nWaitFor \"Preview: \"\nKey y\n\
                 WaitFor /started: 3 steps/\nKey x\nWaitFor \"Done: Tell\"\nKey y\nWaitIdle\nKey x\nWaitIdle\nAssert /\\[FAILED\\]\\s+2\\. Deploy talks-uat/\nKey <Esc>\n",
            );
            s2.push_str(open_board);
            s2.push_str("Assert /talks\\s+FAILED 0\\/1/\nKey <Enter>\nWaitFor \"Redeploy talks-uat and check it 1 of 3 settled\"\n");
            s2.push_str("Key x\nWaitIdle\nKey x\nWaitIdle\nAssert \"3 of 3 settled FINISHED\"\nKey <Esc>\n");
            s2.push_str(open_board);
        } else {
            s2.push_str(&run_cell(site, "uat"));
        }
    }
    s2.push_str("Assert \"9 of 18 done\"\n");
    for (i, site) in sites.iter().enumerate() {
        s2.push_str(&format!("Key g{} l\n", " j".repeat(i)));
        if i == 0 {
            // Promotion: what production does not say comes from uat; what differs is shown.
            s2.push_str("Assert /shop\\s+done 1\\/1 \\S+\\s+approve\\? 0\\/1/\n");
            s2.push_str("Key <Enter>\nWaitFor \"Approve shop for production\"\nType \"tatis\"\nKey <Enter>\nAssert \"type shop exactly to approve\"\n");
            s2.push_str("Key <C-u>\nType \"shop\"\nKey <Enter>\nWaitFor \"shop / production: Start\"\nAssert \"Approved by\"\n");
            s2.push_str("Assert \"owner = shop@example.net (as in uat)\"\n");
            s2.push_str("Assert \"app: shop-uat in uat, shop-production here\"\nKey <Esc>\n");
        }
        s2.push_str(&run_cell(site, "production"));
    }
    s2.push_str("Assert \"18 of 18 done\"\nKey E <C-u>\n");
    let report = dir.path().join("campaign.md");
    s2.push_str(&format!("Type \"{}\"\nKey <Enter>\nWaitIdle\n", report.display()));
    if let Err(f) = play_session(&s2, &sim, &config, &runs).await {
        panic!("{f}");
    }
    support::openapi::check_exchanges(&sim.exchanges());
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains("# Campaign hetzner: Nine sites to Hetzner"), "{md}");
    assert!(md.contains("18 of 18 done"), "{md}");
    for site in sites {
        assert!(md.contains(&format!("| {site} | done (1/1)")), "{site} in the table: {md}");
        assert!(md.contains(&format!("## Redeploy {site}-production and check it")), "{site}'s production run: {md}");
    }
    assert!(md.contains("attempt 1: failed"), "the failed deploy is in the report: {md}");
    assert_eq!(md.matches("> Approved for production by").count(), 9, "each production run says who let it in: {md}");
    assert!(md.contains("having seen: uat: 1 run(s) done in"), "{md}");
    // Every deploy the campaign made, once per run (the failed one twice).
    let deploys = sim.exchanges().iter().filter(|e| e.method == "POST" && e.path == "/api/v1/deploy").count();
    assert_eq!(deploys, 19);
}
