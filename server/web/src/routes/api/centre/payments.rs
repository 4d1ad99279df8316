//! Payments of an entry's fee.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::centre::{self as ops, PaymentInput};

/// Records a payment (cash, card, bank transfer with its title); the entry's status is recomputed.
#[utoipa::path(post, path = "/v1/entries/{id}/payments", tag = "centre", request_body = PaymentInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody)))]
pub async fn add_payment(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<PaymentInput>,
) -> AppResult<Json<ops::EntryStatus>> {
    user.require(STAFF)?;
    Ok(Json(ops::record_payment(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}
