//! Requests for API access (R-API): an organisation asks once, the installation admin decides;
//! a refused organisation may ask again.

use crate::repo::tenants::{self, Tenant};
use crate::schema_verifier::api_access_requests as ar;
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{DomainError, ErrorCode, TenantId};

/// A request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ar)]
pub struct AccessRequest {
    pub tenant_id: String,
    pub purpose: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    /// `approved` or `rejected`; none while pending.
    pub decision: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

/// The organisation's request, if it made one.
pub fn get(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Option<AccessRequest>> {
    Ok(ar::table.filter(ar::tenant_id.eq(tid(tenant))).select(AccessRequest::as_select()).first(conn).optional()?)
}

/// Records a request; one pending or approved already is a `Conflict` (`api_access_requested`),
/// a refused one is replaced.
pub fn request(
    conn: &mut DbConnection,
    tenant: TenantId,
    purpose: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<AccessRequest> {
    crate::transaction(conn, |c| {
        if let Some(old) = get(c, tenant)? {
            if old.decision.as_deref() != Some("rejected") {
                let status = old.decision.unwrap_or_else(|| "pending".into());
                return Err(StorageError::Conflict(
                    DomainError::new(ErrorCode::ApiAccessRequested).arg("status", status),
                ));
            }
            diesel::delete(ar::table.filter(ar::tenant_id.eq(tid(tenant)))).execute(c)?;
        }
        let row = AccessRequest {
            tenant_id: tid(tenant),
            purpose: purpose.to_owned(),
            requested_by: by.to_owned(),
            requested_at: now.naive_utc(),
            decision: None,
            decided_at: None,
            decided_by: None,
        };
        diesel::insert_into(ar::table).values(&row).execute(c)?;
        Ok(row)
    })
}

/// Every request with its organisation, pending first, then the newest.
pub fn all(conn: &mut DbConnection) -> StorageResult<Vec<(Tenant, AccessRequest)>> {
    let rows: Vec<AccessRequest> =
        ar::table.order(ar::requested_at.desc()).select(AccessRequest::as_select()).load(conn)?;
    let mut out = rows
        .into_iter()
        .map(|r| {
            let id: TenantId = r.tenant_id.parse().map_err(|_| StorageError::Corrupt(r.tenant_id.clone()))?;
            Ok((tenants::by_id(conn, id)?, r))
        })
        .collect::<StorageResult<Vec<_>>>()?;
    out.sort_by_key(|(_, r)| r.decision.is_some());
    Ok(out)
}

/// Decides a pending request, then runs `then` (the email) in the same transaction. A request
/// decided already is a `Conflict`; none at all is `NotFound`.
pub fn decide(
    conn: &mut DbConnection,
    tenant: TenantId,
    approve: bool,
    by: &str,
    now: DateTime<Utc>,
    then: impl FnOnce(&mut DbConnection, &AccessRequest) -> StorageResult<()>,
) -> StorageResult<AccessRequest> {
    crate::transaction(conn, |c| {
        let Some(req) = get(c, tenant)? else { return Err(StorageError::NotFound) };
        if let Some(d) = &req.decision {
            return Err(StorageError::Conflict(DomainError::new(ErrorCode::ConflictAlreadyDecided).arg("decision", d)));
        }
        let decision = if approve { "approved" } else { "rejected" };
        diesel::update(ar::table.filter(ar::tenant_id.eq(tid(tenant))))
            .set((ar::decision.eq(decision), ar::decided_at.eq(now.naive_utc()), ar::decided_by.eq(by)))
            .execute(c)?;
        let req = get(c, tenant)?.ok_or(StorageError::NotFound)?;
        then(c, &req)?;
        Ok(req)
    })
}
