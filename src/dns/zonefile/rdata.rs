//! Names, TTLs and record data read as BIND reads them, and written back in
//! one canonical text: names absolute and lower-case, numbers plain, TXT as
//! quoted strings with BIND's escapes, hex in upper case.

use super::lexer::{Token, unescape};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest TTL BIND keeps (RFC 2181); longer ones become 0.
pub(super) const MAX_TTL: u64 = 2_147_483_647;

/// `300`, `1h`, `1w2d3h4m5s` (units in any case). None when it is not a TTL
/// at all, or does not fit 32 bits (BIND then reads it as something else).
pub(super) fn ttl(s: &str) -> Option<u64> {
    if s.is_empty() || !s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u64>().ok().filter(|n| *n <= u32::MAX as u64);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mult = match c.to_ascii_lowercase() {
            'w' => 604_800,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        if num.is_empty() {
            return None;
        }
        total = total.checked_add(num.parse::<u64>().ok()?.checked_mul(mult)?)?;
        num.clear();
    }
    if !num.is_empty() {
        return None;
    }
    Some(total).filter(|n| *n <= u32::MAX as u64)
}

/// A domain name made absolute against `origin` (which ends in a dot),
/// checked (labels of 1-63 bytes, 255 in all) and lower-cased.
pub(super) fn name(raw: &str, origin: &str) -> Result<String, String> {
    if raw == "@" {
        return Ok(origin.to_string());
    }
    let absolute = ends_with_unescaped_dot(raw);
    let full = if absolute {
        raw.to_string()
    } else if origin == "." {
        format!("{raw}.")
    } else {
        format!("{raw}.{origin}")
    };
    if full == "." {
        return Ok(full);
    }
    let mut wire = 1usize;
    let mut out = String::new();
    for label in split_labels(&full[..full.len() - 1]) {
        let bytes = unescape(label)?;
        if bytes.is_empty() {
            return Err(format!("empty label in `{raw}`"));
        }
        if bytes.len() > 63 {
            return Err("label too long".into());
        }
        wire += 1 + bytes.len();
        for b in bytes {
            present_name_byte(b.to_ascii_lowercase(), &mut out);
        }
        out.push('.');
    }
    if wire > 255 {
        return Err("name too long".into());
    }
    Ok(out)
}

fn ends_with_unescaped_dot(s: &str) -> bool {
    let b = s.as_bytes();
    if b.last() != Some(&b'.') {
        return false;
    }
    // Count the backslashes before the dot: an odd number escapes it.
    let mut n = 0;
    let mut i = b.len() - 1;
    while i > 0 && b[i - 1] == b'\\' {
        n += 1;
        i -= 1;
    }
    n % 2 == 0
}

fn split_labels(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'.' => {
                out.push(&s[start..i]);
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push(&s[start.min(s.len())..]);
    out
}

fn present_name_byte(b: u8, out: &mut String) {
    match b {
        b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
            out.push('\\');
            out.push(b as char);
        }
        0x21..=0x7e => out.push(b as char),
        _ => out.push_str(&format!("\\{b:03}")),
    }
}

/// A character-string as BIND prints it.
pub(super) fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('"');
    out
}

fn number<T: TryFrom<u64>>(t: &Token) -> Result<T, String> {
    if t.text.is_empty() || !t.text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("near '{}': not a valid number", t.text));
    }
    let n: u64 = t.text.parse().map_err(|_| format!("near '{}': out of range", t.text))?;
    T::try_from(n).map_err(|_| format!("near '{}': out of range", t.text))
}

/// SOA timers accept TTL units.
fn timer(t: &Token) -> Result<u32, String> {
    ttl(&t.text).map(|n| n as u32).ok_or_else(|| format!("near '{}': not a valid number", t.text))
}

fn hex(tokens: &[Token]) -> Result<String, String> {
    let s: String = tokens.iter().map(|t| t.text.as_str()).collect();
    if s.is_empty() || !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("near '{s}': bad hex encoding"));
    }
    Ok(s.to_ascii_uppercase())
}

