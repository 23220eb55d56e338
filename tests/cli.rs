//! The command line without a terminal: bad input is reported with file, line and
//! column before anything starts; `cutover sim` serves and prints its exports;
//! `cutover play` exit codes.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

fn cutover(args: &[&str], home: &std::path::Path) -> std::process::Output {
    Command::new(support::pty::bin())
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm-256color")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .output()
        .expect("run cutover")
}

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn malformed_files_are_reported_with_positions_and_nothing_starts() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("config/cutover");
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("config.toml", "theme = \"default\"\nreadonly = maybe\n", "config.toml:2:12", "config.toml"),
        ("themes/bad.toml", "[styles]\nok = { fg = \"#12345\" }\n", "themes/bad.toml:2:6", "themes"),
        ("keymaps/default.toml", "[global]\nquit = [\"<Bogus>\"]\n", "keymaps/default.toml:2:1", "keymaps"),
    ];
    for (file, text, want, _) in &cases {
        let _ = std::fs::remove_dir_all(&cfg);
        write(&cfg.join(file), text);
        let out = cutover(&["demo"], home.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert!(stderr.contains(want), "{file}: expected `{want}` in:\n{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"), "{file}: the terminal was never taken over");
        // Not a terminal: plain text, no colour codes, no source locations.
        assert!(!stderr.contains('\x1b'), "{file}: colour codes on a pipe: {stderr:?}");
        assert!(!stderr.contains("Location:") && !stderr.contains("src/"), "{file}: {stderr}");
    }
}

#[test]
fn unreadable_context_files_are_errors_that_name_them() {
    let home = tempfile::tempdir().unwrap();
    let hcloud = home.path().join("config/hcloud/cli.toml");
    let coolify = home.path().join("config/coolify/config.json");
    let fifo = home.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    std::fs::create_dir_all(&hcloud).unwrap();
    let run = |env: &[(&str, &std::path::Path)]| {
        let mut c = Command::new(support::pty::bin());
        c.arg("--readonly").env_clear().env("HOME", home.path()).env("XDG_CONFIG_HOME", home.path().join("config")).env("LANG", "C.UTF-8");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.stdin(Stdio::null()).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // A directory where cli.toml should be.
    let (code, err) = run(&[("HCLOUD_CONFIG", &hcloud)]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("{}:1:1: cannot read: not a regular file", hcloud.display())), "{err}");
    // A FIFO is refused at once (opening it would hang).
    let t = std::time::Instant::now();
    let (code, err) = run(&[("HCLOUD_CONFIG", &fifo)]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(10));
    // A coolify config.json that is not text.
    write(&home.path().join("ok.toml"), "");
    std::fs::create_dir_all(coolify.parent().unwrap()).unwrap();
    std::fs::write(&coolify, [0xff, 0xfe, 0x00]).unwrap();
    let (code, err) = run(&[("HCLOUD_CONFIG", &home.path().join("ok.toml"))]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("{}:1:1: cannot read: not UTF-8 text", coolify.display())), "{err}");
}

