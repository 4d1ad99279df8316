//! Server-side sessions. The cookie carries `<tenant id>.<token>`; the database keeps only the
//! token's hash, scoped by that tenant. A session found in one tenant is never looked for in another.

use super::{random_token, token_hash};
use crate::error::AppError;
use crate::state::{AppState, SharedState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::sync::Arc;
use tessera_domain::{Role, TenantId};
use tessera_storage::repo::{auth as auth_repo, tenants, tenants::Tenant, users};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tessera_session";

/// The signed-in user of a request, with their tenant.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The tenant the user belongs to: the scope of everything they do.
    pub tenant: Tenant,
    /// The user.
    pub user: users::User,
    /// The user's role.
    pub role: Role,
    /// The session's anti-forgery token.
    pub csrf_token: String,
    /// Hash of the session token (for logout).
    pub(crate) token_hash: String,
}

impl CurrentUser {
    /// The tenant id.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    /// Refuses (404, as if the page did not exist) unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AppError::not_found()) }
    }

    /// Records in the tenant's audit log that this user did `action` to `target`.
    pub fn audit(
        &self,
        c: &mut tessera_storage::DbConnection,
        action: &str,
        target: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> tessera_storage::StorageResult<()> {
        let ev = tessera_storage::repo::audit::AuditEvent {
            actor: Some(&self.user.id),
            action,
            target: Some(target),
            details: serde_json::json!({}),
            request_id: None,
        };
        tessera_storage::repo::audit::append(c, self.tenant_id(), &ev, now)
    }
}

/// The signed-in user, if any.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

fn parse_cookie(jar: &CookieJar) -> Option<(TenantId, String)> {
    let value = jar.get(SESSION_COOKIE)?.value().to_owned();
    let (tenant, token) = value.split_once('.')?;
    let tenant = tenant.parse().ok()?;
    (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| (tenant, token.to_owned()))
}

async fn load(state: &AppState, jar: &CookieJar) -> Result<Option<CurrentUser>, AppError> {
    let Some((tenant_id, token)) = parse_cookie(jar) else { return Ok(None) };
    let hash = token_hash(&token);
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
    Ok(Some(CurrentUser { tenant, user, role, csrf_token: s.csrf_token, token_hash: s.token_hash }))
}

impl FromRequestParts<SharedState> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, AppError> {
        if let Some(u) = parts.extensions.get::<MaybeUser>() {
            return Ok(u.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let user = MaybeUser(load(state, &jar).await?);
        if let (Some(u), Some(caller)) = (&user.0, parts.extensions.get::<crate::error::CallerLocale>()) {
            caller.note(u.tenant.locale);
        }
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

impl FromRequestParts<SharedState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, AppError> {
        MaybeUser::from_request_parts(parts, state).await?.0.ok_or_else(AppError::unauthenticated)
    }
}

/// Starts a session for `user`; returns the cookie jar with the session and CSRF cookies set.
pub async fn begin_session(
    state: &Arc<AppState>,
    tenant: TenantId,
    user_id: String,
    jar: CookieJar,
) -> Result<CookieJar, AppError> {
    let token = random_token();
    let csrf = random_token();
    let hash = token_hash(&token);
    let now = state.clock.now();
    let expires = now + state.settings.session_absolute;
    let csrf_for_db = csrf.clone();
    state.db.call(move |c| auth_repo::create_session(c, tenant, &hash, &user_id, &csrf_for_db, now, expires)).await?;
    let session = Cookie::build((SESSION_COOKIE, format!("{tenant}.{token}")))
        .path("/")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .same_site(SameSite::Lax)
        .build();
    Ok(jar.add(session).add(super::csrf_cookie(csrf, state.settings.secure_cookies)))
}

/// Ends the session of `user` and clears the cookie.
pub async fn end_session(state: &Arc<AppState>, user: &CurrentUser, jar: CookieJar) -> Result<CookieJar, AppError> {
    let tenant = user.tenant_id();
    let hash = user.token_hash.clone();
    state.db.call(move |c| auth_repo::delete_session(c, tenant, &hash)).await?;
    Ok(clear_session_cookie(jar))
}

/// The jar with the session cookie removed.
pub fn clear_session_cookie(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/").build())
}
