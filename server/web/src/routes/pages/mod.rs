//! HTML pages, usable without JavaScript.

mod account;
mod admin;
mod candidate;
mod centre;
mod credentials;
mod verifier;

pub(crate) use candidate::pdf_response;

use crate::auth::{CsrfProtected, CurrentUser, MaybeUser, ensure_csrf_token};
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
        .route("/", get(account::index::show))
        .route("/go", get(account::index::go))
        .route("/language/{code}", get(choose_language))
        .route("/t/{tenant}/login", get(account::login::show).post(account::login::submit))
        .route("/logout", post(account::login::logout))
        .route(
            "/t/{tenant}/password/forgot",
            get(account::password::forgot_form).post(account::password::forgot_submit),
        )
        .route(
            "/t/{tenant}/password/reset/{token}",
            get(account::password::reset_form).post(account::password::reset_submit),
        )
        .route("/home", get(account::home::home))
        .route("/admin", get(admin::home::admin))
        .route("/admin/tenants", post(admin::home::create))
        .route("/admin/tenants/{slug}", get(admin::tenant::show).post(admin::tenant::save))
        .route("/admin/tenants/{slug}/{action}", get(admin::home::confirm).post(admin::home::change_status))
        .route("/admin/tenants/{slug}/users", get(admin::users::list).post(admin::users::invite))
        .route("/admin/tenants/{slug}/plugins", get(admin::plugins::tenant_plugins).post(admin::plugins::assign))
        .route("/admin/tenants/{slug}/plugins/settings", get(admin::plugins::settings))
        .route("/admin/plugins", get(admin::plugins::library).post(admin::plugins::upload))
        .route("/admin/audit", get(admin::audit::log))
        .route("/admin/health", get(admin::health::health))
        .route(
            "/admin/tenants/{slug}/users/{id}/reset",
            get(admin::users::confirm_reset).post(admin::users::send_reset),
        )
        .route("/admin/mail", get(admin::mail::list))
        .route("/admin/mail/{tenant}/{id}/retry", post(admin::mail::retry))
        .route("/centre", get(centre::home::centre))
        .route("/verifier", get(verifier::home::verifier))
        .route("/centre/sessions/new", get(centre::sessions::new_session).post(centre::sessions::create_session))
        .route("/centre/sessions/{id}", get(centre::sessions::session))
        .route("/centre/sessions/{id}/edit", get(centre::sessions::edit_session).post(centre::sessions::save_session))
        .route("/centre/sessions/{id}/results", post(centre::results::import_results))
        .route("/centre/entries", get(centre::entry_list::list))
        .route("/centre/entries/{id}", get(centre::entries::entry))
        .route("/centre/sessions/{id}/coe", get(centre::coe_bulk::confirm).post(centre::coe_bulk::issue))
        .route("/centre/sessions/{id}/runs/{run}", get(centre::bulk_run::show))
        .route("/centre/entries/{id}/payments", post(centre::payments::add_payment))
        .route("/centre/entries/{id}/documents", post(centre::documents::add_document))
        .route("/centre/entries/{id}/coe", post(centre::coe::issue_coe))
        .route("/centre/entries/{id}/refunds", post(centre::refunds::request_refund))
        .route("/centre/entries/{id}/void", post(centre::void::void_entry))
        .route("/centre/entries/{id}/fault-choice", post(centre::fault::choose))
        .route("/centre/sessions/{id}/fault", post(centre::fault::mark_session))
        .route("/candidate/entries/{entry}/fault-choice", post(candidate::fault::choose))
        .route("/centre/entries/{id}/do/{action}", post(centre::entry_actions::entry_action))
        .route("/centre/appeal-terms", post(centre::home::appeal_terms))
        .route("/centre/calendar", get(centre::calendar::calendar))
        .route("/centre/candidates", get(centre::find::find))
        .route("/centre/settings", get(centre::settings::settings))
        .route("/centre/settings/bank-account", post(centre::settings::save_bank_account))
        .route("/centre/settings/contact", post(centre::settings::save_contact))
        .route("/centre/refunds/{id}/{step}", post(centre::refunds::refund_step))
        .route("/centre/sessions/{id}/do/{action}", post(centre::sessions::session_action))
        .route("/t/{tenant}/enter", get(centre::public_entry::entry_form).post(centre::public_entry::submit_entry))
        .route("/t/{tenant}/calendar", get(centre::public_pages::calendar))
        .route("/t/{tenant}/regulations", get(centre::public_pages::regulations))
        .route("/t/{tenant}/forms/{kind}", get(centre::public_pages::form))
        .route("/centre/public", get(centre::public_pages::show))
        .route("/centre/public/regulations", post(centre::public_pages::save_regulations))
        .route("/centre/public/forms", post(centre::public_pages::upload_form))
        .route("/candidate", get(candidate::results::home))
        .route("/t/{tenant}/signup", get(candidate::signup::signup_form).post(candidate::signup::signup_submit))
        .route("/candidate/results/{entry}/statement.pdf", get(candidate::results::statement))
        .route("/candidate/results/{entry}/certifying-statement.pdf", get(candidate::results::certifying_statement))
        .route("/centre/entries/{id}/certifying-statement.pdf", get(centre::public_pages::certifying_statement))
        .route("/candidate/results/{entry}/credential.json", get(candidate::results::credential))
        .route("/candidate/entries/{entry}/notices", post(candidate::results::acknowledge_notices))
        .route("/verify", get(credentials::verify::show).post(credentials::verify::submit))
        .route("/verify/{id}", get(credentials::verify::link))
        .route("/t/{tenant}/did.json", get(credentials::documents::did_document))
        .route("/t/{tenant}/credentials/status/{list}", get(credentials::documents::status_list))
        .route("/centre/entries/{id}/credential/revoke", post(centre::credentials::revoke))
        .route("/centre/schools", get(centre::schools::show))
        .route("/centre/schools/{id}/{decision}", post(centre::schools::decide))
        .route("/verifier/school", get(verifier::school::show))
        .route("/verifier/school/links", post(verifier::school::request_link))
        .route("/verifier/school/entries", post(verifier::school::group_entry))
        .route("/candidate/shares", get(candidate::shares::shares).post(candidate::shares::share))
        .route("/candidate/shares/{share}/withdraw", post(candidate::shares::withdraw))
        .route("/candidate/account", get(candidate::account::account))
        .route("/candidate/account/email", post(candidate::account::change_email))
        .route("/verifier/shared", get(verifier::shared::shared))
        .route("/verifier/search", get(verifier::search::search))
        .route("/verifier/results/{share_id}", get(verifier::detail::detail))
        .route("/verifier/results/{share_id}/statement.pdf", get(verifier::detail::statement))
        .route("/verifier/lookup", get(verifier::lookup::lookup_form).post(verifier::lookup::lookup_submit))
        .route("/verifier/downloads", get(verifier::downloads::history).post(verifier::downloads::download))
        .route("/verifier/downloads/{id}", get(verifier::downloads::again))
        .route(
            "/verifier/download-templates",
            get(verifier::templates::templates).post(verifier::templates::create_template),
        )
        .route("/verifier/download-templates/{id}/delete", post(verifier::templates::delete_template))
        .route("/verifier/notifications", get(verifier::notifications::show).post(verifier::notifications::save))
        .route("/verifier/api-clients", get(verifier::api_clients::list).post(verifier::api_clients::create))
        .route("/verifier/api-clients/{id}/rotate", post(verifier::api_clients::rotate))
        .route("/verifier/api-clients/{id}/revoke", post(verifier::api_clients::revoke))
        .route("/verifier/webhooks", get(verifier::webhooks::list).post(verifier::webhooks::create))
        .route("/verifier/webhooks/{id}", get(verifier::webhooks::show))
        .route("/verifier/webhooks/{id}/rotate", post(verifier::webhooks::rotate))
        .route("/verifier/webhooks/{id}/enable", post(verifier::webhooks::enable))
        .route("/verifier/webhooks/{id}/disable", post(verifier::webhooks::disable))
        .route("/verifier/webhooks/{id}/delete", post(verifier::webhooks::delete))
        .route("/verifier/webhooks/{id}/deliveries/{delivery_id}/redeliver", post(verifier::webhooks::redeliver))
        .route("/organisations/signup", get(verifier::signup::signup_form).post(verifier::signup::signup_submit))
        .route("/admin/organisations", get(admin::organisations::admin_list))
        .route("/admin/organisations/{slug}/{action}", post(admin::organisations::admin_decide))
        .route("/verifier/users", get(verifier::users::users).post(verifier::users::add_user))
        .route("/verifier/users/{id}/remove", post(verifier::users::remove_user))
        .route("/verifier/users/{id}/primary", post(verifier::users::hand_over))
        .route("/verifier/users/join/{id}/{action}", post(verifier::users::decide_join))
        .route("/organisations/join", get(verifier::join::join_form).post(verifier::join::join_submit))
        .route("/verifier/api-access", post(verifier::api_clients::request_access))
        .route("/verifier/api-clients/{id}/renew", post(verifier::api_clients::renew))
        .route("/admin/api-access", get(admin::api_access::list))
        .route("/admin/api-access/{code}/{action}", post(admin::api_access::decide))
        .route("/verifier/bulk-verify", get(verifier::bulk_verify::form).post(verifier::bulk_verify::upload))
        .route("/verifier/bulk-verify/{id}", get(verifier::bulk_verify::show))
        .route("/verifier/bulk-verify/{id}/{file}", get(verifier::bulk_verify::report))
        .fallback(|| async { HttpError::not_found() })
        .layer(middleware::from_fn_with_state(state.settings.body_limit_bytes, crate::extract::refuse_oversized))
        .layer(middleware::from_fn_with_state(state, html_errors))
}

