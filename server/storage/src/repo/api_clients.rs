//! API clients of verifier organisations (R-API): created, listed, rotated and revoked by the
//! organisation; only token hashes are stored.

use crate::schema_verifier::api_clients;
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// An API client as stored (the token hash is never shown).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = api_clients)]
pub struct ApiClient {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    /// The token's last characters, to tell tokens apart.
    pub token_hint: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// When the token stops working (R-API); renewal moves it.
    pub expires_at: Option<NaiveDateTime>,
    /// When the primary user was told the token expires soon (once per expiry).
    pub expiry_notice_sent_at: Option<NaiveDateTime>,
}

/// Creates a client with the token whose hash is `token_hash`, working until `expires_at`.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    tenant: TenantId,
    name: &str,
    token_hash: &str,
    token_hint: &str,
    by: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StorageResult<ApiClient> {
    let row = ApiClient {
        tenant_id: tid(tenant),
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
        token_hash: token_hash.to_owned(),
        token_hint: token_hint.to_owned(),
        created_by: by.to_owned(),
        created_at: now.naive_utc(),
        rotated_at: None,
        revoked_at: None,
        expires_at: Some(expires_at.naive_utc()),
        expiry_notice_sent_at: None,
    };
    diesel::insert_into(api_clients::table).values(&row).execute(conn)?;
    Ok(row)
}

/// The clients of `tenant`, newest first (revoked ones too).
pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<ApiClient>> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tid(tenant)))
        .order(api_clients::created_at.desc())
        .select(ApiClient::as_select())
        .load(conn)?)
}

/// The live (not revoked) client of `tenant` holding the token with this hash.
pub fn by_token(conn: &mut DbConnection, tenant: TenantId, token_hash: &str) -> StorageResult<ApiClient> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tid(tenant)))
        .filter(api_clients::token_hash.eq(token_hash))
        .filter(api_clients::revoked_at.is_null())
        .select(ApiClient::as_select())
        .first(conn)?)
}

/// Replaces a live client's token (the old one stops working at once).
pub fn rotate(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    token_hash: &str,
    token_hint: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StorageResult<ApiClient> {
    let scope = || api_clients::table.filter(api_clients::tenant_id.eq(tid(tenant))).filter(api_clients::id.eq(id));
    let n = diesel::update(scope().filter(api_clients::revoked_at.is_null()))
        .set((
            api_clients::token_hash.eq(token_hash),
            api_clients::token_hint.eq(token_hint),
            api_clients::rotated_at.eq(Some(now.naive_utc())),
            api_clients::expires_at.eq(Some(expires_at.naive_utc())),
            api_clients::expiry_notice_sent_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(scope().select(ApiClient::as_select()).first(conn)?)
}

/// Revokes a client for good.
pub fn revoke(conn: &mut DbConnection, tenant: TenantId, id: &str, now: DateTime<Utc>) -> StorageResult<()> {
    let n = diesel::update(
        api_clients::table
            .filter(api_clients::tenant_id.eq(tid(tenant)))
            .filter(api_clients::id.eq(id))
            .filter(api_clients::revoked_at.is_null()),
    )
    .set(api_clients::revoked_at.eq(Some(now.naive_utc())))
    .execute(conn)?;
    if n == 0 { Err(StorageError::NotFound) } else { Ok(()) }
}

/// Renews a live client: the same token works until `expires_at` (R-API), and a new notice will
/// be sent before that.
pub fn renew(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    expires_at: DateTime<Utc>,
) -> StorageResult<ApiClient> {
    let scope = || api_clients::table.filter(api_clients::tenant_id.eq(tid(tenant))).filter(api_clients::id.eq(id));
    let n = diesel::update(scope().filter(api_clients::revoked_at.is_null()))
        .set((
            api_clients::expires_at.eq(Some(expires_at.naive_utc())),
            api_clients::expiry_notice_sent_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(scope().select(ApiClient::as_select()).first(conn)?)
}

/// Live clients of every organisation whose token expires before `before` and whose primary user
/// was not told yet (the daily expiry notice).
pub fn expiring_unnotified(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> StorageResult<Vec<ApiClient>> {
    Ok(api_clients::table
        .filter(api_clients::revoked_at.is_null())
        .filter(api_clients::expiry_notice_sent_at.is_null())
        .filter(api_clients::expires_at.le(before.naive_utc()))
        .filter(api_clients::expires_at.gt(now.naive_utc()))
        .select(ApiClient::as_select())
        .load(conn)?)
}

/// Marks that the expiry notice of client `id` was queued; false when another run did it first.
pub fn mark_notified(conn: &mut DbConnection, tenant: TenantId, id: &str, now: DateTime<Utc>) -> StorageResult<bool> {
    let n = diesel::update(
        api_clients::table
            .filter(api_clients::tenant_id.eq(tid(tenant)))
            .filter(api_clients::id.eq(id))
            .filter(api_clients::expiry_notice_sent_at.is_null()),
    )
    .set(api_clients::expiry_notice_sent_at.eq(Some(now.naive_utc())))
    .execute(conn)?;
    Ok(n > 0)
}

/// The client of `tenant` holding the token with this hash, revoked ones included (to tell an
/// expired token from a wrong one).
pub fn any_by_token(conn: &mut DbConnection, tenant: TenantId, token_hash: &str) -> StorageResult<ApiClient> {
    Ok(api_clients::table
        .filter(api_clients::tenant_id.eq(tid(tenant)))
        .filter(api_clients::token_hash.eq(token_hash))
        .select(ApiClient::as_select())
        .first(conn)?)
}
