//! BIND zone files read as BIND reads them (`$ORIGIN` and `$TTL` by position,
//! RFC 1035 TTL inheritance, quotes and escapes, case-insensitive names and
//! keywords, BIND's validation), into canonical records: names absolute and
//! lower-case, TTLs resolved, data in one text form. An import sends cutover's
//! rendering of those records (`format`), so the diff the operator approves is
//! what Hetzner receives.

mod diff;
mod lexer;
mod rdata;

pub(crate) use diff::{RrsetMap, canonical_map, current_map, diff, diff_lines};
pub(crate) use rdata::TYPES;

use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Relative to the origin, lower case; `@` for the apex.
    pub name: String,
    pub ttl: Option<u32>,
    pub rtype: String,
    /// Canonical text: names absolute with their dot.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ZoneFile {
    /// Without the trailing dot, lower case.
    pub origin: String,
    /// The first `$TTL` (Hetzner makes it the zone's default TTL).
    pub ttl: Option<u32>,
    pub records: Vec<Record>,
    /// What BIND would warn about (out-of-zone data ignored, TTLs changed).
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

struct Raw {
    line: usize,
    owner: String,
    ttl: u32,
    rtype: String,
    value: String,
}

/// Reads `text` as the zone `zone` (its initial origin, as BIND is given it).
pub fn parse(text: &str, zone: &str) -> Result<ZoneFile, ParseError> {
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let apex = if zone.is_empty() { ".".to_string() } else { format!("{zone}.") };
    let entries = lexer::entries(text).map_err(|e| ParseError { line: e.line, col: e.col, message: e.message })?;
    let mut warnings = Vec::new();
    let mut origin = apex.clone();
    let mut default_ttl: Option<u32> = None;
    let mut first_ttl: Option<u32> = None;
    let mut last_ttl: Option<u32> = None;
    let mut rfc1035_said = false;
    let mut last_owner: Option<String> = None;
    let mut raw: Vec<Raw> = Vec::new();
    for e in &entries {
        let at = |t: &lexer::Token, m: String| ParseError { line: t.line, col: t.col, message: m };
        let first = &e.tokens[0];
        if !e.blank_owner && !first.quoted && first.text.starts_with('$') {
            let arg = e.tokens.get(1);
            let one_arg = || -> Result<&lexer::Token, ParseError> {
                let a = arg.ok_or_else(|| at(first, format!("{} needs an argument", first.text)))?;
                if let Some(extra) = e.tokens.get(2) {
                    return Err(at(extra, "extra input text".into()));
                }
                Ok(a)
            };
            match first.text.to_ascii_uppercase().as_str() {
                "$ORIGIN" => {
                    let a = one_arg()?;
                    origin = rdata::name(&a.text, &origin).map_err(|m| at(a, m))?;
                }
                "$TTL" => {
                    let a = one_arg()?;
                    let n = rdata::ttl(&a.text).ok_or_else(|| at(a, format!("bad TTL '{}'", a.text)))?;
                    let n = if n > rdata::MAX_TTL {
                        warnings.push(format!("line {}: $TTL {n} > MAXTTL, setting $TTL to 0", a.line));
                        0
                    } else {
                        n as u32
                    };
                    default_ttl = Some(n);
                    first_ttl.get_or_insert(n);
                }
                "$INCLUDE" => {
                    return Err(at(
                        first,
                        "$INCLUDE is not supported: Hetzner imports one file; put the included records in this one".into(),
                    ));
                }
                "$GENERATE" => {
                    return Err(at(
                        first,
                        "$GENERATE is not supported: write the generated records out (Hetzner imports plain records)".into(),
                    ));
                }
                other => return Err(at(first, format!("unknown $ directive '{other}'"))),
            }
            continue;
        }
        let mut k = 0;
        let owner = if e.blank_owner {
            last_owner.clone().ok_or_else(|| at(first, "no current owner name".into()))?
        } else {
            k = 1;
            rdata::name(&first.text, &origin).map_err(|m| at(first, m))?
        };
        let mut explicit: Option<u64> = None;
        let mut class_seen = false;
        while let Some(t) = e.tokens.get(k) {
            if t.quoted {
                break;
            }
            if explicit.is_none()
                && let Some(n) = rdata::ttl(&t.text)
            {
                explicit = Some(n);
            } else if !class_seen && t.text.eq_ignore_ascii_case("IN") {
                class_seen = true;
            } else if ["CH", "HS", "CS", "NONE", "ANY", "CHAOS", "HESIOD"].iter().any(|c| t.text.eq_ignore_ascii_case(c)) {
                return Err(at(t, format!("class '{}' != zone class 'IN'", t.text.to_ascii_uppercase())));
            } else {
                break;
            }
            k += 1;
        }
        let tt = e.tokens.get(k).ok_or_else(|| at(e.tokens.last().unwrap_or(first), "unexpected end of line: no type".into()))?;
        if tt.quoted || !rdata::is_type(&tt.text) {
            return Err(at(tt, format!("unknown RR type '{}'", tt.text)));
        }
        let rtype = tt.text.to_ascii_uppercase();
        let value = rdata::parse(&rtype, &e.tokens[k + 1..], &origin).map_err(|m| at(tt, m))?;
        let ttl = match explicit {
            Some(n) if n > rdata::MAX_TTL => {
                warnings.push(format!("line {}: TTL {n} > MAXTTL, setting TTL to 0", e.line));
                last_ttl = Some(0);
                0
            }
            Some(n) => {
                last_ttl = Some(n as u32);
                n as u32
            }
            None => match (default_ttl, last_ttl) {
                (Some(d), _) => d,
                (None, Some(l)) => {
                    if !rfc1035_said {
                        warnings.push(format!("line {}: no $TTL: using RFC 1035 TTL semantics (the previous record's TTL)", e.line));
                        rfc1035_said = true;
                    }
                    l
                }
                (None, None) if rtype == "SOA" => {
                    let min = value.rsplit(' ').next().and_then(|m| m.parse().ok()).unwrap_or(0);
                    warnings.push(format!("line {}: no TTL specified; using SOA MINTTL ({min}) instead", e.line));
                    default_ttl = Some(min);
                    min
                }
                (None, None) => return Err(at(first, "no TTL specified; zone rejected (add $TTL)".into())),
            },
        };
        last_owner = Some(owner.clone());
        raw.push(Raw { line: e.line, owner, ttl, rtype, value });
    }
    let records = check_zone(raw, &apex, &mut warnings)?;
    Ok(ZoneFile { origin: zone, ttl: first_ttl, records, warnings })
}