tokio::task_local! {
    /// The path of the page being answered (set by [`html_errors`], read by [`render`] to mark
    /// the current item of the navigation).
    static PAGE_PATH: String;
}

/// The navigation of a signed-in user's role: `(path, catalogue key of its label)`.
fn navigation(role: tessera_domain::Role) -> Vec<(&'static str, &'static str)> {
    use tessera_domain::Role as R;
    match role {
        R::InstallationAdmin => vec![
            ("/admin", "home.admin.title"),
            ("/admin/organisations", "org.admin.title"),
            ("/admin/api-access", "verifier.api.admin_title"),
            ("/admin/plugins", "admin.plugins.title"),
            ("/admin/mail", "admin.mail_title"),
            ("/admin/health", "admin.health.title"),
            ("/admin/audit", "admin.audit.title"),
        ],
        R::CentreManager | R::CentreStaff => vec![
            ("/centre", "nav.home"),
            ("/centre/entries", "centre.list.all_title"),
            ("/centre/candidates", "centre.find.title"),
            ("/centre/calendar", "centre.calendar"),
            ("/centre/sessions/new", "centre.new_session"),
            ("/centre/schools", "school.centre_title"),
            ("/centre/public", "public.staff_title"),
            ("/centre/settings", "centre.settings"),
        ],
        R::VerifierPrimary | R::VerifierAdmin => {
            let mut items = vec![
                ("/verifier", "verifier.nav.home"),
                ("/verifier/shared", "verifier.nav.shared"),
                ("/verifier/search", "verifier.nav.search"),
                ("/verifier/lookup", "verifier.nav.lookup"),
                ("/verifier/bulk-verify", "verifier.nav.bulk_verify"),
                ("/verifier/downloads", "verifier.nav.downloads"),
                ("/verifier/notifications", "verifier.nav.notifications"),
                ("/verifier/users", "verifier.nav.users"),
                ("/verifier/school", "verifier.nav.school"),
            ];
            if role == R::VerifierPrimary {
                items.push(("/verifier/api-clients", "verifier.nav.api_clients"));
            }
            items.push(("/verifier/webhooks", "verifier.nav.webhooks"));
            items
        }
        R::Candidate => vec![
            ("/candidate", "candidate.nav.results"),
            ("/candidate/shares", "candidate.nav.shares"),
            ("/candidate/account", "candidate.nav.account"),
        ],
    }
}

