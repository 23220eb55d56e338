//! Errors of the Hetzner Cloud API, decoded from `{"error":{"code","message","details"}}`.

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The API answered with an error body.
    Api(Box<ApiError>),
    /// No usable answer: connection refused, timeout, TLS.
    Transport(String),
    /// The answer did not have the expected shape.
    Decode(String),
    /// No token is configured for the context.
    NoToken(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Option<serde_json::Value>,
    /// `X-Correlation-Id`, to quote in a support ticket.
    pub correlation_id: Option<String>,
    /// For `rate_limit_exceeded`: when the quota is full again (UNIX time).
    pub reset: Option<i64>,
}

impl ApiError {
    /// `invalid_input` details as `field: message` pairs.
    pub fn field_messages(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(fields) = self.details.as_ref().and_then(|d| d.get("fields")).and_then(|f| f.as_array()) {
            for f in fields {
                let name = f.get("name").and_then(|n| n.as_str()).unwrap_or("?").to_string();
                match f.get("messages").and_then(|m| m.as_array()) {
                    Some(ms) if !ms.is_empty() => {
                        for m in ms {
                            out.push((name.clone(), m.as_str().unwrap_or("").to_string()));
                        }
                    }
                    _ => out.push((name, String::new())),
                }
            }
        }
        out
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.code.as_str(), "conflict" | "rate_limit_exceeded" | "bad_gateway" | "timeout") || matches!(self.status, 502 | 504)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        let fields = self.field_messages();
        if !fields.is_empty() {
            let parts: Vec<String> = fields.iter().map(|(n, m)| if m.is_empty() { n.clone() } else { format!("{n}: {m}") }).collect();
            write!(f, " [{}]", parts.join("; "))?;
        }
        if let Some(reset) = self.reset {
            let when = chrono::DateTime::from_timestamp(reset, 0)
                .map(|t| t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string())
                .unwrap_or_else(|| reset.to_string());
            write!(f, " (quota refills until {when})")?;
        }
        write!(f, " (HTTP {}", self.status)?;
        if let Some(id) = &self.correlation_id {
            write!(f, ", correlation id {id}")?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => write!(f, "Hetzner API error {e}"),
            Error::Transport(m) => write!(f, "Hetzner API unreachable: {m}"),
            Error::Decode(m) => write!(f, "Hetzner API answer not understood: {m}"),
            Error::NoToken(ctx) => write!(f, "no Hetzner token for context `{ctx}` (set HCLOUD_TOKEN, or a token/token_command)"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.code),
            _ => None,
        }
    }
}
