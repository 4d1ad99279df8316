//! `/verify`: anyone, with no account, checks a Statement of Results: by its link (the QR code),
//! or by uploading its PDF or JSON, or pasting the JSON. The answer is in the visitor's language
//! and shows only what the credential itself says.

use crate::auth::{MaybeUser, check_csrf};
use crate::error::{AppResult, HttpError};
use crate::extract::{Multipart, Path};
use crate::routes::pages::{render, visitor_locale};
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use std::net::SocketAddr;
use tessera_app::credentials::{Verification, verify};
use tessera_domain::{ErrorCode, Locale};

fn locale_of(user: &MaybeUser, headers: &HeaderMap) -> Locale {
    user.0.as_ref().map(|u| u.tenant.locale).unwrap_or_else(|| visitor_locale(headers))
}

fn page(
    state: &SharedState,
    jar: CookieJar,
    user: &MaybeUser,
    locale: Locale,
    status: StatusCode,
    v: Option<Verification>,
    error: Option<minijinja::Value>,
) -> AppResult<Response> {
    render(state, jar, user, locale, "verify.html", status, context! { v => v, error => error })
}

/// `GET /verify`: the form.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
) -> AppResult<Response> {
    let locale = locale_of(&user, &headers);
    page(&state, jar, &user, locale, StatusCode::OK, None, None)
}

/// `POST /verify` (multipart: `csrf`, and `file` (a PDF or JSON) or `text` (pasted JSON)).
pub(crate) async fn submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
    mut form: Multipart,
) -> AppResult<Response> {
    let locale = locale_of(&user, &headers);
    let (mut csrf, mut text, mut file) = (String::new(), String::new(), Vec::new());
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("text") => text = part.text().await?,
            Some("file") => file = part.bytes().await?.to_vec(),
            _ => {}
        }
    }
    check_csrf(&jar, &user, &csrf)?;
    let submitted = if !file.is_empty() { file } else { text.trim().as_bytes().to_vec() };
    if submitted.is_empty() {
        let e = HttpError::at(ErrorCode::Required, "file");
        return page(&state, jar, &user, locale, StatusCode::BAD_REQUEST, None, Some(e.for_page()));
    }
    let v = verify::verify_submitted(&state, addr.ip(), &submitted).await?;
    page(&state, jar, &user, locale, StatusCode::OK, Some(v), None)
}

/// `GET /verify/{id}`: the link in the QR code of a Statement of Results.
pub(crate) async fn link(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let locale = locale_of(&user, &headers);
    let v = verify::verify_link(&state, addr.ip(), &id).await?;
    page(&state, jar, &user, locale, StatusCode::OK, Some(v), None)
}
