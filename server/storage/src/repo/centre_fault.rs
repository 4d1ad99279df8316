//! A session the centre cannot run as announced (R-CENTRE-FAULT) and the one move it allows
//! (the only exception to R-NO-TRANSFER).

use crate::repo::workflows::{EntryRefusal, active_entry_count};
use crate::schema::{entries, exam_sessions};
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// Why and since when a session cannot run as announced.
#[derive(Debug, Clone, Serialize)]
pub struct SessionFault {
    pub reason: String,
    pub at: NaiveDateTime,
}

/// The fault of session `session_id`, if it is marked.
pub fn fault(conn: &mut DbConnection, tenant: TenantId, session_id: &str) -> StorageResult<Option<SessionFault>> {
    let row: (Option<String>, Option<NaiveDateTime>) = exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .filter(exam_sessions::id.eq(session_id))
        .select((exam_sessions::fault_reason, exam_sessions::fault_at))
        .first(conn)?;
    Ok(match row {
        (Some(reason), Some(at)) => Some(SessionFault { reason, at }),
        _ => None,
    })
}

/// Marks session `session_id` as not runnable as announced.
pub fn set_fault(
    conn: &mut DbConnection,
    tenant: TenantId,
    session_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let n = diesel::update(
        exam_sessions::table.filter(exam_sessions::tenant_id.eq(tid(tenant))).filter(exam_sessions::id.eq(session_id)),
    )
    .set((exam_sessions::fault_reason.eq(reason), exam_sessions::fault_at.eq(now.naive_utc())))
    .execute(conn)?;
    if n == 0 {
        return Err(crate::StorageError::NotFound);
    }
    Ok(())
}

/// The session an entry was moved from after the centre's fault, if it was.
pub fn moved_from(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Option<String>> {
    Ok(entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::id.eq(entry_id))
        .select(entries::moved_from_session_id)
        .first(conn)?)
}

/// Moves entry `entry_id` to session `to` (the caller checked R-CENTRE-FAULT in the same
/// transaction): the row keeps its id, so its payments and documents stay with it; it gets the
/// target session's next candidate number (numbers are unique per session), its Confirmation of
/// Entry and speaking day are cleared (a new CoE is needed), and the session it left is kept.
/// Refused when the target session is full (R-SESSION-CAPACITY). Returns the new number.
pub fn move_entry(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    from: &str,
    to: &str,
) -> StorageResult<Result<String, EntryRefusal>> {
    crate::lock_tenant(conn, tenant)?;
    let session = crate::repo::centre::session(conn, tenant, to)?;
    if active_entry_count(conn, tenant, &session.id)? >= i64::from(session.capacity) {
        return Ok(Err(EntryRefusal::Full));
    }
    let numbers: Vec<String> = entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::session_id.eq(to))
        .select(entries::candidate_number)
        .load(conn)?;
    let next = numbers.iter().filter_map(|n| n.parse::<u32>().ok()).max().unwrap_or(0) + 1;
    let number = format!("{next:04}");
    diesel::update(entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::id.eq(entry_id)))
        .set((
            entries::session_id.eq(to),
            entries::candidate_number.eq(&number),
            entries::coe_issued_at.eq(None::<NaiveDateTime>),
            entries::speaking_day.eq(None::<chrono::NaiveDate>),
            entries::moved_from_session_id.eq(Some(from)),
        ))
        .execute(conn)?;
    Ok(Ok(number))
}

/// The sessions an entry of session `except` may move to after the centre's fault: the other
/// open sessions of exam `exam_code` at the centre that are not at fault themselves, soonest first.
pub fn move_targets(
    conn: &mut DbConnection,
    tenant: TenantId,
    exam_code: &str,
    except: &str,
) -> StorageResult<Vec<crate::repo::centre::ExamSession>> {
    use crate::repo::centre::ExamSession;
    Ok(exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .filter(exam_sessions::exam_code.eq(exam_code))
        .filter(exam_sessions::id.ne(except))
        .filter(exam_sessions::status.eq("open"))
        .filter(exam_sessions::fault_at.is_null())
        .order(exam_sessions::written_date.asc())
        .select(ExamSession::as_select())
        .load(conn)?)
}
