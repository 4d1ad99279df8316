//! Certificates: their arrival, collection, replacement, and the correction of a misspelt name.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::after_exam::{self as ops, CollectionInput, NameCorrection, NameCorrectionInput, ReplacementInput};
use tessera_app::records::CertificateRecord;

/// How many certificates arrived.
#[derive(serde::Serialize)]
pub struct Arrived {
    /// Certificates recorded as arrived.
    arrived: usize,
}

/// Records that the certificates of a session's passing candidates arrived, and emails them (R-CERT-ARRIVAL).
#[utoipa::path(post, path = "/v1/sessions/{id}/certificates", tag = "certificates", params(("id" = String, Path)), responses((status = 200)))]
pub async fn certificates_arrived(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Arrived>> {
    user.require(STAFF)?;
    Ok(Json(Arrived { arrived: ops::certificates_arrived(&state, &user.tenant, &id, user.user.id.clone()).await? }))
}

/// Records a certificate's collection (R-CERT-COLLECTION).
#[utoipa::path(post, path = "/v1/entries/{id}/certificate/collection", tag = "certificates", request_body = CollectionInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn collect(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<CollectionInput>,
) -> AppResult<Json<CertificateRecord>> {
    user.require(STAFF)?;
    Ok(Json(ops::collect_certificate(&state, &user.tenant, &id, input, user.user.id.clone()).await?.into()))
}

/// Issues a replacement certificate when the rules allow (R-CERT-REPLACEMENT).
#[utoipa::path(post, path = "/v1/entries/{id}/certificate/replacement", tag = "certificates", request_body = ReplacementInput, params(("id" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn replace(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<ReplacementInput>,
) -> AppResult<Json<CertificateRecord>> {
    user.require(STAFF)?;
    Ok(Json(ops::replace_certificate(&state, &user.tenant, &id, input, user.user.id.clone()).await?.into()))
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

/// Issues a Certifying Statement where a name correction is refused, 2 years or more after the
/// certificate (R-NAME-SPELLING); its fee is the charge due on the entry.
#[utoipa::path(post, path = "/v1/entries/{id}/certifying-statement", tag = "certificates", request_body = ops::CertifyingStatementInput, params(("id" = String, Path)),
    responses((status = 201, body = ops::CertifyingStatementView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn issue_certifying_statement(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<ops::CertifyingStatementInput>,
) -> AppResult<(axum::http::StatusCode, Json<ops::CertifyingStatementView>)> {
    user.require(STAFF)?;
    let issued = ops::issue_certifying_statement(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(issued)))
}

/// The entry's newest Certifying Statement, as a PDF in the centre's language.
#[utoipa::path(get, path = "/v1/entries/{id}/certifying-statement", tag = "certificates", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)))]
pub async fn certifying_statement(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<axum::response::Response> {
    user.require(STAFF)?;
    let (name, pdf) = ops::certifying_statement_pdf(&state, &user.tenant, &id).await?;
    Ok(crate::routes::api::pdf_response(&name, pdf))
}
