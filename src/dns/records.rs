//! RRSet values as the Hetzner DNS API wants them, validated per type before
//! anything is sent. TXT values are quoted and split at 255 characters
//! automatically (what every official Hetzner tool does).

use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) use super::zonefile::TYPES;

/// A TXT value in the API's form: one or more `"..."` strings of at most 255
/// characters each. Already-quoted input is kept (after checking it).
pub(crate) fn format_txt(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.starts_with('"') {
        let parts = parse_txt(t)?;
        if let Some(p) = parts.iter().find(|p| p.chars().count() > 255) {
            return Err(format!(
                "a quoted TXT string is {} characters; the limit is 255 (leave it unquoted and cutover splits it)",
                p.chars().count()
            ));
        }
        return Ok(t.to_string());
    }
    let chars: Vec<char> = t.chars().collect();
    let chunks: Vec<String> = chars
        .chunks(255)
        .map(|c| {
            let s: String = c.iter().collect();
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        })
        .collect();
    Ok(if chunks.is_empty() { "\"\"".into() } else { chunks.join(" ") })
}

/// The strings of a quoted TXT value.
pub(crate) fn parse_txt(v: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = v.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => continue,
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => {
                            if let Some(e) = chars.next() {
                                s.push(e);
                            }
                        }
                        Some('"') => break,
                        Some(c) => s.push(c),
                        None => return Err("unterminated quote in TXT value".into()),
                    }
                }
                out.push(s);
            }
            _ => return Err("a TXT value must be \"quoted\" strings (or give it unquoted and cutover quotes it)".into()),
        }
    }
    Ok(out)
}

/// The text a TXT value stands for (its strings joined).
pub(crate) fn txt_text(v: &str) -> String {
    parse_txt(v).map(|p| p.concat()).unwrap_or_else(|_| v.to_string())
}

fn hostname_ok(h: &str) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Validates (and normalises) one record value for `rtype`. Returns the value
/// to send, or a message for an inline error.
pub(crate) fn normalise(rtype: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("empty value".into());
    }
    match rtype {
        "A" => v.parse::<Ipv4Addr>().map(|ip| ip.to_string()).map_err(|_| format!("`{v}` is not an IPv4 address")),
        "AAAA" => v.parse::<Ipv6Addr>().map(|ip| ip.to_string()).map_err(|_| format!("`{v}` is not an IPv6 address")),
        "CNAME" | "NS" | "PTR" => {
            if v.parse::<std::net::IpAddr>().is_ok() {
                return Err(format!("{rtype} must point to a name, not an address (`{v}`)"));
            }
            if !hostname_ok(v) {
                return Err(format!("`{v}` is not a valid host name"));
            }
            // Absolute, as the zone file form wants it.
            Ok(if v.ends_with('.') { v.to_string() } else { format!("{v}.") })
        }
        "MX" => {
            let mut it = v.split_whitespace();
            let (Some(pri), Some(host), None) = (it.next(), it.next(), it.next()) else {
                return Err("MX is `PRIORITY HOST`, e.g. `10 mail.example.com.`".into());
            };
            let p: u16 = pri.parse().map_err(|_| format!("MX priority `{pri}` must be a number 0-65535"))?;
            if host.trim_end_matches('.').parse::<std::net::IpAddr>().is_ok() {
                return Err(format!("MX must point to a host name, not an address (`{host}`)"));
            }
            if !hostname_ok(host) {
                return Err(format!("MX host `{host}` is not a valid host name"));
            }
            Ok(format!("{p} {}", if host.ends_with('.') { host.to_string() } else { format!("{host}.") }))
        }
        "TXT" => format_txt(v),
        "CAA" => {
            let mut it = v.splitn(3, char::is_whitespace);
            let (Some(flags), Some(tag), Some(val)) = (it.next(), it.next(), it.next()) else {
                return Err("CAA is `FLAGS TAG \"VALUE\"`, e.g. `0 issue \"letsencrypt.org\"`".into());
            };
            let f: u8 = flags.parse().map_err(|_| format!("CAA flags `{flags}` must be 0-255"))?;
            if !matches!(tag, "issue" | "issuewild" | "iodef") {
                return Err(format!("CAA tag `{tag}` must be issue, issuewild or iodef"));
            }
            let val = val.trim();
            let quoted = if val.starts_with('"') && val.ends_with('"') && val.len() >= 2 { val.to_string() } else { format!("\"{val}\"") };
            Ok(format!("{f} {tag} {quoted}"))
        }
        "SRV" => {
            let parts: Vec<&str> = v.split_whitespace().collect();
            let [pri, weight, port, target] = parts.as_slice() else {
                return Err("SRV is `PRIORITY WEIGHT PORT TARGET`, e.g. `10 5 5060 sip.example.com.`".into());
            };
            for (n, x) in [("priority", pri), ("weight", weight), ("port", port)] {
                x.parse::<u16>().map_err(|_| format!("SRV {n} `{x}` must be a number 0-65535"))?;
            }
            if !hostname_ok(target) && *target != "." {
                return Err(format!("SRV target `{target}` is not a valid host name"));
            }
            Ok(format!("{pri} {weight} {port} {}", if target.ends_with('.') { target.to_string() } else { format!("{target}.") }))
        }
        t if TYPES.contains(&t) => Ok(v.to_string()),
        t => Err(format!("unknown record type `{t}`")),
    }
}

