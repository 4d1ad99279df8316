//! An entry's page.

use super::entry_page;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;

/// `GET /centre/entries/{id}`.
pub(crate) async fn entry(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    entry_page(&state, user, jar, id, StatusCode::OK, context! {}).await
}
