//! Durations written by people (`30s`, `10m`, `2h`), checked against a range
//! when the file is read, so no time arithmetic later can overflow.

use std::time::Duration;

/// The longest wait a runbook step may ask for.
pub const MAX_STEP: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest a playbook step may wait.
pub const MAX_PLAYBOOK: Duration = Duration::from_secs(24 * 3600);

/// `s` as a duration between `min` and `max`, or why not.
pub fn parse(s: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|_| format!("`{s}` is not a duration like 30s, 10m, 2h"))?;
    if d < min {
        return Err(format!("`{s}` is shorter than {}", humantime::format_duration(min)));
    }
    if d > max {
        return Err(format!("`{s}` is longer than the {} allowed", humantime::format_duration(max)));
    }
    Ok(d)
}

/// `now + d`, or the farthest time there is (never a panic).
pub fn deadline(now: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    now.checked_add(d).unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_range_only() {
        assert_eq!(parse("90s", Duration::ZERO, MAX_STEP), Ok(Duration::from_secs(90)));
        assert!(parse("3000000000000000h", Duration::ZERO, MAX_STEP).is_err());
        assert!(parse("31days", Duration::ZERO, MAX_STEP).unwrap_err().contains("longer than"));
        assert!(parse("0s", Duration::from_secs(1), MAX_STEP).unwrap_err().contains("shorter than"));
        assert!(parse("soon", Duration::ZERO, MAX_STEP).is_err());
    }
}
