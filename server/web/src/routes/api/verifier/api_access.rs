//! API access (R-API): the organisation's request, the installation admin's decision, renewal.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::api_clients::{self, ApiClientView};
use tessera_app::verifier::{self, ApiAccessView};
use utoipa::ToSchema;

/// The organisation's API access: `none`, `pending`, `approved` or `rejected` (primary user).
#[utoipa::path(get, path = "/v1/verifier/api-access", tag = "verifier",
    responses((status = 200, body = ApiAccessView), (status = 404, body = ErrorBody)))]
pub async fn access(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<ApiAccessView>> {
    Ok(Json(verifier::api_access(&state, &user).await?))
}

/// A request for API access.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccessRequestBody {
    /// What the organisation needs the API for (1 to 500 characters).
    pub purpose: String,
}

/// Asks for API access (R-API); the installation admin approves or refuses and the primary user
/// is emailed either way. Asking again while pending or approved is 409 `api_access_requested`.
#[utoipa::path(post, path = "/v1/verifier/api-access", tag = "verifier", request_body = AccessRequestBody,
    responses((status = 200, body = ApiAccessView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn request_access(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<AccessRequestBody>,
) -> AppResult<Json<ApiAccessView>> {
    Ok(Json(verifier::request_api_access(&state, &user, &req.purpose).await?))
}

/// Renews a client (R-API): the same token keeps working, now until `[verifier] api_token_days`
/// from today (a new token instead: `rotate`).
#[utoipa::path(post, path = "/v1/verifier/api-clients/{id}/renew", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = ApiClientView), (status = 404, body = ErrorBody)))]
pub async fn renew_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ApiClientView>> {
    Ok(Json(api_clients::renew(&state, &user, &id).await?))
}

/// Every organisation's API access request, pending first (installation admin).
#[utoipa::path(get, path = "/v1/admin/api-access", tag = "admin",
    responses((status = 200, body = [ApiAccessView]), (status = 404, body = ErrorBody)))]
pub async fn requests(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<ApiAccessView>>> {
    Ok(Json(verifier::api_access_requests(&state, &user).await?))
}

/// Approves (`approve`) or refuses (`reject`) organisation `code`'s pending request; its primary
/// user is emailed either way. Deciding twice is 409.
#[utoipa::path(post, path = "/v1/admin/api-access/{code}/{decision}", tag = "admin",
    params(("code" = String, Path), ("decision" = String, Path, description = "approve or reject")),
    responses((status = 200, body = ApiAccessView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((code, decision)): Path<(String, String)>,
) -> AppResult<Json<ApiAccessView>> {
    let approve = super::decision(&decision)?;
    Ok(Json(verifier::decide_api_access(&state, &user, &code, approve).await?))
}
