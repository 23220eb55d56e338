//! Checks the Hetzner API applies, done before sending so bad input gets an
//! inline error and sends nothing.

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
