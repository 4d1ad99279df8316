//! The data-file templates of bulk downloads.

use super::VerifierCaller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::bulk::{self, TemplateView};

/// The data-file templates: the default one (every field, id `default`) first, then the custom ones.
#[utoipa::path(get, path = "/v1/verifier/download-templates", tag = "verifier",
    responses((status = 200, body = [TemplateView]), (status = 404, body = ErrorBody)))]
pub async fn templates(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<TemplateView>>> {
    Ok(Json(bulk::templates(&state, &v).await?))
}

/// Saves a custom data-file template: chosen fields, their order and headers.
#[utoipa::path(post, path = "/v1/verifier/download-templates", tag = "verifier", request_body = TemplateView,
    responses((status = 201, body = TemplateView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_template(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Json(t): Json<TemplateView>,
) -> AppResult<(StatusCode, Json<TemplateView>)> {
    Ok((StatusCode::CREATED, Json(bulk::create_template(&state, &v, &t.name, t.fields).await?)))
}

/// Deletes a custom data-file template.
#[utoipa::path(delete, path = "/v1/verifier/download-templates/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_template(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    bulk::delete_template(&state, &v, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
