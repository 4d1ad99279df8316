//! Candidate Search by Statement of Results number and date of birth.

use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::{AppResult, HttpError};
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use std::net::SocketAddr;
use tessera_app::verifier::{self, Verifier};

/// `GET /verifier/lookup`: the Candidate Search form.
pub(crate) async fn lookup_form(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    render(&state, jar, &MaybeUser(Some(user)), v.locale, "verifier_lookup.html", StatusCode::OK, context! {})
}

#[derive(Deserialize)]
pub(crate) struct LookupForm {
    csrf: String,
    sor_number: String,
    date_of_birth: String,
}

impl CsrfProtected for LookupForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/lookup`: both the number and the date of birth must match (R-SOR-LOOKUP).
pub(crate) async fn lookup_submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LookupForm>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    match verifier::sor_lookup(&state, &v, addr.ip(), &form.sor_number, &form.date_of_birth).await {
        Ok(r) => render(
            &state,
            jar,
            &MaybeUser(Some(user)),
            v.locale,
            "verifier_detail.html",
            StatusCode::OK,
            context! {
                r => r, lookup => true,
            },
        ),
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::NOT_FOUND => {
            let status = e.status;
            render(
                &state,
                jar,
                &MaybeUser(Some(user)),
                v.locale,
                "verifier_lookup.html",
                status,
                context! {
                    error => e.for_page(), sor_number => form.sor_number, date_of_birth => form.date_of_birth,
                },
            )
        }
        Err(e) => Err::<Response, HttpError>(e.into()),
    }
}
