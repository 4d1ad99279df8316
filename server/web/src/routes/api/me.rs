//! The caller, their tenant's users, and its audit log.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::users::{self, AuditEntry, Me};
use utoipa::IntoParams;

/// The signed-in user.
#[utoipa::path(get, path = "/v1/me", tag = "users", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(user): ApiUser) -> AppResult<Json<Me>> {
    Ok(Json(Me::of(&user)?))
}

/// The users of the caller's tenant (managers only).
#[utoipa::path(get, path = "/v1/users", tag = "users", responses((status = 200, body = [Me]), (status = 404, body = ErrorBody)))]
pub async fn users(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<Me>>> {
    Ok(Json(users::list(&state, &user).await?))
}

/// One user of the caller's tenant (managers only).
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = Me), (status = 404, body = ErrorBody)))]
pub async fn user(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Me>> {
    Ok(Json(users::get(&state, &user, id).await?))
}

/// Filters of the audit log.
#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only this action, e.g. `login.failed`.
    action: Option<String>,
    /// At most this many records (1 to 500, default 100).
    limit: Option<i64>,
}

/// The newest records of the caller's tenant's audit log (managers only).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = [AuditEntry]), (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    Ok(Json(users::audit_log(&state, &user, q.action, q.limit.unwrap_or(100)).await?))
}
