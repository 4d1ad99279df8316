//! An entry's documents and exam-day photo.

use super::{STAFF, entry_page};
use crate::auth::{CurrentUser, MaybeUser, check_csrf};
use crate::error::{AppResult, HttpError};
use crate::extract::{Multipart, Path};
use crate::state::SharedState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre as ops;
use tessera_domain::ErrorCode;

/// `POST /centre/entries/{id}/documents` (multipart: `csrf`, `kind`, `original` (`false` for a
/// scan, R-CONSENT-SCAN), `file`); the kind `exam_photo` is the exam-day photo.
pub(crate) async fn add_document(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let (mut csrf, mut kind, mut file, mut original) = (String::new(), String::new(), None, None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("kind") => kind = part.text().await?,
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
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    let (filename, content_type, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    let stored = match ops::original_flag(original.as_deref()) {
        Err(e) => Err(e),
        Ok(original) => {
            store(&state, &user, &id, ops::Upload { kind, filename, content_type, bytes: bytes.to_vec(), original })
                .await
        }
    };
    match stored {
        Ok(()) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn store(
    state: &SharedState,
    user: &CurrentUser,
    id: &str,
    upload: ops::Upload,
) -> Result<(), tessera_app::error::AppError> {
    if upload.kind == "exam_photo" {
        // The exam-day photo (R-PHOTO-DAY) goes through the photo policy, not the document list.
        tessera_app::after_exam::upload_exam_photo(state, &user.tenant, id, upload, user.user.id.clone())
            .await
            .map(|_| ())
    } else {
        ops::upload_document(state, &user.tenant, id, upload, user.user.id.clone()).await.map(|_| ())
    }
}
