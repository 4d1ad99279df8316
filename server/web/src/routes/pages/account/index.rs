//! The start page: which organisation are you signing in to?

use crate::auth::MaybeUser;
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::{render, visitor_locale};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;

/// `GET /`: signed-in users go home, others choose their organisation.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: MaybeUser,
    headers: HeaderMap,
    jar: CookieJar,
) -> AppResult<Response> {
    if let Some(u) = &user.0 {
        return Ok(Redirect::to(u.role.home_path()).into_response());
    }
    render(&state, jar, &user, visitor_locale(&headers), "index.html", StatusCode::OK, context! {})
}

#[derive(Deserialize)]
pub(crate) struct Go {
    tenant: String,
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
        Some(slug) => Ok(Redirect::to(&format!("/t/{slug}/login")).into_response()),
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
            },
        ),
    }
}
