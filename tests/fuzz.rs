//! Every parser of a file from outside, fed mutated copies of real files: it
//! must never panic, and an error must name a line and column inside the file.
//! A fixed number of cases runs with the suite; run longer with
//! `CUTOVER_FUZZ_CASES=20000 cargo test --release --test fuzz` (and
//! `CUTOVER_FUZZ_SEED=N` for another sequence).

// Tests stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use cutover::checklist::runbook::Runbook;
use cutover::checklist::{Event, Journal, Outcome, Run};
use cutover::config::{Config, SourceError};
use cutover::input::Keymap;
use cutover::playbook::Playbook;
use cutover::theme::Theme;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

fn cases() -> usize {
    std::env::var("CUTOVER_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

fn rng(salt: u64) -> StdRng {
    let seed = std::env::var("CUTOVER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(7u64);
    StdRng::seed_from_u64(seed ^ salt)
}

/// Tokens that have broken parsers before: huge numbers, unbalanced quoting,
/// control bytes, paths that never end.
const SPICE: &[&str] = &[
    "\0",
    "\"",
    "'",
    "[",
    "]]",
    "{",
    "}",
    "\n",
    "\r\n",
    "\\",
    "x99999999999",
    "18446744073709551615",
    "3000000000000000h",
    "65535x65535",
    "{app}",
    "{nosuch}",
    "<C-",
    "/dev/zero",
    "é",
    "\u{202e}",
    "#",
    "=",
    "\t",
];

fn mutate(rng: &mut StdRng, seed: &str, others: &[String]) -> String {
    let mut b: Vec<u8> = seed.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = if b.is_empty() { 0 } else { rng.random_range(0..=b.len()) };
        match rng.random_range(0..7) {
            0 if !b.is_empty() => {
                let i = rng.random_range(0..b.len());
                b[i] ^= 1 << rng.random_range(0..8);
            }
            1 => b.insert(at, rng.random()),
            2 if !b.is_empty() => {
                let end = (at + rng.random_range(1..40)).min(b.len());
                b.drain(at.min(end)..end);
            }
            3 => {
                let t = SPICE[rng.random_range(0..SPICE.len())];
                b.splice(at..at, t.bytes());
            }
            4 if !b.is_empty() => {
                let start = rng.random_range(0..b.len());
                let end = (start + rng.random_range(1..80)).min(b.len());
                let piece: Vec<u8> = b[start..end].to_vec();
                b.splice(at..at, piece);
            }
            5 if !others.is_empty() => {
                let o = others[rng.random_range(0..others.len())].as_bytes();
                let start = rng.random_range(0..o.len().max(1));
                let end = (start + rng.random_range(1..120)).min(o.len());
                b.splice(at..at, o[start.min(end)..end].iter().copied());
            }
            _ => b.truncate(at),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// An error points inside the text it came from.
fn points_inside(e: &SourceError, path: &Path, text: &str) {
    if e.path != path {
        return; // an included file, or a base theme
    }
    let lines = text.split('\n').count().max(1);
    assert!(e.line >= 1 && e.line <= lines + 1, "{e} (the file has {lines} lines)");
    assert!(e.column >= 1, "{e}");
}

/// Runs `parse` on mutated copies of `seeds`; a panic is reported with the input.
fn fuzz(name: &str, salt: u64, seeds: &[String], mut parse: impl FnMut(&str)) {
    let mut rng = rng(salt);
    for case in 0..cases() {
        let seed = &seeds[case % seeds.len()];
        let text = mutate(&mut rng, seed, seeds);
        if std::panic::catch_unwind(AssertUnwindSafe(|| parse(&text))).is_err() {
            panic!("{name}: case {case} panicked on:\n{text:?}");
        }
    }
}

fn files(dir: &str, ext: &str) -> Vec<String> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&d).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == ext)).collect();
    v.sort();
    v.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

#[test]
fn runbooks() {
    let seeds = files("src/checklist/runbooks", "toml");
    let p = Path::new("fuzz.toml");
    fuzz("runbook", 1, &seeds, |text| {
        if let Err(e) = Runbook::parse(p, text) {
            points_inside(&e, p, text);
        }
    });
}

#[test]
fn themes() {
    let seeds = files("themes", "toml");
    let base = Theme::builtin("default").unwrap();
    let p = Path::new("fuzz.toml");
    fuzz("theme", 2, &seeds, |text| {
        if let Err(e) = Theme::parse("fuzz", p, text, Some(&base)) {
            points_inside(&e, p, text);
        }
    });
}

#[test]
fn keymaps() {
    let seeds = files("keymaps", "toml");
    let p = Path::new("fuzz.toml");
    fuzz("keymap", 3, &seeds, |text| {
        let mut km = Keymap::builtin("default").unwrap();
        if let Err(e) = km.apply(p, text) {
            points_inside(&e, p, text);
        }
    });
}

#[test]
fn playbooks() {
    let seeds = files("tests/playbooks", "play");
    let p = Path::new("fuzz.play");
    fuzz("playbook", 4, &seeds, |text| {
        if let Err(e) = Playbook::parse(p, text) {
            points_inside(&e, p, text);
        }
    });
}

#[test]
fn config_files() {
    let seeds = vec![
        "theme = \"light\"\nkeymap = \"emacs\"\ncolors = \"256\"\nascii = false\nreadonly = true\nlog_lines = 5000\n[ssh]\nuser = \"deploy\"\n[[hetzner]]\nname = \"prod\"\ntoken_command = \"pass show x\"\nreadonly = true\n[hetzner.ssh]\njump = \"ops@bastion\"\nport = 2222\n[[coolify]]\nname = \"c\"\nurl = \"https://coolify.example.com\"\ntoken_command = \"pass show y\"\n".to_string(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config.toml");
    fuzz("config", 5, &seeds, |text| {
        std::fs::write(&p, text).unwrap();
        if let Err(e) = Config::load(&p) {
            points_inside(&e, &p, text);
        }
    });
}

#[test]
fn journal_replay() {
    let (runbooks, _) = cutover::checklist::runbook::load_all(None);
    let rb = &runbooks[0].0;
    let values = rb.params.iter().map(|p| (p.name.clone(), "x.example.com".to_string())).collect();
    let at = chrono::Utc::now();
    let events = [
        cutover::checklist::start(rb, "r1", &values, Default::default(), at),
        Event::StepStarted { step: 0, at },
        Event::StepFinished { step: 0, at, outcome: Outcome::Done, output: vec!["out".into()], notes: vec![], found: Default::default() },
        Event::StepsInserted { after: 0, steps: rb.steps[..2].to_vec() },
        Event::StepStarted { step: 1, at },
        Event::Resolved { step: 1, at, outcome: Outcome::Failed { message: "m".into(), retryable: true }, how: "h".into() },
        Event::StepStarted { step: 2, at },
    ];
    let good: String = events.iter().map(|e| serde_json::to_string(e).unwrap() + "\n").collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r1.jsonl");
    fuzz("journal", 6, std::slice::from_ref(&good), |text| {
        std::fs::write(&path, text).unwrap();
        let j = Journal::open(&path);
        let r = j.read().unwrap();
        // Whatever survived replays (or is refused for want of its start), and
        // appending after any damage keeps the journal readable.
        let _ = Run::replay(path.clone(), &r.events);
        let before = r.events.len();
        j.append(&Event::Finished { at }).unwrap();
        let after = j.read().unwrap();
        assert_eq!(after.events.len(), before + 1, "an append after damage is read back");
    });
}

#[test]
fn ssh_config_with_includes() {
    // The built-in reader (what runs without an OpenSSH client), with Include
    // pointing at itself, a glob, a device and a directory.
    let d = tempfile::tempdir().unwrap();
    let main = d.path().join("config");
    let inc = d.path().join("inc.conf");
    std::fs::write(&inc, "Host *\n  User included\n  Include INC\n".replace("INC", &inc.display().to_string())).unwrap();
    let seeds: Vec<String> = [
        "Host web\n  HostName 203.0.113.10\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/%r@%h\n",
        "Include INC\nMatch host web-* !web-db\n  ProxyJump ops@bastion:2222,ssh://u@j2\nHost *\n  ProxyCommand ssh -W %h:%p jump\n",
        "Include MAIN\nInclude /dev/zero\nInclude DIR/*.conf\nIgnoreUnknown foo*\nfoobar 1\nHost x\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile ~/.ssh/kh %d/x\n",
        "Match final host x\n  User fin\nMatch exec \"true\"\n  User x\nCanonicalizeMaxDots 0\n",
    ]
    .iter()
    .map(|s| s.replace("INC", &inc.display().to_string()).replace("MAIN", &main.display().to_string()).replace("DIR", &d.path().display().to_string()))
    .collect();
    fuzz("ssh_config", 7, &seeds, |text| {
        std::fs::write(&main, text).unwrap();
        let s = cutover::ssh::SshSettings::built_in(&main);
        for host in ["web", "x", "web-db", "a@b:22", "[::1]:2"] {
            if let Err(e) = s.resolve(host, &cutover::ssh::SshOverride::default()) {
                let m = e.to_string();
                assert!(!m.is_empty() && m.len() < 4096, "{m}");
            }
        }
    });
}

#[test]
fn zone_files() {
    let seeds = files("tests/zones", "zone");
    fuzz("zonefile", 8, &seeds, |text| {
        if let Err(e) = cutover::dns::zonefile::parse(text, "djangoshop.example") {
            let lines = text.split('\n').count().max(1);
            assert!(e.line >= 1 && e.line <= lines + 1 && e.col >= 1, "{e} (the file has {lines} lines)");
        }
    });
}
