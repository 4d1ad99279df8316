//! The Results Verification Service API (R-API): search, the shared list, detail, Statement of
//! Results lookup and downloads, for the organisation's users and API clients.

use crate::error::HttpError;
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tessera_app::bulk;
use tessera_app::verifier::{self, Verifier};

pub(super) mod api_access;
pub(super) mod api_clients;
pub(super) mod bulk_verify;
pub(super) mod detail;
pub(super) mod downloads;
pub(super) mod join;
pub(super) mod lookup;
pub(super) mod notifications;
pub(super) mod school;
pub(super) mod search;
pub(super) mod shared;
pub(super) mod templates;
pub(super) mod webhooks;

/// The caller of a verifier endpoint: an API client (R-API: `Authorization: Bearer <token>` or
/// `X-API-Key: <token>`), else a signed-in verifier user.
pub struct VerifierCaller(pub Verifier);

impl FromRequestParts<SharedState> for VerifierCaller {
    type Rejection = HttpError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, HttpError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if let Some(token) = bearer.or(key) {
            let v = verifier::api_client(state, token.trim()).await?;
            if let Some(caller) = parts.extensions.get::<crate::error::CallerLocale>() {
                caller.note(v.locale);
            }
            return Ok(Self(v));
        }
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        Ok(Self(Verifier::from_user(&user)?))
    }
}

/// A PDF download.
pub fn pdf_response(name: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// A bulk download's file; `id` (a new download's) goes in `X-Download-Id`.
pub fn file_response(id: Option<&str>, f: bulk::File) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, f.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        f.bytes,
    )
        .into_response();
    if let Some(id) = id
        && let Ok(v) = header::HeaderValue::from_str(id)
    {
        res.headers_mut().insert("x-download-id", v);
    }
    res
}

/// `approve` or `reject` in a decision's path; anything else is not an address (404).
pub(crate) fn decision(d: &str) -> Result<bool, HttpError> {
    match d {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => Err(HttpError::not_found()),
    }
}
