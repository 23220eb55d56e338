//! BIND zone files: what `GET /zones/{zone}/zonefile` exports and
//! `import_zonefile` takes. Parsed to preview an import as a diff.

use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// Relative to the origin; `@` for the apex.
    pub name: String,
    pub ttl: Option<u32>,
    pub rtype: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct ZoneFile {
    /// Without the trailing dot.
    pub origin: String,
    pub ttl: Option<u32>,
    pub records: Vec<Record>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Tokens of a line, quoted strings kept with their quotes; comments dropped.
fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_q => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '"' => {
                in_q = !in_q;
                cur.push(c);
            }
            ';' if !in_q => break,
            c if c.is_whitespace() && !in_q => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The line without a `;` comment (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut in_q = false;
    let mut esc = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_q && !esc => {
                esc = true;
                continue;
            }
            '"' if !esc => in_q = !in_q,
            ';' if !in_q => return &line[..i],
            _ => {}
        }
        esc = false;
    }
    line
}

fn relative(name: &str, origin: &str) -> String {
    if name == "@" {
        return "@".into();
    }
    match name.strip_suffix('.') {
        Some(abs) if abs == origin => "@".into(),
        Some(abs) => abs.strip_suffix(&format!(".{origin}")).unwrap_or(abs).to_string(),
        None => name.to_string(),
    }
}

fn is_type(t: &str) -> bool {
    super::records::TYPES.contains(&t)
}

pub(crate) fn parse(text: &str, default_origin: &str) -> Result<ZoneFile, ParseError> {
    let mut z = ZoneFile { origin: default_origin.trim_end_matches('.').to_string(), ..Default::default() };
    let mut last_name: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        // Comments end at the physical line; then join parenthesised continuations (SOA).
        let raw = strip_comment(raw);
        let (start_line, mut line) = match pending.take() {
            Some((l, acc)) => (l, format!("{acc} {raw}")),
            None => (line_no, raw.to_string()),
        };
        let opens = tokens(&line).iter().map(|t| t.matches('(').count() as i32 - t.matches(')').count() as i32).sum::<i32>();
        if opens > 0 {
            pending = Some((start_line, line));
            continue;
        }
        line = line.replace(['(', ')'], " ");
        let err = |m: String| ParseError { line: start_line, message: m };
        let starts_blank = line.starts_with(' ') || line.starts_with('\t');
        let toks = tokens(&line);
        if toks.is_empty() {
            continue;
        }
        match toks[0].as_str() {
            "$ORIGIN" => {
                let o = toks.get(1).ok_or_else(|| err("$ORIGIN needs a name".into()))?;
                z.origin = o.trim_end_matches('.').to_string();
                continue;
            }
            "$TTL" => {
                let t = toks.get(1).and_then(|t| t.parse().ok()).ok_or_else(|| err("$TTL needs a number".into()))?;
                z.ttl = Some(t);
                continue;
            }
            d if d.starts_with('$') => return Err(err(format!("directive {d} is not supported"))),
            _ => {}
        }
        let mut k = 0;
        let name = if starts_blank {
            last_name.clone().ok_or_else(|| err("a record line without a name, and no name before it".into()))?
        } else {
            k = 1;
            relative(&toks[0], &z.origin)
        };
        let mut ttl = None;
        while k < toks.len() && !is_type(&toks[k]) {
            let t = &toks[k];
            if t.eq_ignore_ascii_case("IN") {
            } else if let Ok(n) = t.parse::<u32>() {
                ttl = Some(n);
            } else if matches!(t.to_ascii_uppercase().as_str(), "CH" | "HS" | "CS") {
                return Err(err(format!("class {t} is not supported (only IN)")));
            } else {
                return Err(err(format!("`{t}` is not a TTL, class or record type")));
            }
            k += 1;
        }
        let rtype = toks.get(k).cloned().ok_or_else(|| err("no record type".into()))?;
        let rdata = toks[k + 1..].join(" ");
        if rdata.is_empty() {
            return Err(err(format!("{rtype} record without data")));
        }
        last_name = Some(name.clone());
        z.records.push(Record { name, ttl, rtype, value: rdata });
    }
    if let Some((l, _)) = pending {
        return Err(ParseError { line: l, message: "unclosed parenthesis".into() });
    }
    Ok(z)
}

pub(crate) fn format(z: &ZoneFile) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "$ORIGIN\t{}.", z.origin);
    if let Some(t) = z.ttl {
        let _ = writeln!(s, "$TTL\t{t}");
    }
    for r in &z.records {
        let ttl = r.ttl.map(|t| t.to_string()).unwrap_or_default();
        let _ = writeln!(s, "{}\t{}\tIN\t{}\t{}", r.name, ttl, r.rtype, r.value);
    }
    s
}

/// (name, type) -> (ttl, sorted values)
pub(crate) type RrsetMap = BTreeMap<(String, String), (Option<u32>, Vec<String>)>;

pub(crate) fn rrsets(z: &ZoneFile) -> RrsetMap {
    let mut m: RrsetMap = BTreeMap::new();
    for r in &z.records {
        let e = m.entry((r.name.clone(), r.rtype.clone())).or_insert((r.ttl, Vec::new()));
        e.1.push(r.value.clone());
        if e.0.is_none() {
            e.0 = r.ttl;
        }
    }
    for v in m.values_mut() {
        v.1.sort();
        v.1.dedup();
    }
    m
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    Add { name: String, rtype: String, ttl: Option<u32>, values: Vec<String> },
    Remove { name: String, rtype: String, values: Vec<String> },
    Modify { name: String, rtype: String, old_ttl: Option<u32>, new_ttl: Option<u32>, old: Vec<String>, new: Vec<String> },
}

