//! The search change log (outbox) and what the search indexes are built from.
//!
//! Every write that changes what a verifier's search index should hold calls [`record`] inside
//! its own transaction. Each server process reads the log with [`since`] (all tenants: the
//! indexer is a system task, not a tenant's request) and rebuilds each changed document from
//! the database with [`documents`], so applying a row twice, or late, still ends at the truth.

use crate::schema::{candidates, entries, exam_sessions, exams, result_shares, results, tenants};
use crate::schema_verifier::search_changes;
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// One row of the change log: the share whose document in `tenant_id`'s index must be refreshed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = search_changes)]
pub struct ChangeRow {
    /// The verifier whose index changes.
    pub tenant_id: String,
    /// Position in the log.
    pub seq: i64,
    /// The share.
    pub share_id: String,
    /// The share's owner (the candidate's centre).
    pub centre_tenant_id: String,
    /// When the change was written.
    pub at: NaiveDateTime,
}

/// Writes change-log rows for shares of centre `centre` with `verifier`. Call it inside the
/// transaction that makes the change, so the log and the data commit together.
pub fn record(
    conn: &mut DbConnection,
    verifier: &str,
    centre: &str,
    share_ids: &[&str],
    now: DateTime<Utc>,
) -> StorageResult<()> {
    if share_ids.is_empty() {
        return Ok(());
    }
    let at = now.naive_utc();
    match conn {
        DbConnection::Sqlite(c) => {
            // SQLite has one writer at a time: the next number, read inside this write
            // transaction, is free and commits in order.
            let max: Option<i64> = search_changes::table.select(diesel::dsl::max(search_changes::seq)).first(c)?;
            let base = max.unwrap_or(0);
            for chunk in share_ids.chunks(500).enumerate() {
                let rows: Vec<ChangeRow> = chunk
                    .1
                    .iter()
                    .enumerate()
                    .map(|(i, s)| ChangeRow {
                        tenant_id: verifier.to_owned(),
                        seq: base + (chunk.0 * 500 + i) as i64 + 1,
                        share_id: (*s).to_owned(),
                        centre_tenant_id: centre.to_owned(),
                        at,
                    })
                    .collect();
                diesel::insert_into(search_changes::table).values(&rows).execute(c)?;
            }
        }
        DbConnection::Pg(c) => {
            // The sequence numbers the rows (see the migration on commit order).
            for chunk in share_ids.chunks(500) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|s| {
                        (
                            search_changes::tenant_id.eq(verifier),
                            search_changes::share_id.eq(*s),
                            search_changes::centre_tenant_id.eq(centre),
                            search_changes::at.eq(at),
                        )
                    })
                    .collect();
                diesel::insert_into(search_changes::table).values(&rows).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Writes change-log rows for every live share of the entries of candidate `candidate_id` of
/// centre `centre`, whatever organisation holds them (R-INDEX-FRESH): call it inside the
/// transaction that changes what the index holds of the candidate (a name correction, an email
/// change, a retention purge), so the indexes follow within a second on every node.
pub fn record_for_candidate(
    conn: &mut DbConnection,
    centre: TenantId,
    candidate_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    let live: Vec<(String, String)> = result_shares::table
        .inner_join(
            entries::table
                .on(entries::tenant_id.eq(result_shares::tenant_id).and(entries::id.eq(result_shares::entry_id))),
        )
        .filter(result_shares::tenant_id.eq(tid(centre)))
        .filter(entries::candidate_id.eq(candidate_id))
        .filter(result_shares::withdrawn_at.is_null())
        .select((result_shares::verifier_tenant_id, result_shares::id))
        .load(conn)?;
    let mut by_verifier: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (verifier, share) in &live {
        by_verifier.entry(verifier).or_default().push(share);
    }
    for (verifier, shares) in by_verifier {
        record(conn, verifier, &tid(centre), &shares, now)?;
    }
    Ok(live.len())
}

/// Log rows after `after`, oldest first, at most `limit` (every tenant: for the indexer).
pub fn since(conn: &mut DbConnection, after: i64, limit: i64) -> StorageResult<Vec<ChangeRow>> {
    Ok(search_changes::table
        .filter(search_changes::seq.gt(after))
        .order(search_changes::seq.asc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// The lowest position still in the log (None when empty).
pub fn min_seq(conn: &mut DbConnection) -> StorageResult<Option<i64>> {
    Ok(search_changes::table.select(diesel::dsl::min(search_changes::seq)).first(conn)?)
}

/// Deletes log rows written before `before`, except the newest row: on SQLite the next position
/// is MAX(seq) + 1, and numbering must never go back. Returns how many rows went. An indexer
/// whose saved position falls before what is left rebuilds its indexes (see the daemon's
/// indexer), so a process that was down for longer than the retention still ends up right.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> StorageResult<usize> {
    crate::transaction(conn, |c| {
        let newest = max_seq(c)?;
        Ok(diesel::delete(
            search_changes::table
                .filter(search_changes::at.lt(before.naive_utc()))
                .filter(search_changes::seq.lt(newest)),
        )
        .execute(c)?)
    })
}

/// The highest position in the log (0 when empty).
pub fn max_seq(conn: &mut DbConnection) -> StorageResult<i64> {
    let max: Option<i64> = search_changes::table.select(diesel::dsl::max(search_changes::seq)).first(conn)?;
    Ok(max.unwrap_or(0))
}

/// Everything the search index holds of one active share, read from the verifier's side.
#[derive(Debug, Clone, Queryable)]
pub struct IndexRow {
    pub share_id: String,
    pub centre_tenant_id: String,
    pub entry_id: String,
    pub shared_at: NaiveDateTime,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub id_number: String,
    pub email: Option<String>,
    pub exam_code: String,
    pub exam_name: String,
    pub exam_date: NaiveDate,
    pub centre_name: String,
    pub centre_country: String,
    pub sor_number: Option<String>,
}

macro_rules! index_rows {
    ($verifier:expr) => {
        result_shares::table
            .inner_join(
                entries::table
                    .on(entries::tenant_id.eq(result_shares::tenant_id).and(entries::id.eq(result_shares::entry_id))),
            )
            .inner_join(
                candidates::table
                    .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
            )
            .inner_join(
                exam_sessions::table
                    .on(exam_sessions::tenant_id.eq(entries::tenant_id).and(exam_sessions::id.eq(entries::session_id))),
            )
            .inner_join(exams::table.on(exams::code.eq(exam_sessions::exam_code)))
            .inner_join(tenants::table.on(tenants::id.eq(result_shares::tenant_id)))
            .left_join(
                results::table.on(results::tenant_id
                    .eq(result_shares::tenant_id)
                    .and(results::entry_id.eq(result_shares::entry_id))
                    .and(results::is_current.eq(true))),
            )
            .filter(result_shares::verifier_tenant_id.eq($verifier))
            .filter(result_shares::withdrawn_at.is_null())
            .select((
                result_shares::id,
                result_shares::tenant_id,
                result_shares::entry_id,
                result_shares::shared_at,
                candidates::first_name,
                candidates::family_name,
                candidates::date_of_birth,
                candidates::id_number,
                candidates::email,
                exams::code,
                exams::name,
                exam_sessions::written_date,
                tenants::name,
                tenants::country,
                results::sor_number.nullable(),
            ))
    };
}

/// The index rows of those of `share_ids` that are shared with `verifier` and active; a share
/// missing from the answer is withdrawn (or was never the verifier's) and leaves the index.
pub fn documents(conn: &mut DbConnection, verifier: TenantId, share_ids: &[String]) -> StorageResult<Vec<IndexRow>> {
    let mut out = Vec::with_capacity(share_ids.len());
    for chunk in share_ids.chunks(500) {
        let rows: Vec<IndexRow> = index_rows!(tid(verifier)).filter(result_shares::id.eq_any(chunk)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// A page of the active shares with `verifier`, by share id after `after` (a full rebuild).
pub fn page(conn: &mut DbConnection, verifier: TenantId, after: &str, limit: i64) -> StorageResult<Vec<IndexRow>> {
    Ok(index_rows!(tid(verifier))
        .filter(result_shares::id.gt(after))
        .order(result_shares::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// How many active shares `verifier` has (the size of a full rebuild).
pub fn active_count(conn: &mut DbConnection, verifier: TenantId) -> StorageResult<i64> {
    Ok(result_shares::table
        .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
        .filter(result_shares::withdrawn_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Of `share_ids`, those still actively shared with `verifier` (searches re-check their hits
/// against the database, so a withdrawal counts at once, before the index catches up).
pub fn still_active(conn: &mut DbConnection, verifier: TenantId, share_ids: &[String]) -> StorageResult<Vec<String>> {
    Ok(result_shares::table
        .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
        .filter(result_shares::withdrawn_at.is_null())
        .filter(result_shares::id.eq_any(share_ids))
        .select(result_shares::id)
        .load(conn)?)
}

/// Whether the log holds rows for `verifier` after `watermark`: changes a search index that has
/// applied everything up to `watermark` may not show yet.
pub fn pending(conn: &mut DbConnection, verifier: TenantId, watermark: i64) -> StorageResult<bool> {
    let first: Option<i64> = search_changes::table
        .filter(search_changes::seq.gt(watermark))
        .filter(search_changes::tenant_id.eq(tid(verifier)))
        .select(search_changes::seq)
        .first(conn)
        .optional()?;
    Ok(first.is_some())
}

/// A page of the active shares with `verifier`, newest first (the shared list, R-SHARED-LIST).
pub fn newest(conn: &mut DbConnection, verifier: TenantId, offset: i64, limit: i64) -> StorageResult<Vec<IndexRow>> {
    Ok(index_rows!(tid(verifier))
        .order((result_shares::shared_at.desc(), result_shares::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?)
}

/// How many active shares `verifier` received after `since` (all of them when `None`).
pub fn shared_since(conn: &mut DbConnection, verifier: TenantId, since: Option<NaiveDateTime>) -> StorageResult<i64> {
    let mut q = result_shares::table
        .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
        .filter(result_shares::withdrawn_at.is_null())
        .into_boxed();
    if let Some(t) = since {
        q = q.filter(result_shares::shared_at.gt(t));
    }
    Ok(q.count().get_result(conn)?)
}

/// The active shares with `verifier` shared in `[from, to)`, oldest first (notifications).
pub fn shared_between(
    conn: &mut DbConnection,
    verifier: TenantId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> StorageResult<Vec<IndexRow>> {
    Ok(index_rows!(tid(verifier))
        .filter(result_shares::shared_at.ge(from))
        .filter(result_shares::shared_at.lt(to))
        .order((result_shares::shared_at.asc(), result_shares::id.asc()))
        .limit(1000)
        .load(conn)?)
}
