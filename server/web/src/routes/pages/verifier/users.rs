//! An organisation's users (R-ORG-USERS): everyone sees who is in; the primary user manages.

use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::pages::{CsrfOnly, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::organisations;
use tessera_domain::Role;

const VERIFIERS: &[Role] = &[Role::VerifierPrimary, Role::VerifierAdmin];

/// `GET /verifier/users`: everyone sees who is in; the primary user manages.
pub(crate) async fn users(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(VERIFIERS)?;
    let members = organisations::members(&state, &user).await?;
    let is_primary = user.role == Role::VerifierPrimary;
    let joins = if is_primary { organisations::join_requests(&state, &user).await? } else { Vec::new() };
    let me = user.user.id.clone();
    render_user(
        &state,
        jar,
        user,
        "verifier_users.html",
        StatusCode::OK,
        context! {
            members => members, is_primary => is_primary, me => me, joins => joins,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct AddUser {
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
pub(crate) async fn add_user(
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
            let joins = organisations::join_requests(&state, &user).await?;
            let me = user.user.id.clone();
            render_user(
                &state,
                jar,
                user,
                "verifier_users.html",
                e.status,
                context! {
                    members => members, is_primary => true, me => me, joins => joins, error => e.for_page(),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /verifier/users/{id}/remove`: the primary removes an admin user.
pub(crate) async fn remove_user(
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
pub(crate) async fn hand_over(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    organisations::hand_over(&state, &user, id).await?;
    Ok(Redirect::to("/verifier/users").into_response())
}

/// `POST /verifier/users/join/{id}/{approve|reject}`: the primary user decides a request to join
/// (R-ORG-JOIN); the person is emailed either way.
pub(crate) async fn decide_join(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(crate::error::HttpError::not_found()),
    };
    organisations::decide_join(&state, &user, &id, approve).await?;
    Ok(Redirect::to("/verifier/users").into_response())
}
