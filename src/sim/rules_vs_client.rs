//! The client's checks against the simulator's rules, case by case. The two are
//! written apart (the simulator from the API documents, the client to refuse
//! before sending), so where they disagree one of them is wrong about the
//! service, or the client is stricter on purpose. Every disagreement is named
//! below with its reason; any other fails the test, and a named one that no
//! longer happens fails it too (the list stays true).

use super::rules;
use crate::coolify::schedule::cron_of;
use crate::dns::records;
use crate::hetzner::label_selector::Selector;
use crate::hetzner::validate::check_cidr;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Disagreements that are meant: (case, why).
const NAMED: &[(&str, &str)] = &[
    // The client writes TXT for the operator: unquoted text is quoted and split
    // at 255 characters (what hcloud and terraform do); the API takes only quoted.
    ("record TXT v=spf1 -all", "the client quotes TXT; the API wants it quoted"),
    ("record TXT x*300", "the client splits long TXT into 255-character strings"),
    // The client trims and lower-cases addresses into canonical form before sending.
    ("record AAAA 2001:DB8::1", "the client sends the canonical form"),
    ("record A  203.0.113.7 ", "the client trims blanks"),
    // Names written absolute or upper case are made relative and lower case.
    ("name UAT", "the client lower-cases names"),
    ("name uat.example.com", "the client makes names relative to the zone"),
    ("name uat.", "the client drops the trailing dot"),
    // CAA: the client knows the three tags RFC 8659 defines for issuance; the
    // API (and hickory) take any tag.
    ("record CAA 0 contactemail \"ops@example.com\"", "the client allows the RFC 8659 issuance tags only"),
    // Coolify's own words only: `@daily`/`annually` are cron's, the client reads
    // them (Coolify may hold them from older versions), Coolify refuses them.
    ("frequency @daily", "the client reads cron's @-words that Coolify holds from older versions"),
    ("frequency annually", "the client reads cron's word for yearly"),
];

