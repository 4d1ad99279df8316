//! The organisation's webhook endpoints and their delivery logs (R-WEBHOOK), for its primary and
//! admin users.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_app::webhooks::deliveries::{self, WebhookDeliveryView};
use tessera_app::webhooks::endpoints::{self, NewEndpoint, WebhookEndpointSecret, WebhookEndpointView};
use utoipa::ToSchema;

/// The organisation's webhook endpoints.
#[utoipa::path(get, path = "/v1/verifier/webhooks", tag = "verifier",
    responses((status = 200, body = [WebhookEndpointView]), (status = 404, body = ErrorBody)))]
pub async fn endpoints(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<WebhookEndpointView>>> {
    Ok(Json(endpoints::list(&state, &user).await?))
}

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhookEndpoint {
    /// Where deliveries are POSTed: an `https://` address (`http://` only to loopback, unless
    /// the server's `verifier.webhooks_allow_http` is set).
    pub url: String,
    /// What it is for (up to 200 characters).
    #[serde(default)]
    pub description: String,
    /// The events to receive: `share.created`, `share.withdrawn`, `result.updated`, `result.revoked`.
    pub event_types: Vec<String>,
}

/// Adds an endpoint; the answer carries its signing secret, shown only this once.
#[utoipa::path(post, path = "/v1/verifier/webhooks", tag = "verifier", request_body = NewWebhookEndpoint,
    responses((status = 201, body = WebhookEndpointSecret), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_endpoint(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<NewWebhookEndpoint>,
) -> AppResult<(StatusCode, Json<WebhookEndpointSecret>)> {
    let new = NewEndpoint { url: req.url, description: req.description, event_types: req.event_types };
    Ok((StatusCode::CREATED, Json(endpoints::create(&state, &user, &new).await?)))
}

/// One endpoint.
#[utoipa::path(get, path = "/v1/verifier/webhooks/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody)))]
pub async fn endpoint(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<WebhookEndpointView>> {
    Ok(Json(endpoints::get(&state, &user, &id).await?))
}

/// Deletes an endpoint with its delivery log.
#[utoipa::path(delete, path = "/v1/verifier/webhooks/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_endpoint(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    endpoints::delete(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown only this once; the previous one also signs deliveries for a day.
#[utoipa::path(post, path = "/v1/verifier/webhooks/{id}/rotate", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEndpointSecret), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<WebhookEndpointSecret>> {
    Ok(Json(endpoints::rotate(&state, &user, &id).await?))
}

/// Enables an endpoint (a disabled one starts a fresh failure count).
#[utoipa::path(post, path = "/v1/verifier/webhooks/{id}/enable", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody)))]
pub async fn enable_endpoint(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<WebhookEndpointView>> {
    Ok(Json(endpoints::set_enabled(&state, &user, &id, true).await?))
}

/// Disables an endpoint: no deliveries until it is enabled again.
#[utoipa::path(post, path = "/v1/verifier/webhooks/{id}/disable", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEndpointView), (status = 404, body = ErrorBody)))]
pub async fn disable_endpoint(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<WebhookEndpointView>> {
    Ok(Json(endpoints::set_enabled(&state, &user, &id, false).await?))
}

/// The endpoint's delivery log, newest first: status, attempts with status code, time and
/// response time.
#[utoipa::path(get, path = "/v1/verifier/webhooks/{id}/deliveries", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = [WebhookDeliveryView]), (status = 404, body = ErrorBody)))]
pub async fn delivery_log(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<WebhookDeliveryView>>> {
    Ok(Json(deliveries::log(&state, &user, &id).await?))
}

/// Sends a delivery again now, with the same message id and body.
#[utoipa::path(post, path = "/v1/verifier/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "verifier",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202), (status = 404, body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, delivery_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    deliveries::redeliver(&state, &user, &id, &delivery_id).await?;
    Ok(StatusCode::ACCEPTED)
}
