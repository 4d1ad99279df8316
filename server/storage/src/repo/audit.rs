//! The append-only audit log. There is no update or delete here, and triggers in the database
//! refuse them too.

use crate::schema::audit_log;
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{AuditId, TenantId};

/// One audit record.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRecord {
    pub tenant_id: String,
    pub id: String,
    pub at: chrono::NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub details: String,
    pub request_id: Option<String>,
}

/// What happened, by whom, to what.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent<'a> {
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub details: serde_json::Value,
    pub request_id: Option<&'a str>,
}

/// Appends an event to `tenant`'s audit log.
pub fn append(
    conn: &mut DbConnection,
    tenant: TenantId,
    event: &AuditEvent<'_>,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let details = if event.details.is_null() { "{}".to_owned() } else { event.details.to_string() };
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::tenant_id.eq(tid(tenant)),
            audit_log::id.eq(AuditId::new().to_string()),
            audit_log::at.eq(super::naive(now)),
            audit_log::actor.eq(event.actor),
            audit_log::action.eq(event.action),
            audit_log::target.eq(event.target),
            audit_log::details.eq(details),
            audit_log::request_id.eq(event.request_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest `limit` records of `tenant`, newest first, optionally of one action.
pub fn recent(
    conn: &mut DbConnection,
    tenant: TenantId,
    action: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<AuditRecord>> {
    let mut q = audit_log::table.filter(audit_log::tenant_id.eq(tid(tenant))).into_boxed();
    if let Some(a) = action {
        q = q.filter(audit_log::action.eq(a.to_owned()));
    }
    Ok(q.order(audit_log::at.desc()).limit(limit).select(AuditRecord::as_select()).load(conn)?)
}

/// What the installation admin looks for in the audit log; every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// One tenant's log only.
    pub tenant: Option<TenantId>,
    /// One action only.
    pub action: Option<String>,
    /// Records of these users only (an empty list finds nothing).
    pub actors: Option<Vec<String>>,
    /// At or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// One page of the audit log of every tenant (the installation admin's view), newest first:
/// `per_page` records from `offset`, and how many match in all.
pub fn search(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    offset: i64,
    per_page: i64,
) -> StorageResult<(Vec<AuditRecord>, i64)> {
    let query = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(t) = filter.tenant {
            q = q.filter(audit_log::tenant_id.eq(tid(t)));
        }
        if let Some(a) = &filter.action {
            q = q.filter(audit_log::action.eq(a.clone()));
        }
        if let Some(actors) = &filter.actors {
            q = q.filter(audit_log::actor.eq_any(actors.clone()));
        }
        if let Some(from) = filter.from {
            q = q.filter(audit_log::at.ge(super::naive(from)));
        }
        if let Some(until) = filter.until {
            q = q.filter(audit_log::at.lt(super::naive(until)));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(per_page)
        .select(AuditRecord::as_select())
        .load(conn)?;
    Ok((rows, total))
}
