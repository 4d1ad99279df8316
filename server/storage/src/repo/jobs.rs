//! The durable job queue.
//!
//! A job is enqueued with an idempotency key (a second enqueue with the same key is a no-op),
//! claimed by one conditional UPDATE (so two workers never both win it), finished only by the
//! worker whose claim token it carries, and retried with exponential back-off on failure. A
//! worker that dies leaves a lease that expires, and the job becomes claimable again.

use crate::schema::jobs;
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{JobId, TenantId};

/// A stored job.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub tenant_id: String,
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub idempotency_key: String,
    pub status: String,
    pub run_at: chrono::NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_until: Option<chrono::NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub finished_at: Option<chrono::NaiveDateTime>,
}

impl Job {
    /// The tenant the job works for.
    pub fn tenant(&self) -> StorageResult<TenantId> {
        self.tenant_id.parse().map_err(|_| StorageError::Corrupt(format!("job tenant {}", self.tenant_id)))
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
}

/// Enqueues a job unless one with the same idempotency key exists. Returns whether it was new.
pub fn enqueue(conn: &mut DbConnection, tenant: TenantId, job: &NewJob<'_>, now: DateTime<Utc>) -> StorageResult<bool> {
    let exists =
        jobs::table.filter(jobs::idempotency_key.eq(&job.idempotency_key)).count().get_result::<i64>(conn)? > 0;
    if exists {
        return Ok(false);
    }
    let inserted = diesel::insert_into(jobs::table)
        .values((
            jobs::tenant_id.eq(tid(tenant)),
            jobs::id.eq(JobId::new().to_string()),
            jobs::kind.eq(job.kind),
            jobs::payload.eq(job.payload.to_string()),
            jobs::idempotency_key.eq(&job.idempotency_key),
            jobs::status.eq("queued"),
            jobs::run_at.eq(super::naive(job.run_at)),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(job.max_attempts.max(1)),
            jobs::created_at.eq(super::naive(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Lost a race with another enqueue of the same key: that one stands.
        Err(e) => match StorageError::from(e) {
            StorageError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// Claims the oldest due job for `worker` with a lease of `lease`, or returns `None`.
pub fn claim(conn: &mut DbConnection, worker: &str, now: DateTime<Utc>, lease: Duration) -> StorageResult<Option<Job>> {
    let n = now.naive_utc();
    let due =
        jobs::status.eq("queued").and(jobs::run_at.le(n)).or(jobs::status.eq("running").and(jobs::lease_until.lt(n)));
    for _ in 0..5 {
        let candidate: Option<String> =
            jobs::table.filter(due).order(jobs::run_at.asc()).select(jobs::id).first(conn).optional()?;
        let Some(id) = candidate else { return Ok(None) };
        // The WHERE repeats the due condition: of two workers racing for this row, one updates it
        // and the other finds it no longer due and tries the next.
        let won = diesel::update(jobs::table.filter(jobs::id.eq(&id)).filter(due))
            .set((
                jobs::status.eq("running"),
                jobs::lease_until.eq(Some((now + lease).naive_utc())),
                jobs::claimed_by.eq(Some(worker)),
                jobs::attempts.eq(jobs::attempts + 1),
            ))
            .execute(conn)?;
        if won == 1 {
            return Ok(Some(jobs::table.filter(jobs::id.eq(&id)).select(Job::as_select()).first(conn)?));
        }
    }
    Ok(None)
}

/// Marks a claimed job done. Returns false when the claim was lost (the lease expired and
/// another worker took it), in which case nothing changes.
pub fn complete(conn: &mut DbConnection, job: &Job, worker: &str, now: DateTime<Utc>) -> StorageResult<bool> {
    let n = diesel::update(
        jobs::table.filter(jobs::id.eq(&job.id)).filter(jobs::claimed_by.eq(worker)).filter(jobs::status.eq("running")),
    )
    .set((
        jobs::status.eq("done"),
        jobs::finished_at.eq(Some(now.naive_utc())),
        jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: back to the queue after an exponential back-off, or `failed` for
/// good once the attempts are spent.
pub fn fail(conn: &mut DbConnection, job: &Job, worker: &str, error: &str, now: DateTime<Utc>) -> StorageResult<()> {
    let spent = job.attempts >= job.max_attempts;
    let backoff = Duration::seconds(2_i64.saturating_pow(job.attempts.clamp(0, 16) as u32).min(3600) * 5);
    let scope = jobs::table.filter(jobs::id.eq(&job.id)).filter(jobs::claimed_by.eq(worker));
    let error: String = error.chars().take(2000).collect();
    if spent {
        diesel::update(scope)
            .set((
                jobs::status.eq("failed"),
                jobs::last_error.eq(Some(error)),
                jobs::finished_at.eq(Some(now.naive_utc())),
                jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
    } else {
        diesel::update(scope)
            .set((
                jobs::status.eq("queued"),
                jobs::last_error.eq(Some(error)),
                jobs::run_at.eq((now + backoff).naive_utc()),
                jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many jobs are in each status (for `/metrics` and `tessera doctor`).
pub fn counts(conn: &mut DbConnection) -> StorageResult<Vec<(String, i64)>> {
    Ok(jobs::table.group_by(jobs::status).select((jobs::status, diesel::dsl::count_star())).load(conn)?)
}

/// The jobs of `tenant`, newest first.
pub fn list(conn: &mut DbConnection, tenant: TenantId, limit: i64) -> StorageResult<Vec<Job>> {
    Ok(jobs::table
        .filter(jobs::tenant_id.eq(tid(tenant)))
        .order(jobs::created_at.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)?)
}

/// Moves the queued job of `tenant` with idempotency key `key` to `run_at` (a person asked for
/// it now). Returns false when no such job is waiting (it runs already, or is finished).
pub fn reschedule(conn: &mut DbConnection, tenant: TenantId, key: &str, run_at: DateTime<Utc>) -> StorageResult<bool> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::tenant_id.eq(tid(tenant)))
            .filter(jobs::idempotency_key.eq(key))
            .filter(jobs::status.eq("queued")),
    )
    .set(jobs::run_at.eq(run_at.naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// The installation's jobs of `kind` that need a person: failed for good, or waiting to be tried
/// again after a failure; newest first, every tenant (for the installation admin's mail queue).
pub fn troubled(conn: &mut DbConnection, kind: &str, limit: i64) -> StorageResult<Vec<Job>> {
    Ok(jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq("failed").or(jobs::status.eq("queued").and(jobs::attempts.gt(0))))
        .order(jobs::created_at.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)?)
}

/// Runs the job `id` of `tenant` again now, from its first attempt, if it failed for good or is
/// waiting after a failure. Returns false when there is no such job (it runs, or it is done).
pub fn retry(conn: &mut DbConnection, tenant: TenantId, id: &str, now: DateTime<Utc>) -> StorageResult<bool> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::tenant_id.eq(tid(tenant)))
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq("failed").or(jobs::status.eq("queued").and(jobs::attempts.gt(0)))),
    )
    .set((
        jobs::status.eq("queued"),
        jobs::attempts.eq(0),
        jobs::run_at.eq(now.naive_utc()),
        jobs::finished_at.eq(None::<chrono::NaiveDateTime>),
        jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The kind of the job `id` of `tenant`, if there is one.
pub fn kind_of(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Option<String>> {
    Ok(jobs::table
        .filter(jobs::tenant_id.eq(tid(tenant)))
        .filter(jobs::id.eq(id))
        .select(jobs::kind)
        .first(conn)
        .optional()?)
}
