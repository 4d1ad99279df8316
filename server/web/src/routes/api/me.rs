//! The caller, their tenant's users, and its audit log.

use super::ApiUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::SharedState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::audit::{self, AuditRecord};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users::{self, User};
use utoipa::{IntoParams, ToSchema};

/// A user as the API shows them.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Login (email, or ID number for candidates).
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// The tenant's code.
    pub tenant: String,
    /// The tenant's kind.
    pub tenant_kind: String,
    /// Path of the role's home page.
    pub home: String,
}

impl Me {
    /// The API view of `user` in `tenant`.
    pub fn new(tenant: &Tenant, user: &User) -> Result<Self, AppError> {
        let role = user.role()?;
        Ok(Self {
            id: user.id.clone(),
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            role: role.as_str().into(),
            tenant: tenant.slug.clone(),
            tenant_kind: tenant.kind.as_str().into(),
            home: role.home_path().into(),
        })
    }
}

/// The signed-in user.
#[utoipa::path(get, path = "/v1/me", tag = "users", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(user): ApiUser) -> AppResult<Json<Me>> {
    Ok(Json(Me::new(&user.tenant, &user.user)?))
}

const MANAGERS: &[Role] = &[Role::InstallationAdmin, Role::CentreManager, Role::VerifierPrimary, Role::VerifierAdmin];

/// The users of the caller's tenant (managers only).
#[utoipa::path(get, path = "/v1/users", tag = "users", responses((status = 200, body = [Me]), (status = 404, body = ErrorBody)))]
pub async fn users(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<Me>>> {
    user.require(MANAGERS)?;
    let tid = user.tenant_id();
    let all = state.db.call(move |c| users::list(c, tid)).await?;
    Ok(Json(all.iter().map(|u| Me::new(&user.tenant, u)).collect::<Result<_, _>>()?))
}

/// One user of the caller's tenant (managers only).
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = Me), (status = 404, body = ErrorBody)))]
pub async fn user(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Me>> {
    user.require(MANAGERS)?;
    let tid = user.tenant_id();
    let found = state.db.call(move |c| users::by_id(c, tid, &id)).await?;
    Ok(Json(Me::new(&user.tenant, &found)?))
}

/// Filters of the audit log.
#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only this action, e.g. `login.failed`.
    action: Option<String>,
    /// At most this many records (1 to 500, default 100).
    limit: Option<i64>,
}

/// One audit record.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// When (UTC, RFC 3339).
    at: String,
    /// Who (user id), if anyone.
    actor: Option<String>,
    /// What, e.g. `login`, `login.failed`, `password.reset`.
    action: String,
    /// To what.
    target: Option<String>,
    /// Details (JSON).
    details: serde_json::Value,
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            at: r.at.and_utc().to_rfc3339(),
            actor: r.actor,
            action: r.action,
            target: r.target,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The newest records of the caller's tenant's audit log (managers only).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = [AuditEntry]), (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    user.require(MANAGERS)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::at(ErrorCode::OutOfRange, "limit").arg("min", 1).arg("max", 500));
    }
    let tid = user.tenant_id();
    let rows = state.db.call(move |c| audit::recent(c, tid, q.action.as_deref(), limit)).await?;
    Ok(Json(rows.into_iter().map(AuditEntry::from).collect()))
}
