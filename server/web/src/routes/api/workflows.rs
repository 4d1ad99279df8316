//! The centre workflows through the API (centre staff): sessions, entries, payments, documents,
//! Confirmations of Entry, results imports, speaking pairs and refunds; and the public entry form.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Multipart, Path, RawBody};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_app::centre::read;
use tessera_app::centre::{
    self as ops, EntryInput, EntryReceipt, PaymentInput, RefundInput, SessionCreated, SessionInput,
};
use tessera_domain::{ErrorCode, Role};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

/// Creates a session with its timetable (centre staff).
#[utoipa::path(post, path = "/v1/sessions", tag = "centre", request_body = SessionInput,
    responses((status = 201, body = SessionCreated), (status = 400, body = ErrorBody)))]
pub async fn create_session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(input): Json<SessionInput>,
) -> AppResult<(StatusCode, Json<SessionCreated>)> {
    user.require(STAFF)?;
    let out = ops::create_session(&state, &user.tenant, &input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Edits a session: fees, deadlines, capacity, minimum, release instant and timetable. The exam,
/// date and delivery cannot change: entries never move (R-NO-TRANSFER).
#[utoipa::path(put, path = "/v1/sessions/{id}", tag = "centre", request_body = SessionInput, params(("id" = String, Path)),
    responses((status = 200, body = SessionCreated), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<SessionInput>,
) -> AppResult<Json<SessionCreated>> {
    user.require(STAFF)?;
    Ok(Json(ops::update_session(&state, &user.tenant, &id, &input, user.user.id.clone()).await?))
}

/// A session's timetable and extras.
#[utoipa::path(get, path = "/v1/sessions/{id}/timetable", tag = "centre", params(("id" = String, Path)), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn timetable(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<read::SessionTimetable>> {
    Ok(Json(read::session_timetable(&state, &user, id).await?))
}

/// A cancelled session and the refunds its paid entries were given.
#[derive(serde::Serialize)]
pub struct CancelledSession {
    /// `cancelled`.
    status: &'static str,
    /// One per paid entry.
    refunds: Vec<ops::CancellationRefund>,
}

/// Cancels a session that has not reached its minimum: every entry is cancelled and every paid
/// fee goes to the refund policy as `session_below_minimum` (R-SESSION-MINIMUM: a full refund).
#[utoipa::path(post, path = "/v1/sessions/{id}/cancel", tag = "centre", params(("id" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn cancel_session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<CancelledSession>> {
    let refunds = ops::cancel_session(&state, &user, &id).await?;
    Ok(Json(CancelledSession { status: "cancelled", refunds }))
}

