//! Exam day and after (DOMAIN.md sections 7 to 9): attendance and ID checks, special
//! consideration and malpractice cases, results enquiries, certificates, and the retention purge.

use crate::repo::centre::{Candidate, Entry, ExamSession, ResultRow};
use crate::schema::{candidates, entries, results};
use crate::schema_centre::{
    appeal_terms, appeals, attendance, certificates, enquiries, entry_cases, entry_documents, refund_requests,
};
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// Attendance at one component, with the ID check.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = attendance)]
pub struct Attendance {
    pub tenant_id: String,
    pub entry_id: String,
    pub component: String,
    pub present: bool,
    pub id_document_shown: Option<String>,
    pub admitted: bool,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    /// `deposited` or `refused` (R-DEVICE-DEPOSIT), where it was recorded.
    pub devices: Option<String>,
}

/// Records (or corrects) attendance at a component.
pub fn record_attendance(conn: &mut DbConnection, a: &Attendance) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        diesel::delete(
            attendance::table
                .filter(attendance::tenant_id.eq(&a.tenant_id))
                .filter(attendance::entry_id.eq(&a.entry_id))
                .filter(attendance::component.eq(&a.component)),
        )
        .execute(c)?;
        diesel::insert_into(attendance::table).values(a).execute(c)?;
        Ok(())
    })
}

/// An entry's attendance.
pub fn attendance(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<Attendance>> {
    Ok(attendance::table
        .filter(attendance::tenant_id.eq(tid(tenant)))
        .filter(attendance::entry_id.eq(entry_id))
        .order(attendance::component.asc())
        .select(Attendance::as_select())
        .load(conn)?)
}

/// Whether the candidate of an entry refused to deposit their devices at any component
/// (R-DEVICE-DEPOSIT).
pub fn devices_refused(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        attendance::table
            .filter(attendance::tenant_id.eq(tid(tenant)))
            .filter(attendance::entry_id.eq(entry_id))
            .filter(attendance::devices.eq("refused")),
    ))
    .get_result(conn)?)
}

