//! API clients of a verifier organisation (R-API), managed by its primary user: created with a
//! token shown once (only its hash is stored), rotated (renewal: the old token stops working at
//! once), revoked for good. The page handlers and the JSON API share these; every change is in
//! the organisation's audit log.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::new_api_token;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tessera_domain::ErrorCode;
use tessera_domain::Role;
use tessera_storage::repo::api_clients::{self, ApiClient};
use utoipa::ToSchema;

/// API tokens this process verified recently, by hash, so a client's burst of requests is not
/// a burst of database lookups. Rotating or revoking through this process forgets the client's
/// entries at once; another process (two servers on one PostgreSQL database) sees the change
/// within [`TokenCache::TTL`].
#[derive(Default)]
pub struct TokenCache {
    verified: Mutex<HashMap<String, (Instant, crate::verifier::ApiCaller)>>,
}

impl TokenCache {
    /// How long a verified token is trusted without asking the database again.
    pub const TTL: Duration = Duration::from_secs(5);
    /// Entries kept at most (tokens in use at once; a flood of distinct tokens empties it).
    const MAX: usize = 10_000;

    /// The caller of a token verified less than [`Self::TTL`] ago.
    pub fn get(&self, hash: &str) -> Option<crate::verifier::ApiCaller> {
        let mut v = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        match v.get(hash) {
            Some((at, caller)) if at.elapsed() < Self::TTL => Some(caller.clone()),
            Some(_) => {
                v.remove(hash);
                None
            }
            None => None,
        }
    }

    /// Remembers a token the database just confirmed.
    pub fn put(&self, hash: String, caller: crate::verifier::ApiCaller) {
        let mut v = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() >= Self::MAX {
            v.retain(|_, (at, _)| at.elapsed() < Self::TTL);
            if v.len() >= Self::MAX {
                v.clear();
            }
        }
        v.insert(hash, (Instant::now(), caller));
    }

    /// Forgets every token of a client (rotated or revoked).
    pub fn forget_client(&self, client_id: &str) {
        let mut v = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|_, (_, caller)| caller.client_id != client_id);
    }
}

/// An API client as listed (its token is never shown again).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiClientView {
    /// Client id.
    pub id: String,
    /// Name given at creation.
    pub name: String,
    /// The token's last characters.
    pub token_hint: String,
    /// Created (UTC).
    pub created_at: String,
    /// Last rotated (UTC), if ever.
    pub rotated_at: Option<String>,
    /// Revoked (UTC): the token no longer works.
    pub revoked_at: Option<String>,
    /// The token stops working at this instant (UTC) unless renewed (R-API).
    pub expires_at: Option<String>,
}

impl From<ApiClient> for ApiClientView {
    fn from(c: ApiClient) -> Self {
        let f = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        Self {
            id: c.id,
            name: c.name,
            token_hint: c.token_hint,
            created_at: f(c.created_at),
            rotated_at: c.rotated_at.map(f),
            revoked_at: c.revoked_at.map(f),
            expires_at: c.expires_at.map(f),
        }
    }
}

/// A client with its token: shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiClientToken {
    /// The client.
    pub client: ApiClientView,
    /// The token, for `Authorization: Bearer <token>` or `X-API-Key: <token>`. Not stored.
    pub token: String,
}

/// Only the organisation's primary user manages API clients; anyone else gets a 404.
fn primary_only(user: &Actor) -> AppResult<()> {
    user.require(&[Role::VerifierPrimary])
}

/// The organisation's API clients, revoked ones included.
pub async fn list(state: &AppState, user: &Actor) -> AppResult<Vec<ApiClientView>> {
    primary_only(user)?;
    let tid = user.tenant_id();
    let rows = state.db.call(move |c| api_clients::list(c, tid)).await?;
    Ok(rows.into_iter().map(ApiClientView::from).collect())
}

/// Creates an API client named `name` (1 to 100 characters); the answer carries its token.
pub async fn create(state: &AppState, user: &Actor, name: &str) -> AppResult<ApiClientToken> {
    primary_only(user)?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::at(ErrorCode::Length, "name").arg("min", 1).arg("max", 100));
    }
    let (token, hash, hint) = new_api_token(user.tenant_id());
    let (u, now) = (user.clone(), state.clock.now());
    let expires = now + chrono::Duration::days(state.settings.api_token_days);
    let client = state
        .db
        .call(move |c| {
            crate::verifier::require_api_access(c, u.tenant_id())?;
            let client = api_clients::create(c, u.tenant_id(), &name, &hash, &hint, &u.user.id, now, expires)?;
            u.audit(c, "api_client.created", &client.id, now)?;
            Ok(client)
        })
        .await?;
    Ok(ApiClientToken { client: client.into(), token })
}

/// Gives a live client a new token; the old one stops working at once (renewal).
pub async fn rotate(state: &AppState, user: &Actor, id: &str) -> AppResult<ApiClientToken> {
    primary_only(user)?;
    let (token, hash, hint) = new_api_token(user.tenant_id());
    let (u, now, id) = (user.clone(), state.clock.now(), id.to_owned());
    let expires = now + chrono::Duration::days(state.settings.api_token_days);
    let client = state
        .db
        .call(move |c| {
            let client = api_clients::rotate(c, u.tenant_id(), &id, &hash, &hint, now, expires)?;
            u.audit(c, "api_client.rotated", &client.id, now)?;
            Ok(client)
        })
        .await?;
    state.api_tokens.forget_client(&client.id);
    Ok(ApiClientToken { client: client.into(), token })
}

/// Renews a live client (R-API): the same token keeps working, now until
/// `api_token_days` from today; the expiry notice will be sent again before the new date.
pub async fn renew(state: &AppState, user: &Actor, id: &str) -> AppResult<ApiClientView> {
    primary_only(user)?;
    let (u, now, id) = (user.clone(), state.clock.now(), id.to_owned());
    let expires = now + chrono::Duration::days(state.settings.api_token_days);
    let client = state
        .db
        .call(move |c| {
            let client = api_clients::renew(c, u.tenant_id(), &id, expires)?;
            u.audit(c, "api_client.renewed", &client.id, now)?;
            Ok(client)
        })
        .await?;
    state.api_tokens.forget_client(&client.id);
    Ok(client.into())
}

/// Revokes a live client for good.
pub async fn revoke(state: &AppState, user: &Actor, id: &str) -> AppResult<()> {
    primary_only(user)?;
    let (u, now, id) = (user.clone(), state.clock.now(), id.to_owned());
    let forget = id.clone();
    state
        .db
        .call(move |c| {
            api_clients::revoke(c, u.tenant_id(), &id, now)?;
            u.audit(c, "api_client.revoked", &id, now)
        })
        .await?;
    state.api_tokens.forget_client(&forget);
    Ok(())
}