/// What turning `old` into `new` changes, RRSet by RRSet.
pub(crate) fn diff(old: &RrsetMap, new: &RrsetMap) -> Vec<Change> {
    let mut out = Vec::new();
    for ((n, t), (ttl, vals)) in new {
        match old.get(&(n.clone(), t.clone())) {
            None => out.push(Change::Add { name: n.clone(), rtype: t.clone(), ttl: *ttl, values: vals.clone() }),
            Some((ot, ov)) if ot != ttl || ov != vals => out.push(Change::Modify {
                name: n.clone(),
                rtype: t.clone(),
                old_ttl: *ot,
                new_ttl: *ttl,
                old: ov.clone(),
                new: vals.clone(),
            }),
            Some(_) => {}
        }
    }
    for ((n, t), (_, vals)) in old {
        if !new.contains_key(&(n.clone(), t.clone())) {
            out.push(Change::Remove { name: n.clone(), rtype: t.clone(), values: vals.clone() });
        }
    }
    out
}

/// Diff lines for a preview: `+ `, `- `, `~ ` prefixed.
pub(crate) fn diff_lines(changes: &[Change]) -> Vec<String> {
    let ttl = |t: &Option<u32>| t.map(|t| format!(" ttl {t}")).unwrap_or_default();
    let mut out = Vec::new();
    for c in changes {
        match c {
            Change::Add { name, rtype, ttl: t, values } => {
                for v in values {
                    out.push(format!("+ {name} {rtype}{} {v}", ttl(t)));
                }
            }
            Change::Remove { name, rtype, values } => {
                for v in values {
                    out.push(format!("- {name} {rtype} {v}"));
                }
            }
            Change::Modify { name, rtype, old_ttl, new_ttl, old, new } => {
                if old_ttl != new_ttl {
                    out.push(format!(
                        "~ {name} {rtype} ttl {} -> {}",
                        old_ttl.map(|t| t.to_string()).unwrap_or("zone default".into()),
                        new_ttl.map(|t| t.to_string()).unwrap_or("zone default".into())
                    ));
                }
                for v in old.iter().filter(|v| !new.contains(v)) {
                    out.push(format!("- {name} {rtype} {v}"));
                }
                for v in new.iter().filter(|v| !old.contains(v)) {
                    out.push(format!("+ {name} {rtype} {v}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE: &str = "$ORIGIN\texample.com.\n$TTL\t3600\n@\tIN\tSOA\thydrogen.ns.hetzner.com. dns.hetzner.com. (\n\t2026112101 ; serial\n\t86400 10800 3600000 3600 )\n@\tIN\tNS\thydrogen.ns.hetzner.com.\n\tIN\tNS\toxygen.ns.hetzner.com.\nwww\t300\tIN\tA\t203.0.113.10\nuat.example.com.\tIN\tA\t203.0.113.20 ; old host\n@\tTXT\t\"v=spf1 ; not a comment\" \"-all\"\n";

    #[test]
    fn parses_bind_text() {
        let z = parse(ZONE, "example.com").unwrap();
        assert_eq!(z.origin, "example.com");
        assert_eq!(z.ttl, Some(3600));
        assert_eq!(z.records.len(), 6);
        assert_eq!(z.records[0].rtype, "SOA");
        assert!(z.records[0].value.contains("2026112101"));
        assert_eq!(z.records[2].name, "@", "a blank name repeats the last one");
        assert_eq!(z.records[3], Record { name: "www".into(), ttl: Some(300), rtype: "A".into(), value: "203.0.113.10".into() });
        assert_eq!(z.records[4].name, "uat");
        assert_eq!(z.records[5].value, "\"v=spf1 ; not a comment\" \"-all\"");
        let back = parse(&format(&z), "example.com").unwrap();
        assert_eq!(back, z);
    }

    #[test]
    fn errors_have_lines() {
        let e = parse("$ORIGIN example.com.\nwww IN A\n", "x").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("www IN BOGUS 1.2.3.4\n", "example.com").unwrap_err();
        assert!(e.message.contains("BOGUS"), "{e}");
        let e = parse("@ IN SOA a. b. ( 1 2\n", "example.com").unwrap_err();
        assert!(e.message.contains("unclosed"), "{e}");
    }

    #[test]
    fn diffs_rrsets() {
        let old = rrsets(&parse(ZONE, "example.com").unwrap());
        let mut z = parse(ZONE, "example.com").unwrap();
        z.records.retain(|r| r.name != "uat");
        z.records.push(Record { name: "www".into(), ttl: Some(60), rtype: "A".into(), value: "198.51.100.10".into() });
        z.records.retain(|r| !(r.name == "www" && r.value == "203.0.113.10"));
        z.records.push(Record { name: "new".into(), ttl: None, rtype: "CNAME".into(), value: "www.example.com.".into() });
        let d = diff(&old, &rrsets(&z));
        let lines = diff_lines(&d);
        assert!(lines.contains(&"+ new CNAME www.example.com.".to_string()), "{lines:?}");
        assert!(lines.contains(&"- uat A 203.0.113.20".to_string()), "{lines:?}");
        assert!(lines.contains(&"~ www A ttl 300 -> 60".to_string()), "{lines:?}");
        assert!(lines.contains(&"- www A 203.0.113.10".to_string()) && lines.contains(&"+ www A 198.51.100.10".to_string()), "{lines:?}");
    }
}
