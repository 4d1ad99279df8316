//! The JSON API, versioned under `/api/v1`. Every handler is annotated with `#[utoipa::path]`,
//! and the OpenAPI document at `/api/openapi.json` is generated from those annotations.
//!
//! Conventions every endpoint follows: the tenant is the caller's own (from the session or, later,
//! the API token), never a parameter; another tenant's resource is a 404, the same as a missing
//! one; errors have one shape (`ErrorBody`) with a stable `code`; cookie-authenticated writes need
//! the session's anti-forgery token in `X-CSRF-Token`.

mod account;
mod admin;
mod after_exam;
mod candidate;
pub(crate) mod centre;
mod credentials;
mod verifier;

pub use verifier::{file_response, pdf_response};

use crate::auth::{CurrentUser, constant_time_eq};
use crate::error::HttpError;
use crate::state::SharedState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The header carrying the anti-forgery token on cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "Exam centres, candidates and verifiers. Errors: `{\"error\": {\"code\", \"message\", \"field\"}}`: `code` is stable (the `ErrorDetail` schema lists every code), `message` is in the caller's language (`Accept-Language`, else the language of the signed-in user's centre or organisation), `field` names the input at fault. Verifier endpoints also accept an API client token as `Authorization: Bearer <token>` or `X-API-Key: <token>`; too many requests are answered 429 with Retry-After."
    ),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

/// The API routes and the OpenAPI document generated from them.
pub fn api() -> (Router<SharedState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(account::login::login))
        .routes(routes!(account::login::logout))
        .routes(routes!(account::me::me))
        .routes(routes!(admin::tenants::list, admin::tenants::create))
        .routes(routes!(admin::users::users))
        .routes(routes!(admin::users::user))
        .routes(routes!(admin::audit::audit))
        .routes(routes!(centre::sessions::sessions))
        .routes(routes!(centre::sessions::session))
        .routes(routes!(centre::entries::session_entries))
        .routes(routes!(centre::candidates::candidates))
        .routes(routes!(centre::candidates::candidate))
        .routes(routes!(centre::entries::entry))
        .routes(routes!(centre::results::result))
        .routes(routes!(admin::policy::plugins))
        .routes(routes!(admin::policy::assign))
        .routes(routes!(admin::policy::decide))
        .routes(routes!(centre::sessions::create_session))
        .routes(routes!(centre::sessions::update_session))
        .routes(routes!(centre::sessions::timetable))
        .routes(routes!(centre::sessions::cancel_session))
        .routes(routes!(centre::entries::create_entry))
        .routes(routes!(centre::entries::public_entry))
        .routes(routes!(centre::public_pages::calendar))
        .routes(routes!(centre::public_pages::public_regulations))
        .routes(routes!(centre::public_pages::public_forms))
        .routes(routes!(centre::public_pages::public_form))
        .routes(routes!(centre::public_pages::regulations, centre::public_pages::set_regulations))
        .routes(routes!(centre::public_pages::forms))
        .routes(routes!(centre::public_pages::publish_form))
        .routes(routes!(centre::entries::change_entry))
        .routes(routes!(centre::entries::entry_details))
        .routes(routes!(centre::payments::add_payment))
        .routes(routes!(centre::payments::flagged_payments))
        .routes(routes!(centre::payments::bank_account, centre::payments::set_bank_account))
        .routes(routes!(centre::contact::contact, centre::contact::set_contact))
        .routes(routes!(centre::extra_time::record_extra_time_report))
        .routes(routes!(centre::documents::add_document))
        .routes(routes!(centre::documents::document))
        .routes(routes!(centre::documents::consent_originals_missing))
        .routes(routes!(centre::coe::issue_coe))
        .routes(routes!(centre::coe::coe_missing))
        .routes(routes!(centre::results::import_results))
        .routes(routes!(centre::speaking::speaking_pairs))
        .routes(routes!(centre::refunds::request_refund))
        .routes(routes!(centre::refunds::refund_step))
        .routes(routes!(centre::void::void_entry))
        .routes(routes!(centre::fault::mark_session_at_fault))
        .routes(routes!(centre::fault::fault_choice))
        .routes(routes!(candidate::fault::fault_choice))
        .routes(routes!(after_exam::attendance::attendance))
        .routes(routes!(after_exam::photo::photo))
        .routes(routes!(after_exam::cases::open_case))
        .routes(routes!(after_exam::cases::close_case))
        .routes(routes!(after_exam::enquiries::open_enquiry))
        .routes(routes!(after_exam::enquiries::enquiry_outcome))
        .routes(routes!(after_exam::appeals::lodge_appeal))
        .routes(routes!(after_exam::appeals::decide_appeal))
        .routes(routes!(after_exam::appeals::appeal_terms, after_exam::appeals::set_appeal_terms))
        .routes(routes!(after_exam::appeals::consideration_still_failed))
        .routes(routes!(after_exam::certificates::certificates_arrived))
        .routes(routes!(after_exam::certificates::collect))
        .routes(routes!(after_exam::certificates::replace))
        .routes(routes!(after_exam::certificates::name_correction))
        .routes(routes!(
            after_exam::certificates::issue_certifying_statement,
            after_exam::certificates::certifying_statement
        ))
        .routes(routes!(after_exam::timetable_change::timetable_change))
        .routes(routes!(candidate::signup::signup))
        .routes(routes!(candidate::results::results))
        .routes(routes!(candidate::results::statement))
        .routes(routes!(candidate::results::acknowledge_notices))
        .routes(routes!(candidate::directory::verifiers))
        .routes(routes!(candidate::shares::shares, candidate::shares::share))
        .routes(routes!(candidate::shares::withdraw))
        .routes(routes!(candidate::email::change_email))
        .routes(routes!(verifier::search::search))
        .routes(routes!(verifier::shared::shared))
        .routes(routes!(verifier::detail::detail))
        .routes(routes!(verifier::detail::statement))
        .routes(routes!(verifier::detail::photo))
        .routes(routes!(verifier::lookup::lookup))
        .routes(routes!(verifier::api_clients::clients, verifier::api_clients::create_client))
        .routes(routes!(verifier::api_clients::rotate_client))
        .routes(routes!(verifier::api_clients::revoke_client))
        .routes(routes!(verifier::webhooks::endpoints, verifier::webhooks::create_endpoint))
        .routes(routes!(verifier::webhooks::endpoint, verifier::webhooks::delete_endpoint))
        .routes(routes!(verifier::webhooks::rotate_secret))
        .routes(routes!(verifier::webhooks::enable_endpoint))
        .routes(routes!(verifier::webhooks::disable_endpoint))
        .routes(routes!(verifier::webhooks::delivery_log))
        .routes(routes!(verifier::webhooks::redeliver))
        .routes(routes!(verifier::api_access::renew_client))
        .routes(routes!(verifier::api_access::access, verifier::api_access::request_access))
        .routes(routes!(verifier::api_access::requests))
        .routes(routes!(verifier::api_access::decide))
        .routes(routes!(verifier::bulk_verify::upload, verifier::bulk_verify::lists))
        .routes(routes!(verifier::bulk_verify::status))
        .routes(routes!(verifier::bulk_verify::report))
        .routes(routes!(verifier::join::request_join))
        .routes(routes!(verifier::join::join_requests))
        .routes(routes!(verifier::join::decide_join))
        .routes(routes!(verifier::downloads::bulk_download, verifier::downloads::download_history))
        .routes(routes!(verifier::downloads::download_again))
        .routes(routes!(verifier::templates::templates, verifier::templates::create_template))
        .routes(routes!(verifier::templates::delete_template))
        .routes(routes!(verifier::notifications::get_notify, verifier::notifications::set_notify))
        .routes(routes!(centre::coe::issue_session_coes))
        .routes(routes!(credentials::credential::credential))
        .routes(routes!(centre::credential::entry_credential))
        .routes(routes!(centre::results::results_missing))
        .routes(routes!(verifier::school::school_links, verifier::school::request_link))
        .routes(routes!(verifier::school::group_entry))
        .routes(routes!(verifier::school::school_results))
        .routes(routes!(verifier::school::school_sessions))
        .routes(routes!(centre::schools::links))
        .routes(routes!(centre::schools::decide))
        .routes(routes!(credentials::verify::verify_credential))
        .split_for_parts()
}

