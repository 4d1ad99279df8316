//! Server-side sessions. The database keeps only a token's hash, scoped by the tenant the
//! session belongs to: a session found in one tenant is never looked for in another.

use super::{random_token, token_hash};
use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use tessera_domain::TenantId;
use tessera_storage::repo::{auth as auth_repo, tenants, users};

/// A live session: who it is, its anti-forgery token, and its token's hash (to end it).
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in user.
    pub actor: Actor,
    /// The session's anti-forgery token.
    pub csrf_token: String,
    /// Hash of the session token.
    pub token_hash: String,
}

/// The live session of `token` in `tenant_id`, if any (an idle, expired or ended session, or one
/// of a suspended tenant, is none).
pub async fn find(state: &AppState, tenant_id: TenantId, token: &str) -> Result<Option<Session>, AppError> {
    let hash = token_hash(token);
    let now = state.clock.now();
    let idle = state.settings.session_idle;
    let found = state
        .db
        .call(move |c| {
            let Some(s) = auth_repo::live_session(c, tenant_id, &hash, now, idle)? else { return Ok(None) };
            let tenant = tenants::by_id(c, tenant_id)?;
            let user = users::by_id(c, tenant_id, &s.user_id)?;
            Ok(Some((tenant, user, s)))
        })
        .await?;
    let Some((tenant, user, s)) = found else { return Ok(None) };
    if tenant.status != "active" {
        return Ok(None);
    }
    let role = user.role()?;
    Ok(Some(Session { actor: Actor { tenant, user, role }, csrf_token: s.csrf_token, token_hash: s.token_hash }))
}

/// A new session for `user_id`: returns its token and its anti-forgery token.
pub async fn begin(state: &AppState, tenant: TenantId, user_id: String) -> Result<(String, String), AppError> {
    let token = random_token();
    let csrf = random_token();
    let hash = token_hash(&token);
    let now = state.clock.now();
    let expires = now + state.settings.session_absolute;
    let csrf_for_db = csrf.clone();
    state.db.call(move |c| auth_repo::create_session(c, tenant, &hash, &user_id, &csrf_for_db, now, expires)).await?;
    Ok((token, csrf))
}

/// Ends the session whose token hashes to `token_hash`.
pub async fn end(state: &AppState, tenant: TenantId, token_hash: String) -> Result<(), AppError> {
    state.db.call(move |c| auth_repo::delete_session(c, tenant, &token_hash)).await?;
    Ok(())
}
