//! Bulk verification (R-BULK-VERIFY): an organisation's list of Statement of Results numbers and
//! dates of birth, stored whole once checked, and a verdict per row written by a durable job.
//!
//! The organisation's daily row quota is counted from the lists it uploaded in the last day, in
//! the transaction that stores a new one (under a lock per organisation on PostgreSQL, so two
//! uploads at once cannot both take the last rows).

use crate::schema::{candidates, entries, exam_sessions, result_shares, results, tenants};
use crate::schema_credentials::credentials;
use crate::schema_verifier::{bulk_verification_rows as rows_t, bulk_verifications as bv};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// A bulk verification as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = bv)]
pub struct BulkVerification {
    pub tenant_id: String,
    pub id: String,
    pub actor_id: String,
    pub file_name: String,
    pub total: i32,
    pub processed: i32,
    /// `queued`, `running` or `done`.
    pub status: String,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// One row of a list with its verdict once processed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = rows_t)]
pub struct VerificationRow {
    pub tenant_id: String,
    pub verification_id: String,
    /// The line of the file (the header line is 1).
    pub row_no: i32,
    pub sor_number: String,
    pub date_of_birth: NaiveDate,
    pub name: Option<String>,
    /// `verified`, `no_match`, `not_shared` or `revoked`; none until processed.
    pub verdict: Option<String>,
    pub candidate_name: Option<String>,
    pub exam_code: Option<String>,
    pub exam_date: Option<NaiveDate>,
    pub centre_name: Option<String>,
    pub result_status: Option<String>,
    pub overall_score: Option<i32>,
    pub grade: Option<String>,
    pub cefr: Option<String>,
}

/// A row as the file gave it.
#[derive(Debug, Clone)]
pub struct NewRow {
    pub row_no: i32,
    pub sor_number: String,
    pub date_of_birth: NaiveDate,
    pub name: Option<String>,
}

/// Rows of the organisation's lists counted in the last day at `now`.
pub fn rows_in_last_day(conn: &mut DbConnection, tenant: TenantId, now: DateTime<Utc>) -> StorageResult<i64> {
    let since = (now - Duration::days(1)).naive_utc();
    let used: Option<i64> = bv::table
        .filter(bv::tenant_id.eq(tid(tenant)))
        .filter(bv::created_at.gt(since))
        .select(diesel::dsl::sum(bv::total))
        .first(conn)?;
    Ok(used.unwrap_or(0))
}

/// Stores a checked list and hands it to `then` (which queues its job) in one transaction,
/// unless it would take the organisation beyond `quota` rows in a day: then `Ok(Err(rows used))`.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    tenant: TenantId,
    actor_id: &str,
    file_name: &str,
    list: &[NewRow],
    quota: i64,
    now: DateTime<Utc>,
    then: impl FnOnce(&mut DbConnection, &BulkVerification) -> StorageResult<()>,
) -> StorageResult<Result<BulkVerification, i64>> {
    crate::transaction(conn, |c| {
        if let DbConnection::Pg(pg) = c {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(format!("bulk-verify:{tenant}"))
                .execute(pg)?;
        }
        let used = rows_in_last_day(c, tenant, now)?;
        if used + list.len() as i64 > quota {
            return Ok(Err(used));
        }
        let row = BulkVerification {
            tenant_id: tid(tenant),
            id: uuid::Uuid::now_v7().to_string(),
            actor_id: actor_id.to_owned(),
            file_name: file_name.to_owned(),
            total: list.len() as i32,
            processed: 0,
            status: "queued".into(),
            created_at: now.naive_utc(),
            finished_at: None,
        };
        diesel::insert_into(bv::table).values(&row).execute(c)?;
        for chunk in list.chunks(500) {
            let stored: Vec<VerificationRow> = chunk
                .iter()
                .map(|r| VerificationRow {
                    tenant_id: tid(tenant),
                    verification_id: row.id.clone(),
                    row_no: r.row_no,
                    sor_number: r.sor_number.clone(),
                    date_of_birth: r.date_of_birth,
                    name: r.name.clone(),
                    verdict: None,
                    candidate_name: None,
                    exam_code: None,
                    exam_date: None,
                    centre_name: None,
                    result_status: None,
                    overall_score: None,
                    grade: None,
                    cefr: None,
                })
                .collect();
            match c {
                DbConnection::Sqlite(c) => diesel::insert_into(rows_t::table).values(&stored).execute(c)?,
                DbConnection::Pg(c) => diesel::insert_into(rows_t::table).values(&stored).execute(c)?,
            };
        }
        then(c, &row)?;
        Ok(Ok(row))
    })
}

