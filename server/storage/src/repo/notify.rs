//! Notification preferences of verifier users (R-NOTIFY).

use crate::schema_verifier::notify_prefs;
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// The modes a user can choose.
pub const MODES: &[&str] = &["off", "each", "daily", "weekly"];

/// A user's preference; shares from `since` on count for it (no backlog when switching on).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = notify_prefs)]
pub struct Pref {
    pub tenant_id: String,
    pub user_id: String,
    pub mode: String,
    pub since: NaiveDateTime,
}

/// The preference of a user (`off` when never set).
pub fn get(conn: &mut DbConnection, tenant: TenantId, user_id: &str) -> StorageResult<String> {
    let mode: Option<String> = notify_prefs::table
        .filter(notify_prefs::tenant_id.eq(tid(tenant)))
        .filter(notify_prefs::user_id.eq(user_id))
        .select(notify_prefs::mode)
        .first(conn)
        .optional()?;
    Ok(mode.unwrap_or_else(|| "off".into()))
}

/// Sets a user's preference (the caller checks `mode` is one of [`MODES`]).
pub fn set(
    conn: &mut DbConnection,
    tenant: TenantId,
    user_id: &str,
    mode: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        let scope = || {
            notify_prefs::table
                .filter(notify_prefs::tenant_id.eq(tid(tenant)))
                .filter(notify_prefs::user_id.eq(user_id))
        };
        let n = diesel::update(scope())
            .set((notify_prefs::mode.eq(mode), notify_prefs::since.eq(now.naive_utc())))
            .execute(c)?;
        if n == 0 {
            let p = Pref {
                tenant_id: tid(tenant),
                user_id: user_id.to_owned(),
                mode: mode.to_owned(),
                since: now.naive_utc(),
            };
            diesel::insert_into(notify_prefs::table).values(&p).execute(c)?;
        }
        Ok(())
    })
}

/// Every preference that is not `off`, across tenants (for the notification scheduler, a system
/// task: each preference is then handled within its own tenant).
pub fn active(conn: &mut DbConnection) -> StorageResult<Vec<Pref>> {
    Ok(notify_prefs::table.filter(notify_prefs::mode.ne("off")).select(Pref::as_select()).load(conn)?)
}