pub(super) fn router(body_limit: usize) -> Router<SharedState> {
    let (routes, doc) = api();
    let json = doc.to_pretty_json().expect("the OpenAPI document serialises");
    routes
        .route(
            "/openapi.json",
            get(move || async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], json) }),
        )
        .fallback(|| async { HttpError::not_found() })
        .layer(axum::middleware::from_fn_with_state(body_limit, crate::extract::refuse_oversized))
        .layer(axum::middleware::map_response(framework_errors))
        .layer(axum::middleware::from_fn(crate::error::localise_errors))
}

/// Answers the framework's own refusals (405, a rejection not converted by `crate::extract`) in
/// the error shape. Every error of ours is JSON already and passes unchanged.
async fn framework_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error())
        || is_json
        || res.extensions().get::<HttpError>().is_some()
    {
        return res;
    }
    let (parts, _) = res.into_parts();
    let mut shaped = crate::extract::framework_error(status).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            shaped.headers_mut().insert(name, v.clone());
        }
    }
    shaped
}

/// The caller of an API endpoint: a signed-in user whose writes carry the anti-forgery header.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<SharedState> for ApiUser {
    type Rejection = HttpError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, HttpError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !parts.method.is_safe() {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent, &user.csrf_token) {
                return Err(HttpError::csrf());
            }
        }
        Ok(ApiUser(user))
    }
}

/// A verifier's file download (a bulk verification report), as the API sends it.
pub(crate) fn verifier_file_response(f: tessera_app::bulk::File) -> axum::response::Response {
    verifier::file_response(None, f)
}