/// Record types Hetzner's DNS accepts (and cutover reads).
pub(crate) const TYPES: &[&str] =
    &["A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP", "SOA", "SRV", "SVCB", "TLSA", "TXT"];

/// Types BIND knows that Hetzner does not take: a clear refusal, not "unknown".
const OTHER_KNOWN: &[&str] = &[
    "SSHFP",
    "AFSDB",
    "APL",
    "CDNSKEY",
    "CDS",
    "CERT",
    "DHCID",
    "DLV",
    "DNAME",
    "DNSKEY",
    "EUI48",
    "EUI64",
    "IPSECKEY",
    "KEY",
    "KX",
    "LOC",
    "NAPTR",
    "NSEC",
    "NSEC3",
    "NSEC3PARAM",
    "OPENPGPKEY",
    "RRSIG",
    "SIG",
    "SMIMEA",
    "SPF",
    "TKEY",
    "TSIG",
    "URI",
    "ZONEMD",
    "WKS",
    "X25",
    "ISDN",
    "MB",
    "MG",
    "MINFO",
    "MR",
    "NULL",
    "NXT",
    "GPOS",
    "A6",
    "AVC",
    "CSYNC",
    "L32",
    "L64",
    "LP",
    "NID",
    "RESINFO",
];

pub(super) fn is_type(s: &str) -> bool {
    let u = s.to_ascii_uppercase();
    // `TYPE65534` is RFC 3597's name for any type.
    let generic = u.strip_prefix("TYPE").is_some_and(|n| !n.is_empty() && n.parse::<u16>().is_ok());
    TYPES.contains(&u.as_str()) || OTHER_KNOWN.contains(&u.as_str()) || generic
}

/// The canonical text of `rtype`'s data.
pub(super) fn parse(rtype: &str, t: &[Token], origin: &str) -> Result<String, String> {
    if !TYPES.contains(&rtype) {
        return Err(format!("type {rtype} is not one Hetzner DNS accepts"));
    }
    // Fields are read in order, as BIND reads them: the first bad one is the error.
    let mut c = Cursor { t, i: 0 };
    let nm = |tok: &Token| name(&tok.text, origin).map_err(|e| format!("near '{}': {e}", tok.text));
    let value = match rtype {
        "A" => {
            let a = c.next()?;
            let a: Ipv4Addr = a.text.parse().map_err(|_| format!("near '{}': bad dotted quad", a.text))?;
            a.to_string()
        }
        "AAAA" => {
            let a = c.next()?;
            let a: Ipv6Addr = a.text.parse().map_err(|_| format!("near '{}': bad IPv6 address", a.text))?;
            a.to_string()
        }
        "NS" | "CNAME" | "PTR" => nm(c.next()?)?,
        "MX" => {
            let p = number::<u16>(c.next()?)?;
            format!("{p} {}", nm(c.next()?)?)
        }
        "SRV" => {
            let (p, w, port) = (number::<u16>(c.next()?)?, number::<u16>(c.next()?)?, number::<u16>(c.next()?)?);
            format!("{p} {w} {port} {}", nm(c.next()?)?)
        }
        "SOA" => {
            let (m, r) = (nm(c.next()?)?, nm(c.next()?)?);
            let serial = number::<u32>(c.next()?)?;
            let (a, b, d, e) = (timer(c.next()?)?, timer(c.next()?)?, timer(c.next()?)?, timer(c.next()?)?);
            format!("{m} {r} {serial} {a} {b} {d} {e}")
        }
        "TXT" => {
            let mut parts = vec![string(c.next()?)?];
            while let Some(tok) = c.more() {
                parts.push(string(tok)?);
            }
            parts.join(" ")
        }
        "HINFO" => {
            let a = string(c.next()?)?;
            format!("{a} {}", string(c.next()?)?)
        }
        "RP" => {
            let a = nm(c.next()?)?;
            format!("{a} {}", nm(c.next()?)?)
        }
        "CAA" => {
            let flags = number::<u8>(c.next()?)?;
            let tag = c.next()?;
            if tag.text.is_empty() || !tag.text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("near '{}': bad CAA tag", tag.text));
            }
            let v = c.next()?;
            format!("{flags} {} {}", tag.text, quoted(&unescape(&v.text)?))
        }
        "DS" | "TLSA" => {
            let a = if rtype == "DS" { number::<u16>(c.next()?)? as u32 } else { number::<u8>(c.next()?)? as u32 };
            let (b, d) = (number::<u8>(c.next()?)?, number::<u8>(c.next()?)?);
            format!("{a} {b} {d} {}", hex(c.rest_nonempty()?)?)
        }
        "HTTPS" | "SVCB" => return svcb(t, origin),
        other => return Err(format!("type {other} is not one Hetzner DNS accepts")),
    };
    c.end()?;
    Ok(value)
}

