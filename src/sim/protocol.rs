//! What the framework answers before a handler runs (a body that is not JSON,
//! no JSON content type, a method the route does not take), said the way each
//! service says it. axum answers these in plain text or with an empty body;
//! Hetzner and Coolify answer JSON.

use axum::body::to_bytes;
use axum::http::StatusCode;
use axum::response::Response;

/// A request the framework refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No `Content-Type: application/json` on a body the route reads as JSON.
    ContentType,
    /// The body is empty.
    EmptyJson,
    /// The body is not JSON.
    InvalidJson(String),
    /// JSON of the wrong shape for the route.
    WrongShape(String),
    /// The route exists, not for this method (the methods it takes).
    Method(String),
}

/// The refusal a framework response stands for, if it is one (handlers
/// answer JSON; the framework's own answers are text or empty).
pub async fn refused(resp: Response) -> Result<Refused, Response> {
    let is_json = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("application/json"));
    let status = resp.status();
    if is_json || !matches!(status.as_u16(), 400 | 405 | 415 | 422) {
        return Err(resp);
    }
    let allow = resp.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (parts, body) = resp.into_parts();
    // The framework's texts are a line or two.
    let text = match to_bytes(body, 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => return Err(Response::from_parts(parts, axum::body::Body::empty())),
    };
    Ok(match status {
        StatusCode::METHOD_NOT_ALLOWED => Refused::Method(allow),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Refused::ContentType,
        StatusCode::UNPROCESSABLE_ENTITY => Refused::WrongShape(detail(&text)),
        _ if text.contains("EOF while parsing a value at line 1 column 0") => Refused::EmptyJson,
        _ => Refused::InvalidJson(detail(&text)),
    })
}

/// serde's part of axum's message ("expected value at line 1 column 2").
fn detail(text: &str) -> String {
    text.rsplit_once(": ").map_or(text, |(_, d)| d).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::post;
    use tower::ServiceExt;

    async fn send(body: &str, content_type: Option<&str>, method: &str) -> Result<Refused, Response> {
        let app: Router = Router::new().route("/x", post(|axum::Json(v): axum::Json<serde_json::Value>| async move { axum::Json(v) }));
        let mut req = Request::builder().method(method).uri("/x");
        if let Some(c) = content_type {
            req = req.header("content-type", c);
        }
        let resp = app.oneshot(req.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        refused(resp).await
    }

    #[tokio::test]
    async fn tells_the_refusals_apart() {
        assert_eq!(send("{}", None, "POST").await.unwrap(), Refused::ContentType);
        assert_eq!(send("", Some("application/json"), "POST").await.unwrap(), Refused::EmptyJson);
        assert!(
            matches!(send("{nope", Some("application/json"), "POST").await.unwrap(), Refused::InvalidJson(d) if d.contains("line 1 column 2"))
        );
        assert_eq!(send("{}", Some("application/json"), "GET").await.unwrap(), Refused::Method("POST".into()));
        assert!(send("{}", Some("application/json"), "POST").await.is_err(), "a handler's answer is not a refusal");
    }
}
