//! A centre's public pages (R-PUBLIC-CALENDAR) through the API: the calendar, the regulations and
//! the forms anyone may read; the regulations and forms its staff manage.

use super::STAFF;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Multipart, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tessera_app::centre::public_pages::{self as ops, CalendarSession, PublicFormView, RegulationsView};
use tessera_app::centre::read::public_centre;
use tessera_domain::ErrorCode;
use tessera_domain::public_pages::PublicFormKind;

/// The centre's session calendar (no account): upcoming open sessions with fees, deadlines and
/// places left (R-PUBLIC-CALENDAR).
#[utoipa::path(get, path = "/v1/public/{tenant}/calendar", tag = "public", params(("tenant" = String, Path)),
    responses((status = 200, body = [CalendarSession]), (status = 404, body = ErrorBody)))]
pub async fn calendar(
    State(state): State<SharedState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<CalendarSession>>> {
    let tenant = public_centre(&state, slug).await?;
    Ok(Json(ops::public_calendar(&state, &tenant).await?))
}

/// The centre's regulations (no account), accepted on the entry form (R-PUBLIC-CALENDAR); 404
/// while it has published none.
#[utoipa::path(get, path = "/v1/public/{tenant}/regulations", tag = "public", params(("tenant" = String, Path)),
    responses((status = 200, body = RegulationsView), (status = 404, body = ErrorBody)))]
pub async fn public_regulations(
    State(state): State<SharedState>,
    Path(slug): Path<String>,
) -> AppResult<Json<RegulationsView>> {
    let tenant = public_centre(&state, slug).await?;
    Ok(Json(
        ops::regulations(&state, tenant.id).await?.ok_or_else(|| HttpError::at(ErrorCode::NotFound, "regulations"))?,
    ))
}

/// The forms the centre publishes (no account).
#[utoipa::path(get, path = "/v1/public/{tenant}/forms", tag = "public", params(("tenant" = String, Path)),
    responses((status = 200, body = [PublicFormView]), (status = 404, body = ErrorBody)))]
pub async fn public_forms(
    State(state): State<SharedState>,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<PublicFormView>>> {
    let tenant = public_centre(&state, slug).await?;
    Ok(Json(ops::public_forms(&state, tenant.id).await?))
}

/// Downloads one of the centre's forms (no account): a PDF.
#[utoipa::path(get, path = "/v1/public/{tenant}/forms/{kind}", tag = "public", params(("tenant" = String, Path), ("kind" = String, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)))]
pub async fn public_form(
    State(state): State<SharedState>,
    Path((slug, kind)): Path<(String, String)>,
) -> AppResult<Response> {
    let tenant = public_centre(&state, slug).await?;
    let (filename, bytes) = ops::public_form_file(&state, tenant.id, kind).await?;
    Ok(crate::routes::pages::pdf_response(&filename, bytes))
}

/// The centre's regulations, as its staff edit them; 404 while there are none.
#[utoipa::path(get, path = "/v1/regulations", tag = "centre", responses((status = 200, body = RegulationsView), (status = 404, body = ErrorBody)))]
pub async fn regulations(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<RegulationsView>> {
    user.require(STAFF)?;
    Ok(Json(
        ops::regulations(&state, user.tenant_id())
            .await?
            .ok_or_else(|| HttpError::at(ErrorCode::NotFound, "regulations"))?,
    ))
}

/// New regulations text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegulationsInput {
    /// The whole text (at most 50,000 characters).
    pub body: String,
}

/// Replaces the centre's regulations (centre staff); the time of the change is the version public
/// entries accept from now on (R-PUBLIC-CALENDAR).
#[utoipa::path(put, path = "/v1/regulations", tag = "centre", request_body = RegulationsInput,
    responses((status = 200, body = RegulationsView), (status = 400, body = ErrorBody)))]
pub async fn set_regulations(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(input): Json<RegulationsInput>,
) -> AppResult<Json<RegulationsView>> {
    Ok(Json(ops::set_regulations(&state, &user, input.body).await?))
}

/// The forms the centre publishes, as its staff see them.
#[utoipa::path(get, path = "/v1/public-forms", tag = "centre", responses((status = 200, body = [PublicFormView])))]
pub async fn forms(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<PublicFormView>>> {
    user.require(STAFF)?;
    Ok(Json(ops::public_forms(&state, user.tenant_id()).await?))
}

/// The form of a form upload (`multipart/form-data`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes the form for the OpenAPI document; the handler reads the parts.
pub struct PublicFormUpload {
    /// The PDF, at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Publishes the form of kind `kind` (photo_consent, special_arrangements, medical_refund,
/// bereavement, withdrawal, collection_authorisation), replacing the one before: a PDF (checked by
/// its bytes), at most 5 MiB (R-PUBLIC-CALENDAR).
#[utoipa::path(put, path = "/v1/public-forms/{kind}", tag = "centre", params(("kind" = String, Path)),
    request_body(content = PublicFormUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PublicFormView), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn publish_form(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(kind): Path<String>,
    mut form: Multipart,
) -> AppResult<Json<PublicFormView>> {
    user.require(STAFF)?;
    // The kind names the resource: one that does not exist is not found, like a made-up id.
    if <PublicFormKind as tessera_domain::Labelled>::from_code(&kind).is_none() {
        return Err(HttpError::at(ErrorCode::NotFound, "kind"));
    }
    let mut file = None;
    while let Some(part) = form.next_field().await? {
        if part.name() == Some("file") {
            let name = part.file_name().unwrap_or("form.pdf").to_owned();
            let ct = part.content_type().unwrap_or("application/octet-stream").to_owned();
            file = Some((name, ct, part.bytes().await?));
        }
    }
    let (filename, content_type, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    let upload = tessera_app::centre::Upload { kind, filename, content_type, bytes: bytes.to_vec(), original: true };
    Ok(Json(ops::publish_form(&state, &user, upload).await?))
}