fn in_zone(owner: &str, apex: &str) -> bool {
    apex == "." || owner == apex || owner.ends_with(&format!(".{apex}"))
}

fn relative(owner: &str, apex: &str) -> String {
    if owner == apex {
        return "@".into();
    }
    if apex == "." {
        return owner.trim_end_matches('.').to_string();
    }
    owner.strip_suffix(&format!(".{apex}")).unwrap_or(owner).to_string()
}

/// BIND's checks on the loaded zone: out-of-zone data dropped (with a
/// warning), SOA once and at the apex, NS at the apex, CNAME alone, one TTL
/// per RRset, in-zone name servers with addresses.
fn check_zone(raw: Vec<Raw>, apex: &str, warnings: &mut Vec<String>) -> Result<Vec<Record>, ParseError> {
    let err = |line: usize, m: String| ParseError { line, col: 1, message: m };
    let mut kept: Vec<Raw> = Vec::new();
    // (owner, type) -> (ttl of the first record)
    let mut ttls: BTreeMap<(String, String), u32> = BTreeMap::new();
    for r in raw {
        if !in_zone(&r.owner, apex) {
            warnings.push(format!("line {}: ignoring out-of-zone data ({})", r.line, r.owner.trim_end_matches('.')));
            continue;
        }
        if r.rtype == "SOA" && r.owner != apex {
            return Err(err(r.line, format!("SOA record not at top of zone ({})", r.owner.trim_end_matches('.'))));
        }
        if kept.iter().any(|k| k.owner == r.owner && k.rtype == r.rtype && k.value == r.value) {
            continue;
        }
        let others = kept.iter().filter(|k| k.owner == r.owner);
        let (mut cname, mut other) = (false, false);
        for k in others {
            if k.rtype == "CNAME" {
                cname = true;
            } else {
                other = true;
            }
        }
        if (r.rtype == "CNAME" && other) || (r.rtype != "CNAME" && cname) {
            return Err(err(r.line, format!("{}: CNAME and other data", r.owner.trim_end_matches('.'))));
        }
        if (r.rtype == "CNAME" && cname) || (r.rtype == "SOA" && kept.iter().any(|k| k.owner == r.owner && k.rtype == "SOA")) {
            return Err(err(r.line, format!("{}: multiple RRs of singleton type", r.owner.trim_end_matches('.'))));
        }
        let key = (r.owner.clone(), r.rtype.clone());
        let r = match ttls.get(&key) {
            Some(&first) if first != r.ttl => {
                warnings.push(format!("line {}: TTL set to prior TTL ({first})", r.line));
                Raw { ttl: first, ..r }
            }
            Some(_) => r,
            None => {
                ttls.insert(key, r.ttl);
                r
            }
        };
        kept.push(r);
    }
    let last_line = kept.last().map(|r| r.line).unwrap_or(1);
    if !kept.iter().any(|r| r.rtype == "SOA") {
        return Err(err(last_line, "the zone has 0 SOA records".into()));
    }
    if !kept.iter().any(|r| r.rtype == "NS" && r.owner == apex) {
        return Err(err(last_line, "the zone has no NS records".into()));
    }
    // The zone's own name servers, when inside it, need addresses (BIND only
    // warns about missing glue below a delegation).
    for ns in kept.iter().filter(|r| r.rtype == "NS" && r.owner == apex) {
        let Some(t) = rdata::target("NS", &ns.value) else { continue };
        if !in_zone(&t, apex) {
            continue;
        }
        if kept.iter().any(|r| r.owner == t && r.rtype == "CNAME") {
            return Err(err(ns.line, format!("NS '{}' is a CNAME (illegal)", t.trim_end_matches('.'))));
        }
        if !kept.iter().any(|r| r.owner == t && (r.rtype == "A" || r.rtype == "AAAA")) {
            return Err(err(ns.line, format!("NS '{}' has no address records (A or AAAA)", t.trim_end_matches('.'))));
        }
    }
    Ok(kept.into_iter().map(|r| Record { name: relative(&r.owner, apex), ttl: Some(r.ttl), rtype: r.rtype, value: r.value }).collect())
}

