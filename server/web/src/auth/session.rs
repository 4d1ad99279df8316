//! Server-side sessions. The cookie carries `<tenant id>.<token>`; the database keeps only the
//! token's hash, scoped by that tenant. A session found in one tenant is never looked for in another.

use crate::error::HttpError;
use crate::state::{AppState, SharedState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::sync::Arc;
use tessera_app::actor::Actor;
use tessera_app::auth::sessions;
use tessera_domain::TenantId;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tessera_session";

/// The signed-in user of a request, with their tenant (an [`Actor`] to the workflows).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Who is acting.
    pub actor: Actor,
    /// The session's anti-forgery token.
    pub csrf_token: String,
    /// Hash of the session token (for logout).
    pub(crate) token_hash: String,
}

impl std::ops::Deref for CurrentUser {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
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

async fn load(state: &AppState, jar: &CookieJar) -> Result<Option<CurrentUser>, HttpError> {
    let Some((tenant_id, token)) = parse_cookie(jar) else { return Ok(None) };
    let found = sessions::find(state, tenant_id, &token).await?;
    Ok(found.map(|s| CurrentUser { actor: s.actor, csrf_token: s.csrf_token, token_hash: s.token_hash }))
}

impl FromRequestParts<SharedState> for MaybeUser {
    type Rejection = HttpError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, HttpError> {
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
    type Rejection = HttpError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, HttpError> {
        MaybeUser::from_request_parts(parts, state).await?.0.ok_or_else(HttpError::unauthenticated)
    }
}

/// Starts a session for `user`; returns the cookie jar with the session and CSRF cookies set.
pub async fn begin_session(
    state: &Arc<AppState>,
    tenant: TenantId,
    user_id: String,
    jar: CookieJar,
) -> Result<CookieJar, HttpError> {
    let (token, csrf) = sessions::begin(state, tenant, user_id).await?;
    let session = Cookie::build((SESSION_COOKIE, format!("{tenant}.{token}")))
        .path("/")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .same_site(SameSite::Lax)
        .build();
    Ok(jar.add(session).add(super::csrf_cookie(csrf, state.settings.secure_cookies)))
}

/// Ends the session of `user` and clears the cookie.
pub async fn end_session(state: &Arc<AppState>, user: &CurrentUser, jar: CookieJar) -> Result<CookieJar, HttpError> {
    sessions::end(state, user.tenant_id(), user.token_hash.clone()).await?;
    Ok(clear_session_cookie(jar))
}

/// The jar with the session cookie removed.
pub fn clear_session_cookie(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/").build())
}
