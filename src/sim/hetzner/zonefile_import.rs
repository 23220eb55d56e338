//! How the simulated Hetzner reads an imported zone file: with a reader of
//! its own (hickory's), not cutover's, as the real service has its own, and
//! with the service's published rules: every `$ORIGIN` is the zone, `$TTL`
//! becomes the zone's default, IN class only, no `$INCLUDE`.

use hickory_proto::rr::{DNSClass, Name, RData};
use hickory_proto::serialize::txt::Parser;
use std::str::FromStr;

pub(crate) struct Imported {
    pub default_ttl: Option<u32>,
    /// (relative name or `@`, type, ttl, values in the API's form)
    pub rrsets: Vec<(String, String, u32, Vec<String>)>,
}

pub(crate) fn read(text: &str, zone: &str) -> Result<Imported, String> {
    let mut default_ttl = None;
    for line in text.lines() {
        let mut w = line.split_whitespace();
        let (Some(first), arg) = (w.next(), w.next()) else { continue };
        match first.to_ascii_uppercase().as_str() {
            "$ORIGIN" if !arg.is_some_and(|a| a.trim_end_matches('.').eq_ignore_ascii_case(zone) && a.ends_with('.')) => {
                return Err(format!("$ORIGIN must be {zone}."));
            }
            "$INCLUDE" => return Err("$INCLUDE is not supported".into()),
            "$TTL" if default_ttl.is_none() => {
                default_ttl = Some(arg.and_then(ttl).ok_or_else(|| format!("bad $TTL {}", arg.unwrap_or("")))?);
            }
            _ => {}
        }
    }
    let origin = Name::from_str(&format!("{zone}.")).map_err(|e| e.to_string())?;
    let (_, sets) = Parser::new(text, None, Some(origin.clone())).parse().map_err(|e| e.to_string())?;
    let mut rrsets = Vec::new();
    for set in sets.values() {
        if set.dns_class() != DNSClass::IN {
            return Err("only IN class records are allowed".into());
        }
        let name = set.name().to_lowercase();
        if !origin.zone_of(&name) {
            continue;
        }
        let rel = if name == origin {
            "@".to_string()
        } else {
            let full = name.to_ascii();
            full.trim_end_matches('.').strip_suffix(&format!(".{zone}")).unwrap_or(&full).to_string()
        };
        let values = set.records_without_rrsigs().map(|r| value(&r.data)).collect();
        rrsets.push((rel, set.record_type().to_string(), set.ttl(), values));
    }
    Ok(Imported { default_ttl, rrsets })
}

fn value(d: &RData) -> String {
    match d {
        RData::TXT(t) => t
            .txt_data
            .iter()
            .map(|s| format!("\"{}\"", String::from_utf8_lossy(s).replace('\\', "\\\\").replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn ttl(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let mut total: u32 = 0;
    let mut num = 0u32;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = num.checked_mul(10)?.checked_add(d)?;
            continue;
        }
        let m = match c.to_ascii_lowercase() {
            'w' => 604_800,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(num.checked_mul(m)?)?;
        num = 0;
    }
    total.checked_add(num)
}
