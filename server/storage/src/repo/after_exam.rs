//! Exam day and after (DOMAIN.md sections 7 to 9): attendance and ID checks, special
//! consideration and malpractice cases, results enquiries, certificates, and the retention purge.

use crate::schema::{candidates, entries};
use crate::schema_centre::{attendance, certificates, enquiries, entry_cases, entry_documents, refund_requests};
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
    ))
    .execute(conn)?;
    Ok(n == 1)
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
