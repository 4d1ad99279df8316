//! The centre workflows' storage: session timetables, entries with their form data, payments,
//! documents, Confirmations of Entry, result imports and refund requests. Every function takes
//! the centre's `TenantId` and filters on it.

use crate::repo::centre::{Candidate, ComponentScore, Entry, ExamSession, ResultRow};
use crate::schema::{candidates, entries, exam_sessions, result_components, results};
use crate::schema_centre::{
    centre_bank_accounts, entry_documents, payments, refund_requests, result_imports, session_components,
};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// The details of a session beyond `ExamSession`.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = exam_sessions)]
pub struct SessionExtras {
    pub speaking_window_start: Option<NaiveDate>,
    pub speaking_window_end: Option<NaiveDate>,
    pub promotion_ends: Option<NaiveDate>,
    pub student_discount_bp: Option<i32>,
    pub venue: String,
}

/// One line of a session's timetable.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = session_components)]
pub struct TimetableLine {
    pub tenant_id: String,
    pub session_id: String,
    pub component: String,
    pub day: NaiveDate,
    pub starts_at: String,
    pub venue: String,
    pub room: String,
}

/// Creates a session with its extras and timetable in one transaction.
pub fn create_session(
    conn: &mut DbConnection,
    session: &ExamSession,
    extras: &SessionExtras,
    timetable: &[TimetableLine],
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        crate::repo::centre::insert_session(c, session)?;
        set_session_extras(c, session, extras)?;
        for line in timetable {
            diesel::insert_into(session_components::table).values(line).execute(c)?;
        }
        Ok(())
    })
}

fn set_session_extras(c: &mut DbConnection, s: &ExamSession, e: &SessionExtras) -> StorageResult<()> {
    diesel::update(
        exam_sessions::table.filter(exam_sessions::tenant_id.eq(&s.tenant_id)).filter(exam_sessions::id.eq(&s.id)),
    )
    .set((
        exam_sessions::speaking_window_start.eq(e.speaking_window_start),
        exam_sessions::speaking_window_end.eq(e.speaking_window_end),
        exam_sessions::promotion_ends.eq(e.promotion_ends),
        exam_sessions::student_discount_bp.eq(e.student_discount_bp),
        exam_sessions::venue.eq(&e.venue),
    ))
    .execute(c)?;
    Ok(())
}

/// Replaces a session's editable fields and timetable in one transaction. The exam and date
/// stay: an entry never moves to another session, date or level (R-NO-TRANSFER).
pub fn update_session(
    conn: &mut DbConnection,
    s: &ExamSession,
    extras: &SessionExtras,
    timetable: &[TimetableLine],
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        let scope = || {
            exam_sessions::table.filter(exam_sessions::tenant_id.eq(&s.tenant_id)).filter(exam_sessions::id.eq(&s.id))
        };
        let n = diesel::update(scope())
            .set((
                exam_sessions::fee_minor.eq(s.fee_minor),
                exam_sessions::late_fee_minor.eq(s.late_fee_minor),
                exam_sessions::registration_opens.eq(s.registration_opens),
                exam_sessions::registration_closes.eq(s.registration_closes),
                exam_sessions::late_entry_deadline.eq(s.late_entry_deadline),
                exam_sessions::capacity.eq(s.capacity),
                exam_sessions::minimum_candidates.eq(s.minimum_candidates),
                exam_sessions::release_at.eq(s.release_at),
            ))
            .execute(c)?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        set_session_extras(c, s, extras)?;
        diesel::delete(
            session_components::table
                .filter(session_components::tenant_id.eq(&s.tenant_id))
                .filter(session_components::session_id.eq(&s.id)),
        )
        .execute(c)?;
        for line in timetable {
            diesel::insert_into(session_components::table).values(line).execute(c)?;
        }
        Ok(())
    })
}