/// The organisation's list `id`.
pub fn get(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<BulkVerification> {
    bv::table
        .filter(bv::tenant_id.eq(tid(tenant)))
        .filter(bv::id.eq(id))
        .select(BulkVerification::as_select())
        .first(conn)
        .optional()?
        .ok_or(StorageError::NotFound)
}

/// The organisation's lists, newest first (at most `limit`).
pub fn list(conn: &mut DbConnection, tenant: TenantId, limit: i64) -> StorageResult<Vec<BulkVerification>> {
    Ok(bv::table
        .filter(bv::tenant_id.eq(tid(tenant)))
        .order(bv::created_at.desc())
        .limit(limit)
        .select(BulkVerification::as_select())
        .load(conn)?)
}

/// Every row of list `id`, in file order.
pub fn rows(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Vec<VerificationRow>> {
    Ok(rows_t::table
        .filter(rows_t::tenant_id.eq(tid(tenant)))
        .filter(rows_t::verification_id.eq(id))
        .order(rows_t::row_no.asc())
        .select(VerificationRow::as_select())
        .load(conn)?)
}

/// The next `limit` rows of list `id` without a verdict, in file order.
pub fn pending_rows(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    limit: i64,
) -> StorageResult<Vec<VerificationRow>> {
    Ok(rows_t::table
        .filter(rows_t::tenant_id.eq(tid(tenant)))
        .filter(rows_t::verification_id.eq(id))
        .filter(rows_t::verdict.is_null())
        .order(rows_t::row_no.asc())
        .limit(limit)
        .select(VerificationRow::as_select())
        .load(conn)?)
}

/// A released result a row's number and date of birth point at, as a verdict needs it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub centre_id: TenantId,
    pub centre_name: String,
    pub entry_id: String,
    pub result_id: String,
    pub is_current: bool,
    pub first_name: String,
    pub family_name: String,
    pub sheet_exam: String,
    pub exam_date: NaiveDate,
    pub status: String,
    pub overall_score: Option<i32>,
    pub grade: Option<String>,
    pub cefr: Option<String>,
    /// Its credential was revoked (a newer version, a cancellation, a voided result).
    pub credential_revoked: bool,
    /// An active share with the asking organisation exists for its entry.
    pub shared: bool,
}

/// The released result with Statement of Results number `sor` whose candidate was born on
/// `dob`, the current version first, with whether it is shared with `org` and revoked.
pub fn match_row(
    conn: &mut DbConnection,
    org: TenantId,
    sor: &str,
    dob: NaiveDate,
    now: DateTime<Utc>,
) -> StorageResult<Option<Candidate>> {
    type Found = (
        String,
        String,
        String,
        bool,
        String,
        String,
        String,
        NaiveDate,
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
        String,
    );
    let found: Option<Found> = results::table
        .inner_join(entries::table.on(entries::tenant_id.eq(results::tenant_id).and(entries::id.eq(results::entry_id))))
        .inner_join(
            candidates::table
                .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
        )
        .inner_join(
            exam_sessions::table
                .on(exam_sessions::tenant_id.eq(entries::tenant_id).and(exam_sessions::id.eq(entries::session_id))),
        )
        .inner_join(tenants::table.on(tenants::id.eq(results::tenant_id)))
        .filter(results::sor_number.eq(sor))
        .filter(candidates::date_of_birth.eq(dob))
        // R-RELEASE: nothing is visible before the release instant.
        .filter(exam_sessions::release_at.le(now.naive_utc()))
        .order((results::is_current.desc(), results::version.desc()))
        .select((
            results::tenant_id,
            results::entry_id,
            results::id,
            results::is_current,
            candidates::first_name,
            candidates::family_name,
            exam_sessions::exam_code,
            exam_sessions::written_date,
            results::status,
            results::overall_score,
            results::grade,
            results::cefr,
            tenants::name,
        ))
        .first(conn)
        .optional()?;
    let Some((centre, entry_id, result_id, is_current, first, family, exam, date, status, score, grade, cefr, cname)) =
        found
    else {
        return Ok(None);
    };
    let revoked: i64 = credentials::table
        .filter(credentials::tenant_id.eq(&centre))
        .filter(credentials::result_id.eq(&result_id))
        .filter(credentials::revoked_at.is_not_null())
        .count()
        .get_result(conn)?;
    let shared: i64 = result_shares::table
        .filter(result_shares::tenant_id.eq(&centre))
        .filter(result_shares::entry_id.eq(&entry_id))
        .filter(result_shares::verifier_tenant_id.eq(tid(org)))
        .filter(result_shares::withdrawn_at.is_null())
        .count()
        .get_result(conn)?;
    let centre_id: TenantId = centre.parse().map_err(|_| StorageError::Corrupt(format!("tenant id `{centre}`")))?;
    Ok(Some(Candidate {
        centre_id,
        centre_name: cname,
        entry_id,
        result_id,
        is_current,
        first_name: first,
        family_name: family,
        sheet_exam: exam,
        exam_date: date,
        status,
        overall_score: score,
        grade,
        cefr,
        credential_revoked: revoked > 0,
        shared: shared > 0,
    }))
}

/// Writes the verdicts of processed rows and counts them, in one transaction with `audit` (the
/// rows' audit records); the list is done when every row has one.
pub fn record_verdicts(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    done: &[VerificationRow],
    now: DateTime<Utc>,
    audit: impl FnOnce(&mut DbConnection) -> StorageResult<()>,
) -> StorageResult<BulkVerification> {
    crate::transaction(conn, |c| {
        for r in done {
            diesel::update(
                rows_t::table
                    .filter(rows_t::tenant_id.eq(tid(tenant)))
                    .filter(rows_t::verification_id.eq(id))
                    .filter(rows_t::row_no.eq(r.row_no))
                    .filter(rows_t::verdict.is_null()),
            )
            .set((
                rows_t::verdict.eq(&r.verdict),
                rows_t::candidate_name.eq(&r.candidate_name),
                rows_t::exam_code.eq(&r.exam_code),
                rows_t::exam_date.eq(r.exam_date),
                rows_t::centre_name.eq(&r.centre_name),
                rows_t::result_status.eq(&r.result_status),
                rows_t::overall_score.eq(r.overall_score),
                rows_t::grade.eq(&r.grade),
                rows_t::cefr.eq(&r.cefr),
            ))
            .execute(c)?;
        }
        audit(c)?;
        let processed: i64 = rows_t::table
            .filter(rows_t::tenant_id.eq(tid(tenant)))
            .filter(rows_t::verification_id.eq(id))
            .filter(rows_t::verdict.is_not_null())
            .count()
            .get_result(c)?;
        let list = get(c, tenant, id)?;
        let finished = processed >= list.total as i64;
        diesel::update(bv::table.filter(bv::tenant_id.eq(tid(tenant))).filter(bv::id.eq(id)))
            .set((
                bv::processed.eq(processed as i32),
                bv::status.eq(if finished { "done" } else { "running" }),
                bv::finished_at.eq(finished.then(|| now.naive_utc())),
            ))
            .execute(c)?;
        get(c, tenant, id)
    })
}
