//! A tenant's users as they are shown (the caller included) and its audit log.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::audit::{self, AuditRecord};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users::{self, User};
use utoipa::ToSchema;

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

    /// The signed-in user.
    pub fn of(actor: &Actor) -> Result<Self, AppError> {
        Self::new(&actor.tenant, &actor.user)
    }
}

const MANAGERS: &[Role] = &[Role::InstallationAdmin, Role::CentreManager, Role::VerifierPrimary, Role::VerifierAdmin];

/// The tenant's users.
pub async fn list(state: &AppState, user: &Actor) -> Result<Vec<Me>, AppError> {
    user.require(MANAGERS)?;
    let tid = user.tenant_id();
    let all = state.db.call(move |c| users::list(c, tid)).await?;
    all.iter().map(|u| Me::new(&user.tenant, u)).collect()
}

/// One user of the tenant.
pub async fn get(state: &AppState, user: &Actor, id: String) -> Result<Me, AppError> {
    user.require(MANAGERS)?;
    let tid = user.tenant_id();
    let found = state.db.call(move |c| users::by_id(c, tid, &id)).await?;
    Me::new(&user.tenant, &found)
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

/// The newest `limit` (1 to 500) entries of the tenant's audit log, of `action` only if given.
pub async fn audit_log(
    state: &AppState,
    user: &Actor,
    action: Option<String>,
    limit: i64,
) -> Result<Vec<AuditEntry>, AppError> {
    user.require(MANAGERS)?;
    if !(1..=500).contains(&limit) {
        return Err(AppError::at(ErrorCode::OutOfRange, "limit").arg("min", 1).arg("max", 500));
    }
    let tid = user.tenant_id();
    let rows = state.db.call(move |c| audit::recent(c, tid, action.as_deref(), limit)).await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}
