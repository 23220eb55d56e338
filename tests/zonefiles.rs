//! Zone files read as BIND reads them, proven against BIND itself.
//!
//! Every file in `tests/zones/` is read by BIND (`named-checkzone` decides
//! whether the zone loads; `named-compilezone -s full` prints its canonical
//! records) and by cutover. They agree when both refuse, or when both load the
//! same records (owner, TTL, type, data). Each file that loads is also written
//! back by BIND itself (`named-compilezone -s full` and `-s relative`), and
//! those files are read the same way. `refuse-*` files are ones BIND loads but
//! Hetzner cannot import (`$GENERATE`, types it does not take): cutover must
//! refuse them with a reason.

// Tests stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use cutover::dns::zonefile;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const ZONE: &str = "djangoshop.example";

/// Collapses blanks outside quotes; lower-cases outside quotes (names are
/// case-insensitive, and BIND keeps the case it was given); hex data in one
/// upper-case run.
fn normalise(rtype: &str, data: &str) -> String {
    let mut out = String::new();
    let mut in_q = false;
    let mut esc = false;
    let mut blank = false;
    for c in data.trim().chars() {
        if in_q {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_q = false;
            }
            continue;
        }
        if c.is_whitespace() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push(' ');
        }
        blank = false;
        if c == '"' {
            in_q = true;
        }
        out.push(c.to_ascii_lowercase());
    }
    let fixed = match rtype {
        "DS" | "TLSA" => 3,
        "SSHFP" => 2,
        _ => return out,
    };
    let words: Vec<&str> = out.split(' ').collect();
    if words.len() <= fixed {
        return out;
    }
    format!("{} {}", words[..fixed].join(" "), words[fixed..].concat().to_ascii_uppercase())
}

type Rr = (String, u32, String, String);

/// BIND's verdict: None if the zone does not load, else its records.
fn bind(file: &Path) -> Option<BTreeSet<Rr>> {
    let ok = Command::new("named-checkzone").args(["-q", ZONE]).arg(file).status().unwrap().success();
    if !ok {
        return None;
    }
    // check-names as named-checkzone applies it (a warning), so both tools agree on what loads.
    let out = Command::new("named-compilezone").args(["-k", "warn", "-s", "full", "-o", "-", ZONE]).arg(file).output().unwrap();
    assert!(out.status.success(), "named-compilezone refused what named-checkzone loaded: {}", file.display());
    let mut set = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut w = line.split_whitespace();
        let (Some(owner), Some(ttl), Some(class), Some(rtype)) = (w.next(), w.next(), w.next(), w.next()) else { continue };
        assert_eq!(class, "IN");
        let rest = rest_after(line, 4);
        set.insert((owner.to_ascii_lowercase(), ttl.parse().unwrap(), rtype.to_string(), normalise(rtype, &rest)));
    }
    Some(set)
}

/// The text after the first `n` blank-separated words.
fn rest_after(line: &str, n: usize) -> String {
    let mut s = line.trim_start();
    for _ in 0..n {
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        s = s[end..].trim_start();
    }
    s.to_string()
}

/// cutover's verdict, in the same shape.
fn cutover(text: &str) -> Result<BTreeSet<Rr>, String> {
    let z = zonefile::parse(text, ZONE).map_err(|e| e.to_string())?;
    Ok(z.records
        .iter()
        .map(|r| (zonefile::absolute(&r.name, ZONE), r.ttl.unwrap_or(0), r.rtype.clone(), normalise(&r.rtype, &r.value)))
        .collect())
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zones");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "zone")).collect();
    v.sort();
    v
}

#[test]
fn zone_files_agree_with_bind() {
    let files = corpus();
    let tmp = tempfile::tempdir().unwrap();
    // The corpus, and every loadable file as BIND itself writes it back.
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        cases.push((name.clone(), f.clone()));
        if name.starts_with("valid-") {
            for style in ["full", "relative"] {
                let out = tmp.path().join(format!("{name}.{style}.zone"));
                let st =
                    Command::new("named-compilezone").args(["-k", "warn", "-s", style, "-o"]).arg(&out).arg(ZONE).arg(f).output().unwrap();
                assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stdout));
                cases.push((format!("{name} (written by BIND, -s {style})"), out));
            }
        }
    }
    assert!(cases.len() >= 60, "at least 60 zone files");
    let (mut loaded, mut refused_both, mut refused_on_purpose) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, path) in &cases {
        let text = std::fs::read_to_string(path).unwrap();
        let theirs = bind(path);
        let ours = cutover(&text);
        match (&theirs, &ours) {
            (Some(b), Ok(c)) if b == c => loaded += 1,
            (None, Err(_)) => refused_both += 1,
            (Some(_), Err(e)) if name.starts_with("refuse-") && (e.contains("not supported") || e.contains("Hetzner")) => {
                refused_on_purpose += 1
            }
            (Some(b), Ok(c)) => {
                let only_bind: Vec<_> = b.difference(c).collect();
                let only_ours: Vec<_> = c.difference(b).collect();
                failures.push(format!("[{name}] records differ\n  only BIND: {only_bind:?}\n  only cutover: {only_ours:?}"));
            }
            (None, Ok(_)) => failures.push(format!("[{name}] BIND refuses the zone, cutover loads it")),
            (Some(_), Err(e)) => failures.push(format!("[{name}] BIND loads the zone, cutover refuses it: {e}")),
        }
    }
    eprintln!(
        "zone corpus: {} files ({} hand-written, the rest written by BIND); agree: {loaded} loaded alike, {refused_both} refused by both, {refused_on_purpose} refused by cutover on purpose ($GENERATE, types Hetzner does not take)",
        cases.len(),
        files.len()
    );
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_import_sends_what_the_preview_shows() {
    // cutover's rendering of a file, read again by BIND, is the same zone.
    let tmp = tempfile::tempdir().unwrap();
    for f in corpus().iter().filter(|f| f.file_stem().unwrap().to_string_lossy().starts_with("valid-")) {
        let text = std::fs::read_to_string(f).unwrap();
        let z = zonefile::parse(&text, ZONE).unwrap();
        let rendered = tmp.path().join("rendered.zone");
        std::fs::write(&rendered, zonefile::format(&z)).unwrap();
        assert_eq!(bind(&rendered), bind(f), "{}: the rendering BIND reads differs from the file", f.display());
    }
}
