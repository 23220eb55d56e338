//! The one HTTP layer for the Coolify API: bearer auth, JSON in and out, error
//! bodies (`{"message", "errors"}`) decoded, 429 and 5xx retried with backoff.

use crate::api::{RetryPolicy, describe_reqwest};
use crate::config::Secret;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The API answered with an error.
    Api {
        status: u16,
        message: String,
        errors: Option<Value>,
    },
    Transport(String),
    Decode(String),
    NoToken(String),
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The message in words a user can act on, for the cases the notes list.
    pub fn explain(&self) -> Option<&'static str> {
        let Error::Api { status, message, .. } = self else { return None };
        match (*status, message.as_str()) {
            (403, "API is disabled.") => Some("the Coolify API is switched off: Settings > Configuration > Advanced > API access"),
            (403, "You are not allowed to access the API.") => {
                Some("this machine's IP is not in Coolify's allowed IPs (Settings > Advanced)")
            }
            (401, _) => Some("the token is wrong, expired, or its user left the team"),
            (400, "Invalid token.") => Some("the token's team cannot be found"),
            (403, m) if m.starts_with("Missing required permissions: read:sensitive") => {
                Some("give the token read:sensitive (Keys & Tokens) to see deployment logs and secret values")
            }
            (403, m) if m.starts_with("Missing required permissions: deploy") => {
                Some("give the token the deploy permission (Keys & Tokens) to deploy, start, stop or cancel")
            }
            (403, m) if m.starts_with("Missing required permissions: write") => {
                Some("give the token the write permission (Keys & Tokens) to change settings")
            }
            (405, _) => Some("this Coolify wants POST here (4.2+); cutover always POSTs, so this is a bug worth reporting"),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, message, errors } => {
                write!(f, "Coolify API error {status}: {message}")?;
                if let Some(Value::Object(m)) = errors {
                    let parts: Vec<String> = m
                        .iter()
                        .map(|(k, v)| {
                            let msg = match v {
                                Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" "),
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            format!("{k}: {msg}")
                        })
                        .collect();
                    write!(f, " [{}]", parts.join("; "))?;
                }
                if let Some(e) = self.explain() {
                    write!(f, " ({e})")?;
                }
                Ok(())
            }
            Error::Transport(m) => write!(f, "Coolify API unreachable: {m}"),
            Error::Decode(m) => write!(f, "Coolify API answer not understood: {m}"),
            Error::NoToken(n) => write!(f, "no Coolify token for instance `{n}`"),
        }
    }
}

impl std::error::Error for Error {}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Secret,
    pub retry: RetryPolicy,
    /// The largest answer accepted.
    pub max_body: usize,
    /// Says when the client waits (a 429, a retry), for the console.
    pub notify: crate::api::Notifier,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("coolify::Client").field("base", &self.base).finish_non_exhaustive()
    }
}

impl Client {
    /// `url` is the instance's address without `/api/v1` (as in coolify's config.json).
    pub fn new(url: &str, token: Secret) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("cutover/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(Client {
            http,
            base: format!("{}/api/v1", url.trim_end_matches('/')),
            token,
            retry: RetryPolicy::coolify(),
            max_body: crate::api::MAX_BODY,
            notify: Default::default(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request returning the raw body text (for the plain-text `/version`).
    pub async fn request_text(&self, method: Method, path: &str, query: &[(&str, String)], body: Option<&Value>) -> Result<String, Error> {
        let mut attempt = 0;
        loop {
            let mut req = self
                .http
                .request(method.clone(), format!("{}{}", self.base, path))
                .bearer_auth(self.token.expose())
                .header("accept", "application/json")
                .query(query);
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.map_err(|e| Error::Transport(describe_reqwest(&e)))?;
            let status = resp.status();
            let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            let body = crate::api::read_body(resp, self.max_body).await.map_err(Error::Transport)?;
            let text = String::from_utf8_lossy(&body).into_owned();
            if status.is_success() {
                self.notify.answered("Coolify");
                return Ok(text);
            }
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            // State changes are not retried blindly: a POST may have been applied.
            if retryable && attempt < self.retry.max_retries && method == Method::GET {
                let wait = self.retry.wait(attempt, retry_after.map(Duration::from_secs));
                let why = if status == StatusCode::TOO_MANY_REQUESTS {
                    "rate limited (HTTP 429)".to_string()
                } else {
                    format!("HTTP {}", status.as_u16())
                };
                self.notify.waiting("Coolify", format!("{why}: retry {} of {}", attempt + 1, self.retry.max_retries), wait);
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            self.notify.answered("Coolify");
            let parsed: Option<Value> = serde_json::from_str(&text).ok();
            let message = parsed
                .as_ref()
                .and_then(|v| v.get("message"))
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| text.chars().take(200).collect::<String>().trim().to_string());
            let errors = parsed.as_ref().and_then(|v| v.get("errors")).cloned();
            return Err(Error::Api { status: status.as_u16(), message, errors });
        }
    }

    pub async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, Error> {
        let text = self.request_text(method.clone(), path, query, body).await?;
        serde_json::from_str(&text).map_err(|e| Error::Decode(format!("{method} {path}: {e}")))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.request(Method::GET, path, &[], None).await
    }
}
