//! Forgotten passwords: a one-time link by email, valid for a limited time, used once.

use super::render;
use crate::auth::{CsrfForm, CsrfProtected, MaybeUser, login::tenant_for_login, random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use crate::outbox::{EmailJob, queue_email};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::auth::{self as auth_repo, ResetRefusal};
use tessera_storage::repo::users;

/// `GET /t/{tenant}/password/forgot`.
pub(super) async fn forgot_form(
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
pub(super) struct ForgotForm {
    csrf: String,
    email: String,
}

impl CsrfProtected for ForgotForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /t/{tenant}/password/forgot`: the same answer whether or not the address has an account.
pub(super) async fn forgot_submit(
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
                context! { slug => tenant.slug, tenant_name => tenant.name, error => AppError::from(e).for_page() },
            );
        }
    };
    let tid = tenant.id;
    let lookup = email.clone();
    let user = state
        .db
        .call(move |c| match users::by_email(c, tid, &lookup) {
            Ok(u) => Ok(Some(u)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    if let Some(user) = user {
        let token = random_token();
        let hash = token_hash(&token);
        let now = state.clock.now();
        let expires = now + state.settings.reset_link_ttl;
        let uid = user.id.clone();
        state
            .db
            .call(move |c| {
                auth_repo::create_reset(c, tid, &hash, &uid, now, expires)?;
                let ev = AuditEvent {
                    actor: None,
                    action: "password.reset_requested",
                    target: Some(&uid),
                    details: json!({}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
            .await?;
        let link = format!("{}/t/{}/password/reset/{}", state.settings.public_url, tenant.slug, token);
        let (subject, body) = state
            .templates
            .render_email(
                "email/password_reset.txt",
                tenant.locale,
                context! { name => user.display_name, tenant_name => tenant.name, link => link },
            )
            .map_err(AppError::internal)?;
        queue_email(
            &state,
            tid,
            format!("reset:{}", token_hash(&token)),
            EmailJob { to: email, subject, body, attachments: vec![] },
        )
        .await?;
    }
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

fn refusal_code(r: ResetRefusal) -> ErrorCode {
    match r {
        ResetRefusal::Unknown => ErrorCode::ResetLinkInvalid,
        ResetRefusal::Used => ErrorCode::ResetLinkUsed,
        ResetRefusal::Expired => ErrorCode::ResetLinkExpired,
    }
}

/// `GET /t/{tenant}/password/reset/{token}`.
pub(super) async fn reset_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((slug, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    let (tid, hash, now) = (tenant.id, token_hash(&token), state.clock.now());
    match state.db.call(move |c| auth_repo::peek_reset(c, tid, &hash, now)).await? {
        Ok(_) => render(
            &state,
            jar,
            &MaybeUser(None),
            tenant.locale,
            "reset.html",
            StatusCode::OK,
            context! { slug => tenant.slug, tenant_name => tenant.name, token => token },
        ),
        Err(r) => Err(AppError::new(refusal_code(r))),
    }
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
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
pub(super) async fn reset_submit(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path((slug, token)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    let again = |error: AppError, status: StatusCode, jar: CookieJar| {
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
        return again(AppError::at(ErrorCode::PasswordMismatch, "confirm"), StatusCode::BAD_REQUEST, jar);
    }
    if let Err(e) = tessera_domain::auth::check_password(&form.password) {
        return again(e.into(), StatusCode::BAD_REQUEST, jar);
    }
    let password = form.password.clone();
    let hash = state.hasher.hash(password).await?;
    let (tid, th, now) = (tenant.id, token_hash(&token), state.clock.now());
    let outcome = state.db.call(move |c| auth_repo::reset_password(c, tid, &th, &hash, now)).await?;
    match outcome {
        Ok(_) => render(
            &state,
            jar,
            &MaybeUser(None),
            tenant.locale,
            "login.html",
            StatusCode::OK,
            context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), notice => state.templates.text(tenant.locale, "reset.done") },
        ),
        Err(r) => Err(AppError::new(refusal_code(r))),
    }
}