/// Validates an RRSet name relative to `zone`: `@`, `www`, `_dmarc`, `*.uat`.
pub(crate) fn normalise_name(name: &str, zone: &str) -> Result<String, String> {
    let n = name.trim().to_ascii_lowercase();
    let n = n.strip_suffix('.').map(str::to_string).unwrap_or(n);
    if n.is_empty() || n == "@" || n == zone {
        return Ok("@".into());
    }
    let rel = n.strip_suffix(&format!(".{zone}")).unwrap_or(&n);
    let ok = rel.split('.').enumerate().all(|(i, l)| {
        (i == 0 && l == "*") || (!l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    });
    if !ok {
        return Err(format!("`{name}` is not a valid record name in {zone}"));
    }
    Ok(rel.to_string())
}

/// A TTL from text (`300`, `5m`, `1h`).
pub(crate) fn parse_ttl(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let secs = match s.parse::<u32>() {
        Ok(n) => n,
        Err(_) => humantime::parse_duration(s).map_err(|_| format!("TTL `{s}`: seconds, or like 5m, 1h"))?.as_secs() as u32,
    };
    if !(60..=2_147_483_647).contains(&secs) {
        return Err(format!("TTL {secs}s: Hetzner accepts 60 and more"));
    }
    Ok(secs)
}

/// Hetzner assigns each server a /64; the server itself answers on `::1` of it.
pub(crate) fn first_address(net: &str) -> Option<String> {
    let prefix: std::net::Ipv6Addr = net.split('/').next()?.parse().ok()?;
    Some(std::net::Ipv6Addr::from(u128::from(prefix) | 1).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ipv6_address() {
        assert_eq!(first_address("2001:db8:1a00:5::/64").as_deref(), Some("2001:db8:1a00:5::1"));
        assert_eq!(first_address("nonsense"), None);
    }

    #[test]
    fn txt_is_quoted_and_split_at_255() {
        assert_eq!(format_txt("v=spf1 -all").unwrap(), "\"v=spf1 -all\"");
        let long = "k".repeat(300);
        let f = format_txt(&long).unwrap();
        let parts = parse_txt(&f).unwrap();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [255, 45]);
        assert_eq!(txt_text(&f), long);
        assert_eq!(format_txt("say \"hi\"").unwrap(), r#""say \"hi\"""#);
        // Already quoted: kept, but a quoted string over 255 is refused.
        assert_eq!(format_txt("\"a\" \"b\"").unwrap(), "\"a\" \"b\"");
        let e = format_txt(&format!("\"{}\"", "x".repeat(256))).unwrap_err();
        assert!(e.contains("256 characters"), "{e}");
    }

    #[test]
    fn values_are_checked_per_type() {
        assert_eq!(normalise("A", " 203.0.113.7 ").unwrap(), "203.0.113.7");
        assert!(normalise("A", "203.0.113.300").unwrap_err().contains("not an IPv4"));
        assert!(normalise("A", "2001:db8::1").is_err());
        assert_eq!(normalise("AAAA", "2001:DB8::1").unwrap(), "2001:db8::1");
        assert_eq!(normalise("CNAME", "example.com").unwrap(), "example.com.");
        assert!(normalise("CNAME", "203.0.113.7").unwrap_err().contains("not an address"));
        assert_eq!(normalise("MX", "10 mail.example.com").unwrap(), "10 mail.example.com.");
        assert!(normalise("MX", "mail.example.com").is_err());
        assert!(normalise("MX", "99999 mx.example.com").is_err());
        assert_eq!(normalise("CAA", "0 issue letsencrypt.org").unwrap(), "0 issue \"letsencrypt.org\"");
        assert!(normalise("CAA", "0 issuer x").is_err());
        assert_eq!(normalise("SRV", "10 5 5060 sip.example.com").unwrap(), "10 5 5060 sip.example.com.");
        assert!(normalise("SRV", "10 5 sip.example.com").is_err());
    }

    #[test]
    fn names_and_ttls() {
        assert_eq!(normalise_name("@", "example.com").unwrap(), "@");
        assert_eq!(normalise_name("UAT.example.com.", "example.com").unwrap(), "uat");
        assert_eq!(normalise_name("*.uat", "example.com").unwrap(), "*.uat");
        assert!(normalise_name("bad name", "example.com").is_err());
        assert_eq!(parse_ttl("300").unwrap(), 300);
        assert_eq!(parse_ttl("5m").unwrap(), 300);
        assert!(parse_ttl("30").is_err());
    }
}
