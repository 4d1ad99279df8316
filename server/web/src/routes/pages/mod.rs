//! HTML pages, usable without JavaScript.

mod candidate;
mod centre;
pub(crate) use candidate::pdf_response;
mod home;
mod index;
mod login;
mod organisations;
mod password;
mod verifier;
mod verifier_api_clients;
mod verifier_downloads;
mod verifier_notifications;

use crate::auth::{CsrfProtected, MaybeUser, ensure_csrf_token};
use crate::error::HttpError;
use crate::state::{AppState, SharedState};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_domain::Locale;

pub(super) fn router(state: SharedState) -> Router<SharedState> {
    Router::new()
        .route("/", get(index::show))
        .route("/go", get(index::go))
        .route("/t/{tenant}/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/t/{tenant}/password/forgot", get(password::forgot_form).post(password::forgot_submit))
        .route("/t/{tenant}/password/reset/{token}", get(password::reset_form).post(password::reset_submit))
        .route("/home", get(home::home))
        .route("/admin", get(home::admin))
        .route("/centre", get(home::centre))
        .route("/verifier", get(home::verifier))
        .route("/centre/sessions/new", get(centre::new_session).post(centre::create_session))
        .route("/centre/sessions/{id}", get(centre::session))
        .route("/centre/sessions/{id}/edit", get(centre::edit_session).post(centre::save_session))
        .route("/centre/sessions/{id}/results", post(centre::import_results))
        .route("/centre/entries/{id}", get(centre::entry))
        .route("/centre/entries/{id}/payments", post(centre::add_payment))
        .route("/centre/entries/{id}/documents", post(centre::add_document))
        .route("/centre/entries/{id}/coe", post(centre::issue_coe))
        .route("/centre/entries/{id}/refunds", post(centre::request_refund))
        .route("/centre/entries/{id}/do/{action}", post(centre::entry_action))
        .route("/centre/calendar", get(centre::calendar))
        .route("/centre/refunds/{id}/{step}", post(centre::refund_step))
        .route("/centre/sessions/{id}/do/{action}", post(centre::session_action))
        .route("/t/{tenant}/enter", get(centre::entry_form).post(centre::submit_entry))
        .route("/candidate", get(candidate::home))
        .route("/t/{tenant}/signup", get(candidate::signup_form).post(candidate::signup_submit))
        .route("/candidate/results/{entry}/statement.pdf", get(candidate::statement))
        .route("/candidate/shares", get(candidate::shares).post(candidate::share))
        .route("/candidate/shares/{share}/withdraw", post(candidate::withdraw))
        .route("/candidate/account", get(candidate::account))
        .route("/candidate/account/email", post(candidate::change_email))
        .route("/verifier/shared", get(verifier::shared))
        .route("/verifier/search", get(verifier::search))
        .route("/verifier/results/{share_id}", get(verifier::detail))
        .route("/verifier/results/{share_id}/statement.pdf", get(verifier::statement))
        .route("/verifier/lookup", get(verifier::lookup_form).post(verifier::lookup_submit))
        .route("/verifier/downloads", get(verifier_downloads::history).post(verifier_downloads::download))
        .route("/verifier/downloads/{id}", get(verifier_downloads::again))
        .route(
            "/verifier/download-templates",
            get(verifier_downloads::templates).post(verifier_downloads::create_template),
        )
        .route("/verifier/download-templates/{id}/delete", post(verifier_downloads::delete_template))
        .route("/verifier/notifications", get(verifier_notifications::show).post(verifier_notifications::save))
        .route("/verifier/api-clients", get(verifier_api_clients::list).post(verifier_api_clients::create))
        .route("/verifier/api-clients/{id}/rotate", post(verifier_api_clients::rotate))
        .route("/verifier/api-clients/{id}/revoke", post(verifier_api_clients::revoke))
        .route("/organisations/signup", get(organisations::signup_form).post(organisations::signup_submit))
        .route("/admin/organisations", get(organisations::admin_list))
        .route("/admin/organisations/{slug}/{action}", post(organisations::admin_decide))
        .route("/verifier/users", get(organisations::users).post(organisations::add_user))
        .route("/verifier/users/{id}/remove", post(organisations::remove_user))
        .route("/verifier/users/{id}/primary", post(organisations::hand_over))
        .fallback(|| async { HttpError::not_found() })
        .layer(middleware::from_fn_with_state(state.settings.body_limit_bytes, crate::extract::refuse_oversized))
        .layer(middleware::from_fn_with_state(state, html_errors))
}

