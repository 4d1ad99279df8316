//! Tenants, for the installation admin.

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::tenants::{self, CreateTenant, TenantView};

/// Every tenant (installation admins only).
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", responses((status = 200, body = [TenantView]), (status = 404, body = ErrorBody)))]
pub async fn list(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<TenantView>>> {
    Ok(Json(tenants::list(&state, &user).await?))
}

/// Creates a tenant (installation admins only).
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", request_body = CreateTenant,
    responses((status = 201, body = TenantView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<CreateTenant>,
) -> AppResult<(StatusCode, Json<TenantView>)> {
    Ok((StatusCode::CREATED, Json(tenants::create(&state, &user, req).await?)))
}
