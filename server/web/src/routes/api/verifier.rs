//! The Results Verification Service API (R-API): search, the shared list, detail, Statement of
//! Results lookup and downloads, for the organisation's users and API clients.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody};
use crate::state::SharedState;
use crate::verifier::{self, ResultDetail, SearchParams, SearchResults, SharedList, VERIFIER_ROLES, Verifier};
use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

/// Searches the results shared with the caller's organisation (R-SEARCH-FIELDS).
#[utoipa::path(get, path = "/v1/verifier/search", tag = "verifier", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn search(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    user.require(VERIFIER_ROLES)?;
    let q = params.to_query()?;
    Ok(Json(verifier::search(&state, user.tenant_id(), q).await?))
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
    ApiUser(user): ApiUser,
    Query(p): Query<ListParams>,
) -> AppResult<Json<SharedList>> {
    let v = Verifier::from_user(&user)?;
    Ok(Json(verifier::shared_list(&state, &v, p.page.unwrap_or(1), p.per_page.unwrap_or(50)).await?))
}

/// One shared result with its scores (R-DETAIL). The view is recorded: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, body = ResultDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(share_id): Path<String>,
) -> AppResult<Json<ResultDetail>> {
    let v = Verifier::from_user(&user)?;
    Ok(Json(verifier::detail(&state, &v, &share_id).await?))
}

/// The Statement of Results PDF of a shared result. The download is recorded: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}/statement.pdf", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let (name, pdf) = verifier::statement(&state, &v, &share_id).await?;
    Ok(pdf_response(&name, pdf))
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
    ApiUser(user): ApiUser,
    Json(req): Json<LookupRequest>,
) -> AppResult<Json<ResultDetail>> {
    let v = Verifier::from_user(&user)?;
    Ok(Json(verifier::sor_lookup(&state, &v, addr.ip(), &req.sor_number, &req.date_of_birth).await?))
}
