//! The OpenAPI document, generated from the `#[utoipa::path]` annotations of the API handlers.

/// The whole document, as served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::routes::api::api().1
}