#[test]
fn malformed_playbook_is_reported_with_position() {
    let home = tempfile::tempdir().unwrap();
    let pb = home.path().join("x.play");
    write(&pb, "WaitFor \"Servers\"\nKey <Nope>\n");
    let out = cutover(&["play", "--demo", pb.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("x.play:2:5: unknown key <Nope>"), "{stderr}");
}

#[test]
fn play_prints_the_final_screen_or_the_failure() {
    let home = tempfile::tempdir().unwrap();
    let ok = home.path().join("ok.play");
    write(&ok, "WaitFor \"8 servers loaded\"\nKey j\n");
    let out = cutover(&["play", "--demo", "--size", "100x30", ok.to_str().unwrap()], home.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("▶ db-prod-1"), "{screen}");
    assert_eq!(screen.lines().count(), 30);
    let bad = home.path().join("bad.play");
    write(&bad, "WaitFor \"8 servers loaded\"\nWaitFor \"nothing like this\" 300ms\n");
    let out = cutover(&["play", "--demo", bad.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.play:2: step `WaitFor \"nothing like this\" 300ms` failed: timed out"), "{stderr}");
    assert!(stderr.contains("web-prod-1"), "screen at the failure: {stderr}");
}

#[tokio::test]
async fn sim_prints_exports_and_serves_the_hcloud_api() {
    let mut child = tokio::process::Command::new(support::pty::bin())
        .args(["sim", "--servers", "120"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut reader = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut lines = Vec::new();
    while lines.len() < 4 {
        lines.push(reader.next_line().await.unwrap().expect("an export line"));
    }
    let get = |k: &str| -> String {
        let l = lines.iter().find(|l| l.starts_with(&format!("export {k}="))).unwrap_or_else(|| panic!("{k} in {lines:?}"));
        l.split_once('=').unwrap().1.trim_matches('\'').to_string()
    };
    let (endpoint, token) = (get("HCLOUD_ENDPOINT"), get("HCLOUD_TOKEN"));
    assert!(endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/v1"));
    assert_eq!(token.len(), 64, "hcloud CLI insists on 64-character tokens");
    let http = reqwest::Client::new();
    let r = http.get(format!("{endpoint}/servers?per_page=50&page=3")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("ratelimit-remaining"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["servers"].as_array().unwrap().len(), 20);
    assert_eq!(v["meta"]["pagination"]["total_entries"], 120);
    let r = http.get(format!("{}/api/v1/version", get("COOLIFY_URL"))).bearer_auth(get("COOLIFY_TOKEN")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "4.3.10");
    child.start_kill().unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
}

#[test]
fn check_reads_files_as_the_console_does_without_starting_it() {
    let home = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    // Everything the repository ships reads.
    let mut files: Vec<String> = Vec::new();
    for dir in ["src/checklist/runbooks", "themes", "keymaps", "tests/playbooks"] {
        for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            files.push(e.unwrap().path().display().to_string());
        }
    }
    let args: Vec<&str> = std::iter::once("check").chain(files.iter().map(String::as_str)).collect();
    let out = cutover(&args, home.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().filter(|l| l.contains(": ok, ")).count(), files.len());
    assert!(stdout.contains("move-site.toml: ok, runbook `move-site`"), "{stdout}");
    // A bad file of each kind: exit 1 with file:line:column, and the files after it are not read.
    let dir = home.path().join("mine");
    for (name, text, at, kind) in [
        ("runbooks/r.toml", "name = \"r\"\ntitle = \"R\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\nbogus = 1\n", "runbooks/r.toml:6:1", None),
        ("themes/t.toml", "[styles]\nok = { fg = \"#12345\" }\n", "themes/t.toml:2:6", None),
        ("keymaps/k.toml", "[global]\nquit = [\"<Bogus>\"]\n", "keymaps/k.toml:2:1", None),
        ("p.play", "WaitFor \"x\"\nKye j\n", "p.play:2:1", None),
        ("elsewhere.toml", "name = \"r\"\n[[steps]]\nid = 3\n", "elsewhere.toml:3:6", Some("runbook")),
    ] {
        let path = dir.join(name);
        write(&path, text);
        let p = path.display().to_string();
        let mut args = vec!["check", p.as_str(), files[0].as_str()];
        if let Some(k) = kind {
            args.extend(["--as", k]);
        }
        let out = cutover(&args, home.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(at), "{name}: wanted {at} in {err}");
        assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "stops at the first bad file");
    }
}

#[test]
fn version_completions_and_manual_page() {
    let home = tempfile::tempdir().unwrap();
    let out = cutover(&["--version"], home.path());
    let v = String::from_utf8_lossy(&out.stdout);
    // Built from this checkout: the revision is there (12 hex digits, maybe -dirty).
    let rev = v.trim().strip_prefix("cutover 0.1.0 (").and_then(|r| r.strip_suffix(')')).unwrap_or_else(|| panic!("{v}"));
    let hex = rev.split('-').next().unwrap();
    assert!(hex.len() >= 12 && hex.chars().all(|c| c.is_ascii_hexdigit()), "{v}");
    let head = Command::new("git").args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"]).output().unwrap();
    if head.status.success() {
        assert!(String::from_utf8_lossy(&head.stdout).starts_with(hex), "the revision is HEAD's: {v}");
    }
    let out = cutover(&["completions", "bash"], home.path());
    let bash = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && bash.contains("_cutover()") && bash.contains("demo") && bash.contains("check"), "{bash}");
    // `cutover sim` lists its own options, explained, and none of the console's.
    let out = cutover(&["sim", "--help"], home.path());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--servers <SERVERS>  ") && help.contains("Seed of the simulated world"), "{help}");
    for ui in ["--theme", "--keymap", "--colors", "--ascii", "--play"] {
        assert!(!help.contains(ui), "{ui} in `sim --help`:\n{help}");
    }
    let out = cutover(&["man"], home.path());
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && man.contains(".TH cutover 1") && man.contains("demo"), "{man}");
}
