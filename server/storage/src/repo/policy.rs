//! Which policy plugin decides each kind of decision for a tenant.

use crate::schema::policy_assignments;
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// One assignment: plugin and the tenant's configuration (JSON text) for a kind.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = policy_assignments)]
pub struct Assignment {
    pub tenant_id: String,
    pub kind: String,
    pub plugin: String,
    pub config: String,
    pub assigned_at: chrono::NaiveDateTime,
}

/// Assigns `plugin` to decide `kind` for `tenant`, replacing any earlier assignment.
pub fn assign(
    conn: &mut DbConnection,
    tenant: TenantId,
    kind: &str,
    plugin: &str,
    config: &serde_json::Value,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        diesel::delete(
            policy_assignments::table
                .filter(policy_assignments::tenant_id.eq(tid(tenant)))
                .filter(policy_assignments::kind.eq(kind)),
        )
        .execute(c)?;
        diesel::insert_into(policy_assignments::table)
            .values((
                policy_assignments::tenant_id.eq(tid(tenant)),
                policy_assignments::kind.eq(kind),
                policy_assignments::plugin.eq(plugin),
                policy_assignments::config.eq(config.to_string()),
                policy_assignments::assigned_at.eq(super::naive(now)),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// The assignment for `kind` in `tenant`, if any (none means the baseline plugin decides).
pub fn get(conn: &mut DbConnection, tenant: TenantId, kind: &str) -> StorageResult<Option<Assignment>> {
    Ok(policy_assignments::table
        .filter(policy_assignments::tenant_id.eq(tid(tenant)))
        .filter(policy_assignments::kind.eq(kind))
        .select(Assignment::as_select())
        .first(conn)
        .optional()?)
}

/// Every assignment of `tenant`.
pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Assignment>> {
    Ok(policy_assignments::table
        .filter(policy_assignments::tenant_id.eq(tid(tenant)))
        .order(policy_assignments::kind.asc())
        .select(Assignment::as_select())
        .load(conn)?)
}
