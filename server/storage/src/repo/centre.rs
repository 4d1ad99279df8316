//! A centre's year: exam sessions, candidates, entries, results and the shares of results with
//! verifier organisations. Every function is scoped by the centre's `TenantId`, except the
//! verifier-side reads, which are scoped by the verifier's.

use crate::schema::{candidates, entries, exam_sessions, exams, result_components, result_shares, results};
use crate::{DbConnection, StorageResult, tid};

/// Multi-row INSERT, which diesel's multi-backend does not offer: run it on the concrete backend.
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// An exam of the catalogue.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = exams)]
pub struct Exam {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub family: String,
    pub cefr: Option<String>,
    pub exam_type: String,
    pub components: String,
    pub photo_on_day: bool,
    pub verifiable: bool,
}

/// The exams catalogue.
pub fn exams(conn: &mut DbConnection) -> StorageResult<Vec<Exam>> {
    Ok(exams::table.order(exams::code.asc()).select(Exam::as_select()).load(conn)?)
}

/// An exam session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = exam_sessions)]
pub struct ExamSession {
    pub tenant_id: String,
    pub id: String,
    pub exam_code: String,
    pub written_date: NaiveDate,
    pub time_of_day: String,
    pub delivery: String,
    pub fee_minor: i64,
    pub late_fee_minor: i64,
    pub currency: String,
    pub registration_opens: NaiveDate,
    pub registration_closes: NaiveDate,
    pub late_entry_deadline: NaiveDate,
    pub capacity: i32,
    pub minimum_candidates: i32,
    pub release_at: NaiveDateTime,
    pub status: String,
    pub created_at: NaiveDateTime,
}

/// A candidate known to a centre.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = candidates)]
pub struct Candidate {
    pub tenant_id: String,
    pub id: String,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub nationality: Option<String>,
    pub id_number: String,
    #[serde(skip)]
    pub secret_hash: Option<String>,
    pub user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

/// An entry of a candidate for a session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = entries)]
pub struct Entry {
    pub tenant_id: String,
    pub id: String,
    pub session_id: String,
    pub candidate_id: String,
    pub candidate_number: String,
    pub status: String,
    pub fee_minor: i64,
    pub currency: String,
    pub created_at: NaiveDateTime,
}

/// One version of a result.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = results)]
pub struct ResultRow {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub version: i32,
    pub is_current: bool,
    pub status: String,
    pub overall_score: Option<i32>,
    pub grade: Option<String>,
    pub cefr: Option<String>,
    pub sor_number: String,
    pub created_at: NaiveDateTime,
}

/// One component score of a result version.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = result_components)]
pub struct ComponentScore {
    pub tenant_id: String,
    pub result_id: String,
    pub component: String,
    pub score: i32,
}

/// A share of an entry's result with a verifier organisation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = result_shares)]
pub struct Share {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub verifier_tenant_id: String,
    pub shared_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
}

/// Stores a session.
pub fn insert_session(conn: &mut DbConnection, s: &ExamSession) -> StorageResult<()> {
    diesel::insert_into(exam_sessions::table).values(s).execute(conn)?;
    Ok(())
}

/// Stores candidates in one statement per chunk (bulk loads and demo data).
pub fn insert_candidates(conn: &mut DbConnection, rows: &[Candidate]) -> StorageResult<()> {
    for chunk in rows.chunks(500) {
        batch_insert!(conn, candidates::table, chunk)?;
    }
    Ok(())
}

/// Stores entries.
pub fn insert_entries(conn: &mut DbConnection, rows: &[Entry]) -> StorageResult<()> {
    for chunk in rows.chunks(500) {
        batch_insert!(conn, entries::table, chunk)?;
    }
    Ok(())
}

/// Stores result versions with their component scores.
pub fn insert_results(conn: &mut DbConnection, rows: &[ResultRow], components: &[ComponentScore]) -> StorageResult<()> {
    for chunk in rows.chunks(500) {
        batch_insert!(conn, results::table, chunk)?;
    }
    for chunk in components.chunks(500) {
        batch_insert!(conn, result_components::table, chunk)?;
    }
    Ok(())
}

/// Stores shares, with their search change-log rows in the same transaction.
pub fn insert_shares(conn: &mut DbConnection, rows: &[Share]) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        for chunk in rows.chunks(500) {
            batch_insert!(c, result_shares::table, chunk)?;
        }
        let mut by_pair: std::collections::BTreeMap<(&str, &str), Vec<&Share>> = Default::default();
        for s in rows.iter().filter(|s| s.withdrawn_at.is_none()) {
            by_pair.entry((&s.verifier_tenant_id, &s.tenant_id)).or_default().push(s);
        }
        for ((verifier, centre), shares) in by_pair {
            let ids: Vec<&str> = shares.iter().map(|s| s.id.as_str()).collect();
            let at = shares.iter().map(|s| s.shared_at).max().unwrap_or_default().and_utc();
            crate::repo::search_log::record(c, verifier, centre, &ids, at)?;
        }
        Ok(())
    })
}

