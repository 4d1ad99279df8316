//! The start page: which organisation are you signing in to?

use crate::auth::MaybeUser;
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::{local_path, next_query, render, visitor_locale};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct Start {
    /// The page a signed-out visitor asked for: shown again after signing in.
    #[serde(default)]
    next: Option<String>,
}

/// `GET /[?next=PATH]`: signed-in users go home (or to the page they asked for), others choose
/// their organisation and their language.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<Start>,
) -> AppResult<Response> {
    let next = local_path(q.next.as_deref());
    if let Some(u) = &user.0 {
        return Ok(Redirect::to(next.as_deref().unwrap_or(u.role.home_path())).into_response());
    }
    let here = format!("/{}", next_query(next.as_deref()));
    let ctx = context! { next => next, languages => languages(visitor_locale(&headers), &here) };
    render(&state, jar, &user, visitor_locale(&headers), "index.html", StatusCode::OK, ctx)
}

/// The language choice: each language named in itself, the current one marked, each link
/// coming back to `here`.
fn languages(current: tessera_domain::Locale, here: &str) -> Vec<minijinja::Value> {
    let back: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    tessera_domain::Locale::ALL
        .iter()
        .map(|l| {
            let href = format!("/language/{}?back={back}", l.as_str());
            context! { code => l.as_str(), name => l.native_name(), current => *l == current, href => href }
        })
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct Go {
    tenant: String,
    #[serde(default)]
    next: Option<String>,
}

/// `GET /go?tenant=CODE`: on to that organisation's sign-in page.
pub(crate) async fn go(
    State(state): State<SharedState>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<Go>,
) -> AppResult<Response> {
    let code = q.tenant.trim().to_ascii_lowercase();
    let known = match tessera_domain::tenant::parse_slug(&code) {
        Ok(slug) => match tessera_app::auth::login::tenant_for_login(&state, &slug).await {
            Ok(_) => Some(slug),
            Err(e) if e.code() == tessera_domain::ErrorCode::NotFound => None,
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    match known {
        Some(slug) => Ok(Redirect::to(&format!("/t/{slug}/login{}", next_query(q.next.as_deref()))).into_response()),
        None => render(
            &state,
            jar,
            &user,
            visitor_locale(&headers),
            "index.html",
            StatusCode::NOT_FOUND,
            context! {
                error => crate::error::HttpError::at(tessera_domain::ErrorCode::UnknownOrganisation, "tenant").arg("value", &code).for_page(),
                code => code,
                next => local_path(q.next.as_deref()),
                languages => languages(visitor_locale(&headers), "/"),
            },
        ),
    }
}
