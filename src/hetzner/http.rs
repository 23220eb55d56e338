//! The one HTTP layer every Hetzner call goes through: bearer auth, pagination,
//! `RateLimit-*` headers, error decoding, retries with backoff for the codes the
//! official client retries (policy in [`crate::api`]), timeouts and correlation ids.

use super::error::{ApiError, Error};
use crate::api::{RetryPolicy, describe_reqwest};
use crate::config::Secret;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub remaining: u32,
    /// UNIX time when the quota is full again.
    pub reset: i64,
}

#[derive(Clone, Debug, Default, serde::Deserialize, PartialEq, Eq)]
pub struct Pagination {
    pub page: u64,
    pub per_page: u64,
    pub previous_page: Option<u64>,
    pub next_page: Option<u64>,
    pub last_page: Option<u64>,
    pub total_entries: Option<u64>,
}

/// After a 429, every request of this client waits its turn, one per refill
/// interval (3600 s / limit), until the quota has headroom again.
#[derive(Debug, Default)]
struct Pace {
    active: bool,
    next: Option<tokio::time::Instant>,
    interval: Duration,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Secret,
    rate: Arc<Mutex<Option<RateLimit>>>,
    pace: Arc<Mutex<Pace>>,
    pub retry: RetryPolicy,
    /// The largest answer accepted.
    pub max_body: usize,
    /// Says when the client waits (a 429, a retry), for the console.
    pub notify: crate::api::Notifier,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("hetzner::Client").field("base", &self.base).finish_non_exhaustive()
    }
}

pub const PER_PAGE: u32 = 50;

/// No list is walked further than this many pages, announced or not.
pub const MAX_PAGES: u64 = 1000;
/// Pages of a list asked at once once the first names the last.
pub const PAGES_AT_ONCE: usize = 16;
/// Requests left in the hourly quota beyond a list's pages before they are
/// asked at once (the console's other work needs some).
pub const QUOTA_RESERVE: u64 = 50;

