//! Exam day and after through the API (centre staff).

use super::ApiUser;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Multipart, Path};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tessera_app::after_exam::{
    self as ops, AttendanceInput, AttendanceOutcome, CaseInput, CollectionInput, EnquiryInput, EnquiryOutcomeInput,
    NameCorrection, NameCorrectionInput, ReplacementInput, TimetableChangeInput,
};
use tessera_app::centre::Upload;
use tessera_domain::{ErrorCode, Role};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

/// Records attendance at a component with the ID check (R-PL-ACCEPTED-ID, R-PHOTO-CONSENT).
#[utoipa::path(post, path = "/v1/entries/{id}/attendance", tag = "exam day", request_body = AttendanceInput, params(("id" = String, Path)),
    responses((status = 200, body = AttendanceOutcome), (status = 409, body = ErrorBody)))]
pub async fn attendance(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<AttendanceInput>,
) -> AppResult<Json<AttendanceOutcome>> {
    user.require(STAFF)?;
    Ok(Json(ops::record_attendance(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}

/// The form of an exam-day photo upload (`multipart/form-data`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the form for the OpenAPI document; the handler reads the part.
pub struct PhotoUpload {
    /// The photo: JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads the exam-day photo (multipart `file`, JPEG or PNG) where the photo policy requires it (R-PHOTO-DAY).
#[utoipa::path(post, path = "/v1/entries/{id}/photo", tag = "exam day", params(("id" = String, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"), responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn photo(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Json<Value>> {
    user.require(STAFF)?;
    let mut file = None;
    while let Some(part) = form.next_field().await? {
        if part.name() == Some("file") {
            let name = part.file_name().unwrap_or("photo").to_owned();
            let ct = part.content_type().unwrap_or("application/octet-stream").to_owned();
            file = Some((name, ct, part.bytes().await?));
        }
    }
    let (filename, content_type, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    let upload = Upload { kind: "exam_photo".into(), filename, content_type, bytes: bytes.to_vec() };
    let policy = ops::upload_exam_photo(&state, &user.tenant, &id, upload, user.user.id.clone()).await?;
    Ok(Json(json!({"stored": true, "visible_to_verifiers": policy.visible_to_verifiers})))
}

/// Opens a case: special consideration (before release), malpractice, conduct complaint, timetable change.
#[utoipa::path(post, path = "/v1/entries/{id}/cases", tag = "exam day", request_body = CaseInput, params(("id" = String, Path)),
    responses((status = 201), (status = 409, body = ErrorBody)))]
pub async fn open_case(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<CaseInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    user.require(STAFF)?;
    let case = ops::open_case(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(json!(case))))
}

/// Closes a case as `upheld` or `dismissed`; upheld malpractice withholds the result (R-MALPRACTICE).
#[utoipa::path(post, path = "/v1/cases/{id}/{decision}", tag = "exam day", params(("id" = String, Path), ("decision" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn close_case(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, decision)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    user.require(&[Role::CentreManager])?;
    let upheld = match decision.as_str() {
        "uphold" => true,
        "dismiss" => false,
        other => {
            return Err(HttpError::at(ErrorCode::InvalidChoice, "decision")
                .arg("value", other)
                .arg("choices", "uphold, dismiss"));
        }
    };
    Ok(Json(json!(ops::close_case(&state, &user.tenant, &id, upheld, user.user.id.clone()).await?)))
}

/// Opens a results enquiry, Stage 1 or Stage 2, inside the policy's window (R-ENQUIRY).
#[utoipa::path(post, path = "/v1/entries/{id}/enquiries", tag = "results", request_body = EnquiryInput, params(("id" = String, Path)),
    responses((status = 201), (status = 409, body = ErrorBody)))]
pub async fn open_enquiry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<EnquiryInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    user.require(STAFF)?;
    let e = ops::open_enquiry(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(json!(e))))
}

/// Completes an enquiry with its outcome: a new result version; the fee refunded when the grade changes.
#[utoipa::path(post, path = "/v1/enquiries/{id}/outcome", tag = "results", request_body = EnquiryOutcomeInput, params(("id" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn enquiry_outcome(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<EnquiryOutcomeInput>,
) -> AppResult<Json<Value>> {
    user.require(STAFF)?;
    Ok(Json(json!(ops::complete_enquiry(&state, &user.tenant, &id, input, user.user.id.clone()).await?)))
}

/// Records that the certificates of a session's passing candidates arrived, and emails them (R-CERT-ARRIVAL).
#[utoipa::path(post, path = "/v1/sessions/{id}/certificates", tag = "certificates", params(("id" = String, Path)), responses((status = 200)))]
pub async fn certificates_arrived(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    user.require(STAFF)?;
    Ok(Json(json!({"arrived": ops::certificates_arrived(&state, &user.tenant, &id, user.user.id.clone()).await?})))
}

/// Records a certificate's collection (R-CERT-COLLECTION).
#[utoipa::path(post, path = "/v1/entries/{id}/certificate/collection", tag = "certificates", request_body = CollectionInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn collect(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<CollectionInput>,
) -> AppResult<Json<Value>> {
    user.require(STAFF)?;
    Ok(Json(json!(ops::collect_certificate(&state, &user.tenant, &id, input, user.user.id.clone()).await?)))
}

/// Issues a replacement certificate when the rules allow (R-CERT-REPLACEMENT).
#[utoipa::path(post, path = "/v1/entries/{id}/certificate/replacement", tag = "certificates", request_body = ReplacementInput, params(("id" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn replace(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<ReplacementInput>,
) -> AppResult<Json<Value>> {
    user.require(STAFF)?;
    Ok(Json(json!(ops::replace_certificate(&state, &user.tenant, &id, input, user.user.id.clone()).await?)))
}

/// Corrects a misspelt name (R-NAME-SPELLING).
#[utoipa::path(post, path = "/v1/entries/{id}/name-correction", tag = "certificates", request_body = NameCorrectionInput, params(("id" = String, Path)),
    responses((status = 200, body = NameCorrection), (status = 400, body = ErrorBody)))]
pub async fn name_correction(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<NameCorrectionInput>,
) -> AppResult<Json<NameCorrection>> {
    user.require(STAFF)?;
    Ok(Json(ops::correct_name(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}

/// Moves a candidate's speaking test within the speaking window, free, for a documented reason;
/// written and listening dates never change (R-TIMETABLE-CHANGE).
#[utoipa::path(post, path = "/v1/entries/{id}/timetable-change", tag = "exam day", request_body = TimetableChangeInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn timetable_change(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<TimetableChangeInput>,
) -> AppResult<Json<Value>> {
    user.require(STAFF)?;
    let day = ops::change_speaking_day(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok(Json(json!({"speaking_day": day, "fee_minor": 0})))
}
