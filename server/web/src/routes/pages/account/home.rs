//! The way home. Each role's home page is in its area (`admin`, `centre`, `verifier`,
//! `candidate`); a page for another role is a 404, like anything else one may not see.

use crate::auth::CurrentUser;
use axum::response::{IntoResponse, Redirect, Response};

/// `GET /home`: to the signed-in user's own home.
pub(crate) async fn home(user: CurrentUser) -> Response {
    Redirect::to(user.role.home_path()).into_response()
}
