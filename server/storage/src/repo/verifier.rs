//! The verifier side's own records: sign-ins for the shared list, and the Statement of Results
//! lookup (R-SOR-LOOKUP), the one read that crosses into a centre's data without a share.

use crate::repo::centre::{self, ResultSheet};
use crate::schema::{candidates, entries, exam_sessions, results};
use crate::schema_verifier::user_logins;
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// Records a sign-in of `user_id`: the last one becomes the previous one.
pub fn record_login(conn: &mut DbConnection, tenant: TenantId, user_id: &str, now: DateTime<Utc>) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        let scope = || {
            user_logins::table.filter(user_logins::tenant_id.eq(tid(tenant))).filter(user_logins::user_id.eq(user_id))
        };
        let last: Option<NaiveDateTime> = scope().select(user_logins::last_login_at).first(c).optional()?;
        match last {
            Some(prev) => {
                diesel::update(scope())
                    .set((
                        user_logins::last_login_at.eq(now.naive_utc()),
                        user_logins::previous_login_at.eq(Some(prev)),
                    ))
                    .execute(c)?;
            }
            None => {
                diesel::insert_into(user_logins::table)
                    .values((
                        user_logins::tenant_id.eq(tid(tenant)),
                        user_logins::user_id.eq(user_id),
                        user_logins::last_login_at.eq(now.naive_utc()),
                        user_logins::previous_login_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(c)?;
            }
        }
        Ok(())
    })
}

/// The sign-in before the current one (`None` for a first sign-in).
pub fn previous_login(
    conn: &mut DbConnection,
    tenant: TenantId,
    user_id: &str,
) -> StorageResult<Option<NaiveDateTime>> {
    let found: Option<Option<NaiveDateTime>> = user_logins::table
        .filter(user_logins::tenant_id.eq(tid(tenant)))
        .filter(user_logins::user_id.eq(user_id))
        .select(user_logins::previous_login_at)
        .first(conn)
        .optional()?;
    Ok(found.flatten())
}

/// The released current result with Statement of Results number `sor_number` whose candidate
/// was born on `date_of_birth`, with the id of its centre; `None` unless both match.
pub fn sor_lookup(
    conn: &mut DbConnection,
    sor_number: &str,
    date_of_birth: NaiveDate,
    now: DateTime<Utc>,
) -> StorageResult<Option<(TenantId, ResultSheet)>> {
    let found: Option<(String, String)> = results::table
        .inner_join(entries::table.on(entries::tenant_id.eq(results::tenant_id).and(entries::id.eq(results::entry_id))))
        .inner_join(
            candidates::table
                .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
        )
        .inner_join(
            exam_sessions::table
                .on(exam_sessions::tenant_id.eq(entries::tenant_id).and(exam_sessions::id.eq(entries::session_id))),
        )
        .filter(results::sor_number.eq(sor_number))
        .filter(results::is_current.eq(true))
        .filter(candidates::date_of_birth.eq(date_of_birth))
        // R-RELEASE: nothing is visible before the release instant.
        .filter(exam_sessions::release_at.le(now.naive_utc()))
        .select((results::tenant_id, results::entry_id))
        .first(conn)
        .optional()?;
    let Some((centre_id, entry_id)) = found else { return Ok(None) };
    let centre_id: TenantId =
        centre_id.parse().map_err(|_| crate::StorageError::Corrupt(format!("tenant id `{centre_id}`")))?;
    Ok(Some((centre_id, centre::result_sheet(conn, centre_id, &entry_id)?)))
}

/// Records that someone at `verifier` viewed (`view`) or downloaded (`download`) a shared result:
/// the share event the candidate sees and the organisation's audit record, in one transaction.
/// Fails with `NotFound` when the share is not active with `verifier`.
pub fn record_access(
    conn: &mut DbConnection,
    verifier: TenantId,
    share_id: &str,
    actor_id: &str,
    actor_name: &str,
    action: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        crate::repo::shares::record_event(c, verifier, share_id, actor_name, action, now)?;
        let audit_action = format!("verifier.result.{action}");
        let ev = crate::repo::audit::AuditEvent {
            actor: Some(actor_id),
            action: &audit_action,
            target: Some(share_id),
            details: serde_json::json!({}),
            request_id: None,
        };
        crate::repo::audit::append(c, verifier, &ev, now)
    })
}
