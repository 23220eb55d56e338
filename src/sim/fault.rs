//! Faults the simulator can inject, as a broken network or a broken server
//! would: an error status, a reset, a stall, a truncated, malformed or
//! oversized body, and pagination that never ends.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// An error answer with the service's error body.
    Status { status: u16, code: String, message: String },
    /// The connection breaks before an answer.
    Reset,
    /// No answer for this long, then the real one.
    Stall(Duration),
    /// The real answer, cut in the middle.
    Truncate,
    /// 200 with bytes that are not JSON.
    Malformed,
    /// 200 with a body larger than any client should accept (65 MB).
    Oversized,
    /// Every page says there is a next one (and later pages drop the totals).
    Runaway,
}

impl FaultKind {
    /// `reset`, `stall 5s`, `truncate`, `malformed`, `oversized`, `runaway`.
    pub fn parse(words: &[&str]) -> Result<(FaultKind, &'static str), String> {
        Ok(match words {
            ["reset", ..] => (FaultKind::Reset, "reset"),
            ["stall", d, ..] => (FaultKind::Stall(humantime::parse_duration(d).map_err(|e| format!("stall {d}: {e}"))?), "stall"),
            ["truncate", ..] => (FaultKind::Truncate, "truncate"),
            ["malformed", ..] => (FaultKind::Malformed, "malformed"),
            ["oversized", ..] => (FaultKind::Oversized, "oversized"),
            ["runaway", ..] => (FaultKind::Runaway, "runaway"),
            _ => return Err(format!("unknown fault `{}`", words.join(" "))),
        })
    }
}

/// A body that breaks at once.
pub fn broken_body() -> Body {
    broken(Bytes::new())
}

fn broken(after: Bytes) -> Body {
    let s = futures::stream::iter(vec![Ok::<Bytes, std::io::Error>(after), Err(std::io::Error::other("connection reset (simulated)"))]);
    Body::from_stream(s)
}

/// Answers `req` the broken way `kind` says; `error` builds a service error.
pub async fn answer(kind: FaultKind, req: Request, next: Next, error: impl FnOnce(u16, &str, &str) -> Response) -> Response {
    // A broken answer is marked, so contract checks tell it from the service's own.
    let wire = !matches!(kind, FaultKind::Status { .. } | FaultKind::Stall(_));
    let mut resp = match kind {
        FaultKind::Status { status, code, message } => error(status, &code, &message),
        FaultKind::Reset => Response::new(broken(Bytes::new())),
        FaultKind::Stall(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        FaultKind::Truncate => {
            let (parts, body) = next.run(req).await.into_parts();
            let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, broken(bytes.slice(..bytes.len() / 2)))
        }
        FaultKind::Malformed => {
            let mut r = Response::new(Body::from("v4.3}]]{,,nul\u{1b}[31m"));
            r.headers_mut().insert("content-type", axum::http::HeaderValue::from_static("application/json"));
            r
        }
        FaultKind::Oversized => {
            let chunk = Bytes::from(vec![b' '; 1 << 20]);
            let s = futures::stream::once(async { Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"servers\": [")) })
                .chain(futures::stream::iter((0..65).map(move |_| Ok(chunk.clone()))))
                .chain(futures::stream::once(async { Ok(Bytes::from_static(b"]}")) }));
            let mut r = Response::new(Body::from_stream(s));
            r.headers_mut().insert("content-type", axum::http::HeaderValue::from_static("application/json"));
            r
        }
        FaultKind::Runaway => {
            let page: u64 = req
                .uri()
                .query()
                .unwrap_or("")
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let (parts, body) = next.run(req).await.into_parts();
            let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
            let mut v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if let Some(p) = v.pointer_mut("/meta/pagination") {
                p["next_page"] = Value::from(page + 1);
                if page > 1 {
                    p["last_page"] = Value::Null;
                    p["total_entries"] = Value::Null;
                }
            }
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from(v.to_string()))
        }
    };
    if wire {
        resp.headers_mut().insert(FAULT_HEADER, axum::http::HeaderValue::from_static("wire"));
    }
    resp
}

/// Set on answers broken on purpose (malformed, truncated, runaway...).
pub const FAULT_HEADER: &str = "x-sim-fault";
