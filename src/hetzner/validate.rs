//! Checks the Hetzner API applies, done before sending so bad input gets an
//! inline error and sends nothing.

/// A host name as Hetzner takes it for server names and reverse DNS: labels of
/// letters, digits and `-` (not at either end), dots between, at most 253.
pub fn hostname(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// A zone name: a lower-case host name of two labels or more.
pub fn zone_name(n: &str) -> bool {
    hostname(n) && n.contains('.') && !n.bytes().any(|c| c.is_ascii_uppercase())
}

/// A CIDR without host bits, as the API has required since 2025-12.
pub fn check_cidr(c: &str) -> Result<(), String> {
    let (addr, len) = c.split_once('/').ok_or_else(|| format!("{c} is not a CIDR (address/length)"))?;
    let len: u32 = len.parse().map_err(|_| format!("{c}: bad prefix length"))?;
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) if len <= 32 => {
            let bits = u32::from(a);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            if bits & !mask != 0 { Err(format!("{c} has host bits set")) } else { Ok(()) }
        }
        Ok(std::net::IpAddr::V6(a)) if len <= 128 => {
            let bits = u128::from(a);
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            if bits & !mask != 0 { Err(format!("{c} has host bits set")) } else { Ok(()) }
        }
        _ => Err(format!("{c} is not a valid network")),
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn host_and_zone_names() {
        for ok in ["web-1", "mail.example.com", "a", "x1.y2"] {
            assert!(hostname(ok), "{ok}");
        }
        for bad in ["", "-web", "web-", "web_1", "a..b", "spaced name", &"a".repeat(64)] {
            assert!(!hostname(bad), "{bad}");
        }
        assert!(zone_name("example.org") && zone_name("new-site.example"));
        assert!(!zone_name("example") && !zone_name("Example.org") && !zone_name("ex ample.org"));
    }
}
