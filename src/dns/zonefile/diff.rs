//! RRSet maps and what turning one into another changes (the previews of
//! every DNS write: an import, a changed RRSet, pointing names at a server).

use super::{ZoneFile, canonical_value, rdata};
use std::collections::BTreeMap;

/// (name, type) -> (ttl, sorted values)
pub(crate) type RrsetMap = BTreeMap<(String, String), (Option<u32>, Vec<String>)>;

#[cfg(test)]
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

/// The import's side of a preview: TTLs resolved, TXT strings joined (`"a" "b"`
/// is `"ab"`), so only real changes show.
pub(crate) fn canonical_map(z: &ZoneFile) -> RrsetMap {
    let mut m: RrsetMap = BTreeMap::new();
    for r in &z.records {
        let e = m.entry((r.name.clone(), r.rtype.clone())).or_insert((r.ttl.or(z.ttl), Vec::new()));
        e.1.push(comparable(&r.rtype, &r.value));
    }
    for v in m.values_mut() {
        v.1.sort();
        v.1.dedup();
    }
    m
}

/// The zone as the API has it, in the same canonical form: names absolute,
/// a null TTL resolved to the zone's.
pub(crate) fn current_map<'a>(
    rrsets: impl Iterator<Item = (&'a str, &'a str, Option<u32>, Vec<&'a str>)>,
    zone: &str,
    zone_ttl: u32,
) -> RrsetMap {
    let mut m: RrsetMap = BTreeMap::new();
    for (name, rtype, ttl, values) in rrsets {
        let rtype = rtype.to_ascii_uppercase();
        let mut vals: Vec<String> = values.iter().map(|v| comparable(&rtype, &canonical_value(&rtype, v, zone))).collect();
        vals.sort();
        vals.dedup();
        m.insert((name.to_ascii_lowercase(), rtype), (Some(ttl.unwrap_or(zone_ttl)), vals));
    }
    m
}

fn comparable(rtype: &str, value: &str) -> String {
    if rtype == "TXT" { rdata::txt_joined(value) } else { value.to_string() }
}

#[cfg(test)]
mod tests {
    use super::super::{Record, parse};
    use super::*;

    const ZONE: &str = "$ORIGIN\texample.com.\n$TTL\t3600\n@\tIN\tSOA\thydrogen.ns.hetzner.com. dns.hetzner.com. (\n\t2026112101 ; serial\n\t86400 10800 3600000 3600 )\n@\tIN\tNS\thydrogen.ns.hetzner.com.\n\tIN\tNS\toxygen.ns.hetzner.com.\nwww\t300\tIN\tA\t203.0.113.10\nuat.example.com.\tIN\tA\t203.0.113.20 ; old host\n@\tTXT\t\"v=spf1 ; not a comment\" \"-all\"\n";

    #[test]
    fn the_preview_compares_canonical_records() {
        let z = parse(
            "$ORIGIN ex.test.\n$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n@ MX 10 mail\nt TXT \"a\"\"b\"\n",
            "ex.test",
        )
        .unwrap();
        let current = [
            ("@", "SOA", None, vec!["ns1.ex.test. h.ex.test. 1 2 3 4 5"]),
            ("@", "NS", None, vec!["ns1"]),
            ("ns1", "A", Some(300), vec!["192.0.2.1"]),
            ("@", "MX", None, vec!["10 mail.ex.test."]),
            ("t", "TXT", Some(300), vec!["\"ab\""]),
        ];
        let now = current_map(current.iter().map(|(n, t, ttl, v)| (*n, *t, *ttl, v.clone())), "ex.test", 300);
        assert_eq!(diff(&now, &canonical_map(&z)), vec![], "MX 10 mail is MX 10 mail.ex.test.; \"a\"\"b\" is \"ab\"");
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
