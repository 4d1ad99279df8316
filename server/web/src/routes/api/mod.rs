//! The JSON API, versioned under `/api/v1`. Every handler is annotated with `#[utoipa::path]`,
//! and the OpenAPI document at `/api/openapi.json` is generated from those annotations.
//!
//! Conventions every endpoint follows: the tenant is the caller's own (from the session or, later,
//! the API token), never a parameter; another tenant's resource is a 404, the same as a missing
//! one; errors have one shape (`ErrorBody`) with a stable `code`; cookie-authenticated writes need
//! the session's anti-forgery token in `X-CSRF-Token`.

mod after_exam;
mod auth;
mod candidate;
mod centre;
mod me;
mod policy;
mod tenants;
mod verifier;
pub(crate) mod workflows;

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
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(me::me))
        .routes(routes!(tenants::list, tenants::create))
        .routes(routes!(me::users))
        .routes(routes!(me::user))
        .routes(routes!(me::audit))
        .routes(routes!(centre::sessions))
        .routes(routes!(centre::session))
        .routes(routes!(centre::session_entries))
        .routes(routes!(centre::candidates))
        .routes(routes!(centre::candidate))
        .routes(routes!(centre::entry))
        .routes(routes!(centre::result))
        .routes(routes!(policy::plugins))
        .routes(routes!(policy::assign))
        .routes(routes!(policy::decide))
        .routes(routes!(workflows::create_session))
        .routes(routes!(workflows::update_session))
        .routes(routes!(workflows::timetable))
        .routes(routes!(workflows::cancel_session))
        .routes(routes!(workflows::create_entry))
        .routes(routes!(workflows::public_entry))
        .routes(routes!(workflows::change_entry))
        .routes(routes!(workflows::entry_details))
        .routes(routes!(workflows::add_payment))
        .routes(routes!(workflows::record_extra_time_report))
        .routes(routes!(workflows::add_document))
        .routes(routes!(workflows::document))
        .routes(routes!(workflows::issue_coe))
        .routes(routes!(workflows::coe_missing))
        .routes(routes!(workflows::import_results))
        .routes(routes!(workflows::speaking_pairs))
        .routes(routes!(workflows::request_refund))
        .routes(routes!(workflows::refund_step))
        .routes(routes!(after_exam::attendance))
        .routes(routes!(after_exam::photo))
        .routes(routes!(after_exam::open_case))
        .routes(routes!(after_exam::close_case))
        .routes(routes!(after_exam::open_enquiry))
        .routes(routes!(after_exam::enquiry_outcome))
        .routes(routes!(after_exam::certificates_arrived))
        .routes(routes!(after_exam::collect))
        .routes(routes!(after_exam::replace))
        .routes(routes!(after_exam::name_correction))
        .routes(routes!(after_exam::timetable_change))
        .routes(routes!(candidate::signup))
        .routes(routes!(candidate::results))
        .routes(routes!(candidate::statement))
        .routes(routes!(candidate::verifiers))
        .routes(routes!(candidate::shares, candidate::share))
        .routes(routes!(candidate::withdraw))
        .routes(routes!(candidate::change_email))
        .routes(routes!(verifier::search))
        .routes(routes!(verifier::shared))
        .routes(routes!(verifier::detail))
        .routes(routes!(verifier::statement))
        .routes(routes!(verifier::photo))
        .routes(routes!(verifier::lookup))
        .routes(routes!(verifier::clients, verifier::create_client))
        .routes(routes!(verifier::rotate_client))
        .routes(routes!(verifier::revoke_client))
        .routes(routes!(verifier::bulk_download, verifier::download_history))
        .routes(routes!(verifier::download_again))
        .routes(routes!(verifier::templates, verifier::create_template))
        .routes(routes!(verifier::delete_template))
        .routes(routes!(verifier::get_notify, verifier::set_notify))
        .routes(routes!(workflows::issue_session_coes))
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
