//! The Results Verification Service API (R-API): search, the shared list, detail, Statement of
//! Results lookup and downloads, for the organisation's users and API clients.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Path, Query};
use crate::state::SharedState;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tessera_app::api_clients::{self, ApiClientToken, ApiClientView};
use tessera_app::bulk::{self, DownloadView, TemplateView};
use tessera_app::notify;
use tessera_app::verifier::{self, ResultDetail, SearchParams, SearchResults, SharedList, Verifier};
use utoipa::{IntoParams, ToSchema};

/// The caller of a verifier endpoint: an API client (R-API: `Authorization: Bearer <token>` or
/// `X-API-Key: <token>`), else a signed-in verifier user.
pub struct VerifierCaller(pub Verifier);

impl FromRequestParts<SharedState> for VerifierCaller {
    type Rejection = HttpError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, HttpError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if let Some(token) = bearer.or(key) {
            let v = verifier::api_client(state, token.trim()).await?;
            if let Some(caller) = parts.extensions.get::<crate::error::CallerLocale>() {
                caller.note(v.locale);
            }
            return Ok(Self(v));
        }
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        Ok(Self(Verifier::from_user(&user)?))
    }
}

/// Searches the results shared with the caller's organisation (R-SEARCH-FIELDS).
#[utoipa::path(get, path = "/v1/verifier/search", tag = "verifier", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn search(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let q = params.to_query()?;
    Ok(Json(verifier::search(&state, v.tenant, q).await?))
}

/// Paging of the shared list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<i64>,
    /// Rows per page (1 to 200, default 50).
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// The results shared with the caller's organisation, newest first, with the number shared since
/// the caller's previous sign-in (R-SHARED-LIST).
#[utoipa::path(get, path = "/v1/verifier/shared", tag = "verifier", params(ListParams),
    responses((status = 200, body = SharedList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn shared(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(p): Query<ListParams>,
) -> AppResult<Json<SharedList>> {
    Ok(Json(verifier::shared_list(&state, &v, p.page.unwrap_or(1), p.per_page.unwrap_or(50)).await?))
}

/// One shared result with its scores (R-DETAIL). The view is recorded: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, body = ResultDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(share_id): Path<String>,
) -> AppResult<Json<ResultDetail>> {
    Ok(Json(verifier::detail(&state, &v, &share_id).await?))
}

/// The Statement of Results PDF of a shared result. The download is recorded: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}/statement.pdf", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let (name, pdf) = verifier::statement(&state, &v, &share_id).await?;
    Ok(pdf_response(&name, pdf))
}

/// The exam-day photo of a shared result, where the centre's photo policy lets verifiers see it
/// (R-PHOTO-DAY); 404 otherwise. Recorded as a download: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}/photo", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn photo(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let (content_type, bytes) = verifier::photo(&state, &v, &share_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::HeaderName::from_static("x-content-type-options"), "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// A PDF download.
pub fn pdf_response(name: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// A Candidate Search: Statement of Results number and date of birth (R-SOR-LOOKUP).
#[derive(Debug, Deserialize, ToSchema)]
pub struct LookupRequest {
    /// The Statement of Results number.
    pub sor_number: String,
    /// The candidate's date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
}

/// Candidate Search (R-SOR-LOOKUP): finds a result only when the Statement of Results number AND
/// the date of birth both match. Throttled per user, organisation and client address (429 with
/// Retry-After); every lookup is audited.
#[utoipa::path(post, path = "/v1/verifier/lookup", tag = "verifier", request_body = LookupRequest,
    responses((status = 200, body = ResultDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    VerifierCaller(v): VerifierCaller,
    Json(req): Json<LookupRequest>,
) -> AppResult<Json<ResultDetail>> {
    Ok(Json(verifier::sor_lookup(&state, &v, addr.ip(), &req.sor_number, &req.date_of_birth).await?))
}

/// The organisation's API clients (primary user only).
#[utoipa::path(get, path = "/v1/verifier/api-clients", tag = "verifier",
    responses((status = 200, body = [ApiClientView]), (status = 404, body = ErrorBody)))]
pub async fn clients(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<ApiClientView>>> {
    Ok(Json(api_clients::list(&state, &user).await?))
}

/// A new API client.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiClient {
    /// A name saying what uses it (1 to 100 characters).
    pub name: String,
}