/// Renders a page with what every page needs: the user, the anti-forgery token, the locale.
pub(crate) fn render(
    state: &AppState,
    jar: CookieJar,
    user: &MaybeUser,
    locale: Locale,
    template: &str,
    status: StatusCode,
    ctx: Value,
) -> Result<Response, HttpError> {
    let (jar, csrf) = ensure_csrf_token(jar, user, state.settings.secure_cookies);
    let who =
        user.0.as_ref().map(|u| context! { display_name => u.user.display_name.clone(), role => u.role.as_str() });
    // The signed-in user's tenant names the page; a public page names the tenant it was given.
    let tenant_name = match &user.0 {
        Some(u) => Value::from(u.tenant.name.clone()),
        None => ctx.get_attr("tenant_name").unwrap_or(Value::UNDEFINED),
    };
    // Dates and times are shown in the signed-in user's tenant's time zone, or the page's tenant's.
    let timezone = match &user.0 {
        Some(u) => Value::from(u.tenant.timezone.name()),
        None => ctx.get_attr("timezone").unwrap_or(Value::UNDEFINED),
    };
    let ctx = context! { csrf => csrf, user => who, tenant_name => tenant_name, timezone => timezone, ..ctx };
    let html = state.templates.render(template, locale, ctx).map_err(HttpError::internal)?;
    Ok((status, jar, no_store(), Html(html)).into_response())
}

/// A posted form as its name/value pairs in order: for forms with repeated names (ticked boxes)
/// or names made from data (one input per field), which a struct cannot describe.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub(crate) struct FormPairs(Vec<(String, String)>);

impl FormPairs {
    /// The first value named `name`.
    pub(crate) fn one(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value named `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

impl CsrfProtected for FormPairs {
    fn csrf(&self) -> &str {
        self.one("csrf").unwrap_or("")
    }
}

/// Pages with personal data or forms must not be cached by browsers or proxies.
fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// The locale a visitor prefers, from `Accept-Language`, for pages outside any tenant.
pub(crate) fn visitor_locale(headers: &axum::http::HeaderMap) -> Locale {
    crate::error::accept_language(headers).unwrap_or(Locale::En)
}

fn is_html(res: &Response) -> bool {
    res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("text/html"))
}

/// Turns errors from page handlers into pages: 401 sends the visitor to sign in, the rest show
/// the message in a page with the same status.
async fn html_errors(State(state): State<SharedState>, mut req: Request, next: Next) -> Response {
    let asked = visitor_locale(req.headers());
    let caller = crate::error::CallerLocale::default();
    req.extensions_mut().insert(caller.clone());
    let res = next.run(req).await;
    let err = match res.extensions().get::<HttpError>() {
        Some(err) => err.clone(),
        // The framework's own refusals (405 and the like) get a page too.
        None if (res.status().is_client_error() || res.status().is_server_error()) && !is_html(&res) => {
            crate::extract::framework_error(res.status())
        }
        None => return res,
    };
    if err.status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/").into_response();
    }
    // The signed-in user's language, as on every page; else the visitor's.
    let locale = caller.get().unwrap_or(asked);
    let ctx = context! {
        title => state.templates.text(locale, "error.title"),
        message => err.text(locale),
        is_error => true,
    };
    match state.templates.render("message.html", locale, ctx) {
        Ok(html) => {
            let mut page = (err.status, no_store(), Html(html)).into_response();
            if let Some(v) = res.headers().get(header::RETRY_AFTER) {
                page.headers_mut().insert(header::RETRY_AFTER, v.clone());
            }
            page
        }
        Err(e) => HttpError::internal(e).into_response(),
    }
}
