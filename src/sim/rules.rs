//! The services' own validation rules, as the simulator applies them. Written
//! from the API documents and the notes, apart from the client's checks (which
//! run before a request is sent): a simulator that called the client's code
//! would agree with the client whatever the service does. `tests/validators.rs`
//! feeds both the same cases and names every place where they differ.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

// ---- Hetzner label selectors --------------------------------------------------

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Req {
    Is(String, String),
    IsNot(String, String),
    Has(String),
    HasNot(String),
    OneOf(String, Vec<String>),
    NoneOf(String, Vec<String>),
}

/// A parsed Hetzner label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`,
/// `k in (a,b)`, `k notin (a,b)`, joined by `,`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LabelSelector(Vec<Req>);

/// A label key as the Hetzner docs define it (Kubernetes' rule): an optional
/// DNS-subdomain prefix and `/`, then a name of 1-63 characters that begins
/// and ends with a letter or digit, with `-`, `_`, `.` between.
fn key_ok(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                let b = l.as_bytes();
                !b.is_empty()
                    && b.len() <= 63
                    && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                    && b[0] != b'-'
                    && b[b.len() - 1] != b'-'
            })
    });
    prefix_ok && !name.is_empty() && value_ok(name)
}

/// Labels as a request carries them: an object of string values with valid
/// keys (`hetzner.cloud/` is Hetzner's own) and values. Why not, otherwise.
pub fn labels(v: &serde_json::Value) -> Result<Vec<(String, String)>, String> {
    let Some(m) = v.as_object() else { return Err("must be an object".into()) };
    let mut out = Vec::new();
    for (k, val) in m {
        let Some(val) = val.as_str() else { return Err(format!("value of `{k}` must be a string")) };
        if !key_ok(k) || k.starts_with("hetzner.cloud/") {
            return Err(format!("invalid label key `{k}`"));
        }
        if !value_ok(val) {
            return Err(format!("invalid label value `{val}`"));
        }
        out.push((k.clone(), val.to_string()));
    }
    Ok(out)
}

/// A label value: at most 63 characters, empty or beginning and ending with a
/// letter or digit, with `-`, `_`, `.` between.
fn value_ok(v: &str) -> bool {
    let b = v.as_bytes();
    if b.is_empty() {
        return true;
    }
    b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A cursor over the selector's text.
struct Scan<'a> {
    s: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    fn blanks(&mut self) {
        while self.s.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }
    fn word(&mut self) -> String {
        self.blanks();
        let start = self.at;
        while let Some(c) = self.s.get(self.at) {
            if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/') {
                self.at += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.at]).into_owned()
    }
    fn eat(&mut self, t: &str) -> bool {
        self.blanks();
        if self.s[self.at..].starts_with(t.as_bytes()) {
            self.at += t.len();
            true
        } else {
            false
        }
    }
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let bad = |why: &str| Err(format!("invalid label_selector `{text}`: {why}"));
        let mut reqs = Vec::new();
        if text.trim().is_empty() {
            return Ok(LabelSelector(reqs));
        }
        let mut sc = Scan { s: text.as_bytes(), at: 0 };
        loop {
            let negated = sc.eat("!");
            let key = sc.word();
            if !key_ok(&key) {
                return bad(&format!("`{key}` is not a label key"));
            }
            let req = if negated {
                Req::HasNot(key)
            } else if sc.eat("==") || sc.eat("=") {
                Req::Is(key, sc.word())
            } else if sc.eat("!=") {
                Req::IsNot(key, sc.word())
            } else if sc.eat("notin") || sc.eat("in") {
                let negate = sc.s[..sc.at].ends_with(b"notin");
                if !sc.eat("(") {
                    return bad("`in`/`notin` want a list in parentheses");
                }
                let mut vals = Vec::new();
                loop {
                    vals.push(sc.word());
                    if sc.eat(")") {
                        break;
                    }
                    if !sc.eat(",") {
                        return bad("unterminated value list");
                    }
                }
                if negate { Req::NoneOf(key, vals) } else { Req::OneOf(key, vals) }
            } else {
                Req::Has(key)
            };
            let vals: Vec<&String> = match &req {
                Req::Is(_, v) | Req::IsNot(_, v) => vec![v],
                Req::OneOf(_, vs) | Req::NoneOf(_, vs) => vs.iter().collect(),
                Req::Has(_) | Req::HasNot(_) => vec![],
            };
            if let Some(v) = vals.iter().find(|v| !value_ok(v)) {
                return bad(&format!("`{v}` is not a label value"));
            }
            reqs.push(req);
            sc.blanks();
            if sc.done() {
                break;
            }
            if !sc.eat(",") {
                return bad(&format!("unexpected `{}`", String::from_utf8_lossy(&sc.s[sc.at..])));
            }
        }
        Ok(LabelSelector(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Is(k, v) => labels.get(k) == Some(v),
            Req::IsNot(k, v) => labels.get(k) != Some(v),
            Req::Has(k) => labels.contains_key(k),
            Req::HasNot(k) => !labels.contains_key(k),
            Req::OneOf(k, vs) => labels.get(k).is_some_and(|x| vs.contains(x)),
            Req::NoneOf(k, vs) => labels.get(k).is_none_or(|x| !vs.contains(x)),
        })
    }
}

