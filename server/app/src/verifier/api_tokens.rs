//! API clients' tokens: minting one and resolving the caller behind one (R-API).

use super::Verifier;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tessera_domain::ErrorCode;
use tessera_domain::TenantId;

/// The prefix of API client tokens: `tsk_<organisation id>_<secret>`.
pub const TOKEN_PREFIX: &str = "tsk_";

/// A fresh API token for organisation `tenant`, with its stored hash and hint.
pub fn new_api_token(tenant: TenantId) -> (String, String, String) {
    let token =
        format!("{TOKEN_PREFIX}{}_{}{}", tenant.0.simple(), crate::auth::random_token(), crate::auth::random_token());
    let hash = crate::auth::token_hash(&token);
    let hint = format!("...{}", &token[token.len() - 4..]);
    (token, hash, hint)
}

/// The caller behind an API token (`Authorization: Bearer` or `X-API-Key`), counted against the
/// client's budget. An expired token is a 401 `api_token_expired` naming the date; any other
/// problem with the token is a 401 that says nothing more.
pub async fn api_client(state: &AppState, token: &str) -> AppResult<Verifier> {
    let bad = || AppError::new(ErrorCode::InvalidToken);
    let rest = token.strip_prefix(TOKEN_PREFIX).ok_or_else(bad)?;
    let (tenant, secret) = rest.split_once('_').ok_or_else(bad)?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let tenant: TenantId = tenant.parse().map_err(|_| bad())?;
    let hash = crate::auth::token_hash(token);
    let caller = match state.api_tokens.get(&hash) {
        Some(caller) => caller,
        None => {
            let key = hash.clone();
            let found = state
                .db
                .call(move |c| {
                    let t = tessera_storage::repo::tenants::by_id(c, tenant)?;
                    let client = tessera_storage::repo::api_clients::by_token(c, tenant, &key)?;
                    Ok((t, client))
                })
                .await;
            let (t, client) = match found {
                Ok(x) => x,
                Err(tessera_storage::StorageError::NotFound) => return Err(bad()),
                Err(e) => return Err(e.into()),
            };
            if t.status != "active" || t.kind != tessera_domain::TenantKind::Verifier {
                return Err(bad());
            }
            let caller = ApiCaller {
                expires_at: client.expires_at.map(|e| e.and_utc()),
                client_id: client.id.clone(),
                verifier: Verifier {
                    tenant: t.id,
                    actor_id: format!("api:{}", client.id),
                    actor_name: format!("{} (API, {})", client.name, t.name),
                    locale: t.locale,
                    timezone: t.timezone,
                },
            };
            state.api_tokens.put(hash, caller.clone());
            caller
        }
    };
    if !tessera_domain::verification::r_api_token_valid(caller.expires_at, state.clock.now()) {
        let date = caller.expires_at.map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
        return Err(AppError::new(ErrorCode::ApiTokenExpired).arg("date", date));
    }
    let budget =
        crate::rate::Budget { max: state.settings.api_requests_per_minute, window: chrono::Duration::minutes(1) };
    state.rate.take(&[(caller.verifier.actor_id.clone(), budget)]).await?.map_err(AppError::too_many)?;
    Ok(caller.verifier)
}

/// An API client as its token was verified.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The client's id.
    pub client_id: String,
    /// Who it acts as.
    pub verifier: Verifier,
    /// When its token stops working (R-API).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}
