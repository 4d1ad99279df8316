//! A centre's entries: read, entered by staff or through the public entry form, changed, and
//! with everything staff need.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::centre::read::{self, EntryView};
use tessera_app::centre::{self as ops, EntryInput, EntryReceipt};

/// The entries of one session, by candidate number.
#[utoipa::path(get, path = "/v1/sessions/{id}/entries", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = [EntryView]), (status = 404, body = ErrorBody)))]
pub async fn session_entries(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<EntryView>>> {
    Ok(Json(read::session_entries(&state, &user, id).await?))
}

/// One entry of the centre.
#[utoipa::path(get, path = "/v1/entries/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<EntryView>> {
    Ok(Json(read::entry(&state, &user, id).await?))
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
