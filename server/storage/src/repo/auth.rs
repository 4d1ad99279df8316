//! Server-side sign-in sessions and one-time password-reset tokens. Only hashes of the tokens
//! are stored: a copy of the database does not let anyone sign in.

use crate::schema::{auth_sessions, password_resets};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// A stored sign-in session.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_sessions)]
pub struct AuthSession {
    pub tenant_id: String,
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: chrono::NaiveDateTime,
    pub last_seen_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
}

/// Stores a new session.
pub fn create_session(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    user_id: &str,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StorageResult<()> {
    diesel::insert_into(auth_sessions::table)
        .values((
            auth_sessions::tenant_id.eq(tid(tenant)),
            auth_sessions::token_hash.eq(token_hash),
            auth_sessions::user_id.eq(user_id),
            auth_sessions::csrf_token.eq(csrf_token),
            auth_sessions::created_at.eq(super::naive(now)),
            auth_sessions::last_seen_at.eq(super::naive(now)),
            auth_sessions::expires_at.eq(super::naive(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The live session with this token hash in `tenant`: not past its absolute expiry and seen
/// within `idle`. Touches `last_seen_at`; an expired session is deleted and not returned.
pub fn live_session(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    now: DateTime<Utc>,
    idle: chrono::Duration,
) -> StorageResult<Option<AuthSession>> {
    let scope = || {
        auth_sessions::table
            .filter(auth_sessions::tenant_id.eq(tid(tenant)))
            .filter(auth_sessions::token_hash.eq(token_hash))
    };
    let Some(s) = scope().select(AuthSession::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    if super::utc(s.expires_at) <= now || super::utc(s.last_seen_at) + idle <= now {
        diesel::delete(scope()).execute(conn)?;
        return Ok(None);
    }
    // Writing on every request would make SQLite a bottleneck: a minute's precision is plenty.
    if now - super::utc(s.last_seen_at) > chrono::Duration::minutes(1) {
        diesel::update(scope()).set(auth_sessions::last_seen_at.eq(super::naive(now))).execute(conn)?;
    }
    Ok(Some(s))
}

/// Ends one session (logout).
pub fn delete_session(conn: &mut DbConnection, tenant: TenantId, token_hash: &str) -> StorageResult<()> {
    diesel::delete(
        auth_sessions::table
            .filter(auth_sessions::tenant_id.eq(tid(tenant)))
            .filter(auth_sessions::token_hash.eq(token_hash)),
    )
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a user (after a password change).
pub fn delete_user_sessions(conn: &mut DbConnection, tenant: TenantId, user_id: &str) -> StorageResult<usize> {
    Ok(diesel::delete(
        auth_sessions::table
            .filter(auth_sessions::tenant_id.eq(tid(tenant)))
            .filter(auth_sessions::user_id.eq(user_id)),
    )
    .execute(conn)?)
}

/// Ends every session of a tenant's users (the tenant was suspended).
pub fn delete_tenant_sessions(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<usize> {
    Ok(diesel::delete(auth_sessions::table.filter(auth_sessions::tenant_id.eq(tid(tenant)))).execute(conn)?)
}

/// Stores a password-reset token hash valid until `expires_at`.
pub fn create_reset(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    user_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StorageResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::tenant_id.eq(tid(tenant)),
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user_id),
            password_resets::created_at.eq(super::naive(now)),
            password_resets::expires_at.eq(super::naive(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Why a reset token cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRefusal {
    /// No such token in this tenant.
    Unknown,
    /// Already used once.
    Used,
    /// Past its expiry.
    Expired,
}

/// The user a valid, unused reset token belongs to, without using it.
pub fn peek_reset(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StorageResult<Result<String, ResetRefusal>> {
    let row: Option<(String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = password_resets::table
        .filter(password_resets::tenant_id.eq(tid(tenant)))
        .filter(password_resets::token_hash.eq(token_hash))
        .select((password_resets::user_id, password_resets::expires_at, password_resets::used_at))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Err(ResetRefusal::Unknown),
        Some((_, _, Some(_))) => Err(ResetRefusal::Used),
        Some((_, exp, None)) if super::utc(exp) <= now => Err(ResetRefusal::Expired),
        Some((user, _, None)) => Ok(user),
    })
}

/// Uses a reset token: marks it used only if it was unused and unexpired, in one statement, so
/// two concurrent uses cannot both succeed. Returns the user it belongs to.
pub fn consume_reset(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StorageResult<Result<String, ResetRefusal>> {
    let user = match peek_reset(conn, tenant, token_hash, now)? {
        Ok(user) => user,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let n = diesel::update(
        password_resets::table
            .filter(password_resets::tenant_id.eq(tid(tenant)))
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(super::naive(now))),
    )
    .set(password_resets::used_at.eq(Some(super::naive(now))))
    .execute(conn)?;
    if n == 1 { Ok(Ok(user)) } else { Ok(Err(ResetRefusal::Used)) }
}

/// Drops sessions and reset tokens that can no longer be used.
pub fn purge_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> StorageResult<usize> {
    let a =
        diesel::delete(auth_sessions::table.filter(auth_sessions::expires_at.le(super::naive(now)))).execute(conn)?;
    let b = diesel::delete(password_resets::table.filter(password_resets::expires_at.le(super::naive(now))))
        .execute(conn)?;
    Ok(a + b)
}

impl From<ResetRefusal> for StorageError {
    fn from(_: ResetRefusal) -> Self {
        StorageError::NotFound
    }
}

/// Uses a reset token and sets the new password hash, ending every session of the user and
/// auditing it, in one transaction: either all of it happens or none.
pub fn reset_password(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    new_hash: &str,
    now: DateTime<Utc>,
) -> StorageResult<Result<String, ResetRefusal>> {
    crate::transaction(conn, |c| {
        let user = match consume_reset(c, tenant, token_hash, now)? {
            Ok(u) => u,
            Err(r) => return Ok(Err(r)),
        };
        super::users::set_password(c, tenant, &user, new_hash)?;
        delete_user_sessions(c, tenant, &user)?;
        let ev = super::audit::AuditEvent {
            actor: Some(&user),
            action: "password.reset",
            target: Some(&user),
            details: serde_json::json!({}),
            request_id: None,
        };
        super::audit::append(c, tenant, &ev, now)?;
        Ok(Ok(user))
    })
}
