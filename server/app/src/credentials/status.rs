//! Status lists: one Bitstring Status List credential per centre and 131,072 credentials,
//! built from the database's revocations and signed with the centre's current key. The signed
//! list is cached per process and rebuilt only when the revoked bits (or the key) changed, so
//! every node answers a revocation made on any other as soon as it is committed.

use super::keys;
use super::status_list_url;
use crate::error::AppError;
use crate::state::AppState;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tessera_credentials::{STATUS_LIST_BITS, StatusList};
use tessera_domain::{TenantId, TenantKind};
use tessera_storage::repo::credentials as repo;

struct Cached {
    revoked: Vec<i64>,
    key_id: String,
    list: SignedList,
}

/// A signed status list credential and its entity tag.
#[derive(Clone)]
pub struct SignedList {
    /// The credential, as served.
    pub json: Arc<String>,
    /// Its entity tag (quoted), for `If-None-Match`.
    pub etag: String,
}

/// The signed lists this process has built.
#[derive(Default)]
pub struct StatusLists {
    cache: Mutex<HashMap<(TenantId, u64), Cached>>,
}

/// Status list `list` of centre `slug`; 404 for a list no credential uses.
pub async fn status_list(state: &AppState, slug: &str, list: u64) -> Result<SignedList, AppError> {
    let (slug, wrap, url, now) =
        (slug.to_owned(), state.credential_keys.clone(), state.settings.public_url.clone(), state.clock.now());
    let from = list.checked_sub(1).map(|l| l * STATUS_LIST_BITS).ok_or_else(AppError::not_found)? as i64;
    let to = from + STATUS_LIST_BITS as i64;
    let (tenant, revoked, next, current_key) = state
        .db
        .call(move |c| {
            let tenant = tessera_storage::repo::tenants::by_slug(c, &slug)?;
            let revoked = repo::revoked_indexes(c, tenant.id, from, to)?;
            let next = repo::next_status_index(c, tenant.id)?;
            let current_key = repo::keys(c, tenant.id)?.into_iter().find(|k| k.retired_at.is_none()).map(|k| k.key_id);
            Ok((tenant, revoked, next, current_key))
        })
        .await?;
    if tenant.kind != TenantKind::Centre || (list > 1 && from >= next) {
        return Err(AppError::not_found());
    }
    let tid = tenant.id;
    {
        // A list signed with the current key over the same revoked bits is served as it is: the
        // key is unsealed only to sign a new one.
        let cache = state.status_lists.cache.lock().expect("status list cache");
        if let Some(hit) =
            cache.get(&(tid, list)).filter(|h| h.revoked == revoked && Some(&h.key_id) == current_key.as_ref())
        {
            return Ok(hit.list.clone());
        }
    }
    let (key_id, key) = state.db.call(move |c| Ok(keys::signing_key(c, tid, &wrap))).await??;
    let mut bits = StatusList::new();
    for i in &revoked {
        bits.set((*i - from) as u64, true);
    }
    let list_url = status_list_url(&url, &tenant.slug, list);
    let did = keys::did_of(&url, &tenant.slug);
    let unsigned = tessera_credentials::status_list_credential(&list_url, &did, now, &bits);
    let vm = format!("{did}#{key_id}");
    let signed = tokio::task::spawn_blocking(move || tessera_credentials::sign(unsigned, &key, &vm, now))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let json = signed.to_string();
    let etag = format!("\"{}\"", &hex::encode(sha2::Sha256::digest(json.as_bytes()))[..32]);
    let out = SignedList { json: Arc::new(json), etag };
    state
        .status_lists
        .cache
        .lock()
        .expect("status list cache")
        .insert((tid, list), Cached { revoked, key_id, list: out.clone() });
    Ok(out)
}