/// The file cutover sends: one `$ORIGIN` (the zone), the first `$TTL`, and
/// every record with its owner relative and its TTL written out.
pub fn format(z: &ZoneFile) -> String {
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

/// The canonical form of one value from the API (names made absolute
/// against the zone); the value as given if it does not read.
pub(crate) fn canonical_value(rtype: &str, value: &str, zone: &str) -> String {
    let apex = format!("{}.", zone.trim_end_matches('.').to_ascii_lowercase());
    let Ok(entries) = lexer::entries(value) else { return value.to_string() };
    let tokens: Vec<lexer::Token> = entries.into_iter().flat_map(|e| e.tokens).collect();
    rdata::parse(&rtype.to_ascii_uppercase(), &tokens, &apex).unwrap_or_else(|_| value.to_string())
}

/// The canonical owner, BIND presentation (`name.zone.`), for tests and display.
pub fn absolute(name: &str, zone: &str) -> String {
    let apex = format!("{}.", zone.trim_end_matches('.').to_ascii_lowercase());
    rdata::name(name, &apex).unwrap_or_else(|_| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "$ORIGIN djangoshop.example.\n$TTL 3600\n@ IN SOA hydrogen.ns.hetzner.com. dns.hetzner.com. ( 2026112101 86400 10800 3600000 3600 )\n@ IN NS hydrogen.ns.hetzner.com.\n  IN NS oxygen.ns.hetzner.com.\n";

    fn zone(extra: &str) -> Result<ZoneFile, ParseError> {
        parse(&format!("{HEAD}{extra}"), "djangoshop.example")
    }

    fn find<'a>(z: &'a ZoneFile, name: &str, rtype: &str) -> Vec<&'a Record> {
        z.records.iter().filter(|r| r.name == name && r.rtype == rtype).collect()
    }

    #[test]
    fn origin_applies_to_the_names_that_follow() {
        let z = zone(
            "$ORIGIN staging.djangoshop.example.\napi IN A 203.0.113.51\n$ORIGIN djangoshop.example.\n$origin uat\nweb A 203.0.113.52\n",
        )
        .unwrap();
        assert_eq!(find(&z, "api.staging", "A").len(), 1);
        assert_eq!(find(&z, "web.uat", "A").len(), 1, "a relative $ORIGIN is relative to the one before");
        // Written the way BIND writes secondary zones.
        let z = parse("$ORIGIN .\n$TTL 300\ndjangoshop.example IN SOA a.example. b.example. 1 2 3 4 5\n\tNS a.example.\n$ORIGIN djangoshop.example.\nwww A 1.2.3.4\n", "djangoshop.example").unwrap();
        assert_eq!(find(&z, "@", "SOA").len(), 1);
        assert_eq!(find(&z, "@", "NS").len(), 1);
        assert_eq!(find(&z, "www", "A").len(), 1);
    }

    #[test]
    fn ttls_by_position_and_rfc1035() {
        let z = zone("a A 1.1.1.1\n$TTL 300\nb A 2.2.2.2\nc 1h A 3.3.3.3\n").unwrap();
        assert_eq!(find(&z, "a", "A")[0].ttl, Some(3600));
        assert_eq!(find(&z, "b", "A")[0].ttl, Some(300));
        assert_eq!(find(&z, "c", "A")[0].ttl, Some(3600));
        assert_eq!(z.ttl, Some(3600), "the first $TTL is the zone default");
        let z = parse("$ORIGIN ex.test.\n@ 100 SOA ns1 host 1 2 3 4 5\n@ NS ns1\nns1 700 A 192.0.2.1\nb A 2.2.2.2\n", "ex.test").unwrap();
        assert_eq!(find(&z, "@", "NS")[0].ttl, Some(100));
        assert_eq!(find(&z, "b", "A")[0].ttl, Some(700));
        let z = zone("big 2147483648 A 1.2.3.4\n").unwrap();
        assert_eq!(find(&z, "big", "A")[0].ttl, Some(0));
        assert!(z.warnings.iter().any(|w| w.contains("MAXTTL")));
    }

    #[test]
    fn case_quotes_and_escapes() {
        let z = zone("API.DJANGOSHOP.EXAMPLE. A 1.1.1.1\nMail A 2.2.2.2\nmail AAAA 2001:db8::1\nt TXT \"Shop support (24/7)\"\nu TXT \"maintenance :(\"\nv TXT \"x\" v=spf1\\;redirect\nw TXT \"ok :)\"\n").unwrap();
        assert_eq!(find(&z, "api", "A").len(), 1);
        assert_eq!(z.records.iter().filter(|r| r.name == "mail").count(), 2, "Mail and mail are one name");
        assert_eq!(find(&z, "t", "TXT")[0].value, "\"Shop support (24/7)\"");
        assert_eq!(find(&z, "v", "TXT")[0].value, "\"x\" \"v=spf1;redirect\"");
        assert_eq!(z.records.iter().filter(|r| r.rtype == "TXT").count(), 4, "no record swallowed by a smiley");
    }

    #[test]
    fn what_bind_rejects_is_rejected() {
        for bad in [
            "a A 1.2.3\n",
            "a A 2001:db8::1\n",
            "@ MX mail\n",
            "_s._tcp SRV 1 2 sip\n",
            "@ CAA 256 issue \"x\"\n",
            &format!("{} A 1.2.3.4\n", "a".repeat(64)),
            &format!("t TXT \"{}\"\n", "x".repeat(256)),
            "t TXT \"abc\n",
            "t A 1.2.3.4 )\n",
            "www CNAME a\nwww TXT \"x\"\n",
            "www CNAME a.example.\nwww CNAME b.example.\n",
            "@ CNAME a.example.\n",
            "t CH A 1.2.3.4\n",
            "$GENERATE 1-3 h$ A 1.2.3.$\n",
            "@ NS ns9\n",
        ] {
            assert!(zone(bad).is_err(), "accepted: {bad}");
        }
        assert!(parse("$ORIGIN ex.test.\n$TTL 1\n@ NS a.example.\n", "ex.test").unwrap_err().message.contains("0 SOA"));
        assert!(parse("$ORIGIN ex.test.\n$TTL 1\n@ SOA a. b. 1 2 3 4 5\n", "ex.test").unwrap_err().message.contains("no NS"));
        assert!(parse("", "ex.test").is_err());
        let e = zone("\nt A 1.2.3.4 )\n").unwrap_err();
        assert_eq!((e.line, e.col), (7, 13));
    }

    #[test]
    fn out_of_zone_owners_are_ignored_with_a_warning() {
        let z = zone("www.other.example. A 1.2.3.4\nwww A 5.6.7.8\n").unwrap();
        assert!(z.records.iter().all(|r| r.value != "1.2.3.4"));
        assert!(z.warnings.iter().any(|w| w.contains("out-of-zone")));
    }

    #[test]
    fn rendering_reads_back_the_same() {
        let z = zone("$ORIGIN uat.djangoshop.example.\nweb 300 A 1.2.3.4\n@ MX 10 mail\nt TXT \"a\" \"b;c\"\n").unwrap();
        let back = parse(&format(&z), "djangoshop.example").unwrap();
        assert_eq!(back.records, z.records);
    }
}
