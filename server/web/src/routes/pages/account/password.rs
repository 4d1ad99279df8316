//! Forgotten passwords: a one-time link by email, valid for a limited time, used once.

use crate::auth::{CsrfForm, CsrfProtected, MaybeUser, login::tenant_for_login};
use crate::error::{AppResult, HttpError};
use crate::extract::Path;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::auth::password;
use tessera_domain::ErrorCode;

/// `GET /t/{tenant}/password/forgot`.
pub(crate) async fn forgot_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "forgot.html",
        StatusCode::OK,
        context! { slug => tenant.slug, tenant_name => tenant.name },
    )
}

#[derive(Deserialize)]
pub(crate) struct ForgotForm {
    csrf: String,
    email: String,
}

impl CsrfProtected for ForgotForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /t/{tenant}/password/forgot`: the same answer whether or not the address has an account.
pub(crate) async fn forgot_submit(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    let email = match tessera_domain::tenant::parse_email(&form.email) {
        Ok(e) => e,
        Err(e) => {
            return render(
                &state,
                jar,
                &MaybeUser(None),
                tenant.locale,
                "forgot.html",
                StatusCode::BAD_REQUEST,
                context! { slug => tenant.slug, tenant_name => tenant.name, error => HttpError::from(e).for_page() },
            );
        }
    };
    password::request_reset(&state, &tenant, email).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "forgot.html",
        StatusCode::OK,
        context! { slug => tenant.slug, tenant_name => tenant.name, sent => true },
    )
}

/// `GET /t/{tenant}/password/reset/{token}`.
pub(crate) async fn reset_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((slug, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    password::check_link(&state, &tenant, &token).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "reset.html",
        StatusCode::OK,
        context! { slug => tenant.slug, tenant_name => tenant.name, token => token },
    )
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    csrf: String,
    password: String,
    confirm: String,
}

impl CsrfProtected for ResetForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /t/{tenant}/password/reset/{token}`: checks R-PASSWORD, then uses the token, sets the
/// password and ends every session of the user, all in one transaction.
pub(crate) async fn reset_submit(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((slug, token)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    let again = |error: HttpError, status: StatusCode, jar: CookieJar| {
        render(
            &state,
            jar,
            &MaybeUser(None),
            tenant.locale,
            "reset.html",
            status,
            context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), token => token.clone(), error => error.for_page() },
        )
    };
    if form.password != form.confirm {
        return again(HttpError::at(ErrorCode::PasswordMismatch, "confirm"), StatusCode::BAD_REQUEST, jar);
    }
    if let Err(e) = tessera_domain::auth::check_password(&form.password) {
        return again(e.into(), StatusCode::BAD_REQUEST, jar);
    }
    password::reset(&state, &tenant, &token, form.password.clone()).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "login.html",
        StatusCode::OK,
        context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), notice => state.templates.text(tenant.locale, "reset.done") },
    )
}
