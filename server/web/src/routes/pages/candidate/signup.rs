//! Activation of a candidate's account (R-CANDIDATE-SIGNUP).

use super::{shown_in_form, with_retry_after};
use crate::auth::{CsrfForm, CsrfProtected, MaybeUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use std::net::SocketAddr;
use tessera_app::candidate::{self, CandidateSignup};
use tessera_domain::ErrorCode;

/// `GET /t/{tenant}/signup`.
pub(crate) async fn signup_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = tessera_app::centre::read::public_centre(&state, slug.clone()).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "signup.html",
        StatusCode::OK,
        context! { slug => tenant.slug, centre_name => tenant.name, contact => tenant.contact },
    )
}

/// The sign-up form. Field by field rather than flattening [`CandidateSignup`]: flattened
/// form fields arrive as strings, and the two checkboxes are booleans there.
#[derive(Deserialize)]
pub(crate) struct SignupForm {
    csrf: String,
    id_number: String,
    secret_number: String,
    email: String,
    email_confirm: String,
    password: String,
    password_confirm: String,
    accept_terms: Option<String>,
    marketing: Option<String>,
}

impl CsrfProtected for SignupForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /t/{tenant}/signup`: activates the account (R-CANDIDATE-SIGNUP) and shows the sign-in
/// form with a notice; a refusal shows the form again with the reason, keeping what is not secret.
pub(crate) async fn signup_submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> AppResult<Response> {
    let tenant = tessera_app::centre::read::public_centre(&state, slug.clone()).await?;
    let ticked = |v: &Option<String>| v.as_deref().is_some_and(|v| matches!(v, "true" | "on" | "1"));
    let req = CandidateSignup {
        accept_terms: ticked(&form.accept_terms),
        marketing: ticked(&form.marketing),
        id_number: form.id_number,
        secret_number: form.secret_number,
        email: form.email,
        email_confirm: form.email_confirm,
        password: form.password,
        password_confirm: form.password_confirm,
    };
    match candidate::signup(&state, &tenant, &req, addr.ip()).await {
        Ok(user) => render(
            &state,
            jar,
            &MaybeUser(None),
            tenant.locale,
            "login.html",
            StatusCode::CREATED,
            context! {
                slug => tenant.slug,
                tenant_name => tenant.name,
                login => user.login,
                notice => state.templates.text(tenant.locale, "signup.done"),
            },
        ),
        Err(e) if shown_in_form(&e) => {
            let message = if e.code() == ErrorCode::RateLimited {
                minijinja::Value::from(
                    state
                        .templates
                        .text(tenant.locale, "signup.error.throttled")
                        .replace("{seconds}", &e.retry_after.unwrap_or(1).to_string()),
                )
            } else {
                e.for_page()
            };
            let res = render(
                &state,
                jar,
                &MaybeUser(None),
                tenant.locale,
                "signup.html",
                e.status,
                context! {
                    slug => tenant.slug,
                    centre_name => tenant.name,
                    contact => tenant.contact,
                    error => message,
                    id_number => req.id_number,
                    email => req.email,
                    marketing => req.marketing,
                },
            )?;
            Ok(with_retry_after(res, &e))
        }
        Err(e) => Err(e.into()),
    }
}