/// A session's extras.
pub fn session_extras(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<SessionExtras> {
    Ok(exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .filter(exam_sessions::id.eq(id))
        .select(SessionExtras::as_select())
        .first(conn)?)
}

/// A session's timetable, in order of day and time.
pub fn timetable(conn: &mut DbConnection, tenant: TenantId, session_id: &str) -> StorageResult<Vec<TimetableLine>> {
    Ok(session_components::table
        .filter(session_components::tenant_id.eq(tid(tenant)))
        .filter(session_components::session_id.eq(session_id))
        .order((session_components::day.asc(), session_components::starts_at.asc()))
        .select(TimetableLine::as_select())
        .load(conn)?)
}

/// Sets a session's status (`open`, `closed`, `cancelled`).
pub fn set_session_status(conn: &mut DbConnection, tenant: TenantId, id: &str, status: &str) -> StorageResult<()> {
    diesel::update(
        exam_sessions::table.filter(exam_sessions::tenant_id.eq(tid(tenant))).filter(exam_sessions::id.eq(id)),
    )
    .set(exam_sessions::status.eq(status))
    .execute(conn)?;
    Ok(())
}

/// The form data of an entry beyond `Entry`.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Default)]
#[diesel(table_name = entries)]
pub struct EntryForm {
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    pub id_document_type: Option<String>,
    pub id_document_number: Option<String>,
    pub special_arrangements: Option<String>,
    pub student_discount_claimed: bool,
    pub is_late: bool,
    pub registration_date: Option<NaiveDate>,
    pub pay_by: Option<NaiveDate>,
    pub status_reasons: String,
    pub coe_issued_at: Option<NaiveDateTime>,
    /// The learning difficulty extra time is asked for (R-PL-EXTRA-TIME).
    pub extra_time_condition: Option<String>,
    /// What staff checked on the specialist's report, as JSON.
    pub extra_time_report: Option<String>,
    /// When the candidate confirmed reading the notices sent with the CoE (R-NOTICES).
    pub notices_acknowledged_at: Option<NaiveDateTime>,
}

/// An entry with its form data.
pub fn entry_form(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<EntryForm> {
    Ok(entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::id.eq(id))
        .select(EntryForm::as_select())
        .first(conn)?)
}

/// Entries of a session that hold a place: not cancelled nor voided (R-ENTRY-VOID).
pub fn active_entry_count(conn: &mut DbConnection, tenant: TenantId, session_id: &str) -> StorageResult<i64> {
    use tessera_domain::Labelled;
    use tessera_domain::entries::EntryStatus;
    let freed: Vec<&str> = EntryStatus::ALL
        .iter()
        .map(|s| s.code())
        .filter(|s| !tessera_domain::entries::r_entry_void_holds_place(s))
        .collect();
    Ok(entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::session_id.eq(session_id))
        .filter(entries::status.ne_all(freed))
        .count()
        .get_result(conn)?)
}

/// Why an entry could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryRefusal {
    /// The session is full (R-SESSION-CAPACITY).
    Full,
    /// The session is not open for entries.
    NotOpen,
}

/// Stores a new candidate and their entry, with the centre's next free ID number
/// (`id_prefix` and six digits) and the session's next candidate number, in one transaction
/// that also checks the session's capacity (R-SESSION-CAPACITY).
pub fn create_entry(
    conn: &mut DbConnection,
    tenant: TenantId,
    id_prefix: &str,
    candidate: &Candidate,
    entry: &Entry,
    form: &EntryForm,
) -> StorageResult<Result<Entry, EntryRefusal>> {
    crate::transaction(conn, |c| {
        crate::lock_tenant(c, tenant)?;
        let session = crate::repo::centre::session(c, tenant, &entry.session_id)?;
        // A session the centre cannot run as announced takes no new entry (R-CENTRE-FAULT).
        if session.status != "open" || crate::repo::centre_fault::fault(c, tenant, &session.id)?.is_some() {
            return Ok(Err(EntryRefusal::NotOpen));
        }
        if active_entry_count(c, tenant, &session.id)? >= i64::from(session.capacity) {
            return Ok(Err(EntryRefusal::Full));
        }
        let numbers: Vec<String> = entries::table
            .filter(entries::tenant_id.eq(tid(tenant)))
            .filter(entries::session_id.eq(&session.id))
            .select(entries::candidate_number)
            .load(c)?;
        let next = numbers.iter().filter_map(|n| n.parse::<u32>().ok()).max().unwrap_or(0) + 1;
        let mut entry = entry.clone();
        entry.candidate_number = format!("{next:04}");
        let mut candidate = candidate.clone();
        let mut n = candidate_count(c, tenant)? + 1;
        candidate.id_number = loop {
            let id_number = format!("{id_prefix}{n:06}");
            if !id_number_taken(c, tenant, &id_number)? {
                break id_number;
            }
            n += 1;
        };
        diesel::insert_into(candidates::table).values(&candidate).execute(c)?;
        diesel::insert_into(entries::table).values(&entry).execute(c)?;
        diesel::update(entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::id.eq(&entry.id)))
            .set((
                entries::guardian_name.eq(&form.guardian_name),
                entries::guardian_contact.eq(&form.guardian_contact),
                entries::id_document_type.eq(&form.id_document_type),
                entries::id_document_number.eq(&form.id_document_number),
                entries::special_arrangements.eq(&form.special_arrangements),
                entries::student_discount_claimed.eq(form.student_discount_claimed),
                entries::is_late.eq(form.is_late),
                entries::registration_date.eq(form.registration_date),
                entries::pay_by.eq(form.pay_by),
                entries::status_reasons.eq(&form.status_reasons),
                entries::extra_time_condition.eq(&form.extra_time_condition),
            ))
            .execute(c)?;
        Ok(Ok(entry))
    })
}

