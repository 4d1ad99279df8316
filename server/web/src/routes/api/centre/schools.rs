//! Schools (R-SCHOOL-ENTRY), the centre's side: the schools' link requests and their decision.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::schools::{self, SchoolLinkView};
use tessera_domain::{ErrorCode, Role};

/// The schools' links with the centre, pending first.
#[utoipa::path(get, path = "/v1/school-links", tag = "schools", responses((status = 200, body = [SchoolLinkView])))]
pub async fn links(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<SchoolLinkView>>> {
    user.require(STAFF)?;
    Ok(Json(schools::links_of_centre(&state, &user.tenant).await?))
}

/// Approves or refuses a school's pending link (`decision` = `approve` or `refuse`; centre
/// managers).
#[utoipa::path(post, path = "/v1/school-links/{id}/{decision}", tag = "schools",
    params(("id" = String, Path), ("decision" = String, Path)),
    responses((status = 200, body = SchoolLinkView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, decision)): Path<(String, String)>,
) -> AppResult<Json<SchoolLinkView>> {
    user.require(&[Role::CentreManager])?;
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(crate::error::HttpError::at(ErrorCode::NotFound, "decision")),
    };
    Ok(Json(schools::decide_link(&state, &user.tenant, &id, approve, user.user.id.clone()).await?))
}
