//! The S3 destinations Coolify sends backups to: an object store on loopback
//! that answers presigned GETs as S3 does. A request is refused unless it is
//! signed with a key the destination knows, its signature matches what the
//! secret gives, and it has not expired; a missing object is `NoSuchKey`.
//! The simulated hosts' `curl` reaches it in process, a real `curl` over HTTP.

use super::Shared;
use super::pg::Object;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Why a GET got no object.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// No destination has this host: curl cannot resolve it.
    Unreachable,
    Error {
        status: u16,
        code: &'static str,
        message: String,
    },
}

fn refuse(status: u16, code: &'static str, message: &str) -> Refusal {
    Refusal::Error { status, code, message: message.to_string() }
}

/// A presigned GET, checked and answered.
pub fn get(shared: &Shared, url: &url::Url, now: jiff::Timestamp) -> Result<Object, Refusal> {
    let w = shared.world();
    let host = url.host_str().unwrap_or("");
    let same_host = |endpoint: &str| {
        url::Url::parse(endpoint).is_ok_and(|e| e.host_str() == Some(host) && e.port_or_known_default() == url.port_or_known_default())
    };
    if !w.cf.s3.iter().any(|d| same_host(&d.endpoint)) {
        return Err(Refusal::Unreachable);
    }
    let q = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    let (Some(credential), Some(date), Some(expires), Some(signature)) =
        (q("X-Amz-Credential"), q("X-Amz-Date"), q("X-Amz-Expires"), q("X-Amz-Signature"))
    else {
        return Err(refuse(403, "AccessDenied", "Access Denied"));
    };
    // key/date/region/s3/aws4_request
    let parts: Vec<&str> = credential.split('/').collect();
    let [key, _, region, "s3", "aws4_request"] = parts[..] else {
        return Err(refuse(400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter"));
    };
    let Some(dest) = w.cf.s3.iter().find(|d| same_host(&d.endpoint) && d.key == key) else {
        return Err(refuse(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."));
    };
    let Ok(signed_at) =
        jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", &date).and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC)).map(|z| z.timestamp())
    else {
        return Err(refuse(400, "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format"));
    };
    let Some(secs) = expires.parse::<u64>().ok().filter(|s| (1..=604_800).contains(s)) else {
        return Err(refuse(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds"));
    };
    // Path style: /bucket/key.
    let path = percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy().into_owned();
    let Some((bucket, object)) = path.trim_start_matches('/').split_once('/') else {
        return Err(refuse(404, "NoSuchKey", "The specified key does not exist."));
    };
    // What the destination's secret signs for this request.
    let expected = {
        use rusty_s3::S3Action;
        let Ok(endpoint) = url::Url::parse(&dest.endpoint) else { return Err(Refusal::Unreachable) };
        let Ok(b) = rusty_s3::Bucket::new(endpoint, rusty_s3::UrlStyle::Path, bucket.to_string(), region.to_string()) else {
            return Err(Refusal::Unreachable);
        };
        let creds = rusty_s3::Credentials::new(dest.key.clone(), dest.secret.clone());
        let u = b.get_object(Some(&creds), object).sign_with_time(std::time::Duration::from_secs(secs), &signed_at);
        u.query_pairs().find(|(n, _)| n == "X-Amz-Signature").map(|(_, v)| v.into_owned()).unwrap_or_default()
    };
    if expected != signature {
        return Err(refuse(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ));
    }
    if now.as_second() > signed_at.as_second() + secs as i64 {
        return Err(refuse(403, "AccessDenied", "Request has expired"));
    }
    if bucket != dest.bucket {
        return Err(refuse(404, "NoSuchBucket", "The specified bucket does not exist"));
    }
    w.pg.objects.get(&format!("{bucket}/{object}")).cloned().ok_or_else(|| refuse(404, "NoSuchKey", "The specified key does not exist."))
}

/// The HTTP side: `GET /{bucket}/{key}` on the destination's endpoint.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(serve).with_state(shared)
}

async fn serve(State(shared): State<Arc<Shared>>, headers: HeaderMap, method: axum::http::Method, uri: Uri) -> Response {
    if method != axum::http::Method::GET {
        return xml(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let Ok(url) = url::Url::parse(&format!("http://{host}{uri}")) else {
        return xml(StatusCode::BAD_REQUEST, "InvalidURI", "Couldn't parse the specified URI.");
    };
    match get(&shared, &url, jiff::Timestamp::now()) {
        Ok(Object::Bytes(b)) => ([("content-type", "application/octet-stream")], b).into_response(),
        Ok(Object::Dump(d)) => {
            // Not a real archive: the simulated hosts' tools read these in process.
            let text = format!("PGDMP (simulated) {} tables, PostgreSQL {}\n", d.db.tables.len(), d.version);
            ([("content-type", "application/octet-stream")], text).into_response()
        }
        Err(Refusal::Unreachable) => xml(StatusCode::NOT_FOUND, "NoSuchBucket", "The specified bucket does not exist"),
        Err(Refusal::Error { status, code, message }) => xml(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN), code, &message),
    }
}

fn xml(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>");
    (status, [("content-type", "application/xml")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Sim, SimOptions};
    use rusty_s3::S3Action;

    fn signed(endpoint: &str, key: &str, secret: &str, object: &str, at: jiff::Timestamp) -> url::Url {
        let b = rusty_s3::Bucket::new(endpoint.parse().unwrap(), rusty_s3::UrlStyle::Path, "acme-backups", "fsn1").unwrap();
        let creds = rusty_s3::Credentials::new(key, secret);
        b.get_object(Some(&creds), object).sign_with_time(std::time::Duration::from_secs(900), &at)
    }

    #[tokio::test]
    async fn presigned_gets_are_checked_as_s3_checks_them() {
        let sim = Sim::start(SimOptions::default()).await.unwrap();
        let (endpoint, key, secret, object) = {
            let w = sim.shared.world();
            let d = &w.cf.s3[0];
            let object = w.pg.objects.keys().next().unwrap().split_once('/').unwrap().1.to_string();
            (d.endpoint.clone(), d.key.clone(), d.secret.clone(), object)
        };
        let now = jiff::Timestamp::now();
        let code = |r: Result<Object, Refusal>| match r {
            Ok(_) => "ok",
            Err(Refusal::Error { code, .. }) => code,
            Err(Refusal::Unreachable) => "unreachable",
        };
        assert_eq!(code(get(&sim.shared, &signed(&endpoint, &key, &secret, &object, now), now)), "ok");
        assert_eq!(code(get(&sim.shared, &signed(&endpoint, &key, "wrong", &object, now), now)), "SignatureDoesNotMatch");
        assert_eq!(code(get(&sim.shared, &signed(&endpoint, "NOPE", &secret, &object, now), now)), "InvalidAccessKeyId");
        assert_eq!(code(get(&sim.shared, &signed(&endpoint, &key, &secret, "data/nothing.dmp", now), now)), "NoSuchKey");
        let later = jiff::Timestamp::from_second(now.as_second() + 901).unwrap();
        assert_eq!(code(get(&sim.shared, &signed(&endpoint, &key, &secret, &object, now), later)), "AccessDenied", "expired");
        let mut tampered = signed(&endpoint, &key, &secret, &object, now);
        tampered.set_path(&format!("/acme-backups/{object}x"));
        assert_eq!(code(get(&sim.shared, &tampered, now)), "SignatureDoesNotMatch", "the path is signed");
        assert_eq!(code(get(&sim.shared, &signed("https://s3.example", &key, &secret, &object, now), now)), "unreachable");
        // Over HTTP, as a real curl asks: the bytes, or S3's XML error.
        let r = reqwest::get(signed(&endpoint, &key, "wrong", &object, now).as_str()).await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("<Code>SignatureDoesNotMatch</Code>"));
        let r = reqwest::get(signed(&endpoint, &key, &secret, &object, now).as_str()).await.unwrap();
        assert_eq!(r.status(), 200);
    }
}
