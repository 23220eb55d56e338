//! What the two API clients share: the retry policy and its backoff, and
//! transport errors put into words. Each client decides *which* answers are
//! worth a retry; *how* it waits is decided here, once.

use std::time::Duration;

/// How a client retries an answer it may retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// The first wait; each retry doubles it, up to `cap`.
    pub base: Duration,
    pub cap: Duration,
}

impl RetryPolicy {
    /// hcloud-go's: 5 retries, 1 s base, doubling, 60 s cap.
    pub fn hetzner() -> RetryPolicy {
        RetryPolicy { max_retries: 5, base: Duration::from_secs(1), cap: Duration::from_secs(60) }
    }

    /// The coolify CLI retries reads a few times; writes are never retried blindly.
    pub fn coolify() -> RetryPolicy {
        RetryPolicy { max_retries: 3, base: Duration::from_millis(500), cap: Duration::from_secs(60) }
    }

    /// No retries (contract tests want every answer as it came).
    pub fn none() -> RetryPolicy {
        RetryPolicy { max_retries: 0, base: Duration::ZERO, cap: Duration::ZERO }
    }

    /// The wait before retry number `attempt` (0-based): the server's
    /// `Retry-After` when it gave one (capped), else exponential backoff with
    /// full jitter, never under half the base.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(r) = retry_after {
            return r.min(self.cap);
        }
        let exp = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.cap);
        let jitter = rand::random::<f64>();
        Duration::from_secs_f64((exp.as_secs_f64() * jitter).max(self.base.as_secs_f64() / 2.0))
    }
}

/// A reqwest error in words, without the URL's query (which may hold ids).
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_decode() {
        "bad response body"
    } else {
        "request failed"
    };
    let mut msg = kind.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_with_jitter_and_respect_retry_after() {
        let p = RetryPolicy::hetzner();
        for attempt in 0..8 {
            let w = p.wait(attempt, None);
            assert!(w >= p.base / 2 && w <= p.cap, "attempt {attempt}: {w:?}");
        }
        assert_eq!(p.wait(0, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(p.wait(0, Some(Duration::from_secs(600))), p.cap, "a Retry-After is capped");
    }
}
