//! What the two API clients share: the retry policy and its backoff, and
//! transport errors put into words. Each client decides *which* answers are
//! worth a retry; *how* it waits is decided here, once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A client waiting before it may ask again: why, and until when.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiting {
    /// `Hetzner` or `Coolify`.
    pub api: &'static str,
    pub reason: String,
    pub until: chrono::DateTime<chrono::Utc>,
}

/// Where a client says it waits (`Some`) and that it stopped waiting (`None`).
pub type Notify = Arc<dyn Fn(&'static str, Option<Waiting>) + Send + Sync>;

/// A client's notifier, shared by its clones (and so by requests running at
/// once); silent until one is set.
#[derive(Clone, Default)]
pub struct Notifier {
    f: Arc<Mutex<Option<Notify>>>,
    /// The end of the wait said and not yet cleared.
    until: Arc<Mutex<Option<std::time::Instant>>>,
}

impl Notifier {
    pub fn set(&self, f: Notify) {
        *self.f.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
    }

    /// The client will not ask before `wait` has passed, because `reason`.
    pub fn waiting(&self, api: &'static str, reason: String, wait: Duration) {
        let until = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        *self.until.lock().unwrap_or_else(|p| p.into_inner()) = std::time::Instant::now().checked_add(wait);
        if let Some(f) = self.f.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            f(api, Some(Waiting { api, reason, until }));
        }
    }

    /// An answer came. A wait is over once its time has passed (another
    /// request answering meanwhile does not end it).
    pub fn answered(&self, api: &'static str) {
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if until.is_some_and(|u| std::time::Instant::now() >= u) {
            *until = None;
            drop(until);
            if let Some(f) = self.f.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                f(api, None);
            }
        }
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notifier")
    }
}

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

/// The largest answer either client accepts: a page of 50 servers is about
/// 100 kB; far beyond this is a broken or hostile server.
pub const MAX_BODY: usize = 64 << 20;

/// Reads an answer's body, refusing more than `cap` bytes (the error names the cap).
pub async fn read_body(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(format!("the answer is larger than the {} MB cutover accepts", cap >> 20));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| describe_reqwest(&e))? {
        if body.len() + chunk.len() > cap {
            return Err(format!("the answer is larger than the {} MB cutover accepts", cap >> 20));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