impl Client {
    pub fn new(endpoint: &str, token: Secret) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("cutover/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(Client {
            http,
            base: endpoint.trim_end_matches('/').to_string(),
            token,
            rate: Arc::default(),
            pace: Arc::default(),
            retry: RetryPolicy::hetzner(),
            max_body: crate::api::MAX_BODY,
            notify: crate::api::Notifier::default(),
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// The latest `RateLimit-*` headers seen.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *self.rate.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One request, retried with backoff for retryable errors. `path` starts with `/`.
    pub async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, Error> {
        let mut attempt = 0;
        loop {
            match self.request_once(method.clone(), path, query, body).await {
                Ok(v) => {
                    self.notify.answered("Hetzner");
                    return serde_json::from_value(v).map_err(|e| Error::Decode(format!("{method} {path}: {e}")));
                }
                Err(Error::Api(e)) if e.code == "rate_limit_exceeded" && attempt < self.retry.max_retries => {
                    // The pace set by the 429 decides when the retry goes out.
                    attempt += 1;
                }
                Err(Error::Api(e)) if e.is_retryable() && attempt < self.retry.max_retries => {
                    let wait = self.retry.wait(attempt, None);
                    let reason = format!("{} (HTTP {}): retry {} of {}", e.code, e.status, attempt + 1, self.retry.max_retries);
                    self.notify.waiting("Hetzner", reason, wait);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => {
                    self.notify.answered("Hetzner");
                    return Err(e);
                }
            }
        }
    }

    /// When this request may go out (now, unless the client is pacing after a 429).
    fn reserve(&self) -> Option<tokio::time::Instant> {
        let mut p = self.pace.lock().unwrap_or_else(|p| p.into_inner());
        if !p.active {
            return None;
        }
        let now = tokio::time::Instant::now();
        let at = p.next.map_or(now, |n| n.max(now));
        p.next = Some(at + p.interval);
        Some(at)
    }

    fn note_limit(&self, limited: bool) {
        let r = self.rate_limit();
        let mut p = self.pace.lock().unwrap_or_else(|p| p.into_inner());
        // An empty quota paces the next requests before they earn a 429.
        let limited = limited || r.is_some_and(|r| r.remaining == 0);
        if limited {
            let per = Duration::from_secs_f64(3600.0 / r.map(|r| r.limit).unwrap_or(3600).max(1) as f64);
            let now = tokio::time::Instant::now();
            p.active = true;
            p.interval = per;
            p.next = Some(p.next.map_or(now + per, |n| n.max(now + per)));
        } else if p.active && r.is_some_and(|r| r.remaining > r.limit / 20) {
            *p = Pace::default();
        }
    }

    async fn request_once(&self, method: Method, path: &str, query: &[(&str, String)], body: Option<&Value>) -> Result<Value, Error> {
        if let Some(at) = self.reserve() {
            let wait = at.saturating_duration_since(tokio::time::Instant::now());
            if wait > Duration::from_millis(500) {
                let quota = self.rate_limit().map(|r| format!("{} of {} requests an hour left", r.remaining, r.limit)).unwrap_or_default();
                self.notify.waiting("Hetzner", format!("rate limited ({quota}): one request per refill"), wait);
            }
            tokio::time::sleep_until(at).await;
        }
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method, &url).bearer_auth(self.token.expose()).query(query);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| Error::Transport(describe_reqwest(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let header_num = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i64>().ok());
        if let (Some(limit), Some(remaining), Some(reset)) =
            (header_num("ratelimit-limit"), header_num("ratelimit-remaining"), header_num("ratelimit-reset"))
        {
            *self.rate.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(RateLimit { limit: limit as u32, remaining: remaining as u32, reset });
        }
        let correlation_id = headers.get("x-correlation-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        self.note_limit(status == StatusCode::TOO_MANY_REQUESTS);
        let bytes = crate::api::read_body(resp, self.max_body).await.map_err(Error::Transport)?;
        if status.is_success() {
            if bytes.is_empty() || status == StatusCode::NO_CONTENT {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes).map_err(|e| Error::Decode(format!("{url}: {e}")));
        }
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        let err = parsed.as_ref().and_then(|v| v.get("error"));
        let text = |k: &str| err.and_then(|e| e.get(k)).and_then(|v| v.as_str()).map(str::to_string);
        let code = text("code").unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase().replace(' ', "_"));
        let message = text("message").unwrap_or_else(|| String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).trim().to_string());
        Err(Error::Api(Box::new(ApiError {
            status: status.as_u16(),
            reset: if status == StatusCode::TOO_MANY_REQUESTS { header_num("ratelimit-reset") } else { None },
            code,
            message,
            details: err.and_then(|e| e.get("details")).cloned().filter(|d| !d.is_null()),
            correlation_id,
        })))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T, Error> {
        self.request(Method::GET, path, query, None).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, Error> {
        self.request(Method::POST, path, &[], Some(body)).await
    }

    /// One page of a list endpoint: its items and its pagination.
    async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, String)],
        per_page: u32,
        page: u64,
    ) -> Result<(Vec<T>, Pagination), Error> {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("page", page.to_string()));
        q.push(("per_page", per_page.to_string()));
        let mut v: Value = self.get(path, &q).await?;
        let meta: Pagination = v
            .pointer("/meta/pagination")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| Error::Decode(format!("{path}: pagination: {e}")))?
            .ok_or_else(|| Error::Decode(format!("{path}: no meta.pagination")))?;
        let items = v.get_mut(key).map(Value::take).ok_or_else(|| Error::Decode(format!("{path}: no `{key}` in answer")))?;
        let items: Vec<T> = serde_json::from_value(items).map_err(|e| Error::Decode(format!("{path}: {e}")))?;
        Ok((items, meta))
    }

    /// Walks every page of a list endpoint, handing each page to `on_page` in
    /// order as it arrives (so a long list fills in while it loads). When the
    /// first answer names the last page, the rest are asked [`PAGES_AT_ONCE`]
    /// at a time (one at a time when the hourly quota could not pay for them
    /// all); otherwise one after another. It stops at the last page, at the
    /// announced total, or at an empty page, and never fetches more pages than
    /// the first answer announced (a server that keeps saying "next" would
    /// otherwise spend the whole quota).
    pub async fn list_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, String)],
        per_page: u32,
        mut on_page: impl FnMut(Vec<T>, &Pagination),
    ) -> Result<(), Error> {
        let (items, meta) = self.page::<T>(path, key, query, per_page, 1).await?;
        let by_total = meta.total_entries.map(|t| t.div_ceil(u64::from(per_page.max(1))).max(1));
        let last = meta.last_page.or(by_total).unwrap_or(MAX_PAGES).min(MAX_PAGES);
        let mut seen = items.len() as u64;
        let empty = items.is_empty();
        on_page(items, &meta);
        let finished = |page: u64, empty: bool, seen: u64, meta: &Pagination| {
            empty
                || meta.last_page.is_some_and(|l| page >= l)
                || meta.total_entries.is_some_and(|t| seen >= t)
                || !matches!(meta.next_page, Some(n) if n > page)
        };
        if finished(1, empty, seen, &meta) {
            return Ok(());
        }
        if let Some(l) = meta.last_page.filter(|l| *l > 1) {
            let last = l.min(MAX_PAGES);
            let left = last - 1;
            let width = match self.rate_limit() {
                Some(r) if u64::from(r.remaining) < left + QUOTA_RESERVE => 1,
                _ => PAGES_AT_ONCE,
            };
            let mut pages = futures::stream::iter(2..=last).map(|p| self.page::<T>(path, key, query, per_page, p)).buffered(width);
            while let Some(r) = pages.next().await {
                let (items, meta) = r?;
                let more = meta.page >= last && matches!(meta.next_page, Some(n) if n > last);
                on_page(items, &meta);
                if more {
                    // The last page offers another: not asked for.
                    return Err(Error::Decode(format!("{path}: the API announced {last} page(s) and kept going: stopped there")));
                }
            }
            return Ok(());
        }
        let mut page = 1u64;
        loop {
            if page >= last {
                return Err(Error::Decode(format!("{path}: the API announced {last} page(s) and kept going: stopped there")));
            }
            page += 1;
            let (items, meta) = self.page::<T>(path, key, query, per_page, page).await?;
            seen += items.len() as u64;
            let empty = items.is_empty();
            on_page(items, &meta);
            if finished(page, empty, seen, &meta) {
                return Ok(());
            }
        }
    }

    /// Every item of a list endpoint.
    pub async fn list_all<T: DeserializeOwned>(&self, path: &str, key: &str, query: &[(&str, String)]) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        self.list_pages(path, key, query, PER_PAGE, |items, _| all.extend(items)).await?;
        Ok(all)
    }
}
