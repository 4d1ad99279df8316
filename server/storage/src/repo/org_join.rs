//! Requests to join an approved organisation (R-ORG-JOIN), decided by its primary user.

use crate::schema_verifier::org_join_requests as jr;
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{DomainError, ErrorCode, TenantId};

/// A request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = jr)]
pub struct JoinRequest {
    pub tenant_id: String,
    pub id: String,
    pub first_name: String,
    pub family_name: String,
    pub job_title: String,
    pub email: String,
    pub requested_at: NaiveDateTime,
    /// `approved` or `rejected`; none while pending.
    pub decision: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

/// Records a request; a pending one with the same email is a `Conflict` (`join_pending`).
pub fn submit(
    conn: &mut DbConnection,
    tenant: TenantId,
    p: &crate::repo::organisations::Person,
    now: DateTime<Utc>,
) -> StorageResult<JoinRequest> {
    crate::transaction(conn, |c| {
        let waiting: i64 = jr::table
            .filter(jr::tenant_id.eq(tid(tenant)))
            .filter(jr::email.eq(&p.email))
            .filter(jr::decision.is_null())
            .count()
            .get_result(c)?;
        if waiting > 0 {
            return Err(StorageError::Conflict(DomainError::new(ErrorCode::JoinPending).on("email")));
        }
        let row = JoinRequest {
            tenant_id: tid(tenant),
            id: uuid::Uuid::new_v4().to_string(),
            first_name: p.first_name.clone(),
            family_name: p.family_name.clone(),
            job_title: p.job_title.clone(),
            email: p.email.clone(),
            requested_at: now.naive_utc(),
            decision: None,
            decided_at: None,
            decided_by: None,
        };
        diesel::insert_into(jr::table).values(&row).execute(c)?;
        Ok(row)
    })
}

/// The organisation's pending requests, oldest first.
pub fn pending(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<JoinRequest>> {
    Ok(jr::table
        .filter(jr::tenant_id.eq(tid(tenant)))
        .filter(jr::decision.is_null())
        .order(jr::requested_at.asc())
        .select(JoinRequest::as_select())
        .load(conn)?)
}

/// Decides the organisation's pending request `id` and runs `then` (adding the user, the email)
/// in the same transaction; another organisation's or a decided one is `NotFound`.
pub fn decide(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    approve: bool,
    by: &str,
    now: DateTime<Utc>,
    then: impl FnOnce(&mut DbConnection, &JoinRequest) -> StorageResult<()>,
) -> StorageResult<JoinRequest> {
    crate::transaction(conn, |c| {
        let scope = || jr::table.filter(jr::tenant_id.eq(tid(tenant))).filter(jr::id.eq(id));
        let n = diesel::update(scope().filter(jr::decision.is_null()))
            .set((
                jr::decision.eq(if approve { "approved" } else { "rejected" }),
                jr::decided_at.eq(now.naive_utc()),
                jr::decided_by.eq(by),
            ))
            .execute(c)?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        let req: JoinRequest = scope().select(JoinRequest::as_select()).first(c)?;
        then(c, &req)?;
        Ok(req)
    })
}
