//! The centre's postal address and help line, printed on its Confirmations of Entry and
//! Statements of Results.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::centre::{self as ops, CentreContactInput};

/// The centre's address and help line; `null` until its manager sets them.
#[utoipa::path(get, path = "/v1/centre/contact", tag = "centre", responses((status = 200, body = Option<ops::CentreContactView>)))]
pub async fn contact(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Option<ops::CentreContactView>>> {
    user.require(STAFF)?;
    Ok(Json(ops::contact(&state, user.tenant_id()).await?))
}

/// Sets the centre's address and help line (centre managers). A bad field is refused by name
/// and nothing is stored.
#[utoipa::path(put, path = "/v1/centre/contact", tag = "centre", request_body = CentreContactInput,
    responses((status = 200, body = ops::CentreContactView), (status = 400, body = ErrorBody)))]
pub async fn set_contact(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(input): Json<CentreContactInput>,
) -> AppResult<Json<ops::CentreContactView>> {
    Ok(Json(ops::set_contact(&state, &user, input).await?))
}
