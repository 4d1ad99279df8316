//! The organisation's API clients.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_app::api_clients::{self, ApiClientToken, ApiClientView};
use utoipa::ToSchema;

/// The organisation's API clients (primary user only).
#[utoipa::path(get, path = "/v1/verifier/api-clients", tag = "verifier",
    responses((status = 200, body = [ApiClientView]), (status = 404, body = ErrorBody)))]
pub async fn clients(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<ApiClientView>>> {
    Ok(Json(api_clients::list(&state, &user).await?))
}

/// A new API client.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiClient {
    /// A name saying what uses it (1 to 100 characters).
    pub name: String,
}

/// Creates an API client; the answer carries its token, shown only this once (R-API).
#[utoipa::path(post, path = "/v1/verifier/api-clients", tag = "verifier", request_body = NewApiClient,
    responses((status = 201, body = ApiClientToken), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<NewApiClient>,
) -> AppResult<(StatusCode, Json<ApiClientToken>)> {
    Ok((StatusCode::CREATED, Json(api_clients::create(&state, &user, &req.name).await?)))
}

/// Gives a client a new token; the old one stops working at once (renewal, R-API).
#[utoipa::path(post, path = "/v1/verifier/api-clients/{id}/rotate", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = ApiClientToken), (status = 404, body = ErrorBody)))]
pub async fn rotate_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ApiClientToken>> {
    Ok(Json(api_clients::rotate(&state, &user, &id).await?))
}

/// Revokes a client for good.
#[utoipa::path(delete, path = "/v1/verifier/api-clients/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    api_clients::revoke(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
