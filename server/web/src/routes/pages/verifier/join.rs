//! "Join an existing account" (public, R-ORG-JOIN): a person asks to join an approved
//! organisation; its primary user decides on `/verifier/users`.

use crate::auth::{CsrfForm, CsrfProtected, MaybeUser};
use crate::error::AppResult;
use crate::routes::pages::{render, visitor_locale};
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::organisations::{self, JoinForm};

/// `GET /organisations/join`.
pub(crate) async fn join_form(
    State(state): State<SharedState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> AppResult<Response> {
    let locale = visitor_locale(&headers);
    render(
        &state,
        jar,
        &MaybeUser(None),
        locale,
        "org_join.html",
        StatusCode::OK,
        context! { f => JoinForm::default() },
    )
}

#[derive(Deserialize)]
pub(crate) struct JoinPost {
    csrf: String,
    #[serde(flatten)]
    form: JoinForm,
}

impl CsrfProtected for JoinPost {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /organisations/join`: records the request; each refusal is shown beside its field.
pub(crate) async fn join_submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    CsrfForm(post): CsrfForm<JoinPost>,
) -> AppResult<Response> {
    let locale = visitor_locale(&headers);
    match organisations::request_join(&state, addr.ip(), &post.form).await {
        Ok(()) => {
            render(&state, jar, &MaybeUser(None), locale, "org_join.html", StatusCode::OK, context! { sent => true })
        }
        Err(e) if e.is_refusal() => render(
            &state,
            jar,
            &MaybeUser(None),
            locale,
            "org_join.html",
            e.status,
            context! { f => post.form, error => e.for_page() },
        ),
        Err(e) => Err(e.into()),
    }
}
