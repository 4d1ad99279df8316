//! `POST /api/v1/credentials/verify`.

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use std::net::SocketAddr;
use tessera_app::credentials::{Verification, verify};

/// Verifies a Statement of Results credential (the JSON body), with no account: valid, revoked,
/// tampered, unknown issuer or unreadable, with what it says when it is genuine. Rate-limited per
/// client address (429 with Retry-After).
#[utoipa::path(post, path = "/v1/credentials/verify", tag = "public",
    request_body(content = Object, description = "The credential (JSON)"),
    responses((status = 200, body = Verification), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify_credential(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(credential): Json<serde_json::Value>,
) -> AppResult<Json<Verification>> {
    let bytes = serde_json::to_vec(&credential).map_err(crate::error::HttpError::internal)?;
    Ok(Json(verify::verify_submitted(&state, addr.ip(), &bytes).await?))
}