struct Cursor<'a> {
    t: &'a [Token],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Result<&'a Token, String> {
        let tok = self.t.get(self.i).ok_or_else(|| "unexpected end of input".to_string())?;
        self.i += 1;
        Ok(tok)
    }

    fn more(&mut self) -> Option<&'a Token> {
        let tok = self.t.get(self.i)?;
        self.i += 1;
        Some(tok)
    }

    fn rest_nonempty(&mut self) -> Result<&'a [Token], String> {
        let r = &self.t[self.i.min(self.t.len())..];
        if r.is_empty() {
            return Err("unexpected end of input".into());
        }
        self.i = self.t.len();
        Ok(r)
    }

    fn end(&self) -> Result<(), String> {
        match self.t.get(self.i) {
            Some(extra) => Err(format!("near '{}': extra input text", extra.text)),
            None => Ok(()),
        }
    }
}

/// A character-string of at most 255 bytes, in BIND's presentation.
fn string(tok: &Token) -> Result<String, String> {
    let b = unescape(&tok.text)?;
    if b.len() > 255 {
        return Err(format!("near '{}…': a string over 255 bytes (syntax error)", tok.text.chars().take(20).collect::<String>()));
    }
    Ok(quoted(&b))
}

/// SVCB/HTTPS: priority, target, parameters sorted by key as BIND prints them.
fn svcb(t: &[Token], origin: &str) -> Result<String, String> {
    if t.len() < 2 {
        return Err("unexpected end of input".into());
    }
    let prio = number::<u16>(&t[0])?;
    let target = if t[1].text == "." { ".".to_string() } else { name(&t[1].text, origin)? };
    // `alpn="h3,h2"` arrives as `alpn=` and a quoted token: join them.
    let mut raw: Vec<String> = Vec::new();
    let mut i = 2;
    while i < t.len() {
        let mut p = t[i].text.clone();
        if p.ends_with('=') && i + 1 < t.len() && t[i + 1].quoted {
            p.push_str(&t[i + 1].text);
            i += 1;
        }
        raw.push(p);
        i += 1;
    }
    let mut params: Vec<(u32, String)> = Vec::new();
    for p in raw {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), Some(v.to_string())),
            None => (p.to_ascii_lowercase(), None),
        };
        let (num, text) = match (k.as_str(), v) {
            ("mandatory", Some(v)) => (0, format!("mandatory={v}")),
            ("alpn", Some(v)) => (1, format!("alpn=\"{v}\"")),
            ("no-default-alpn", None) => (2, "no-default-alpn".to_string()),
            ("port", Some(v)) => {
                let n: u16 = v.parse().map_err(|_| format!("near '{v}': bad port"))?;
                (3, format!("port={n}"))
            }
            ("ipv4hint", Some(v)) => {
                let a: Result<Vec<Ipv4Addr>, _> = v.split(',').map(str::parse).collect();
                let a = a.map_err(|_| format!("near '{v}': bad dotted quad"))?;
                (4, format!("ipv4hint={}", a.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")))
            }
            ("ech", Some(v)) => (5, format!("ech=\"{v}\"")),
            ("ipv6hint", Some(v)) => {
                let a: Result<Vec<Ipv6Addr>, _> = v.split(',').map(str::parse).collect();
                let a = a.map_err(|_| format!("near '{v}': bad IPv6 address"))?;
                (6, format!("ipv6hint={}", a.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")))
            }
            (k, v) if k.starts_with("key") && k[3..].parse::<u16>().is_ok() => {
                let n: u32 = k[3..].parse().unwrap_or(0);
                (n, v.map(|v| format!("{k}=\"{v}\"")).unwrap_or_else(|| k.to_string()))
            }
            (k, _) => return Err(format!("near '{k}': bad SVCB parameter")),
        };
        if params.iter().any(|(n, _)| *n == num) {
            return Err(format!("near '{k}': duplicate SVCB parameter"));
        }
        params.push((num, text));
    }
    params.sort_by_key(|(n, _)| *n);
    let mut out = format!("{prio} {target}");
    for (_, p) in params {
        out.push(' ');
        out.push_str(&p);
    }
    Ok(out)
}

/// The names this data points at (for the zone checks: CNAME targets, NS glue).
pub(super) fn target(rtype: &str, value: &str) -> Option<String> {
    let w: Vec<&str> = value.split(' ').collect();
    match rtype {
        "NS" | "CNAME" | "PTR" => w.first().map(|s| s.to_string()),
        "MX" => w.get(1).map(|s| s.to_string()),
        "SRV" => w.get(3).map(|s| s.to_string()),
        _ => None,
    }
}

/// TXT data as one string: `"a" "b"` and `"ab"` are the same text.
pub(super) fn txt_joined(value: &str) -> String {
    let mut out = String::from("\"");
    let mut in_q = false;
    let mut esc = false;
    for c in value.chars() {
        if esc {
            out.push(c);
            esc = false;
            continue;
        }
        match c {
            '\\' if in_q => {
                out.push(c);
                esc = true;
            }
            '"' => in_q = !in_q,
            c if in_q => out.push(c),
            _ => {}
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Token {
        Token { text: s.into(), quoted: false, line: 1, col: 1 }
    }

    #[test]
    fn names_ttls_and_data() {
        assert_eq!(name("API", "djangoshop.example.").unwrap(), "api.djangoshop.example.");
        assert_eq!(name("API.DJANGOSHOP.EXAMPLE.", "x.").unwrap(), "api.djangoshop.example.");
        assert_eq!(name("djangoshop.example", ".").unwrap(), "djangoshop.example.");
        assert_eq!(name(&"a".repeat(64), "x.").unwrap_err(), "label too long");
        assert_eq!(ttl("1h30m"), Some(5400));
        assert_eq!(ttl("1w2d3h4m5s"), Some(604_800 + 172_800 + 10_800 + 245));
        assert_eq!(ttl("4294967296"), None);
        assert_eq!(ttl("h"), None);
        assert_eq!(parse("MX", &[tok("10"), tok("mail")], "ex.test.").unwrap(), "10 mail.ex.test.");
        assert!(parse("MX", &[tok("mail")], "ex.test.").unwrap_err().contains("not a valid number"));
        assert!(parse("A", &[tok("2001:db8::1")], "ex.test.").unwrap_err().contains("bad dotted quad"));
        assert!(parse("CAA", &[tok("256"), tok("issue"), tok("x")], "ex.test.").unwrap_err().contains("out of range"));
        assert_eq!(parse("AAAA", &[tok("2001:DB8:0:0::1")], "x.").unwrap(), "2001:db8::1");
        assert_eq!(parse("TXT", &[tok("v=spf1\\;redirect")], "x.").unwrap(), "\"v=spf1;redirect\"");
        assert_eq!(txt_joined("\"a\" \"b\\\"c\""), "\"ab\\\"c\"");
    }
}
