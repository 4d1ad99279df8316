//! Who is acting: a signed-in user of a tenant, with their role. Every workflow that acts for a
//! person takes one; the HTTP layer builds it from the session.

use crate::error::AppError;
use tessera_domain::{Role, TenantId};
pub use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users;

/// A signed-in user with their tenant: the scope of everything they do.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The tenant the user belongs to.
    pub tenant: Tenant,
    /// The user.
    pub user: users::User,
    /// The user's role.
    pub role: Role,
}

impl Actor {
    /// The tenant id.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    /// Refuses (404, as if the page did not exist) unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AppError::not_found()) }
    }

    /// Records in the tenant's audit log that this user did `action` to `target`.
    pub fn audit(
        &self,
        c: &mut tessera_storage::DbConnection,
        action: &str,
        target: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> tessera_storage::StorageResult<()> {
        let ev = tessera_storage::repo::audit::AuditEvent {
            actor: Some(&self.user.id),
            action,
            target: Some(target),
            details: serde_json::json!({}),
            request_id: None,
        };
        tessera_storage::repo::audit::append(c, self.tenant_id(), &ev, now)
    }
}