/// Records what staff checked on the specialist's report behind an extra-time request.
pub fn set_extra_time_report(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    report: &str,
) -> StorageResult<()> {
    let n = diesel::update(entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::id.eq(entry_id)))
        .set(entries::extra_time_report.eq(Some(report)))
        .execute(conn)?;
    if n == 0 {
        return Err(crate::StorageError::NotFound);
    }
    Ok(())
}

/// How many candidates a centre has (to number new ID numbers).
pub fn candidate_count(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<i64> {
    Ok(candidates::table.filter(candidates::tenant_id.eq(tid(tenant))).count().get_result(conn)?)
}

/// Whether an ID number is taken in the centre.
pub fn id_number_taken(conn: &mut DbConnection, tenant: TenantId, id_number: &str) -> StorageResult<bool> {
    Ok(candidates::table
        .filter(candidates::tenant_id.eq(tid(tenant)))
        .filter(candidates::id_number.eq(id_number))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Sets an entry's computed status and the reasons for it.
pub fn set_entry_status(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    status: &str,
    reasons: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    diesel::update(entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::id.eq(id)))
        .set((entries::status.eq(status), entries::status_reasons.eq(reasons)))
        .execute(conn)?;
    let why = match status {
        "cancelled" => Some(REVOKED_ENTRY_CANCELLED),
        "voided" => Some(REVOKED_ENTRY_VOIDED),
        _ => None,
    };
    if let Some(why) = why {
        // A cancelled or voided entry has no valid result (R-ENTRY-VOID): its credentials are
        // revoked with it (R-CREDENTIAL) and a result already imported stops being current, so
        // the candidate and verifiers no longer see it (its versions stay for the record).
        crate::repo::credentials::revoke_for_entry(conn, tenant, id, None, why, now)?;
        diesel::update(
            results::table
                .filter(results::tenant_id.eq(tid(tenant)))
                .filter(results::entry_id.eq(id))
                .filter(results::is_current.eq(true)),
        )
        .set(results::is_current.eq(false))
        .execute(conn)?;
        // The verifiers' search indexes hold the shared result: they follow within a second.
        let candidate: String = entries::table
            .filter(entries::tenant_id.eq(tid(tenant)))
            .filter(entries::id.eq(id))
            .select(entries::candidate_id)
            .first(conn)?;
        crate::repo::search_log::record_for_candidate(conn, tenant, &candidate, now)?;
    }
    Ok(())
}

/// The revocation reason of the credentials of a cancelled entry.
pub const REVOKED_ENTRY_CANCELLED: &str = "entry_cancelled";
/// The revocation reason of the credentials of an entry voided for rule breaking (R-ENTRY-VOID).
pub const REVOKED_ENTRY_VOIDED: &str = "entry_voided";
/// The revocation reason of a credential whose result a newer version replaced.
pub const REVOKED_SUPERSEDED: &str = "superseded";

/// A recorded payment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub method: String,
    pub transfer_title: Option<String>,
    pub received_on: NaiveDate,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    /// The title a transfer should carry (R-PAYMENT-TITLE), as checked when it was recorded.
    pub expected_title: Option<String>,
    /// What was still due when it was recorded.
    pub amount_due_minor: Option<i64>,
    /// A bank transfer whose title did not match the expected one: flagged for staff.
    pub title_mismatch: bool,
    /// A bank transfer whose amount differed from what was due: flagged for staff.
    pub amount_mismatch: bool,
}

/// Records a payment.
pub fn add_payment(conn: &mut DbConnection, p: &Payment) -> StorageResult<()> {
    diesel::insert_into(payments::table).values(p).execute(conn)?;
    Ok(())
}

/// The payments of an entry.
pub fn payments(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<Payment>> {
    Ok(payments::table
        .filter(payments::tenant_id.eq(tid(tenant)))
        .filter(payments::entry_id.eq(entry_id))
        .order(payments::created_at.asc())
        .select(Payment::as_select())
        .load(conn)?)
}

/// The tenant's payments flagged for staff (R-PAYMENT-TITLE), newest first.
pub fn flagged_payments(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Payment>> {
    Ok(payments::table
        .filter(payments::tenant_id.eq(tid(tenant)))
        .filter(payments::title_mismatch.eq(true).or(payments::amount_mismatch.eq(true)))
        .order(payments::created_at.desc())
        .select(Payment::as_select())
        .load(conn)?)
}

/// The centre's bank account for transfers (R-PAYMENT-TITLE).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = centre_bank_accounts)]
pub struct BankAccount {
    pub tenant_id: String,
    pub iban: String,
    pub account_holder: String,
    pub bank_name: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

/// The tenant's bank account, if it has one.
pub fn bank_account(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Option<BankAccount>> {
    Ok(centre_bank_accounts::table
        .filter(centre_bank_accounts::tenant_id.eq(tid(tenant)))
        .select(BankAccount::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces the tenant's bank account (the caller holds the transaction).
pub fn set_bank_account(conn: &mut DbConnection, tenant: TenantId, account: &BankAccount) -> StorageResult<()> {
    diesel::delete(centre_bank_accounts::table.filter(centre_bank_accounts::tenant_id.eq(tid(tenant))))
        .execute(conn)?;
    let row = BankAccount { tenant_id: tid(tenant), ..account.clone() };
    diesel::insert_into(centre_bank_accounts::table).values(&row).execute(conn)?;
    Ok(())
}

/// A stored document (the bytes are on disk, in the tenant's folder).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = entry_documents)]
pub struct Document {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub received_on: NaiveDate,
    pub created_at: NaiveDateTime,
    /// The signed original (true) or a scan of it (R-CONSENT-SCAN).
    pub original: bool,
}

/// Records a document.
pub fn add_document(conn: &mut DbConnection, d: &Document) -> StorageResult<()> {
    diesel::insert_into(entry_documents::table).values(d).execute(conn)?;
    Ok(())
}

/// The documents of an entry.
pub fn documents(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<Document>> {
    Ok(entry_documents::table
        .filter(entry_documents::tenant_id.eq(tid(tenant)))
        .filter(entry_documents::entry_id.eq(entry_id))
        .order(entry_documents::created_at.asc())
        .select(Document::as_select())
        .load(conn)?)
}

/// One document of the centre.
pub fn document(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Document> {
    Ok(entry_documents::table
        .filter(entry_documents::tenant_id.eq(tid(tenant)))
        .filter(entry_documents::id.eq(id))
        .select(Document::as_select())
        .first(conn)?)
}

/// Issues (or re-issues) a Confirmation of Entry: the new secret number's hash replaces any old
/// one, so lost credentials are regenerated by issuing again.
pub fn issue_coe(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry: &Entry,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        super::candidate::set_secret_hash(c, tenant, &entry.candidate_id, secret_hash)?;
        diesel::update(entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::id.eq(&entry.id)))
            .set(entries::coe_issued_at.eq(Some(now.naive_utc())))
            .execute(c)?;
        Ok(())
    })
}

/// Records that the candidate confirmed reading the notices sent with the CoE at `at`
/// (R-NOTICES); false when they had confirmed already (the first confirmation stands).
pub fn acknowledge_notices(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    at: NaiveDateTime,
) -> StorageResult<bool> {
    let n = diesel::update(
        entries::table
            .filter(entries::tenant_id.eq(tid(tenant)))
            .filter(entries::id.eq(entry_id))
            .filter(entries::notices_acknowledged_at.is_null()),
    )
    .set(entries::notices_acknowledged_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// An entry of a session as a bulk issue of Confirmations of Entry sees it (fields in the order
/// of the query's columns).
#[derive(Debug, Clone, Queryable)]
pub struct CoeTarget {
    pub entry_id: String,
    pub candidate_number: String,
    pub status: String,
    pub coe_issued_at: Option<NaiveDateTime>,
    pub email: Option<String>,
    pub first_name: String,
    pub family_name: String,
}

/// Every entry of a session with its CoE state and the candidate's email and name, by candidate
/// number.
pub fn coe_targets(conn: &mut DbConnection, tenant: TenantId, session_id: &str) -> StorageResult<Vec<CoeTarget>> {
    Ok(entries::table
        .inner_join(
            candidates::table
                .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
        )
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::session_id.eq(session_id))
        .order(entries::candidate_number.asc())
        .select((
            entries::id,
            entries::candidate_number,
            entries::status,
            entries::coe_issued_at,
            candidates::email,
            candidates::first_name,
            candidates::family_name,
        ))
        .load::<CoeTarget>(conn)?)
}

/// Confirmed entries of `tenant` with no result at all, in sessions that are not cancelled and
/// whose written paper was on or before `written_by`, with the session and the candidate (the
/// caller applies R-RESULTS-WINDOW to each session).
pub fn entries_without_result(
    conn: &mut DbConnection,
    tenant: TenantId,
    written_by: NaiveDate,
) -> StorageResult<Vec<(Entry, ExamSession, Candidate)>> {
    let sessions: Vec<ExamSession> = exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .filter(exam_sessions::status.ne("cancelled"))
        .filter(exam_sessions::written_date.le(written_by))
        .order(exam_sessions::written_date.asc())
        .select(ExamSession::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for s in sessions {
        let rows: Vec<(Entry, Candidate)> = entries::table
            .inner_join(
                candidates::table
                    .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
            )
            .filter(entries::tenant_id.eq(tid(tenant)))
            .filter(entries::session_id.eq(&s.id))
            .filter(entries::status.eq("confirmed"))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                results::table.filter(results::tenant_id.eq(tid(tenant))).filter(results::entry_id.eq(entries::id)),
            )))
            .order(entries::candidate_number.asc())
            .select((Entry::as_select(), Candidate::as_select()))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(e, c)| (e, s.clone(), c)));
    }
    Ok(out)
}

/// Confirmed entries of the centre without a Confirmation of Entry in sessions that are not
/// cancelled and whose first component is on or after `from` (upcoming ones only), each with its
/// session, the day of its first component and its candidate (R-COE-MISSING).
pub fn entries_without_coe(
    conn: &mut DbConnection,
    tenant: TenantId,
    from: NaiveDate,
) -> StorageResult<Vec<(Entry, ExamSession, NaiveDate, Candidate)>> {
    let sessions: Vec<ExamSession> = exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .filter(exam_sessions::status.ne("cancelled"))
        .select(ExamSession::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for s in sessions {
        let first = timetable(conn, tenant, &s.id)?.iter().map(|l| l.day).min().unwrap_or(s.written_date);
        let first = first.min(s.written_date);
        if first < from {
            continue;
        }
        let rows: Vec<Entry> = entries::table
            .filter(entries::tenant_id.eq(tid(tenant)))
            .filter(entries::session_id.eq(&s.id))
            .filter(entries::status.eq("confirmed"))
            .filter(entries::coe_issued_at.is_null())
            .order(entries::candidate_number.asc())
            .select(Entry::as_select())
            .load(conn)?;
        let ids: Vec<&str> = rows.iter().map(|e| e.candidate_id.as_str()).collect();
        let mut cands: std::collections::HashMap<String, Candidate> = candidates::table
            .filter(candidates::tenant_id.eq(tid(tenant)))
            .filter(candidates::id.eq_any(&ids))
            .select(Candidate::as_select())
            .load(conn)?
            .into_iter()
            .map(|c: Candidate| (c.id.clone(), c))
            .collect();
        for e in rows {
            let cand = cands.remove(&e.candidate_id).ok_or(StorageError::NotFound)?;
            out.push((e, s.clone(), first, cand));
        }
    }
    Ok(out)
}

/// One line of a results file, checked.
#[derive(Debug, Clone)]
pub struct ImportedResult {
    pub candidate_number: String,
    pub status: String,
    pub overall_score: Option<i32>,
    pub grade: Option<String>,
    pub cefr: Option<String>,
    pub components: Vec<(String, i32)>,
}

/// Imports a session's results in one transaction: each line becomes a new version of its
/// entry's result (R-RESULT-VERSIONS: earlier versions are kept, the new one is current; the
/// Statement of Results number stays). `sor_number` makes the number for an entry's first result.
/// Returns the number of results stored, or the lines whose candidate number has no entry.
///
/// A board file can hold a whole session (100,000 lines), so the work is done in a few set-wise
/// statements rather than several per line: one query for the earlier versions of the session's
/// entries, chunked updates of `is_current`, and multi-row inserts of results and components.
pub fn import_results(
    conn: &mut DbConnection,
    tenant: TenantId,
    session_id: &str,
    rows: &[(usize, ImportedResult)],
    imported_by: &str,
    now: DateTime<Utc>,
    sor_number: &mut dyn FnMut() -> String,
) -> StorageResult<Result<usize, Vec<(usize, tessera_domain::DomainError)>>> {
    use std::collections::HashMap;
    use tessera_domain::{DomainError, ErrorCode};
    // A board file can hold 100,000 lines: their inserts walk indexes far larger than SQLite's
    // default page cache.
    crate::conn::with_large_cache(conn, 64, |conn| {
        crate::transaction(conn, |c| {
            let session_entries = crate::repo::centre::session_entries(c, tenant, session_id)?;
            let by_number: HashMap<&str, &Entry> =
                session_entries.iter().map(|e| (e.candidate_number.as_str(), e)).collect();
            let mut unknown = Vec::new();
            let mut plan = Vec::new();
            for (line, row) in rows {
                match by_number.get(row.candidate_number.as_str()) {
                    // R-ENTRY-VOID: a cancelled or voided entry gets no result.
                    Some(e) => {
                        match tessera_domain::entries::r_entry_void_may_receive_result(&e.status, &row.candidate_number)
                        {
                            Ok(()) => plan.push((*e, row)),
                            Err(refusal) => unknown.push((*line, refusal)),
                        }
                    }
                    None => unknown.push((
                        *line,
                        DomainError::new(ErrorCode::ResultsNoEntry)
                            .on("candidate_number")
                            .arg("number", &row.candidate_number),
                    )),
                }
            }
            if !unknown.is_empty() {
                return Ok(Err(unknown));
            }
            // The newest earlier version of every entry of the session: its number and SoR number.
            let earlier: Vec<(String, i32, String)> = results::table
                .filter(results::tenant_id.eq(tid(tenant)))
                .filter(
                    results::entry_id.eq_any(
                        entries::table
                            .filter(entries::tenant_id.eq(tid(tenant)))
                            .filter(entries::session_id.eq(session_id))
                            .select(entries::id),
                    ),
                )
                .select((results::entry_id, results::version, results::sor_number))
                .load(c)?;
            // Per entry: (the next version, the SoR number, the index of its newest row of this file).
            let mut latest: HashMap<String, (i32, String, Option<usize>)> = HashMap::new();
            for (entry_id, version, sor) in earlier {
                let slot = latest.entry(entry_id).or_insert((0, String::new(), None));
                if version >= slot.0 {
                    *slot = (version + 1, sor, None);
                }
            }
            let superseded: Vec<String> = plan
                .iter()
                .map(|(e, _)| e.id.clone())
                .filter(|id| latest.contains_key(id))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for chunk in superseded.chunks(500) {
                diesel::update(
                    results::table
                        .filter(results::tenant_id.eq(tid(tenant)))
                        .filter(results::is_current.eq(true))
                        .filter(results::entry_id.eq_any(chunk)),
                )
                .set(results::is_current.eq(false))
                .execute(c)?;
                crate::repo::credentials::revoke_for_entries(c, tenant, chunk, REVOKED_SUPERSEDED, now)?;
            }
            let mut new_results: Vec<ResultRow> = Vec::with_capacity(plan.len());
            let mut new_components = Vec::new();
            for (entry, row) in &plan {
                let slot = latest.entry(entry.id.clone()).or_insert_with(|| (1, sor_number(), None));
                // The same entry twice in one file: the later line is a newer version.
                if let Some(previous) = slot.2 {
                    new_results[previous].is_current = false;
                }
                let result = ResultRow {
                    tenant_id: tid(tenant),
                    // Time-ordered ids: a large import appends to the primary-key and component
                    // indexes instead of splitting pages all over them.
                    id: uuid::Uuid::now_v7().to_string(),
                    entry_id: entry.id.clone(),
                    version: slot.0,
                    is_current: true,
                    status: row.status.clone(),
                    overall_score: row.overall_score,
                    grade: row.grade.clone(),
                    cefr: row.cefr.clone(),
                    sor_number: slot.1.clone(),
                    created_at: now.naive_utc(),
                };
                slot.0 += 1;
                slot.2 = Some(new_results.len());
                new_components.extend(row.components.iter().map(|(component, score)| ComponentScore {
                    tenant_id: tid(tenant),
                    result_id: result.id.clone(),
                    component: component.clone(),
                    score: *score,
                }));
                new_results.push(result);
            }
            crate::repo::centre::insert_results(c, &new_results, &new_components)?;
            // Entries that had a result before: organisations they are shared with hear of the
            // new version (a re-import), in this transaction.
            let superseded: std::collections::HashSet<&String> = superseded.iter().collect();
            for r in new_results.iter().filter(|r| r.is_current && superseded.contains(&r.entry_id)) {
                crate::repo::webhooks::emit_result_updated(c, tenant, &r.entry_id, &r.id, now)?;
            }
            diesel::insert_into(result_imports::table)
                .values((
                    result_imports::tenant_id.eq(tid(tenant)),
                    result_imports::id.eq(uuid::Uuid::new_v4().to_string()),
                    result_imports::session_id.eq(session_id),
                    result_imports::rows_imported.eq(plan.len() as i32),
                    result_imports::imported_by.eq(imported_by),
                    result_imports::created_at.eq(now.naive_utc()),
                ))
                .execute(c)?;
            Ok(Ok(plan.len()))
        })
    })
}

/// Stores a new version of an entry's result and makes it the current one (R-RESULT-VERSIONS:
/// earlier versions are kept; the Statement of Results number stays the entry's first one).
pub fn add_result_version(
    c: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    row: &ImportedResult,
    now: DateTime<Utc>,
    sor_number: &mut dyn FnMut() -> String,
) -> StorageResult<ResultRow> {
    let previous = result_versions(c, tenant, entry_id)?;
    let version = previous.first().map(|r| r.version + 1).unwrap_or(1);
    let sor = previous.first().map(|r| r.sor_number.clone()).unwrap_or_else(&mut *sor_number);
    diesel::update(results::table.filter(results::tenant_id.eq(tid(tenant))).filter(results::entry_id.eq(entry_id)))
        .set(results::is_current.eq(false))
        .execute(c)?;
    crate::repo::credentials::revoke_for_entry(c, tenant, entry_id, None, REVOKED_SUPERSEDED, now)?;
    let result = ResultRow {
        tenant_id: tid(tenant),
        id: uuid::Uuid::new_v4().to_string(),
        entry_id: entry_id.to_owned(),
        version,
        is_current: true,
        status: row.status.clone(),
        overall_score: row.overall_score,
        grade: row.grade.clone(),
        cefr: row.cefr.clone(),
        sor_number: sor,
        created_at: now.naive_utc(),
    };
    diesel::insert_into(results::table).values(&result).execute(c)?;
    for (component, score) in &row.components {
        let comp = ComponentScore {
            tenant_id: tid(tenant),
            result_id: result.id.clone(),
            component: component.clone(),
            score: *score,
        };
        diesel::insert_into(result_components::table).values(&comp).execute(c)?;
    }
    if !previous.is_empty() {
        // A new version of a result organisations may hold: their webhooks hear of it.
        crate::repo::webhooks::emit_result_updated(c, tenant, entry_id, &result.id, now)?;
    }
    Ok(result)
}

/// Every version of an entry's result, newest first.
pub fn result_versions(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<ResultRow>> {
    Ok(results::table
        .filter(results::tenant_id.eq(tid(tenant)))
        .filter(results::entry_id.eq(entry_id))
        .order(results::version.desc())
        .select(ResultRow::as_select())
        .load(conn)?)
}

/// Inside a transaction, locks an entry's row until the transaction ends, so that two requests
/// on one entry (two refund requests, say) run one after the other. PostgreSQL takes a row lock;
/// SQLite needs nothing, as [`crate::transaction`] holds the database's write lock.
pub fn lock_entry(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<()> {
    use diesel::sql_types::Text;
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT 1 FROM entries WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind::<Text, _>(tid(tenant))
            .bind::<Text, _>(entry_id)
            .execute(pg)?;
    }
    Ok(())
}

/// A refund request and the policy decision on it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = refund_requests)]
pub struct RefundRequest {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub facts: String,
    pub decision: String,
    pub plugin: String,
    pub plugin_version: String,
    pub outcome: String,
    pub amount_minor: i64,
    pub currency: String,
    pub pay_by: Option<NaiveDate>,
    pub status: String,
    pub confirmed_by: Option<String>,
    pub paid_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// How the candidate chose to be paid back: `bank_transfer` or `cash`.
    pub payout_method: Option<String>,
    /// The account for a refund by transfer.
    pub payout_account: Option<String>,
    /// How it was paid, once paid.
    pub paid_method: Option<String>,
    /// The day it was paid (the tenant's calendar).
    pub paid_on: Option<NaiveDate>,
}

/// Stores a decided refund request.
pub fn add_refund(conn: &mut DbConnection, r: &RefundRequest) -> StorageResult<()> {
    diesel::insert_into(refund_requests::table).values(r).execute(conn)?;
    Ok(())
}

/// One refund request of the centre.
pub fn refund(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<RefundRequest> {
    Ok(refund_requests::table
        .filter(refund_requests::tenant_id.eq(tid(tenant)))
        .filter(refund_requests::id.eq(id))
        .select(RefundRequest::as_select())
        .first(conn)?)
}

/// The refund requests of an entry.
pub fn refunds_for_entry(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
) -> StorageResult<Vec<RefundRequest>> {
    Ok(refund_requests::table
        .filter(refund_requests::tenant_id.eq(tid(tenant)))
        .filter(refund_requests::entry_id.eq(entry_id))
        .order(refund_requests::created_at.asc())
        .select(RefundRequest::as_select())
        .load(conn)?)
}

/// Moves a refund request from `from` to `to` (confirm, pay, reject); false when it was not in `from`.
/// A payout records how and on which day it was paid (`paid`).
pub fn advance_refund(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    (from, to): (&str, &str),
    by: &str,
    now: DateTime<Utc>,
    paid: Option<(&str, NaiveDate)>,
) -> StorageResult<bool> {
    let scope = refund_requests::table
        .filter(refund_requests::tenant_id.eq(tid(tenant)))
        .filter(refund_requests::id.eq(id))
        .filter(refund_requests::status.eq(from));
    let n = if to == "paid" {
        diesel::update(scope)
            .set((
                refund_requests::status.eq(to),
                refund_requests::paid_at.eq(Some(now.naive_utc())),
                refund_requests::paid_method.eq(paid.map(|p| p.0)),
                refund_requests::paid_on.eq(paid.map(|p| p.1)),
            ))
            .execute(conn)?
    } else {
        diesel::update(scope)
            .set((refund_requests::status.eq(to), refund_requests::confirmed_by.eq(Some(by))))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Corrects a candidate's name (R-NAME-SPELLING); the organisations' search indexes holding the
/// old name follow in the same transaction (R-INDEX-FRESH).
pub fn rename_candidate(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    first: &str,
    family: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        let n = diesel::update(
            candidates::table.filter(candidates::tenant_id.eq(tid(tenant))).filter(candidates::id.eq(candidate_id)),
        )
        .set((candidates::first_name.eq(first), candidates::family_name.eq(family)))
        .execute(c)?;
        if n != 1 {
            return Err(StorageError::NotFound);
        }
        crate::repo::search_log::record_for_candidate(c, tenant, candidate_id, now)?;
        Ok(())
    })
}

/// Moves an entry's speaking test to `day` (R-TIMETABLE-CHANGE).
pub fn set_speaking_day(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    day: NaiveDate,
) -> StorageResult<()> {
    let n = diesel::update(entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::id.eq(entry_id)))
        .set(entries::speaking_day.eq(Some(day)))
        .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}