/// Whether `sel` selects `labels`; a selector the API would refuse selects nothing.
pub fn selects(sel: &str, labels: &BTreeMap<String, String>) -> bool {
    LabelSelector::parse(sel).is_ok_and(|s| s.matches(labels))
}

// ---- Hetzner firewall networks -------------------------------------------------

/// A firewall rule's network: an address, `/`, a prefix length, and no host
/// bits set (refused since 2025-12-10).
pub fn network(c: &str) -> Result<(), String> {
    let Some((addr, len)) = c.split_once('/') else { return Err(format!("`{c}` is not in CIDR notation")) };
    let Ok(len) = len.parse::<usize>() else { return Err(format!("`{c}` has no valid prefix length")) };
    let bytes: Vec<u8> = match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.octets().to_vec(),
        Ok(IpAddr::V6(a)) => a.octets().to_vec(),
        Err(_) => return Err(format!("`{addr}` is not an IP address")),
    };
    if len > bytes.len() * 8 {
        return Err(format!("`{c}` has a prefix longer than the address"));
    }
    // Every bit from `len` on must be zero.
    let host_bits = bytes.iter().enumerate().any(|(i, b)| {
        let keep = len.saturating_sub(i * 8).min(8);
        let host_mask = if keep == 8 { 0 } else { 0xffu8 >> keep };
        b & host_mask != 0
    });
    if host_bits { Err(format!("`{c}` is not a network: its host bits are set")) } else { Ok(()) }
}

// ---- Hetzner DNS record values -----------------------------------------------

/// RRSet types the API takes (the spec's enum).
pub const RRSET_TYPES: &[&str] =
    &["A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP", "SOA", "SRV", "SVCB", "TLSA", "TXT"];

