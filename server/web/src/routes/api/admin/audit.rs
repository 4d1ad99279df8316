//! The caller's tenant's audit log, for its managers.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::users::{self, AuditEntry};
use utoipa::IntoParams;

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
