//! Organisation sign-up (public), the installation admin's decisions, and an organisation's
//! users (R-ORG-SIGNUP, R-ORG-USERS).

use super::{render, visitor_locale};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::{AppResult, HttpError};
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::organisations::{self, ORG_TYPES, SignupForm};
use tessera_domain::{DomainError, ErrorCode, Role};

/// `GET /organisations/signup`.
pub(super) async fn signup_form(
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
pub(super) struct SignupPost {
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
pub(super) async fn signup_submit(
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

/// `GET /admin/organisations`: sign-up requests, pending first.
pub(super) async fn admin_list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let rows: Vec<_> = organisations::signups(&state, &user)
        .await?
        .into_iter()
        .map(|(t, s)| context! { slug => t.slug, name => t.name, country => t.country.to_string(), status => t.status, s => s })
        .collect();
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "admin_organisations.html",
        StatusCode::OK,
        context! { rows => rows },
    )
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    csrf: String,
}

impl CsrfProtected for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /admin/organisations/{slug}/{approve|reject}`.
pub(super) async fn admin_decide(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((slug, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(HttpError::not_found()),
    };
    organisations::decide_signup(&state, &user, slug, approve).await?;
    Ok(Redirect::to("/admin/organisations").into_response())
}

const VERIFIERS: &[Role] = &[Role::VerifierPrimary, Role::VerifierAdmin];

/// `GET /verifier/users`: everyone sees who is in; the primary user manages.
pub(super) async fn users(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(VERIFIERS)?;
    let members = organisations::members(&state, &user).await?;
    let is_primary = user.role == Role::VerifierPrimary;
    let locale = user.tenant.locale;
    let me = user.user.id.clone();
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "verifier_users.html",
        StatusCode::OK,
        context! {
            members => members, is_primary => is_primary, me => me,
        },
    )
}

#[derive(Deserialize)]
pub(super) struct AddUser {
    csrf: String,
    first_name: String,
    family_name: String,
    job_title: String,
    email: String,
}

impl CsrfProtected for AddUser {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/users`: the primary adds an admin user, who gets a set-password email.
pub(super) async fn add_user(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(f): CsrfForm<AddUser>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    let input = organisations::NewAdmin {
        first_name: f.first_name,
        family_name: f.family_name,
        job_title: f.job_title,
        email: f.email,
    };
    match organisations::add_admin(&state, &user, input).await {
        Ok(()) => Ok(Redirect::to("/verifier/users").into_response()),
        Err(e) if e.is_refusal() => {
            let members = organisations::members(&state, &user).await?;
            let locale = user.tenant.locale;
            let me = user.user.id.clone();
            render(
                &state,
                jar,
                &MaybeUser(Some(user)),
                locale,
                "verifier_users.html",
                e.status,
                context! {
                    members => members, is_primary => true, me => me, error => e.for_page(),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /verifier/users/{id}/remove`: the primary removes an admin user.
pub(super) async fn remove_user(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    organisations::remove_admin(&state, &user, id).await?;
    Ok(Redirect::to("/verifier/users").into_response())
}

/// `POST /verifier/users/{id}/primary`: the primary hands the role over to an admin user.
pub(super) async fn hand_over(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    organisations::hand_over(&state, &user, id).await?;
    Ok(Redirect::to("/verifier/users").into_response())
}
