//! Issuer keys: an Ed25519 key per centre, made when the centre is created (and at start-up for
//! centres from before credentials existed), kept in the database with the secret half sealed
//! under the key in `<data_dir>/credential-keys.key`. `tessera keys rotate` makes a new current
//! key; the old ones stay in the DID document so that what they signed keeps verifying.

use crate::error::AppError;
use rand::RngCore;
use std::path::Path;
use tessera_credentials::{PublicKey, SigningKey};
use tessera_domain::{TenantId, TenantKind};
use tessera_storage::repo::credentials::{self as repo, IssuerKey};
use tessera_storage::repo::tenants::{self, Tenant};
use tessera_storage::{DbConnection, StorageError, StorageResult};

/// The sealing key's file in the data folder (mode 0600; not in the database nor its backups:
/// copy it to every node of a region, and keep a copy apart from the backups).
pub const WRAP_FILE: &str = "credential-keys.key";

/// The key the issuer keys' secret halves are sealed with.
#[derive(Clone)]
pub struct Wrapping([u8; 32]);

impl std::fmt::Debug for Wrapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wrapping(..)")
    }
}

impl Wrapping {
    /// The key of `data_dir`, made on first use.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(WRAP_FILE);
        if !path.exists() {
            std::fs::create_dir_all(data_dir)?;
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            crate::secrets::write_private(&path, &format!("{}\n", hex::encode(key)))?;
        }
        let text = std::fs::read_to_string(&path)?;
        let bytes = hex::decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: expected 64 hex digits", path.display()))
        })?;
        Ok(Self(bytes))
    }

    /// A key for tests and tools that never read what they seal back from disk.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }
}

/// The `did:web` of a tenant served at `public_url`.
pub fn did_of(public_url: &str, slug: &str) -> String {
    tessera_credentials::did_web(public_url, slug)
}

fn new_row(tenant: TenantId, key_id: &str, wrap: &Wrapping, now: chrono::DateTime<chrono::Utc>) -> IssuerKey {
    let key = SigningKey::generate();
    IssuerKey {
        tenant_id: tenant.to_string(),
        key_id: key_id.to_owned(),
        public_key: key.public().to_multibase(),
        sealed_secret: tessera_credentials::wrap::seal(&wrap.0, &key.to_bytes()),
        created_at: now.naive_utc(),
        retired_at: None,
    }
}

/// Gives `tenant` its first key if it issues results (a centre) and has none.
pub fn ensure_in(
    c: &mut DbConnection,
    tenant: &Tenant,
    wrap: &Wrapping,
    now: chrono::DateTime<chrono::Utc>,
) -> StorageResult<bool> {
    if tenant.kind != TenantKind::Centre || !repo::keys(c, tenant.id)?.is_empty() {
        return Ok(false);
    }
    repo::add_key(c, &new_row(tenant.id, "key-1", wrap, now), now)?;
    Ok(true)
}

/// Gives every centre without a key its first one (at start-up: centres created before
/// credentials existed); returns how many were made.
pub fn ensure_all(c: &mut DbConnection, wrap: &Wrapping, now: chrono::DateTime<chrono::Utc>) -> StorageResult<usize> {
    let mut made = 0;
    for t in tenants::list(c)? {
        if ensure_in(c, &t, wrap, now)? {
            made += 1;
        }
    }
    Ok(made)
}

/// Makes a new current key for `tenant` (the old ones keep verifying); returns its id.
pub fn rotate_in(
    c: &mut DbConnection,
    tenant: &Tenant,
    wrap: &Wrapping,
    now: chrono::DateTime<chrono::Utc>,
) -> StorageResult<String> {
    if tenant.kind != TenantKind::Centre {
        return Err(StorageError::Corrupt(format!("{} is not a centre: it issues no credentials", tenant.slug)));
    }
    let existing = repo::keys(c, tenant.id)?;
    let next =
        (1..).map(|n| format!("key-{n}")).find(|id| existing.iter().all(|k| &k.key_id != id)).expect("a free key id");
    repo::add_key(c, &new_row(tenant.id, &next, wrap, now), now)?;
    Ok(next)
}

/// The current signing key of `tenant`: (key id, key). A centre made without one (directly in
/// the database, or while this node was a standby) gets it now.
pub fn signing_key(c: &mut DbConnection, tenant: TenantId, wrap: &Wrapping) -> Result<(String, SigningKey), AppError> {
    let mut keys = repo::keys(c, tenant)?;
    if keys.is_empty() {
        let t = tenants::by_id(c, tenant)?;
        match ensure_in(c, &t, wrap, chrono::Utc::now()) {
            // Another node made it at the same moment: read theirs.
            Ok(_) | Err(StorageError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        keys = repo::keys(c, tenant)?;
    }
    let current = keys
        .iter()
        .find(|k| k.retired_at.is_none())
        .ok_or_else(|| AppError::internal(format!("tenant {tenant} has no issuer key")))?;
    let secret = tessera_credentials::wrap::open(&wrap.0, &current.sealed_secret).map_err(|e| {
        AppError::internal(format!("the issuer key {} cannot be unsealed with {WRAP_FILE}: {e}", current.key_id))
    })?;
    Ok((current.key_id.clone(), SigningKey::from_bytes(&secret)))
}

/// Every public key of `tenant`, current and retired: (key id, key).
pub fn public_keys(c: &mut DbConnection, tenant: TenantId) -> Result<Vec<(String, PublicKey)>, AppError> {
    repo::keys(c, tenant)?
        .into_iter()
        .map(|k| {
            let pk = PublicKey::from_multibase(&k.public_key)
                .map_err(|e| AppError::internal(format!("stored public key {}: {e}", k.key_id)))?;
            Ok((k.key_id, pk))
        })
        .collect()
}

/// One key as `tessera keys export` writes it and `tessera verify --keys` reads it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExportedKey {
    /// The verification method: `<did>#<key id>`.
    pub id: String,
    /// The issuer's DID.
    pub controller: String,
    /// The issuing centre's name.
    pub name: String,
    /// Multikey `publicKeyMultibase`.
    #[serde(rename = "publicKeyMultibase")]
    pub public_key_multibase: String,
}

/// The public keys of every centre (or of one), for checking credentials offline.
pub fn export(c: &mut DbConnection, public_url: &str, only: Option<&str>) -> Result<Vec<ExportedKey>, AppError> {
    let mut out = Vec::new();
    for t in tenants::list(c)?.into_iter().filter(|t| t.kind == TenantKind::Centre) {
        if only.is_some_and(|s| s != t.slug) {
            continue;
        }
        let did = did_of(public_url, &t.slug);
        for k in repo::keys(c, t.id)? {
            out.push(ExportedKey {
                id: format!("{did}#{}", k.key_id),
                controller: did.clone(),
                name: t.name.clone(),
                public_key_multibase: k.public_key,
            });
        }
    }
    Ok(out)
}
