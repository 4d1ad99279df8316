//! A centre's bulk actions run in the background (issuing a session's Confirmations of Entry,
//! importing a results file): the run as the page shows it, its progress and its report.
//! Every query is scoped by tenant.

use crate::schema_centre::centre_bulk_runs as runs;
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// A bulk run as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = runs)]
pub struct BulkRun {
    pub tenant_id: String,
    pub id: String,
    pub session_id: String,
    /// `coe_issue` or `results_import`.
    pub kind: String,
    /// `queued`, `running`, `storing`, `done`, `refused` or `failed`.
    pub status: String,
    /// The uploaded file's name (an import).
    pub file_name: Option<String>,
    /// The entry ids to issue (JSON), or the results file.
    pub input: String,
    pub total: i32,
    pub processed: i32,
    /// What the run did (JSON), written as it ends.
    pub report: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// Every column of a run but its input, read as empty: what its pages show (a page followed every
/// two seconds does not read a results file of megabytes each time).
macro_rules! shown {
    () => {
        (
            runs::tenant_id,
            runs::id,
            runs::session_id,
            runs::kind,
            runs::status,
            runs::file_name,
            diesel::dsl::sql::<diesel::sql_types::Text>("''"),
            runs::total,
            runs::processed,
            runs::report,
            runs::created_by,
            runs::created_at,
            runs::finished_at,
        )
    };
}

/// The statuses of a run still under way.
pub const UNDER_WAY: [&str; 3] = ["queued", "running", "storing"];

/// Stores `run` and, in the same transaction, calls `then` (which queues its job and audits).
pub fn create(
    conn: &mut DbConnection,
    run: &BulkRun,
    then: impl FnOnce(&mut DbConnection) -> StorageResult<()>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        diesel::insert_into(runs::table).values(run).execute(c)?;
        then(c)
    })
}

/// Run `id` of `tenant` without its input, as its page shows it (not found for another tenant's).
pub fn shown(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<BulkRun> {
    runs::table
        .filter(runs::tenant_id.eq(tid(tenant)))
        .filter(runs::id.eq(id))
        .select(shown!())
        .first(conn)
        .optional()?
        .ok_or(StorageError::NotFound)
}

/// Run `id` of `tenant` (not found for another tenant's).
pub fn get(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<BulkRun> {
    runs::table
        .filter(runs::tenant_id.eq(tid(tenant)))
        .filter(runs::id.eq(id))
        .select(BulkRun::as_select())
        .first(conn)
        .optional()?
        .ok_or(StorageError::NotFound)
}

/// The newest run of `kind` for a session of `tenant` that is still under way, if any.
pub fn under_way(
    conn: &mut DbConnection,
    tenant: TenantId,
    session_id: &str,
    kind: &str,
) -> StorageResult<Option<BulkRun>> {
    Ok(runs::table
        .filter(runs::tenant_id.eq(tid(tenant)))
        .filter(runs::session_id.eq(session_id))
        .filter(runs::kind.eq(kind))
        .filter(runs::status.eq_any(UNDER_WAY))
        .order(runs::created_at.desc())
        .select(BulkRun::as_select())
        .first(conn)
        .optional()?)
}

/// A session's runs, newest first (at most `limit`), without their input.
pub fn for_session(
    conn: &mut DbConnection,
    tenant: TenantId,
    session_id: &str,
    limit: i64,
) -> StorageResult<Vec<BulkRun>> {
    Ok(runs::table
        .filter(runs::tenant_id.eq(tid(tenant)))
        .filter(runs::session_id.eq(session_id))
        .order(runs::created_at.desc())
        .limit(limit)
        .select(shown!())
        .load(conn)?)
}

/// Records how far run `id` has got (`status`, `processed`, the report so far) and, when
/// `finished` is given, that it ended then: its input (a results file) is dropped, the report
/// kept.
pub fn record(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    status: &str,
    processed: i32,
    report: &serde_json::Value,
    finished: Option<DateTime<Utc>>,
) -> StorageResult<()> {
    diesel::update(runs::table.filter(runs::tenant_id.eq(tid(tenant))).filter(runs::id.eq(id)))
        .set((
            runs::status.eq(status),
            runs::processed.eq(processed),
            runs::report.eq(report.to_string()),
            runs::finished_at.eq(finished.map(|t| t.naive_utc())),
        ))
        .execute(conn)?;
    if finished.is_some() {
        diesel::update(runs::table.filter(runs::tenant_id.eq(tid(tenant))).filter(runs::id.eq(id)))
            .set(runs::input.eq(""))
            .execute(conn)?;
    }
    Ok(())
}
