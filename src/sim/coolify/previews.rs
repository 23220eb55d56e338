//! Preview deployments of an application (one per pull request): read one
//! (`GET .../previews/{pull_request_id}`, Coolify v4.3's route, documented
//! outside the published document) and delete one (queued, as Coolify does).

use super::{S, message};
use crate::sim::json_response;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

fn pr_of(raw: &str) -> Result<i64, Response> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": "Validation failed.", "errors": {"pull_request_id": ["The pull request id field must be an integer."]}}),
        )
    })
}

pub(super) async fn get(State(s): S, Path((uuid, pr)): Path<(String, String)>) -> Response {
    let pr = match pr_of(&pr) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let w = s.world();
    let Some(a) = w.cf.apps.iter().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let Some(p) = a.previews.iter().find(|p| p.pr == pr) else { return message(StatusCode::NOT_FOUND, "Preview not found.") };
    json_response(
        StatusCode::OK,
        &json!({
            "uuid": p.uuid, "application_id": a.id, "pull_request_id": p.pr, "status": p.status, "fqdn": p.fqdn,
            "pull_request_html_url": format!("https://github.com/{}/pull/{}", a.repo, p.pr), "pull_request_issue_comment_id": null,
            "docker_compose_domains": null, "created_at": p.created_at, "updated_at": p.created_at,
        }),
    )
}

pub(super) async fn delete(State(s): S, Path((uuid, pr)): Path<(String, String)>) -> Response {
    if let Err(r) = super::need(&s, "write") {
        return r;
    }
    let pr = match pr_of(&pr) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let mut w = s.world();
    let Some(a) = w.cf.apps.iter_mut().find(|a| a.uuid == uuid) else { return message(StatusCode::NOT_FOUND, "Application not found.") };
    let before = a.previews.len();
    a.previews.retain(|p| p.pr != pr);
    if a.previews.len() == before {
        return message(StatusCode::NOT_FOUND, "Preview not found.");
    }
    json_response(StatusCode::OK, &json!({"message": "Preview deletion queued."}))
}