/// Creates an API client; the answer carries its token, shown only this once (R-API).
#[utoipa::path(post, path = "/v1/verifier/api-clients", tag = "verifier", request_body = NewApiClient,
    responses((status = 201, body = ApiClientToken), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<NewApiClient>,
) -> AppResult<(StatusCode, Json<ApiClientToken>)> {
    Ok((StatusCode::CREATED, Json(api_clients::create(&state, &user, &req.name).await?)))
}

/// Gives a client a new token; the old one stops working at once (renewal, R-API).
#[utoipa::path(post, path = "/v1/verifier/api-clients/{id}/rotate", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = ApiClientToken), (status = 404, body = ErrorBody)))]
pub async fn rotate_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ApiClientToken>> {
    Ok(Json(api_clients::rotate(&state, &user, &id).await?))
}

/// Revokes a client for good.
#[utoipa::path(delete, path = "/v1/verifier/api-clients/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    api_clients::revoke(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bulk download's file; `id` (a new download's) goes in `X-Download-Id`.
pub fn file_response(id: Option<&str>, f: bulk::File) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, f.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        f.bytes,
    )
        .into_response();
    if let Some(id) = id
        && let Ok(v) = header::HeaderValue::from_str(id)
    {
        res.headers_mut().insert("x-download-id", v);
    }
    res
}

/// Downloads ticked shared results at once (R-BULK-DOWNLOAD): `pdf` gives a zip of Statements of
/// Results, `csv` and `xlsx` a data file from the default template (every field) or a custom one.
/// The download is kept in the history (its id in `X-Download-Id`) and recorded for each candidate.
#[utoipa::path(post, path = "/v1/verifier/downloads", tag = "verifier", request_body = bulk::BulkRequest,
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn bulk_download(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Json(req): Json<bulk::BulkRequest>,
) -> AppResult<Response> {
    let (id, file) = bulk::create(&state, &v, req).await?;
    Ok(file_response(Some(&id), file))
}

/// The organisation's download history, newest first.
#[utoipa::path(get, path = "/v1/verifier/downloads", tag = "verifier",
    responses((status = 200, body = [DownloadView]), (status = 404, body = ErrorBody)))]
pub async fn download_history(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<DownloadView>>> {
    Ok(Json(bulk::history(&state, &v).await?))
}

/// Downloads a past download again, with the results still shared now.
#[utoipa::path(get, path = "/v1/verifier/downloads/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn download_again(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<Response> {
    Ok(file_response(None, bulk::again(&state, &v, &id).await?))
}

/// The data-file templates: the default one (every field, id `default`) first, then the custom ones.
#[utoipa::path(get, path = "/v1/verifier/download-templates", tag = "verifier",
    responses((status = 200, body = [TemplateView]), (status = 404, body = ErrorBody)))]
pub async fn templates(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<TemplateView>>> {
    Ok(Json(bulk::templates(&state, &v).await?))
}

/// Saves a custom data-file template: chosen fields, their order and headers.
#[utoipa::path(post, path = "/v1/verifier/download-templates", tag = "verifier", request_body = TemplateView,
    responses((status = 201, body = TemplateView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_template(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Json(t): Json<TemplateView>,
) -> AppResult<(StatusCode, Json<TemplateView>)> {
    Ok((StatusCode::CREATED, Json(bulk::create_template(&state, &v, &t.name, t.fields).await?)))
}

/// Deletes a custom data-file template.
#[utoipa::path(delete, path = "/v1/verifier/download-templates/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_template(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    bulk::delete_template(&state, &v, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's notification preference (R-NOTIFY).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotifyPref {
    /// `off`, `each` (an email per candidate), `daily` (a summary each morning) or `weekly` (a
    /// summary on Mondays), in the organisation's time zone.
    pub mode: String,
}

/// The signed-in verifier user's notification preference.
#[utoipa::path(get, path = "/v1/verifier/notifications", tag = "verifier",
    responses((status = 200, body = NotifyPref), (status = 404, body = ErrorBody)))]
pub async fn get_notify(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<NotifyPref>> {
    let v = Verifier::from_user(&user)?;
    Ok(Json(NotifyPref { mode: notify::preference(&state, &v).await? }))
}

/// Sets the signed-in verifier user's notification preference; shares from now on count for it.
#[utoipa::path(put, path = "/v1/verifier/notifications", tag = "verifier", request_body = NotifyPref,
    responses((status = 200, body = NotifyPref), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_notify(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(p): Json<NotifyPref>,
) -> AppResult<Json<NotifyPref>> {
    let v = Verifier::from_user(&user)?;
    notify::set_preference(&state, &v, &p.mode).await?;
    Ok(Json(p))
}