/// A case about an entry: special consideration, malpractice, conduct complaint, timetable change.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = entry_cases)]
pub struct Case {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub kind: String,
    pub description: String,
    pub status: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

/// Opens a case.
pub fn open_case(conn: &mut DbConnection, case: &Case) -> StorageResult<()> {
    diesel::insert_into(entry_cases::table).values(case).execute(conn)?;
    Ok(())
}

/// One case of the centre.
pub fn case(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Case> {
    Ok(entry_cases::table
        .filter(entry_cases::tenant_id.eq(tid(tenant)))
        .filter(entry_cases::id.eq(id))
        .select(Case::as_select())
        .first(conn)?)
}

/// The cases of an entry, oldest first.
pub fn cases(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<Case>> {
    Ok(entry_cases::table
        .filter(entry_cases::tenant_id.eq(tid(tenant)))
        .filter(entry_cases::entry_id.eq(entry_id))
        .order(entry_cases::opened_at.asc())
        .select(Case::as_select())
        .load(conn)?)
}

/// Closes an open case as `upheld` or `dismissed`; false when it was not open.
pub fn close_case(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    status: &str,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let n = diesel::update(
        entry_cases::table
            .filter(entry_cases::tenant_id.eq(tid(tenant)))
            .filter(entry_cases::id.eq(id))
            .filter(entry_cases::status.eq("open")),
    )
    .set((entry_cases::status.eq(status), entry_cases::closed_at.eq(Some(now.naive_utc()))))
    .execute(conn)?;
    Ok(n == 1)
}

/// A results enquiry (R-ENQUIRY).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = enquiries)]
pub struct Enquiry {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub stage: i32,
    pub fee_minor: i64,
    pub currency: String,
    pub requested_on: NaiveDate,
    pub status: String,
    pub outcome: Option<String>,
    pub fee_refunded: bool,
    pub created_at: NaiveDateTime,
    /// When the outcome was recorded (none before it was, or for enquiries completed before
    /// this was kept).
    pub completed_at: Option<NaiveDateTime>,
}

/// Opens an enquiry.
pub fn open_enquiry(conn: &mut DbConnection, e: &Enquiry) -> StorageResult<()> {
    diesel::insert_into(enquiries::table).values(e).execute(conn)?;
    Ok(())
}

/// The enquiries of an entry, oldest first.
pub fn enquiries(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<Enquiry>> {
    Ok(enquiries::table
        .filter(enquiries::tenant_id.eq(tid(tenant)))
        .filter(enquiries::entry_id.eq(entry_id))
        .order(enquiries::created_at.asc())
        .select(Enquiry::as_select())
        .load(conn)?)
}

/// One enquiry of the centre.
pub fn enquiry(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Enquiry> {
    Ok(enquiries::table
        .filter(enquiries::tenant_id.eq(tid(tenant)))
        .filter(enquiries::id.eq(id))
        .select(Enquiry::as_select())
        .first(conn)?)
}

/// Completes an open enquiry with its outcome; false when it was not open.
pub fn complete_enquiry(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    outcome: &str,
    fee_refunded: bool,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let n = diesel::update(
        enquiries::table
            .filter(enquiries::tenant_id.eq(tid(tenant)))
            .filter(enquiries::id.eq(id))
            .filter(enquiries::status.eq("open")),
    )
    .set((
        enquiries::status.eq("completed"),
        enquiries::outcome.eq(Some(outcome)),
        enquiries::fee_refunded.eq(fee_refunded),
        enquiries::completed_at.eq(Some(now.naive_utc())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// An appeal the centre lodged for a candidate (R-APPEAL).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = appeals)]
pub struct Appeal {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub ground: String,
    pub fee_minor: i64,
    pub currency: String,
    pub lodged_on: NaiveDate,
    pub deadline: NaiveDate,
    pub status: String,
    pub outcome: Option<String>,
    pub fee_refunded: bool,
    pub lodged_by: String,
    pub lodged_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

/// Lodges an appeal; a second lodged appeal of the entry is a conflict (the unique index).
pub fn lodge_appeal(conn: &mut DbConnection, a: &Appeal) -> StorageResult<()> {
    diesel::insert_into(appeals::table).values(a).execute(conn)?;
    Ok(())
}

/// The appeals of an entry, oldest first.
pub fn appeals(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<Appeal>> {
    Ok(appeals::table
        .filter(appeals::tenant_id.eq(tid(tenant)))
        .filter(appeals::entry_id.eq(entry_id))
        .order(appeals::lodged_at.asc())
        .select(Appeal::as_select())
        .load(conn)?)
}

/// One appeal of the centre.
pub fn appeal(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Appeal> {
    Ok(appeals::table
        .filter(appeals::tenant_id.eq(tid(tenant)))
        .filter(appeals::id.eq(id))
        .select(Appeal::as_select())
        .first(conn)?)
}

/// The board's decision on a lodged appeal: `upheld` or `dismissed`, with the outcome and
/// whether the fee is refunded; false when it was not lodged (decided already).
pub fn decide_appeal(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    decision: (&str, Option<&str>, bool),
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let (status, outcome, fee_refunded) = decision;
    let n = diesel::update(
        appeals::table
            .filter(appeals::tenant_id.eq(tid(tenant)))
            .filter(appeals::id.eq(id))
            .filter(appeals::status.eq("lodged")),
    )
    .set((
        appeals::status.eq(status),
        appeals::outcome.eq(outcome),
        appeals::fee_refunded.eq(fee_refunded),
        appeals::decided_by.eq(Some(by)),
        appeals::decided_at.eq(Some(now.naive_utc())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The centre's appeal window in days, if it set one.
pub fn appeal_window(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Option<i32>> {
    Ok(appeal_terms::table
        .filter(appeal_terms::tenant_id.eq(tid(tenant)))
        .select(appeal_terms::window_days)
        .first(conn)
        .optional()?)
}

/// Sets the centre's appeal window in days.
pub fn set_appeal_window(
    conn: &mut DbConnection,
    tenant: TenantId,
    days: i32,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        let changed = diesel::update(appeal_terms::table.filter(appeal_terms::tenant_id.eq(tid(tenant))))
            .set((
                appeal_terms::window_days.eq(days),
                appeal_terms::updated_by.eq(by),
                appeal_terms::updated_at.eq(now.naive_utc()),
            ))
            .execute(c)?;
        if changed == 0 {
            diesel::insert_into(appeal_terms::table)
                .values((
                    appeal_terms::tenant_id.eq(tid(tenant)),
                    appeal_terms::window_days.eq(days),
                    appeal_terms::updated_by.eq(by),
                    appeal_terms::updated_at.eq(now.naive_utc()),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// A certificate held by the centre for a candidate.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub tenant_id: String,
    pub entry_id: String,
    pub arrived_on: NaiveDate,
    pub collected_on: Option<NaiveDate>,
    pub collected_by: Option<String>,
    pub collector_name: Option<String>,
    pub collector_id_document: Option<String>,
    pub signature_recorded: bool,
    pub courier_address: Option<String>,
    pub replacements: i32,
    pub destroyed_on: Option<NaiveDate>,
}

/// Records the arrival of a certificate (R-CERT-ARRIVAL); a second arrival is a conflict.
pub fn certificate_arrived(conn: &mut DbConnection, c: &Certificate) -> StorageResult<()> {
    diesel::insert_into(certificates::table).values(c).execute(conn)?;
    Ok(())
}

/// The certificate of an entry.
pub fn certificate(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Certificate> {
    Ok(certificates::table
        .filter(certificates::tenant_id.eq(tid(tenant)))
        .filter(certificates::entry_id.eq(entry_id))
        .select(Certificate::as_select())
        .first(conn)?)
}

/// Saves a certificate's collection, replacement or destruction.
pub fn save_certificate(conn: &mut DbConnection, c: &Certificate) -> StorageResult<()> {
    diesel::update(
        certificates::table
            .filter(certificates::tenant_id.eq(&c.tenant_id))
            .filter(certificates::entry_id.eq(&c.entry_id)),
    )
    .set((
        certificates::collected_on.eq(c.collected_on),
        certificates::collected_by.eq(&c.collected_by),
        certificates::collector_name.eq(&c.collector_name),
        certificates::collector_id_document.eq(&c.collector_id_document),
        certificates::signature_recorded.eq(c.signature_recorded),
        certificates::courier_address.eq(&c.courier_address),
        certificates::replacements.eq(c.replacements),
        certificates::destroyed_on.eq(c.destroyed_on),
    ))
    .execute(conn)?;
    Ok(())
}

/// Every certificate of the centre (for the retention run).
pub fn certificates(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(certificates::tenant_id.eq(tid(tenant)))
        .select(Certificate::as_select())
        .load(conn)?)
}

/// Deletes the document rows of an entry; returns their ids (the caller removes the files).
pub fn purge_documents(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    kinds: &[&str],
) -> StorageResult<Vec<String>> {
    let scope = || {
        entry_documents::table
            .filter(entry_documents::tenant_id.eq(tid(tenant)))
            .filter(entry_documents::entry_id.eq(entry_id))
            .filter(entry_documents::kind.eq_any(kinds.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()))
    };
    let ids: Vec<String> = scope().select(entry_documents::id).load(conn)?;
    diesel::delete(scope()).execute(conn)?;
    Ok(ids)
}

/// Removes a candidate's contact data (email, phone), the entry's guardian and ID details and the
/// account a refund was paid to,
/// keeping what verifies a result: name, date of birth, SoR number and result (R-DATA-MINIMUM).
pub fn purge_contact_data(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    crate::transaction(conn, |c| {
        let n = diesel::update(
            candidates::table
                .filter(candidates::tenant_id.eq(tid(tenant)))
                .filter(candidates::id.eq(candidate_id))
                .filter(candidates::personal_data_purged_at.is_null()),
        )
        .set((
            candidates::email.eq(None::<String>),
            candidates::phone.eq(None::<String>),
            candidates::personal_data_purged_at.eq(Some(now.naive_utc())),
        ))
        .execute(c)?;
        diesel::update(
            entries::table.filter(entries::tenant_id.eq(tid(tenant))).filter(entries::candidate_id.eq(candidate_id)),
        )
        .set((
            entries::guardian_name.eq(None::<String>),
            entries::guardian_contact.eq(None::<String>),
            entries::id_document_number.eq(None::<String>),
        ))
        .execute(c)?;
        // The account a refund was paid to is contact data too (R-DATA-MINIMUM).
        let entry_ids: Vec<String> = entries::table
            .filter(entries::tenant_id.eq(tid(tenant)))
            .filter(entries::candidate_id.eq(candidate_id))
            .select(entries::id)
            .load(c)?;
        diesel::update(
            refund_requests::table
                .filter(refund_requests::tenant_id.eq(tid(tenant)))
                .filter(refund_requests::entry_id.eq_any(&entry_ids)),
        )
        .set(refund_requests::payout_account.eq(None::<String>))
        .execute(c)?;
        // The purged email leaves the organisations' search indexes too (R-INDEX-FRESH).
        crate::repo::search_log::record_for_candidate(c, tenant, candidate_id, now)?;
        Ok(n)
    })
}

/// The entries with an upheld case of `kind` (e.g. `special_consideration`) whose current result
/// is graded, each with its session, its candidate and that result, by session date and
/// candidate number.
pub fn graded_entries_with_upheld_case(
    conn: &mut DbConnection,
    tenant: TenantId,
    kind: &str,
) -> StorageResult<Vec<(Entry, ExamSession, Candidate, ResultRow)>> {
    let ids: Vec<String> = entry_cases::table
        .filter(entry_cases::tenant_id.eq(tid(tenant)))
        .filter(entry_cases::kind.eq(kind))
        .filter(entry_cases::status.eq("upheld"))
        .select(entry_cases::entry_id)
        .distinct()
        .load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(ResultRow, Entry, Candidate)> = results::table
        .inner_join(entries::table.on(entries::tenant_id.eq(results::tenant_id).and(entries::id.eq(results::entry_id))))
        .inner_join(
            candidates::table
                .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
        )
        .filter(results::tenant_id.eq(tid(tenant)))
        .filter(results::entry_id.eq_any(&ids))
        .filter(results::is_current.eq(true))
        .filter(results::status.eq("graded"))
        .select((ResultRow::as_select(), Entry::as_select(), Candidate::as_select()))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (result, entry, cand) in rows {
        let session = crate::repo::centre::session(conn, tenant, &entry.session_id)?;
        out.push((entry, session, cand, result));
    }
    out.sort_by(|a, b| (a.1.written_date, &a.0.candidate_number).cmp(&(b.1.written_date, &b.0.candidate_number)));
    Ok(out)
}
