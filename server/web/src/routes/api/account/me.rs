//! The signed-in user.

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::routes::api::ApiUser;
use tessera_app::users::Me;

/// The signed-in user.
#[utoipa::path(get, path = "/v1/me", tag = "users", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(user): ApiUser) -> AppResult<Json<Me>> {
    Ok(Json(Me::of(&user)?))
}
