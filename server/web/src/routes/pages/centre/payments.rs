//! Payments of an entry's fee.

use super::{STAFF, entry_page, money};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::{self as ops, PaymentInput};

csrf_form!(PaymentForm { amount: String, method: String, transfer_title: String });

/// `POST /centre/entries/{id}/payments`.
pub(crate) async fn add_payment(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<PaymentForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let result = match money("amount", &f.amount) {
        Ok(amount_minor) => {
            let input = PaymentInput {
                amount_minor,
                method: f.method,
                transfer_title: Some(f.transfer_title),
                received_on: None,
            };
            ops::record_payment(&state, &user.tenant, &id, input, user.user.id.clone()).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            entry_page(&state, user, jar, id, StatusCode::BAD_REQUEST, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
