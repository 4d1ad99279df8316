//! Shares of results with verifier organisations (the one crossing between tenants), and the
//! record of who at the organisation viewed or downloaded each shared result.
//!
//! A share belongs to the candidate's centre (`tenant_id`); the verifier reads it through
//! `verifier_tenant_id`. Functions for the centre side take the centre's `TenantId`, functions
//! for the verifier side take the verifier's, and each filters on it inside the query.

use crate::repo::centre::Share;
use crate::repo::search_log;
use crate::schema::{result_shares, results, share_events};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{ShareId, TenantId};

/// Shares the result of `entry_id` (of centre `centre`) with `verifier`. Sharing again while a
/// share is active returns the active one unchanged.
pub fn create(
    conn: &mut DbConnection,
    centre: TenantId,
    entry_id: &str,
    verifier: TenantId,
    now: DateTime<Utc>,
) -> StorageResult<Share> {
    crate::transaction(conn, |c| {
        let active: Option<Share> = result_shares::table
            .filter(result_shares::tenant_id.eq(tid(centre)))
            .filter(result_shares::entry_id.eq(entry_id))
            .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
            .filter(result_shares::withdrawn_at.is_null())
            .select(Share::as_select())
            .first(c)
            .optional()?;
        if let Some(s) = active {
            return Ok(s);
        }
        let share = Share {
            tenant_id: tid(centre),
            id: ShareId::new().to_string(),
            entry_id: entry_id.to_owned(),
            verifier_tenant_id: tid(verifier),
            shared_at: now.naive_utc(),
            withdrawn_at: None,
        };
        diesel::insert_into(result_shares::table).values(&share).execute(c)?;
        // Same transaction: the verifier's search index learns of the share iff it exists.
        search_log::record(c, &share.verifier_tenant_id, &share.tenant_id, &[&share.id], now)?;
        Ok(share)
    })
}

/// Withdraws a share of centre `centre`: the organisation loses access at once. Returns the
/// share as withdrawn; withdrawing twice keeps the first instant.
pub fn withdraw(conn: &mut DbConnection, centre: TenantId, share_id: &str, now: DateTime<Utc>) -> StorageResult<Share> {
    crate::transaction(conn, |c| {
        let scope = || {
            result_shares::table.filter(result_shares::tenant_id.eq(tid(centre))).filter(result_shares::id.eq(share_id))
        };
        let changed = diesel::update(scope().filter(result_shares::withdrawn_at.is_null()))
            .set(result_shares::withdrawn_at.eq(Some(now.naive_utc())))
            .execute(c)?;
        let share = scope().select(Share::as_select()).first(c)?;
        if changed > 0 {
            search_log::record(c, &share.verifier_tenant_id, &share.tenant_id, &[&share.id], now)?;
        }
        Ok(share)
    })
}

/// The shares of the results of one entry of centre `centre`, newest first.
pub fn for_entry(conn: &mut DbConnection, centre: TenantId, entry_id: &str) -> StorageResult<Vec<Share>> {
    Ok(result_shares::table
        .filter(result_shares::tenant_id.eq(tid(centre)))
        .filter(result_shares::entry_id.eq(entry_id))
        .order(result_shares::shared_at.desc())
        .select(Share::as_select())
        .load(conn)?)
}

/// The active share with `verifier` of an entry, looked up from the verifier's side: the
/// verifier may read a result only through such a share.
pub fn active_for_verifier(conn: &mut DbConnection, verifier: TenantId, share_id: &str) -> StorageResult<Share> {
    let found: Option<Share> = result_shares::table
        .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
        .filter(result_shares::id.eq(share_id))
        .filter(result_shares::withdrawn_at.is_null())
        .select(Share::as_select())
        .first(conn)
        .optional()?;
    found.ok_or(StorageError::NotFound)
}

/// The active shares with `verifier`, newest first (a page of them).
pub fn active_with_verifier(
    conn: &mut DbConnection,
    verifier: TenantId,
    offset: i64,
    limit: i64,
) -> StorageResult<Vec<Share>> {
    Ok(result_shares::table
        .filter(result_shares::verifier_tenant_id.eq(tid(verifier)))
        .filter(result_shares::withdrawn_at.is_null())
        .order(result_shares::shared_at.desc())
        .offset(offset)
        .limit(limit)
        .select(Share::as_select())
        .load(conn)?)
}

/// A view or download of a shared result by someone at the verifier organisation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = share_events)]
pub struct ShareEvent {
    pub tenant_id: String,
    pub id: String,
    pub share_id: String,
    pub verifier_tenant_id: String,
    pub actor_name: String,
    pub action: String,
    pub at: NaiveDateTime,
    /// The result version seen (R-RESULT-VERSIONS); none for events from before it was kept.
    pub result_version: Option<i32>,
}

/// Records that `actor_name` of the share's verifier viewed (`view`) or downloaded (`download`)
/// the shared result. The share must be active.
pub fn record_event(
    conn: &mut DbConnection,
    verifier: TenantId,
    share_id: &str,
    actor_name: &str,
    action: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let share = active_for_verifier(conn, verifier, share_id)?;
    let result_version: Option<i32> = results::table
        .filter(results::tenant_id.eq(&share.tenant_id))
        .filter(results::entry_id.eq(&share.entry_id))
        .filter(results::is_current.eq(true))
        .select(results::version)
        .first(conn)
        .optional()?;
    let ev = ShareEvent {
        tenant_id: share.tenant_id,
        id: uuid::Uuid::new_v4().to_string(),
        share_id: share.id,
        verifier_tenant_id: tid(verifier),
        actor_name: actor_name.to_owned(),
        action: action.to_owned(),
        at: now.naive_utc(),
        result_version,
    };
    diesel::insert_into(share_events::table).values(&ev).execute(conn)?;
    Ok(())
}

/// Who viewed or downloaded a share of centre `centre`, newest first (the candidate sees these).
pub fn events(conn: &mut DbConnection, centre: TenantId, share_id: &str) -> StorageResult<Vec<ShareEvent>> {
    Ok(share_events::table
        .filter(share_events::tenant_id.eq(tid(centre)))
        .filter(share_events::share_id.eq(share_id))
        .order(share_events::at.desc())
        .select(ShareEvent::as_select())
        .load(conn)?)
}
