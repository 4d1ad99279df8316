//! The exam-day photo.

use super::STAFF;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Multipart, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::after_exam as ops;
use tessera_app::centre::Upload;
use tessera_domain::ErrorCode;

/// The form of an exam-day photo upload (`multipart/form-data`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the form for the OpenAPI document; the handler reads the part.
pub struct PhotoUpload {
    /// The photo: JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A stored exam-day photo.
#[derive(serde::Serialize)]
pub struct PhotoStored {
    /// Always true.
    stored: bool,
    /// Whether verifiers the candidate shares with see it (the photo policy's answer).
    visible_to_verifiers: bool,
}

/// Uploads the exam-day photo (multipart `file`, JPEG or PNG) where the photo policy requires it (R-PHOTO-DAY).
#[utoipa::path(post, path = "/v1/entries/{id}/photo", tag = "exam day", params(("id" = String, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"), responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn photo(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Json<PhotoStored>> {
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
    let upload = Upload { kind: "exam_photo".into(), filename, content_type, bytes: bytes.to_vec(), original: true };
    let policy = ops::upload_exam_photo(&state, &user.tenant, &id, upload, user.user.id.clone()).await?;
    Ok(Json(PhotoStored { stored: true, visible_to_verifiers: policy.visible_to_verifiers }))
}
