//! Verifiable Statements of Results (R-CREDENTIAL): issuer keys, issued credentials and their
//! revocation, and the checks made through this server. Every query is scoped by tenant.

use crate::schema_credentials::{credential_checks, credentials, issuer_keys};
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// An issuer key as stored (the secret half sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = issuer_keys)]
pub struct IssuerKey {
    pub tenant_id: String,
    /// The DID URL fragment: `key-1`, `key-2`...
    pub key_id: String,
    /// Multikey `publicKeyMultibase`.
    pub public_key: String,
    pub sealed_secret: String,
    pub created_at: NaiveDateTime,
    /// Set when a newer key replaced it: it signs nothing new and keeps verifying.
    pub retired_at: Option<NaiveDateTime>,
}

/// An issued credential.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    pub tenant_id: String,
    pub id: String,
    /// The result version it states.
    pub result_id: String,
    pub entry_id: String,
    pub status_index: i64,
    /// The signed JSON-LD document.
    pub document: String,
    pub issued_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

/// A verification of a credential through this server.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credential_checks)]
pub struct CredentialCheck {
    pub tenant_id: String,
    pub id: String,
    pub credential_id: String,
    /// `public_page` or `api`.
    pub via: String,
    /// The organisation, for API checks; none for the public page (no account, no address kept).
    pub verifier_name: Option<String>,
    pub at: NaiveDateTime,
}

/// Every key of `tenant`, the newest first.
pub fn keys(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<IssuerKey>> {
    Ok(issuer_keys::table
        .filter(issuer_keys::tenant_id.eq(tid(tenant)))
        .order(issuer_keys::created_at.desc())
        .then_order_by(issuer_keys::key_id.desc())
        .select(IssuerKey::as_select())
        .load(conn)?)
}

/// Adds `key` as the tenant's current key, retiring the ones before it (one transaction).
pub fn add_key(conn: &mut DbConnection, key: &IssuerKey, now: DateTime<Utc>) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        diesel::update(
            issuer_keys::table
                .filter(issuer_keys::tenant_id.eq(&key.tenant_id))
                .filter(issuer_keys::retired_at.is_null()),
        )
        .set(issuer_keys::retired_at.eq(Some(now.naive_utc())))
        .execute(c)?;
        diesel::insert_into(issuer_keys::table).values(key).execute(c)?;
        Ok(())
    })
}

/// The credential of result version `result_id`, if one was issued.
pub fn for_result(conn: &mut DbConnection, tenant: TenantId, result_id: &str) -> StorageResult<Option<CredentialRow>> {
    Ok(credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::result_id.eq(result_id))
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?)
}

/// The credentials issued for an entry's result versions, the newest first.
pub fn for_entry(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Vec<CredentialRow>> {
    Ok(credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::entry_id.eq(entry_id))
        .order(credentials::issued_at.desc())
        .select(CredentialRow::as_select())
        .load(conn)?)
}

/// A credential of `tenant` by id.
pub fn get(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<CredentialRow> {
    Ok(credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::id.eq(id))
        .select(CredentialRow::as_select())
        .first(conn)?)
}

/// The tenant that issued credential `id`, if any did: credential ids are random and global, so
/// a link to `/verify/<id>` names its issuer without naming the tenant.
pub fn issuer_of(conn: &mut DbConnection, id: &str) -> StorageResult<Option<String>> {
    Ok(credentials::table.filter(credentials::id.eq(id)).select(credentials::tenant_id).first(conn).optional()?)
}

/// The next free status index of `tenant` (callers insert in the same transaction; the unique
/// index refuses a race, which the caller retries).
pub fn next_status_index(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<i64> {
    let max: Option<i64> = credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .select(diesel::dsl::max(credentials::status_index))
        .first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

/// Stores an issued credential.
pub fn insert(conn: &mut DbConnection, row: &CredentialRow) -> StorageResult<()> {
    diesel::insert_into(credentials::table).values(row).execute(conn)?;
    Ok(())
}

/// Revokes credential `id` of `tenant` with `reason` unless it is revoked already; returns whether
/// it changed.
pub fn revoke(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let n = diesel::update(
        credentials::table
            .filter(credentials::tenant_id.eq(tid(tenant)))
            .filter(credentials::id.eq(id))
            .filter(credentials::revoked_at.is_null()),
    )
    .set((credentials::revoked_at.eq(Some(now.naive_utc())), credentials::revoked_reason.eq(Some(reason))))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every live credential of an entry's result versions other than `keep_result_id`
/// (none kept when `None`), with `reason`; returns the ids revoked.
pub fn revoke_for_entry(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    keep_result_id: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<Vec<String>> {
    let live: Vec<(String, String)> = credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::entry_id.eq(entry_id))
        .filter(credentials::revoked_at.is_null())
        .select((credentials::id, credentials::result_id))
        .load(conn)?;
    let mut revoked = Vec::new();
    for (id, result_id) in live {
        if Some(result_id.as_str()) != keep_result_id && revoke(conn, tenant, &id, reason, now)? {
            revoked.push(id);
        }
    }
    Ok(revoked)
}

/// Revokes every live credential of the entries `entry_ids` with `reason` (a results file that
/// replaces their results).
pub fn revoke_for_entries(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_ids: &[String],
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    Ok(diesel::update(
        credentials::table
            .filter(credentials::tenant_id.eq(tid(tenant)))
            .filter(credentials::entry_id.eq_any(entry_ids))
            .filter(credentials::revoked_at.is_null()),
    )
    .set((credentials::revoked_at.eq(Some(now.naive_utc())), credentials::revoked_reason.eq(Some(reason))))
    .execute(conn)?)
}

/// The revoked status indexes of `tenant` in `[from, to)`, ascending.
pub fn revoked_indexes(conn: &mut DbConnection, tenant: TenantId, from: i64, to: i64) -> StorageResult<Vec<i64>> {
    Ok(credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::revoked_at.is_not_null())
        .filter(credentials::status_index.ge(from))
        .filter(credentials::status_index.lt(to))
        .order(credentials::status_index)
        .select(credentials::status_index)
        .load(conn)?)
}

/// Records a verification of credential `credential_id`.
pub fn record_check(
    conn: &mut DbConnection,
    tenant: TenantId,
    credential_id: &str,
    via: &str,
    verifier_name: Option<&str>,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let row = CredentialCheck {
        tenant_id: tid(tenant),
        id: uuid::Uuid::now_v7().to_string(),
        credential_id: credential_id.to_owned(),
        via: via.to_owned(),
        verifier_name: verifier_name.map(str::to_owned),
        at: now.naive_utc(),
    };
    diesel::insert_into(credential_checks::table).values(&row).execute(conn)?;
    Ok(())
}

/// The checks of the credentials of an entry, newest first.
pub fn checks_for_entry(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
) -> StorageResult<Vec<CredentialCheck>> {
    let ids: Vec<String> = credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::entry_id.eq(entry_id))
        .select(credentials::id)
        .load(conn)?;
    Ok(credential_checks::table
        .filter(credential_checks::tenant_id.eq(tid(tenant)))
        .filter(credential_checks::credential_id.eq_any(ids))
        .order(credential_checks::at.desc())
        .select(CredentialCheck::as_select())
        .load(conn)?)
}

/// The credential holding bit `index` of `tenant`'s status lists.
pub fn by_status_index(conn: &mut DbConnection, tenant: TenantId, index: i64) -> StorageResult<Option<CredentialRow>> {
    Ok(credentials::table
        .filter(credentials::tenant_id.eq(tid(tenant)))
        .filter(credentials::status_index.eq(index))
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?)
}