/// The sessions of a centre, newest first.
pub fn sessions(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<ExamSession>> {
    Ok(exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .order(exam_sessions::written_date.desc())
        .select(ExamSession::as_select())
        .load(conn)?)
}

/// One session of a centre.
pub fn session(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<ExamSession> {
    Ok(exam_sessions::table
        .filter(exam_sessions::tenant_id.eq(tid(tenant)))
        .filter(exam_sessions::id.eq(id))
        .select(ExamSession::as_select())
        .first(conn)?)
}

/// A page of a centre's candidates, by family name.
pub fn candidates(conn: &mut DbConnection, tenant: TenantId, offset: i64, limit: i64) -> StorageResult<Vec<Candidate>> {
    Ok(candidates::table
        .filter(candidates::tenant_id.eq(tid(tenant)))
        .order((candidates::family_name.asc(), candidates::first_name.asc()))
        .offset(offset)
        .limit(limit)
        .select(Candidate::as_select())
        .load(conn)?)
}

/// Every candidate of a centre, by family name (a search across sessions matches them in the app,
/// where names are compared without their accents).
pub fn all_candidates(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Candidate>> {
    Ok(candidates::table
        .filter(candidates::tenant_id.eq(tid(tenant)))
        .order((candidates::family_name.asc(), candidates::first_name.asc()))
        .select(Candidate::as_select())
        .load(conn)?)
}

/// The entries of a centre's candidates `ids`.
pub fn entries_of_candidates(conn: &mut DbConnection, tenant: TenantId, ids: &[String]) -> StorageResult<Vec<Entry>> {
    Ok(entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::candidate_id.eq_any(ids))
        .select(Entry::as_select())
        .load(conn)?)
}

/// One candidate of a centre.
pub fn candidate(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Candidate> {
    Ok(candidates::table
        .filter(candidates::tenant_id.eq(tid(tenant)))
        .filter(candidates::id.eq(id))
        .select(Candidate::as_select())
        .first(conn)?)
}

/// One entry of a centre.
pub fn entry(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Entry> {
    Ok(entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::id.eq(id))
        .select(Entry::as_select())
        .first(conn)?)
}

/// The entries of one session of a centre, by candidate number.
pub fn session_entries(conn: &mut DbConnection, tenant: TenantId, session_id: &str) -> StorageResult<Vec<Entry>> {
    Ok(entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::session_id.eq(session_id))
        .order(entries::candidate_number.asc())
        .select(Entry::as_select())
        .load(conn)?)
}

/// One result version of a centre, with its component scores.
pub fn result(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<(ResultRow, Vec<ComponentScore>)> {
    let r: ResultRow = results::table
        .filter(results::tenant_id.eq(tid(tenant)))
        .filter(results::id.eq(id))
        .select(ResultRow::as_select())
        .first(conn)?;
    let comps = result_components::table
        .filter(result_components::tenant_id.eq(tid(tenant)))
        .filter(result_components::result_id.eq(id))
        .order(result_components::component.asc())
        .select(ComponentScore::as_select())
        .load(conn)?;
    Ok((r, comps))
}

/// Counts of a centre's data, for its home page.
pub fn counts(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<(i64, i64, i64)> {
    let t = tid(tenant);
    let s = exam_sessions::table.filter(exam_sessions::tenant_id.eq(&t)).count().get_result(conn)?;
    let c = candidates::table.filter(candidates::tenant_id.eq(&t)).count().get_result(conn)?;
    let e = entries::table.filter(entries::tenant_id.eq(&t)).count().get_result(conn)?;
    Ok((s, c, e))
}

/// How many results are shared with the verifier `verifier` and not withdrawn.
pub fn active_shares_for_verifier(conn: &mut DbConnection, verifier: TenantId) -> StorageResult<i64> {
    Ok(result_shares::table
        .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
        .filter(result_shares::withdrawn_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The current result version of an entry, with its component scores.
pub fn current_result(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
) -> StorageResult<(ResultRow, Vec<ComponentScore>)> {
    let id: String = results::table
        .filter(results::tenant_id.eq(tid(tenant)))
        .filter(results::entry_id.eq(entry_id))
        .filter(results::is_current.eq(true))
        .select(results::id)
        .first(conn)?;
    result(conn, tenant, &id)
}

/// Everything a Statement of Results shows: the candidate, the exam session, the entry and the
/// current result version with its components.
#[derive(Debug, Clone, Serialize)]
pub struct ResultSheet {
    pub candidate: Candidate,
    pub entry: Entry,
    pub session: ExamSession,
    pub exam: Exam,
    pub result: ResultRow,
    pub components: Vec<ComponentScore>,
}

/// The result sheet of an entry of `tenant` (its current result version).
pub fn result_sheet(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<ResultSheet> {
    let entry = entry(conn, tenant, entry_id)?;
    let candidate = candidate(conn, tenant, &entry.candidate_id)?;
    let session = session(conn, tenant, &entry.session_id)?;
    let exam: Exam = exams::table.filter(exams::code.eq(&session.exam_code)).select(Exam::as_select()).first(conn)?;
    let (result, components) = current_result(conn, tenant, entry_id)?;
    Ok(ResultSheet { candidate, entry, session, exam, result, components })
}

#[cfg(test)]
mod tests {
    use tessera_domain::exams::CATALOGUE;

    /// The `exams` rows the migrations seed are the domain's catalogue, on both backends (the
    /// PostgreSQL seed is the same statement as SQLite's).
    #[test]
    fn the_seeded_exams_are_the_domain_catalogue() {
        let dir = std::env::temp_dir().join(format!("tessera-exams-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = crate::Db::open(&format!("sqlite://{}", dir.join("t.db").display()), 1).unwrap();
        db.migrate().unwrap();
        let rows = super::exams(&mut db.conn().unwrap()).unwrap();
        let mut expected: Vec<_> = CATALOGUE.iter().collect();
        expected.sort_by_key(|e| e.code);
        assert_eq!(rows.len(), expected.len());
        for (row, e) in rows.iter().zip(expected) {
            assert_eq!(
                (row.code.as_str(), row.name.as_str(), row.exam_type.as_str(), row.cefr.as_deref()),
                (e.code, e.name, e.exam_type, e.cefr),
            );
            assert_eq!(row.components.split(',').collect::<Vec<_>>(), e.components, "{}", e.code);
        }
        let seed = |sql: &str| sql[sql.find("INSERT INTO exams").unwrap()..].split(";").next().unwrap().to_owned();
        assert_eq!(
            seed(include_str!("../../../../migrations/sqlite/2026-11-22-000001_foundation/up.sql")),
            seed(include_str!("../../../../migrations/postgres/2026-11-22-000001_foundation/up.sql")),
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