/// An RRSet name as the API wants it: `@` for the apex, else relative to the
/// zone, lower case, no trailing dot, not ending with the zone's name; labels
/// of letters, digits, `-` and `_` (a leading `*` label for wildcards).
pub fn rrset_name(name: &str, zone: &str) -> bool {
    if name == "@" {
        return true;
    }
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && !name.ends_with(zone)
        && labels.iter().enumerate().all(|(i, l)| {
            (i == 0 && *l == "*")
                || (!l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_'))
        })
}

/// The strings of a TXT value as the API takes it: one or more `"..."`
/// strings (backslash escapes), blanks between, nothing else.
pub fn txt_strings(v: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut it = v.chars();
    let mut cur: Option<String> = None;
    while let Some(c) = it.next() {
        match (&mut cur, c) {
            (None, ' ' | '\t') => {}
            (None, '"') => cur = Some(String::new()),
            (None, _) => return Err("TXT record values must be enclosed in double quotes".into()),
            (Some(s), '\\') => s.push(it.next().ok_or("a TXT value ends in a backslash")?),
            (Some(_), '"') => out.extend(cur.take()),
            (Some(s), c) => s.push(c),
        }
    }
    if cur.is_some() {
        return Err("a TXT string is not closed".into());
    }
    if out.is_empty() {
        return Err("a TXT value needs at least one string".into());
    }
    Ok(out)
}

/// A TXT value in the API's form (for the simulated world's own records).
pub fn quote_txt(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let parts: Vec<String> =
        chars.chunks(255).map(|c| format!("\"{}\"", c.iter().collect::<String>().replace('\\', "\\\\").replace('"', "\\\""))).collect();
    if parts.is_empty() { "\"\"".into() } else { parts.join(" ") }
}

/// Checks one record value of type `rtype` as the API does: the zone-file
/// presentation format, read by hickory; A and AAAA in canonical form; TXT
/// quoted, strings of at most 255 characters.
pub fn record_value(rtype: &str, v: &str) -> Result<(), String> {
    use hickory_proto::rr::{RData, RecordType};
    use std::str::FromStr;
    if v.trim().is_empty() {
        return Err("the value is empty".into());
    }
    match rtype {
        "A" => {
            let ip = v.parse::<Ipv4Addr>().map_err(|_| format!("`{v}` is not an IPv4 address"))?;
            if ip.to_string() != v {
                return Err(format!("`{v}` is not in canonical form"));
            }
            Ok(())
        }
        "AAAA" => {
            let ip = v.parse::<Ipv6Addr>().map_err(|_| format!("`{v}` is not an IPv6 address"))?;
            if ip.to_string() != v {
                return Err(format!("`{v}` is not in canonical form"));
            }
            Ok(())
        }
        "TXT" => {
            let strings = txt_strings(v)?;
            match strings.iter().map(|s| s.chars().count()).find(|n| *n > 255) {
                Some(n) => Err(format!("TXT strings are at most 255 characters ({n} given)")),
                None => Ok(()),
            }
        }
        "CNAME" | "NS" | "PTR" | "MX" | "SRV" | "CAA" => {
            // The presentation format's fields, each a name where a name goes.
            let fields = v.split_whitespace().count();
            let want = match rtype {
                "MX" => 2,
                "SRV" => 4,
                "CAA" => fields.max(3),
                _ => 1,
            };
            if fields != want {
                return Err(format!("`{v}` is not a valid {rtype} value: {want} fields expected"));
            }
            if let Some(host) = v.split_whitespace().last().filter(|_| rtype != "CAA")
                && !host_name(host)
            {
                return Err(format!("`{host}` is not a host name"));
            }
            let t = RecordType::from_str(rtype).map_err(|e| e.to_string())?;
            let rd = RData::try_from_str(t, v).map_err(|e| format!("`{v}` is not a valid {rtype} value: {e}"))?;
            // A name that is an address is a mistake the API refuses.
            let target = match &rd {
                RData::CNAME(n) => Some(n.0.to_string()),
                RData::NS(n) => Some(n.0.to_string()),
                RData::PTR(n) => Some(n.0.to_string()),
                RData::MX(m) => Some(m.exchange.to_string()),
                _ => None,
            };
            if let Some(t) = target
                && t.trim_end_matches('.').parse::<IpAddr>().is_ok()
            {
                return Err(format!("{rtype} must name a host, not an address"));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A host name: labels of letters, digits, `-` and `_` (service labels), at
/// most 63 characters each, 253 in all; `.` alone is the root (SRV "no service").
fn host_name(h: &str) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    h.is_empty()
        || (h.len() <= 253
            && h.split('.').all(|l| (1..=63).contains(&l.len()) && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')))
}

// ---- Coolify schedules --------------------------------------------------------

/// The cron expression of a Coolify frequency: one of its words
/// (`VALID_CRON_STRINGS` in Coolify's source) or five cron fields.
pub fn coolify_cron(freq: &str) -> Option<String> {
    use std::str::FromStr;
    const WORDS: &[(&str, &str)] = &[
        ("every_minute", "* * * * *"),
        ("hourly", "0 * * * *"),
        ("daily", "0 0 * * *"),
        ("weekly", "0 0 * * 0"),
        ("monthly", "0 0 1 * *"),
        ("yearly", "0 0 1 1 *"),
    ];
    if let Some((_, c)) = WORDS.iter().find(|(w, _)| *w == freq) {
        return Some(c.to_string());
    }
    (freq.split_whitespace().count() == 5 && croner::Cron::from_str(freq).is_ok()).then(|| freq.to_string())
}

// ---- Zone files -----------------------------------------------------------------

/// A zone in BIND's presentation format (what `GET /zones/{id}/zonefile` returns).
pub fn zone_file(origin: &str, ttl: u32, records: &[(String, Option<u32>, String, String)]) -> String {
    let mut out = format!("$ORIGIN\t{origin}.\n$TTL\t{ttl}\n");
    for (name, rttl, rtype, value) in records {
        // Every record with its TTL written out (the zone's where it has none).
        out.push_str(&format!("{name}\t{}\tIN\t{rtype}\t{value}\n", rttl.unwrap_or(ttl)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        let l: BTreeMap<String, String> =
            [("env", "production"), ("role", "web")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (sel, want) in [
            ("env=production", true),
            ("env==production, role!=db", true),
            ("role!=web", false),
            ("env", true),
            ("!legacy", true),
            ("role in (web, db)", true),
            ("role notin (web,db)", false),
        ] {
            assert_eq!(LabelSelector::parse(sel).map(|s| s.matches(&l)), Ok(want), "{sel}");
        }
        for bad in ["role!=", "-env", "env=-x", "role in web", "env=a b", "role in (web"] {
            // `role!=` is an empty value: allowed by the rule ("may be empty").
            if bad == "role!=" {
                assert!(LabelSelector::parse(bad).is_ok());
                continue;
            }
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks() {
        assert!(network("203.0.113.7/32").is_ok());
        assert!(network("10.0.0.0/8").is_ok());
        assert!(network("203.0.113.7/24").is_err());
        assert!(network("::/0").is_ok());
        assert!(network("2001:db8::1/64").is_err());
        assert!(network("203.0.113.7").is_err());
        assert!(network("10.0.0.0/33").is_err());
    }

    #[test]
    fn record_values() {
        assert!(record_value("A", "203.0.113.7").is_ok());
        assert!(record_value("AAAA", "2001:DB8::1").is_err());
        assert!(record_value("TXT", "v=spf1 -all").is_err());
        assert!(record_value("TXT", "\"v=spf1 -all\"").is_ok());
        assert!(record_value("MX", "10 mail.example.com.").is_ok());
        assert!(record_value("MX", "mail.example.com.").is_err());
        assert!(record_value("CNAME", "203.0.113.7").is_err());
        assert_eq!(txt_strings(&quote_txt(&"k".repeat(300))).unwrap().concat(), "k".repeat(300));
    }
}
