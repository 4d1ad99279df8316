//! Payments of an entry's fee, the transfers flagged for staff and the centre's bank account
//! (R-PAYMENT-TITLE).

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::centre::{self as ops, BankAccountInput, PaymentInput};

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

/// The centre's bank transfers whose title or amount did not match what the entry email asked
/// for (R-PAYMENT-TITLE), newest first, with the candidate's name: stored, flagged for staff.
#[utoipa::path(get, path = "/v1/payments/flagged", tag = "centre", responses((status = 200, body = Vec<ops::FlaggedPayment>)))]
pub async fn flagged_payments(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ops::FlaggedPayment>>> {
    user.require(STAFF)?;
    Ok(Json(ops::flagged_payments(&state, &user.tenant).await?))
}

/// The centre's bank account for transfers (R-PAYMENT-TITLE); `null` until it is set.
#[utoipa::path(get, path = "/v1/centre/bank-account", tag = "centre", responses((status = 200, body = Option<ops::BankAccountView>)))]
pub async fn bank_account(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Option<ops::BankAccountView>>> {
    user.require(STAFF)?;
    Ok(Json(ops::bank_account(&state, user.tenant_id()).await?))
}

/// Sets the centre's bank account (centre managers): the entry-received email gives it with the
/// amount due and the transfer title (R-PAYMENT-TITLE). A bad IBAN is refused by field.
#[utoipa::path(put, path = "/v1/centre/bank-account", tag = "centre", request_body = BankAccountInput,
    responses((status = 200, body = ops::BankAccountView), (status = 400, body = ErrorBody)))]
pub async fn set_bank_account(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(input): Json<BankAccountInput>,
) -> AppResult<Json<ops::BankAccountView>> {
    Ok(Json(ops::set_bank_account(&state, &user, input).await?))
}
