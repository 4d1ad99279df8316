//! An entry's documents: uploaded, and downloaded again.

use super::STAFF;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Multipart, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tessera_app::centre as ops;
use tessera_app::centre::read;
use tessera_domain::ErrorCode;

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
    /// `true` (the default) for the signed original, `false` for a scan: a scanned photo
    /// consent counts until the first exam day, by which the original must arrive
    /// (R-CONSENT-SCAN).
    #[schema(example = "false")]
    original: Option<String>,
}

/// Uploads a document (multipart: `kind`, optionally `original` (`false` for a scan), then
/// `file`); PDF, JPEG or PNG, at most 5 MiB.
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
    let (mut kind, mut file, mut original) = (None, None, None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("kind") => kind = Some(part.text().await?),
            Some("original") => original = Some(part.text().await?),
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
    let original = ops::original_flag(original.as_deref())?;
    Ok(Json(
        ops::upload_document(
            &state,
            &user.tenant,
            &id,
            ops::Upload {
                kind: kind.trim().to_owned(),
                filename: name,
                content_type: ct,
                bytes: bytes.to_vec(),
                original,
            },
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

/// Upcoming sessions' entries whose photo consent arrived only as a scan (R-CONSENT-SCAN), with
/// names, per session (earliest first): the signed original must arrive by the first exam day,
/// from which the scan no longer counts (`overdue`).
#[utoipa::path(get, path = "/v1/consent/originals-missing", tag = "centre",
    responses((status = 200, body = Vec<ops::SessionOriginalsMissing>)))]
pub async fn consent_originals_missing(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ops::SessionOriginalsMissing>>> {
    user.require(STAFF)?;
    Ok(Json(ops::consent_originals_missing(&state, &user.tenant).await?))
}
