//! Candidate Search by Statement of Results number and date of birth.

use super::VerifierCaller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use serde::Deserialize;
use std::net::SocketAddr;
use tessera_app::verifier::{self, ResultDetail};
use utoipa::ToSchema;

/// A Candidate Search: Statement of Results number and date of birth (R-SOR-LOOKUP).
#[derive(Debug, Deserialize, ToSchema)]
pub struct LookupRequest {
    /// The Statement of Results number.
    pub sor_number: String,
    /// The candidate's date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
}

/// Candidate Search (R-SOR-LOOKUP): finds a result only when the Statement of Results number AND
/// the date of birth both match. Throttled per user, organisation and client address (429 with
/// Retry-After); every lookup is audited.
#[utoipa::path(post, path = "/v1/verifier/lookup", tag = "verifier", request_body = LookupRequest,
    responses((status = 200, body = ResultDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    VerifierCaller(v): VerifierCaller,
    Json(req): Json<LookupRequest>,
) -> AppResult<Json<ResultDetail>> {
    Ok(Json(verifier::sor_lookup(&state, &v, addr.ip(), &req.sor_number, &req.date_of_birth).await?))
}
