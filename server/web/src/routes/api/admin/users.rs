//! The users of the caller's tenant, for its managers.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::users::{self, Me};

/// The users of the caller's tenant (managers only).
#[utoipa::path(get, path = "/v1/users", tag = "users", responses((status = 200, body = [Me]), (status = 404, body = ErrorBody)))]
pub async fn users(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<Me>>> {
    Ok(Json(users::list(&state, &user).await?))
}

/// One user of the caller's tenant (managers only).
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = Me), (status = 404, body = ErrorBody)))]
pub async fn user(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Me>> {
    Ok(Json(users::get(&state, &user, id).await?))
}
