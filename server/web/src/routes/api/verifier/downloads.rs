//! Bulk downloads and their history.

use super::{VerifierCaller, file_response};
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::SharedState;
use axum::extract::State;
use axum::response::Response;
use tessera_app::bulk::{self, DownloadView};

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
