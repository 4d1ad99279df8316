//! Results: one result version, and the board's results file imported for a session.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path, RawBody};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tessera_app::centre as ops;
use tessera_app::centre::read::{self, ResultView};

/// One result version of the centre.
#[utoipa::path(get, path = "/v1/results/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = ResultView), (status = 404, body = ErrorBody)))]
pub async fn result(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ResultView>> {
    Ok(Json(read::result(&state, &user, id).await?))
}

/// Imports the board's results file for a session (CSV body: `text/csv`, `application/csv` or
/// `text/plain`; anything else is 415): all or nothing. Grades, CEFR levels and status lines are
/// checked against the exam (R-RESULT-CODES); every bad line is reported with its number and
/// column (the first 100, and how many more); each line becomes a new result version
/// (R-RESULT-VERSIONS).
#[utoipa::path(post, path = "/v1/sessions/{id}/results", tag = "centre", params(("id" = String, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200), (status = 415, body = ErrorBody), (status = 422, body = RefusedResultsBody)))]
pub async fn import_results(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?"));
    if !content_type.is_some_and(ops::is_csv_type) {
        return Err(ops::not_csv(content_type).into());
    }
    match ops::import_results_file(&state, &user.tenant, &id, &body, user.user.id.clone()).await? {
        Ok(imported) => Ok(Json(Imported { imported }).into_response()),
        Err(refused) => {
            let locale = crate::error::accept_language(&headers).unwrap_or(user.tenant.locale);
            Ok(line_errors(refused.in_locale(locale), locale))
        }
    }
}

/// An imported results file.
#[derive(serde::Serialize)]
pub struct Imported {
    /// How many results were imported.
    imported: usize,
}

/// The body of a refused results file.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RefusedResultsBody {
    /// The refusal.
    pub error: RefusedResults,
}

/// Why a results file was refused: `invalid_results_file`, with its bad lines.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RefusedResults {
    /// `invalid_results_file`.
    pub code: &'static str,
    /// A summary for a person.
    pub message: String,
    /// The first 100 errors, in line order.
    pub lines: Vec<ops::LineError>,
    /// How many more errors the file has beyond `lines`.
    pub more: usize,
}

fn line_errors(refused: ops::RefusedFile, locale: tessera_domain::Locale) -> Response {
    let message = tessera_domain::DomainError::new(tessera_domain::ErrorCode::InvalidResultsFile)
        .arg("count", refused.total())
        .message(locale);
    let body = RefusedResultsBody {
        error: RefusedResults { code: "invalid_results_file", message, more: refused.more, lines: refused.errors },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Confirmed entries still without a result after the release window (R-RESULTS-WINDOW: about 5
/// weeks after a paper-based exam, 2 after a computer-based one), the longest overdue first: the
/// centre chases them with the board.
#[utoipa::path(get, path = "/v1/results/missing", tag = "centre", responses((status = 200, body = Vec<ops::ResultMissing>)))]
pub async fn results_missing(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ops::ResultMissing>>> {
    user.require(STAFF)?;
    Ok(Json(ops::results_missing(&state, &user.tenant).await?))
}
