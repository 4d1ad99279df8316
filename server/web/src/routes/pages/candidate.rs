//! The Candidate Results Service pages: activation, results, the Statement of Results, sharing
//! and the account. Forms post back and redirect (no JavaScript needed); errors show in the form.

use super::render;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use tessera_app::candidate::Candidate;
use tessera_app::candidate::{self, CandidateEmailChange, CandidateSignup};
use tessera_domain::ErrorCode;

/// Errors a person can fix in the form they sent; anything else becomes an error page.
fn shown_in_form(e: &tessera_app::AppError) -> bool {
    e.is_refusal() && e.code() != ErrorCode::CsrfFailed
}

fn with_retry_after(mut res: Response, e: &tessera_app::AppError) -> Response {
    if let Some(secs) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Ok(v) = HeaderValue::from_str(e.code().as_str()) {
        res.headers_mut().insert("x-error-code", v);
    }
    res
}

/// `GET /t/{tenant}/signup`.
pub(super) async fn signup_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = candidate::centre_for_signup(&state, &slug).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "signup.html",
        StatusCode::OK,
        context! { slug => tenant.slug, centre_name => tenant.name },
    )
}

/// The sign-up form. Field by field rather than flattening [`CandidateSignup`]: flattened
/// form fields arrive as strings, and the two checkboxes are booleans there.
#[derive(Deserialize)]
pub(super) struct SignupForm {
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
pub(super) async fn signup_submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> AppResult<Response> {
    let tenant = candidate::centre_for_signup(&state, &slug).await?;
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

async fn signed_in_candidate(state: &SharedState, user: &CurrentUser) -> AppResult<Candidate> {
    Ok(candidate::candidate_of(state, user).await?)
}

/// `GET /candidate`: every exam the candidate took here, with the released results.
pub(super) async fn home(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let exams = candidate::exams(&state, &user.tenant, &cand).await?;
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "candidate_home.html",
        StatusCode::OK,
        context! { exams => exams, candidate_name => format!("{} {}", cand.first_name, cand.family_name) },
    )
}

/// A PDF download that no cache keeps.
pub(crate) fn pdf_response(filename: &str, pdf: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, "application/pdf")], pdf).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `GET /candidate/results/{entry}/statement.pdf`: the Statement of Results of the candidate's
/// own released result; any other entry is a 404.
pub(super) async fn statement(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(entry_id): Path<String>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let (name, pdf) = candidate::statement(&state, &user.tenant, &cand, entry_id).await?;
    Ok(pdf_response(&name, pdf))
}

#[derive(Deserialize)]
pub(super) struct SharesQuery {
    q: Option<String>,
    entry: Option<String>,
    done: Option<String>,
}

async fn shares_page(
    state: &SharedState,
    jar: CookieJar,
    user: CurrentUser,
    cand: &Candidate,
    q: SharesQuery,
    error: Option<minijinja::Value>,
    status: StatusCode,
) -> AppResult<Response> {
    let exams = candidate::exams(state, &user.tenant, cand).await?;
    let shareable: Vec<_> = exams.into_iter().filter(|e| e.result.as_ref().is_some_and(|r| r.shareable)).collect();
    let verifiers = candidate::directory(state, q.q.as_deref().unwrap_or("")).await?;
    let shares = candidate::shares_of(state, &user.tenant, cand).await?;
    let locale = user.tenant.locale;
    let notice = match q.done.as_deref() {
        Some("shared") => Some(state.templates.text(locale, "shares.created")),
        Some("withdrawn") => Some(state.templates.text(locale, "shares.withdrawn")),
        _ => None,
    };
    let ctx: Value = context! {
        shareable => shareable, verifiers => verifiers, shares => shares, q => q.q, entry => q.entry,
        error => error, notice => notice,
    };
    render(state, jar, &MaybeUser(Some(user)), locale, "candidate_shares.html", status, ctx)
}

/// `GET /candidate/shares?q=&entry=`: the directory of approved organisations (searched by
/// name), the form to share results, and every share with who viewed or downloaded it.
pub(super) async fn shares(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<SharesQuery>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    shares_page(&state, jar, user, &cand, q, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(super) struct ShareForm {
    csrf: String,
    verifier: Option<String>,
    /// One `entry_<id>=on` per ticked result.
    #[serde(flatten)]
    ticked: HashMap<String, String>,
}

impl CsrfProtected for ShareForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /candidate/shares`: shares the ticked results with the chosen organisation.
pub(super) async fn share(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ShareForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let entries: Vec<String> = form.ticked.keys().filter_map(|k| k.strip_prefix("entry_")).map(str::to_owned).collect();
    let verifier = form.verifier.unwrap_or_default();
    match candidate::share(&state, &user, &cand, &verifier, &entries).await {
        Ok(_) => Ok(Redirect::to("/candidate/shares?done=shared").into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let q = SharesQuery { q: None, entry: None, done: None };
            shares_page(&state, jar, user, &cand, q, Some(e.for_page()), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct PlainForm {
    csrf: String,
}

impl CsrfProtected for PlainForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /candidate/shares/{id}/withdraw`: the organisation loses access at once.
pub(super) async fn withdraw(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(share_id): Path<String>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    candidate::withdraw(&state, &user, &cand, &share_id).await?;
    Ok(Redirect::to("/candidate/shares?done=withdrawn").into_response())
}

#[derive(Deserialize)]
pub(super) struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    state: &SharedState,
    jar: CookieJar,
    user: CurrentUser,
    cand: &Candidate,
    error: Option<minijinja::Value>,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let settings = candidate::account_settings(state, &user, cand).await?;
    let locale = user.tenant.locale;
    let ctx = context! {
        login => user.user.login.clone(),
        slug => user.tenant.slug.clone(),
        current_email => settings.email,
        marketing => settings.marketing_opt_in,
        error => error,
        notice => notice,
    };
    render(state, jar, &MaybeUser(Some(user)), locale, "candidate_account.html", status, ctx)
}

/// `GET /candidate/account`.
pub(super) async fn account(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<AccountQuery>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let notice =
        (q.done.as_deref() == Some("email")).then(|| state.templates.text(user.tenant.locale, "account.email_changed"));
    account_page(&state, jar, user, &cand, None, notice, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    csrf: String,
    #[serde(flatten)]
    change: CandidateEmailChange,
}

impl CsrfProtected for EmailForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /candidate/account/email`: changes the email when the current password is right.
pub(super) async fn change_email(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    match candidate::change_email(&state, &user, &form.change).await {
        Ok(_) => Ok(Redirect::to("/candidate/account?done=email").into_response()),
        Err(e) if shown_in_form(&e) => {
            let res = account_page(&state, jar, user, &cand, Some(e.for_page()), None, e.status).await?;
            Ok(with_retry_after(res, &e))
        }
        Err(e) => Err(e.into()),
    }
}
