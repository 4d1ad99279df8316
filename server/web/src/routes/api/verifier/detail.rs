//! One shared result: its scores, its Statement of Results and its exam-day photo.

use super::{VerifierCaller, pdf_response};
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tessera_app::verifier::{self, ResultDetail};

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
