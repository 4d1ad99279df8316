//! Bulk verification (R-BULK-VERIFY): upload a list, poll its status, download its report.

use super::{VerifierCaller, file_response};
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Multipart, Path, Query};
use crate::routes::api::centre::results::{RefusedResults, RefusedResultsBody};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_app::centre::RefusedFile;
use tessera_app::verifier::{self, BulkVerificationView};
use tessera_domain::{DomainError, ErrorCode, Locale};
use utoipa::{IntoParams, ToSchema};

/// The upload: a multipart form with the list in the part `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BulkVerifyUpload {
    /// The list: CSV (UTF-8, comma or semicolon) or XLSX (its first sheet), with a header line
    /// naming `sor_number`, `date_of_birth` (`YYYY-MM-DD` or a date cell) and optionally `name`;
    /// at most 10,000 rows.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The refused list's body: every bad row (its line, the header line being 1) and column.
pub(crate) fn refused_list(refused: RefusedFile, locale: Locale) -> Response {
    let refused = refused.in_locale(locale);
    let message = DomainError::new(ErrorCode::InvalidBulkFile).arg("count", refused.total()).message(locale);
    let body = RefusedResultsBody {
        error: RefusedResults { code: "invalid_bulk_file", message, more: refused.more, lines: refused.errors },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Uploads a list to verify (R-BULK-VERIFY). The whole file is checked first: a bad one is 422
/// with every bad row and column, and nothing is verified. A good one is 202 with its status;
/// the rows are verified in the background (poll `GET .../{id}`), each audited like a Candidate
/// Search. Beyond the organisation's daily rows (`[verifier] bulk_verify_rows_per_day`): 429
/// `bulk_quota_exceeded`.
#[utoipa::path(post, path = "/v1/verifier/bulk-verifications", tag = "verifier",
    request_body(content = BulkVerifyUpload, content_type = "multipart/form-data"),
    responses((status = 202, body = BulkVerificationView), (status = 400, body = ErrorBody),
        (status = 422, body = RefusedResultsBody), (status = 429, body = ErrorBody)))]
pub async fn upload(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    headers: HeaderMap,
    mut form: Multipart,
) -> AppResult<Response> {
    let mut file = None;
    while let Some(part) = form.next_field().await? {
        if part.name() == Some("file") {
            let name = part.file_name().unwrap_or("list.csv").to_owned();
            file = Some((name, part.bytes().await?));
        }
    }
    let (name, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    match verifier::submit(&state, &v, &name, &bytes).await? {
        Ok(view) => Ok((StatusCode::ACCEPTED, Json(view)).into_response()),
        Err(refused) => Ok(refused_list(refused, crate::error::accept_language(&headers).unwrap_or(v.locale))),
    }
}

/// The organisation's recent lists, newest first.
#[utoipa::path(get, path = "/v1/verifier/bulk-verifications", tag = "verifier",
    responses((status = 200, body = [BulkVerificationView]), (status = 404, body = ErrorBody)))]
pub async fn lists(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<BulkVerificationView>>> {
    Ok(Json(verifier::bulk_list(&state, &v).await?))
}

/// A list's progress: `processed` of `total` rows; `status` is `done` when its report is ready.
#[utoipa::path(get, path = "/v1/verifier/bulk-verifications/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = BulkVerificationView), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<Json<BulkVerificationView>> {
    Ok(Json(verifier::bulk_status(&state, &v, &id).await?))
}

/// The report's format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `csv` (UTF-8 with a byte-order mark; the default) or `xlsx`.
    pub format: Option<String>,
}

/// A finished list's report, one line per row with its verdict in words (verified, no match,
/// not shared with you, revoked) and, when verified, the result; headers in the caller's
/// language (`Accept-Language`, else the organisation's). 409 `bulk_not_finished` while it runs.
#[utoipa::path(get, path = "/v1/verifier/bulk-verifications/{id}/report", tag = "verifier",
    params(("id" = String, Path), ReportQuery),
    responses((status = 200, description = "The report", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn report(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let locale = crate::error::accept_language(&headers).unwrap_or(v.locale);
    let format = q.format.unwrap_or_else(|| "csv".into());
    Ok(file_response(None, verifier::bulk_report(&state, &v, &id, &format, locale).await?))
}
