//! The signed-in verifier user's email notifications (R-NOTIFY): off, every candidate, a daily
//! summary or a weekly one on Mondays.

use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::notify;
use tessera_app::notify::MODES;
use tessera_app::verifier::Verifier;

#[derive(Debug, Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

async fn page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    saved: bool,
    error: Option<minijinja::Value>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let mode = notify::preference(state, &v).await?;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_notifications.html",
        status,
        context! { modes => MODES, mode => mode, saved => saved, error => error },
    )
}

/// `GET /verifier/notifications`: the user's current choice.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<Saved>,
) -> AppResult<Response> {
    page(&state, user, jar, StatusCode::OK, q.saved.is_some(), None).await
}

#[derive(Deserialize)]
pub(crate) struct ModeForm {
    csrf: String,
    #[serde(default)]
    mode: String,
}

impl CsrfProtected for ModeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/notifications`: saves the choice; anything else is refused and changes nothing.
pub(crate) async fn save(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ModeForm>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    match notify::set_preference(&state, &v, &form.mode).await {
        Ok(()) => Ok(Redirect::to("/verifier/notifications?saved=1").into_response()),
        Err(e) if e.is_refusal() => page(&state, user, jar, e.status, false, Some(e.for_page())).await,
        Err(e) => Err(e.into()),
    }
}