/// Enters a candidate (centre staff) with the same checks as the public form.
#[utoipa::path(post, path = "/v1/entries", tag = "centre", request_body = EntryInput,
    responses((status = 201, body = EntryReceipt), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_entry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(input): Json<EntryInput>,
) -> AppResult<(StatusCode, Json<EntryReceipt>)> {
    user.require(STAFF)?;
    let receipt = ops::submit_entry(&state, &user.tenant, input, Some(user.user.id.clone())).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The public entry form's API: a candidate or guardian enters for a session of centre `tenant`.
#[utoipa::path(post, path = "/v1/public/{tenant}/entries", tag = "public", request_body = EntryInput, params(("tenant" = String, Path)),
    responses((status = 201, body = EntryReceipt), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn public_entry(
    State(state): State<SharedState>,
    Path(slug): Path<String>,
    Json(input): Json<EntryInput>,
) -> AppResult<(StatusCode, Json<EntryReceipt>)> {
    let tenant = read::public_centre(&state, slug).await?;
    let receipt = ops::submit_entry(&state, &tenant, input, None).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// Changes an entry's contact data. An entry or fee never moves to another session, date or
/// level (R-NO-TRANSFER).
#[utoipa::path(patch, path = "/v1/entries/{id}", tag = "centre", request_body = ops::EntryChange, params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = ErrorBody)))]
pub async fn change_entry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(change): Json<ops::EntryChange>,
) -> AppResult<StatusCode> {
    ops::change_entry(&state, &user, id, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An entry with everything staff need.
#[utoipa::path(get, path = "/v1/entries/{id}/details", tag = "centre", params(("id" = String, Path)), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn entry_details(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ops::EntryDetails>> {
    user.require(STAFF)?;
    Ok(Json(ops::entry_details(&state, user.tenant_id(), &id).await?))
}

/// Records a payment (cash, card, bank transfer with its title); the entry's status is recomputed.
#[utoipa::path(post, path = "/v1/entries/{id}/payments", tag = "centre", request_body = PaymentInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody)))]
pub async fn add_payment(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<PaymentInput>,
) -> AppResult<Json<ops::EntryStatus>> {
    user.require(STAFF)?;
    Ok(Json(ops::record_payment(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}

/// Records what staff checked on the specialist's report behind an extra-time request
/// (R-PL-EXTRA-TIME); the answer carries the eligibility policy's verdict among the warnings.
#[utoipa::path(post, path = "/v1/entries/{id}/extra-time-report", tag = "centre", request_body = ops::ExtraTimeReportInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn record_extra_time_report(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<ops::ExtraTimeReportInput>,
) -> AppResult<Json<ops::EntryStatus>> {
    user.require(STAFF)?;
    Ok(Json(ops::record_extra_time_report(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}

/// The form of a document upload (`multipart/form-data`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the form for the OpenAPI document; the handler reads the parts.
pub struct DocumentUpload {
    /// What the document is: photo_consent, id_copy, school_id_copy, medical_certificate or
    /// special_arrangements_form.
    #[schema(example = "id_copy")]
    kind: String,
    /// The file: PDF, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a document (multipart: `kind`, then `file`); PDF, JPEG or PNG, at most 5 MiB.
#[utoipa::path(post, path = "/v1/entries/{id}/documents", tag = "centre", params(("id" = String, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn add_document(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Json<ops::EntryStatus>> {
    user.require(STAFF)?;
    let (mut kind, mut file) = (None, None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("kind") => kind = Some(part.text().await?),
            Some("file") => {
                let name = part.file_name().unwrap_or("document").to_owned();
                let ct = part.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = part.bytes().await?;
                file = Some((name, ct, bytes));
            }
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| HttpError::at(ErrorCode::Required, "kind"))?;
    let (name, ct, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    Ok(Json(
        ops::upload_document(
            &state,
            &user.tenant,
            &id,
            ops::Upload { kind: kind.trim().to_owned(), filename: name, content_type: ct, bytes: bytes.to_vec() },
            user.user.id.clone(),
        )
        .await?,
    ))
}

/// Downloads a stored document.
#[utoipa::path(get, path = "/v1/documents/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn document(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (content_type, bytes) = read::document(&state, &user, id).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// Issues (or re-issues, for lost credentials) the Confirmation of Entry: a new secret number,
/// the PDF (returned), and an email with the PDF to the candidate.
#[utoipa::path(post, path = "/v1/entries/{id}/coe", tag = "centre", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 409, body = ErrorBody)))]
pub async fn issue_coe(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let coe = ops::issue_coe(&state, &user.tenant, &id, user.user.id.clone()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::HeaderName::from_static("x-candidate-id-number"), coe.id_number),
        ],
        coe.pdf,
    )
        .into_response())
}

/// Issues the Confirmation of Entry of every confirmed entry of the session that has none yet
/// (each emailed with its PDF, as one by one); entries without an email address are listed for
/// issuing one by one. The secret numbers are hashed on every core the hasher may use.
#[utoipa::path(post, path = "/v1/sessions/{id}/coe", tag = "centre", params(("id" = String, Path)),
    responses((status = 200, body = ops::BulkCoe), (status = 404, body = ErrorBody)))]
pub async fn issue_session_coes(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ops::BulkCoe>> {
    user.require(STAFF)?;
    Ok(Json(ops::issue_session_coes(&state, &user.tenant, &id, user.user.id.clone()).await?))
}

/// Confirmed entries of upcoming sessions without a Confirmation of Entry, from the day the
/// deadlines policy gives (R-COE-MISSING: 10 days before the first component by default): the
/// centre contacts them.
#[utoipa::path(get, path = "/v1/coe/missing", tag = "centre", responses((status = 200, body = Vec<ops::CoeMissing>)))]
pub async fn coe_missing(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ops::CoeMissing>>> {
    user.require(STAFF)?;
    Ok(Json(ops::coe_missing(&state, &user.tenant).await?))
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
        Err(refused) => Ok(line_errors(refused)),
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

fn line_errors(refused: ops::RefusedFile) -> Response {
    let message = format!("the file was not imported: {} error(s); nothing was changed", refused.total());
    let body = RefusedResultsBody {
        error: RefusedResults { code: "invalid_results_file", message, more: refused.more, lines: refused.errors },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// The speaking-test groups of a session: pairs, one trio when the number is odd (R-SPEAKING-PAIRS).
#[utoipa::path(get, path = "/v1/sessions/{id}/speaking-pairs", tag = "centre", params(("id" = String, Path)), responses((status = 200)))]
pub async fn speaking_pairs(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Vec<(String, String)>>>> {
    user.require(STAFF)?;
    Ok(Json(read::speaking_groups(&state, user.tenant_id(), id).await?))
}

/// Asks the refund policy about a request; staff confirm its decision before paying.
#[utoipa::path(post, path = "/v1/entries/{id}/refunds", tag = "centre", request_body = RefundInput, params(("id" = String, Path)),
    responses((status = 201), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_refund(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<RefundInput>,
) -> AppResult<(StatusCode, Json<ops::RefundView>)> {
    user.require(STAFF)?;
    Ok((StatusCode::CREATED, Json(ops::request_refund(&state, &user.tenant, &id, input, user.user.id.clone()).await?)))
}

/// Moves a refund request on: `confirm` the decision, record the `payout`, or `reject` it.
#[utoipa::path(post, path = "/v1/refunds/{id}/{step}", tag = "centre", params(("id" = String, Path), ("step" = String, Path)),
    responses((status = 204), (status = 409, body = ErrorBody)))]
pub async fn refund_step(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, step)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    user.require(STAFF)?;
    ops::advance_refund(&state, &user.tenant, &id, &step, user.user.id.clone()).await?;
    Ok(StatusCode::NO_CONTENT)
}