fn labels() -> BTreeMap<String, String> {
    [("env", "production"), ("role", "web"), ("example.com/team", "ops"), ("empty", "")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every case where the two disagree, as `case: client says / simulator says`.
fn disagreements() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut differ = |case: String, client: String, sim: String| {
        if client != sim {
            out.push((case, format!("client: {client}; simulator: {sim}")));
        }
    };

    // Label selectors: accepted alike, and selecting alike.
    let l = labels();
    for sel in [
        "env=production",
        "env==production",
        "env!=production",
        "role!=db",
        "env",
        "!env",
        "!legacy",
        "env=production,role!=db",
        "env=production, role in (web,db)",
        "role in (web, db)",
        "role notin (web,db)",
        "role notin (db)",
        "example.com/team=ops",
        "empty=",
        "role!=",
        "-env",
        "env-",
        "env=-x",
        "env=x-",
        "env=a b",
        "role in web",
        "role in (web",
        "env=production,",
        ",env",
        "env=production;role=web",
        "Env=production",
        "env=Production",
        &format!("env={}", "x".repeat(64)),
        &format!("{}=x", "k".repeat(64)),
        "a/b/c=x",
        "EXAMPLE.com/team=ops",
        "env = production",
        "env in ()",
    ] {
        let client = match Selector::parse(sel) {
            Ok(s) => format!("selects {}", s.matches(&l)),
            Err(_) => "refused".into(),
        };
        let sim = match rules::LabelSelector::parse(sel) {
            Ok(s) => format!("selects {}", s.matches(&l)),
            Err(_) => "refused".into(),
        };
        differ(format!("selector {sel}"), client, sim);
    }

    // Firewall networks.
    for c in [
        "0.0.0.0/0",
        "::/0",
        "203.0.113.7/32",
        "203.0.113.0/24",
        "203.0.113.7/24",
        "10.0.0.0/8",
        "10.1.0.0/8",
        "2001:db8::/32",
        "2001:db8::1/64",
        "2001:db8::1/128",
        "203.0.113.7",
        "203.0.113.0/33",
        "2001:db8::/129",
        "203.0.113.0/-1",
        "203.0.113/24",
        "example.com/32",
        "/24",
        "203.0.113.0/",
        "203.0.113.128/25",
        "203.0.113.129/25",
    ] {
        let ok = |r: Result<(), String>| if r.is_ok() { "accepted" } else { "refused" }.to_string();
        differ(format!("network {c}"), ok(check_cidr(c)), ok(rules::network(c)));
    }

    // Record values: what the client would send must be what the API takes; what
    // the client refuses, the API refuses too.
    let long = "x".repeat(300);
    for (rtype, v) in [
        ("A", "203.0.113.7"),
        ("A", " 203.0.113.7 "),
        ("A", "203.0.113.300"),
        ("A", "2001:db8::1"),
        ("A", "example.com"),
        ("AAAA", "2001:db8::1"),
        ("AAAA", "2001:DB8::1"),
        ("AAAA", "203.0.113.7"),
        ("CNAME", "example.com."),
        ("CNAME", "203.0.113.7"),
        ("CNAME", "bad name.example.com."),
        ("NS", "ns1.example.com."),
        ("MX", "10 mail.example.com."),
        ("MX", "mail.example.com."),
        ("MX", "99999 mail.example.com."),
        ("MX", "10 203.0.113.7"),
        ("SRV", "10 5 5060 sip.example.com."),
        ("SRV", "10 5 sip.example.com."),
        ("SRV", "10 5 70000 sip.example.com."),
        ("CAA", "0 issue \"letsencrypt.org\""),
        ("CAA", "0 issuewild \";\""),
        ("CAA", "0 contactemail \"ops@example.com\""),
        ("CAA", "256 issue \"letsencrypt.org\""),
        ("TXT", "\"v=spf1 -all\""),
        ("TXT", "\"a\" \"b\""),
        ("TXT", "v=spf1 -all"),
        ("TXT", "\"unterminated"),
        ("TXT", "\"say \\\"hi\\\"\""),
        ("TXT", long.as_str()),
    ] {
        let case = if v == long { format!("record {rtype} x*300") } else { format!("record {rtype} {v}") };
        let client = match records::normalise(rtype, v) {
            // What the client would send: does the API take it?
            Ok(sent) => match rules::record_value(rtype, &sent) {
                Ok(()) => "accepted".to_string(),
                Err(e) => format!("sends `{sent}`, which the API refuses: {e}"),
            },
            Err(_) => "refused".into(),
        };
        let sim = if rules::record_value(rtype, v).is_ok() { "accepted" } else { "refused" }.to_string();
        differ(case, client, sim);
    }

    // RRSet names in the zone example.com: the client's name is what it sends.
    for n in ["@", "www", "uat", "_dmarc", "*.uat", "mail._domainkey", "UAT", "uat.example.com", "uat.", "bad name", "a..b", "*", "x*y"] {
        let client = match records::normalise_name(n, "example.com") {
            Ok(sent) if rules::rrset_name(&sent, "example.com") => "accepted".to_string(),
            Ok(sent) => format!("sends `{sent}`, which the API refuses"),
            Err(_) => "refused".into(),
        };
        let sim = if rules::rrset_name(n, "example.com") { "accepted" } else { "refused" }.to_string();
        differ(format!("name {n}"), client, sim);
    }

    // Types the API takes.
    for t in records::TYPES.iter().chain(rules::RRSET_TYPES) {
        differ(format!("type {t}"), records::TYPES.contains(t).to_string(), rules::RRSET_TYPES.contains(t).to_string());
    }

    // Coolify frequencies: the same schedule, or refused alike.
    for f in [
        "daily",
        "hourly",
        "weekly",
        "monthly",
        "yearly",
        "every_minute",
        "0 3 * * *",
        "*/15 * * * *",
        "@daily",
        "annually",
        "fortnightly",
        "0 3 * *",
        "61 * * * *",
        "",
    ] {
        let client = croner::Cron::from_str(&cron_of(f)).ok().map(|_| cron_of(f)).unwrap_or_else(|| "refused".into());
        let sim = rules::coolify_cron(f).unwrap_or_else(|| "refused".into());
        differ(format!("frequency {f}"), client, sim);
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_client_and_the_simulator_agree_except_where_named() {
    let found = disagreements();
    let named: Vec<&str> = NAMED.iter().map(|(c, _)| *c).collect();
    let unexplained: Vec<String> = found.iter().filter(|(c, _)| !named.contains(&c.as_str())).map(|(c, d)| format!("{c}: {d}")).collect();
    let gone: Vec<&&str> = named.iter().filter(|n| !found.iter().any(|(c, _)| c == *n)).collect();
    eprintln!("client vs simulator: {} disagreements, all named", found.len());
    assert!(unexplained.is_empty(), "disagreements nobody named:\n{}", unexplained.join("\n"));
    assert!(gone.is_empty(), "named disagreements that no longer happen: {gone:?}");
}
