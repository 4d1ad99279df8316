//! An organisation's sign-up (public, R-ORG-SIGNUP); the installation admin decides.

use crate::auth::{CsrfForm, CsrfProtected, MaybeUser};
use crate::error::{AppResult, HttpError};
use crate::routes::pages::{render, visitor_locale};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::organisations::{self, ORG_TYPES, SignupForm};
use tessera_domain::{DomainError, ErrorCode};

/// `GET /organisations/signup`.
pub(crate) async fn signup_form(
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
        "org_signup.html",
        StatusCode::OK,
        context! {
            types => ORG_TYPES, f => SignupForm::default(),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct SignupPost {
    csrf: String,
    #[serde(flatten)]
    form: SignupForm,
}

impl CsrfProtected for SignupPost {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /organisations/signup`: records the request; the installation admin decides.
pub(crate) async fn signup_submit(
    State(state): State<SharedState>,
    headers: HeaderMap,
    jar: CookieJar,
    CsrfForm(post): CsrfForm<SignupPost>,
) -> AppResult<Response> {
    let locale = visitor_locale(&headers);
    let form = post.form;
    let refuse = |jar, e: DomainError| {
        render(
            &state,
            jar,
            &MaybeUser(None),
            locale,
            "org_signup.html",
            StatusCode::BAD_REQUEST,
            context! {
                types => ORG_TYPES, f => form.clone(), error => HttpError::from(e).for_page(),
            },
        )
    };
    let checked = match form.check() {
        Ok(c) => c,
        Err(e) => return refuse(jar, e),
    };
    match organisations::sign_up(&state, checked, locale).await {
        Ok(()) => {}
        Err(e) if e.code() == ErrorCode::ConflictOrganisationName => return refuse(jar, e.error),
        Err(e) => return Err(e.into()),
    }
    render(&state, jar, &MaybeUser(None), locale, "org_signup.html", StatusCode::OK, context! { sent => true })
}
