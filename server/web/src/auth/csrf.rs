//! Anti-forgery tokens for every state-changing form.
//!
//! Before sign-in a random token lives in a `SameSite=Strict` cookie and in the form (double
//! submit); after sign-in the token is the session's, stored server-side, and must match too.

use super::{MaybeUser, constant_time_eq, random_token};
use crate::error::HttpError;
use crate::state::SharedState;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::de::DeserializeOwned;

/// The anti-forgery cookie's name.
pub const CSRF_COOKIE: &str = "tessera_csrf";

/// A form that carries an anti-forgery token in its `csrf` field.
pub trait CsrfProtected {
    /// The token the form carried.
    fn csrf(&self) -> &str;
}

/// A form whose anti-forgery token was checked; a missing or wrong token is a 403.
pub struct CsrfForm<T>(pub T);

impl<T> FromRequest<SharedState> for CsrfForm<T>
where
    T: DeserializeOwned + CsrfProtected + Send,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &SharedState) -> Result<Self, HttpError> {
        let (mut parts, body) = req.into_parts();
        let jar = CookieJar::from_headers(&parts.headers);
        let user = MaybeUser::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(req, state).await?;
        check_csrf(&jar, &user, form.csrf())?;
        Ok(CsrfForm(form))
    }
}

/// Checks a form's anti-forgery token against the cookie and, when signed in, the session's.
/// Multipart forms (uploads) call this with the `csrf` field they read.
pub fn check_csrf(jar: &CookieJar, user: &MaybeUser, sent: &str) -> Result<(), HttpError> {
    let cookie_ok = jar.get(CSRF_COOKIE).is_some_and(|c| !sent.is_empty() && constant_time_eq(c.value(), sent));
    let session_ok = user.0.as_ref().is_none_or(|u| constant_time_eq(&u.csrf_token, sent));
    if cookie_ok && session_ok { Ok(()) } else { Err(HttpError::csrf()) }
}

/// The anti-forgery cookie holding `token`.
pub fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, token)).path("/").http_only(true).secure(secure).same_site(SameSite::Strict).build()
}

/// The token a page must embed in its forms, setting the cookie when there is none yet.
pub fn ensure_csrf_token(jar: CookieJar, user: &MaybeUser, secure: bool) -> (CookieJar, String) {
    if let Some(u) = &user.0 {
        let token = u.csrf_token.clone();
        let jar = if jar.get(CSRF_COOKIE).map(|c| c.value()) == Some(token.as_str()) {
            jar
        } else {
            jar.add(csrf_cookie(token.clone(), secure))
        };
        return (jar, token);
    }
    match jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()) {
        Some(t) if t.len() == 32 => (jar, t),
        _ => {
            let t = random_token();
            (jar.add(csrf_cookie(t.clone(), secure)), t)
        }
    }
}
