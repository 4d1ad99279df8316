//! A session's speaking-test groups.

use super::STAFF;
use crate::error::AppResult;
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::centre::read;

/// The speaking-test groups of a session: pairs, one trio when the number is odd (R-SPEAKING-PAIRS).
#[utoipa::path(get, path = "/v1/sessions/{id}/speaking-pairs", tag = "centre", params(("id" = String, Path)), responses((status = 200)))]
pub async fn speaking_pairs(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Vec<(String, String)>>>> {
    user.require(STAFF)?;
    Ok(Json(read::speaking_groups(&state, user.tenant_id(), id).await?))
}
