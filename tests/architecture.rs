//! The layering of ARCHITECTURE.md, checked on the source: which top-level
//! modules a module names (`crate::x`, `use crate::{x, y}`), with unit tests
//! left out. `cargo test --test architecture` is the command that shows there
//! is no import cycle.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src is readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The file's code without its unit tests (tests may reach anywhere).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable source");
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Top-level modules named in `text` through `crate::`.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d}`: the names at the first level of the braces.
            let mut depth = 1;
            let mut word = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => at_start = true,
                    c if (c.is_alphanumeric() || c == '_') && depth == 1 && at_start => word.push(c),
                    _ => {
                        if !word.is_empty() {
                            out.insert(std::mem::take(&mut word));
                            at_start = false;
                        }
                    }
                }
                if c == ',' && !word.is_empty() {
                    out.insert(std::mem::take(&mut word));
                }
            }
            if !word.is_empty() {
                out.insert(word);
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The module a file belongs to, relative to `src/` (`app/panes/dns.rs` -> `app::panes::dns`).
fn module_path(file: &Path) -> String {
    let rel = file.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Top-level module -> the top-level modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let tops: BTreeSet<String> = files.iter().map(|f| module_path(f).split("::").next().unwrap_or_default().to_string()).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let m = module_path(f);
        let top = m.split("::").next().unwrap_or_default().to_string();
        if top == "main" || top == "lib" {
            continue;
        }
        let entry = g.entry(top.clone()).or_default();
        for n in named_modules(&code_of(f)) {
            if n != top && tops.contains(&n) {
                entry.insert(n);
            }
        }
    }
    g
}

/// Every module that reaches itself, with the path that does it.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn walk(
        g: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        for next in g.get(at).into_iter().flatten() {
            if next == start {
                let mut c = path.clone();
                c.push(next.clone());
                out.push(c);
            } else if seen.insert(next.clone()) {
                path.push(next.clone());
                walk(g, start, next, path, seen, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    for m in g.keys() {
        let mut found = Vec::new();
        walk(g, m, m, &mut vec![m.clone()], &mut BTreeSet::new(), &mut found);
        out.extend(found.into_iter().take(1));
    }
    out
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    let c = cycles(&g);
    assert!(c.is_empty(), "import cycles between modules: {}", c.iter().map(|c| c.join(" -> ")).collect::<Vec<_>>().join("; "));
}

#[test]
fn the_reducer_and_the_drawing_never_reach_the_runtime() {
    let g = graph();
    for m in ["app", "ui"] {
        let bad: Vec<_> = g[m].iter().filter(|n| ["runtime", "term", "sim", "demo", "playbook"].contains(&n.as_str())).collect();
        assert!(bad.is_empty(), "{m} names {bad:?}: effects run at the edge, and only main and the demo know the simulator");
    }
    assert!(!g["app"].contains("ui"), "app must not know how it is drawn");
}

#[test]
fn clients_and_models_never_reach_the_console() {
    let g = graph();
    let console = ["app", "ui", "term", "runtime", "playbook", "sim", "demo"];
    for m in ["hetzner", "coolify", "ssh", "dns", "verify", "django", "logs", "config", "input", "theme", "checklist", "ops"] {
        let Some(names) = g.get(m) else { continue };
        let bad: Vec<_> = names.iter().filter(|n| console.contains(&n.as_str())).collect();
        assert!(bad.is_empty(), "{m} names {bad:?}");
    }
}

#[test]
fn only_the_demo_knows_the_simulator() {
    let g = graph();
    let users: Vec<_> = g.iter().filter(|(m, names)| names.contains("sim") && m.as_str() != "demo").map(|(m, _)| m.clone()).collect();
    assert!(users.is_empty(), "{users:?} name the simulator");
}

#[test]
fn the_simulator_checks_requests_with_its_own_rules() {
    // A simulator that validated with the client's code would agree with the
    // client whatever the service does (src/sim/rules.rs holds its own).
    let mut files = Vec::new();
    rust_files(&src().join("sim"), &mut files);
    assert!(files.len() > 10, "the simulator's files are found");
    for f in files.iter().filter(|f| !f.ends_with("rules_vs_client.rs")) {
        let code = code_of(f);
        for client in ["hetzner::label_selector", "hetzner::validate", "dns::records", "dns::zonefile", "coolify::schedule"] {
            assert!(!code.contains(client), "{} uses the client's {client}", f.display());
        }
    }
}

#[test]
fn panes_never_reach_each_other() {
    let dir = src().join("app/panes");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let panes: Vec<String> =
        files.iter().filter(|f| !f.ends_with("mod.rs")).filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().to_string())).collect();
    assert!(panes.len() >= 8, "the panes are found: {panes:?}");
    for f in files.iter().filter(|f| !f.ends_with("mod.rs")) {
        let me = f.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let code = code_of(f);
        for other in panes.iter().filter(|p| **p != me) {
            for pat in
                [format!("super::{other}::"), format!("panes::{other}::"), format!("super::{{{other}"), format!("use super::{other};")]
            {
                assert!(
                    !code.contains(&pat),
                    "the {me} pane reaches the {other} pane ({pat}): share through the world, move with Cx::go_to"
                );
            }
        }
    }
}

#[test]
fn the_scanner_reads_grouped_imports() {
    let n = named_modules("use crate::{coolify, hetzner::model::{Rule, Zone}};\nlet x = crate::ssh::quote::sh(y);");
    assert_eq!(n.into_iter().collect::<Vec<_>>(), ["coolify", "hetzner", "ssh"]);
    let g: BTreeMap<String, BTreeSet<String>> = [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into_iter().map(String::from).collect()))
        .collect();
    assert_eq!(cycles(&g).len(), 3, "a cycle of three is found from each of its members");
}
