//! Request budgets and failure throttles in a sliding window, in the database: every node of a
//! region on one PostgreSQL database counts against the same budget (three nodes keeping their
//! own counters would allow three times the limit). SQLite serves the one-node default from the
//! same table.
//!
//! Counting and recording are one step under a lock per key, so concurrent requests on
//! different nodes cannot all pass the last free slot: PostgreSQL takes a transaction-scoped
//! advisory lock per key; SQLite's [`crate::transaction`] already holds the write lock.

use crate::schema::throttle_hits;
use crate::{DbConnection, StorageResult};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

/// At most `max` hits of `key` within `window`.
#[derive(Debug, Clone)]
pub struct Budget {
    /// What is counted: a user, an organisation, a client address, an API client.
    pub key: String,
    /// Hits allowed in the window.
    pub max: i64,
    /// The sliding window.
    pub window: Duration,
}

/// Counts one hit against every budget at `now`, or none of them if any is used up: then
/// `Ok(Err(seconds until a hit would be allowed))`.
pub fn take(conn: &mut DbConnection, budgets: &[Budget], now: DateTime<Utc>) -> StorageResult<Result<(), u64>> {
    crate::transaction(conn, |c| {
        lock_keys(c, budgets)?;
        let mut wait = 0;
        for b in budgets {
            wait = wait.max(wait_of(c, b, now)?.unwrap_or(0));
        }
        if wait > 0 {
            return Ok(Err(wait));
        }
        for b in budgets {
            record_one(c, b, now)?;
        }
        Ok(Ok(()))
    })
}

/// `Err(seconds to wait)` when `budget` is used up at `now`; records nothing.
pub fn check(conn: &mut DbConnection, budget: &Budget, now: DateTime<Utc>) -> StorageResult<Result<(), u64>> {
    Ok(wait_of(conn, budget, now)?.map_or(Ok(()), Err))
}

/// Records one hit of `budget`'s key at `now` (a failure counted after the fact).
pub fn record(conn: &mut DbConnection, budget: &Budget, now: DateTime<Utc>) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        lock_keys(c, std::slice::from_ref(budget))?;
        record_one(c, budget, now)
    })
}

/// Deletes every hit older than `before` (keys nobody uses any more).
pub fn forget_before(conn: &mut DbConnection, before: DateTime<Utc>) -> StorageResult<usize> {
    Ok(diesel::delete(throttle_hits::table.filter(throttle_hits::at.lt(before.naive_utc()))).execute(conn)?)
}

/// Inserts a hit and drops the key's hits that left the window (a key keeps at most about
/// `max` rows).
fn record_one(c: &mut DbConnection, b: &Budget, now: DateTime<Utc>) -> StorageResult<()> {
    diesel::delete(
        throttle_hits::table
            .filter(throttle_hits::key.eq(&b.key))
            .filter(throttle_hits::at.le((now - b.window).naive_utc())),
    )
    .execute(c)?;
    diesel::insert_into(throttle_hits::table)
        .values((throttle_hits::key.eq(&b.key), throttle_hits::at.eq(now.naive_utc())))
        .execute(c)?;
    Ok(())
}

/// Seconds until fewer than `max` hits remain in the window, if there are `max` or more now.
fn wait_of(c: &mut DbConnection, b: &Budget, now: DateTime<Utc>) -> StorageResult<Option<u64>> {
    let since = (now - b.window).naive_utc();
    let scope = || throttle_hits::table.filter(throttle_hits::key.eq(&b.key)).filter(throttle_hits::at.gt(since));
    let count: i64 = scope().count().get_result(c)?;
    let max = b.max.max(1);
    if count < max {
        return Ok(None);
    }
    // The hit whose expiry brings the count below `max`.
    let freeing: chrono::NaiveDateTime =
        scope().select(throttle_hits::at).order(throttle_hits::at.asc()).offset(count - max).first(c)?;
    Ok(Some((freeing.and_utc() + b.window - now).num_seconds().max(1) as u64))
}

/// On PostgreSQL, locks each key until the transaction ends (in one order, so two nodes taking
/// the same keys cannot deadlock).
fn lock_keys(c: &mut DbConnection, budgets: &[Budget]) -> StorageResult<()> {
    if let DbConnection::Pg(pg) = c {
        let mut keys: Vec<&str> = budgets.iter().map(|b| b.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(pg)?;
        }
    }
    Ok(())
}