/// Renders a signed-in user's page in their tenant's language (see [`render`]).
pub(crate) fn render_user(
    state: &AppState,
    jar: CookieJar,
    user: CurrentUser,
    template: &str,
    status: StatusCode,
    ctx: Value,
) -> Result<Response, HttpError> {
    let locale = user.tenant.locale;
    render(state, jar, &MaybeUser(Some(user)), locale, template, status, ctx)
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
    // The role's navigation, the page being shown marked as current.
    let path = PAGE_PATH.try_with(String::clone).unwrap_or_default();
    let nav: Vec<Value> = user
        .0
        .as_ref()
        .map(|u| {
            navigation(u.role)
                .into_iter()
                .map(|(href, key)| context! { href => href, label => state.templates.text(locale, key), current => path == href })
                .collect()
        })
        .unwrap_or_default();
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
    let ctx =
        context! { csrf => csrf, user => who, nav => nav, tenant_name => tenant_name, timezone => timezone, ..ctx };
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

/// A form with nothing but its anti-forgery token.
#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

impl CsrfProtected for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Pages with personal data or forms must not be cached by browsers or proxies.
fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// The locale a visitor prefers, from `Accept-Language`, for pages outside any tenant.
pub(crate) fn visitor_locale(headers: &axum::http::HeaderMap) -> Locale {
    chosen_locale(headers).or_else(|| crate::error::accept_language(headers)).unwrap_or(Locale::En)
}

/// The cookie that keeps the language a visitor chose on the start page.
const LANGUAGE_COOKIE: &str = "tessera_lang";

/// The language the visitor chose on the start page (`/language/{code}`), if any.
pub(crate) fn chosen_locale(headers: &axum::http::HeaderMap) -> Option<Locale> {
    CookieJar::from_headers(headers).get(LANGUAGE_COOKIE).and_then(|c| c.value().parse::<Locale>().ok())
}

/// `next` if it is a path on this site (`/...`, never `//host` or `/\host`, no control
/// characters): where to go after signing in. Anything else is dropped, so a link cannot send a
/// user who signs in to another site.
pub(crate) fn local_path(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2000
        && !next.chars().any(|c| c.is_control());
    ok.then(|| next.to_owned())
}

/// `?next=PATH`, URL-encoded, or nothing.
pub(crate) fn next_query(next: Option<&str>) -> String {
    match local_path(next) {
        Some(p) => format!("?next={}", form_urlencoded::byte_serialize(p.as_bytes()).collect::<String>()),
        None => String::new(),
    }
}

#[derive(Deserialize)]
pub(crate) struct Back {
    #[serde(default)]
    back: Option<String>,
}

/// `GET /language/{code}?back=PATH`: keeps the visitor's language choice (a lasting cookie read
/// before `Accept-Language`) and goes back to the page it was made on.
async fn choose_language(
    State(state): State<SharedState>,
    jar: CookieJar,
    crate::extract::Path(code): crate::extract::Path<String>,
    crate::extract::Query(q): crate::extract::Query<Back>,
) -> Result<Response, HttpError> {
    let locale = code.parse::<Locale>().map_err(|_| HttpError::not_found())?;
    let cookie = axum_extra::extract::cookie::Cookie::build((LANGUAGE_COOKIE, locale.as_str().to_owned()))
        .path("/")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .same_site(axum_extra::extract::cookie::SameSite::Lax)
        .permanent()
        .build();
    let back = local_path(q.back.as_deref()).unwrap_or_else(|| "/".to_owned());
    Ok((jar.add(cookie), Redirect::to(&back)).into_response())
}

fn is_html(res: &Response) -> bool {
    res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("text/html"))
}

/// Turns errors from page handlers into pages: 401 sends the visitor to sign in, the rest show
/// the message in a page with the same status.
async fn html_errors(State(state): State<SharedState>, mut req: Request, next: Next) -> Response {
    let asked = visitor_locale(req.headers());
    // A signed-out visitor following a link comes back to it after signing in.
    let wanted = (req.method() == axum::http::Method::GET)
        .then(|| req.uri().path_and_query().map(|p| p.as_str().to_owned()))
        .flatten();
    let caller = crate::error::CallerLocale::default();
    req.extensions_mut().insert(caller.clone());
    let path = req.uri().path().to_owned();
    let res = PAGE_PATH.scope(path, next.run(req)).await;
    let err = match res.extensions().get::<HttpError>() {
        Some(err) => err.clone(),
        // The framework's own refusals (405 and the like) get a page too.
        None if (res.status().is_client_error() || res.status().is_server_error()) && !is_html(&res) => {
            crate::extract::framework_error(res.status())
        }
        None => return res,
    };
    if err.status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!("/{}", next_query(wanted.as_deref()))).into_response();
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
