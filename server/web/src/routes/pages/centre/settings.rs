//! The centre's settings page: its address and help line (printed on its documents) and its bank
//! account for transfers (R-PAYMENT-TITLE).

use super::STAFF;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::{self as ops, BankAccountInput, CentreContactInput};

csrf_form!(BankAccountForm { iban: String, account_holder: String, bank_name: String });
csrf_form!(ContactForm { address: String, help_phone: String, help_email: String });

async fn settings_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let account = ops::bank_account(state, user.tenant_id()).await?;
    let contact = ops::contact(state, user.tenant_id()).await?;
    let manager = user.role == tessera_domain::Role::CentreManager;
    let centre = context! { name => user.tenant.name.clone(), slug => user.tenant.slug.clone() };
    render_user(
        state,
        jar,
        user,
        "centre_settings.html",
        status,
        context! { account => account, contact => contact, centre => centre, manager => manager, ..extra },
    )
}

/// `GET /centre/settings`: the centre's address, help line and bank account.
pub(crate) async fn settings(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    settings_page(&state, user, jar, StatusCode::OK, context! {}).await
}

/// `POST /centre/settings/bank-account`: sets it (centre managers); a bad field is named.
pub(crate) async fn save_bank_account(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(f): CsrfForm<BankAccountForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let input = BankAccountInput {
        iban: f.iban.clone(),
        account_holder: f.account_holder.clone(),
        bank_name: f.bank_name.clone(),
    };
    match ops::set_bank_account(&state, &user, input).await {
        Ok(_) => settings_page(&state, user, jar, StatusCode::OK, context! { saved => true }).await,
        Err(e) if e.is_refusal() => {
            let typed = context! { iban => f.iban, account_holder => f.account_holder, bank_name => f.bank_name };
            settings_page(&state, user, jar, e.status, context! { error => e.for_page(), typed => typed }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /centre/settings/contact`: sets the centre's address and help line (centre managers); a
/// bad field is named and nothing is stored.
pub(crate) async fn save_contact(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(f): CsrfForm<ContactForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let input = CentreContactInput {
        address: f.address.clone(),
        help_phone: f.help_phone.clone(),
        help_email: Some(f.help_email.clone()),
    };
    match ops::set_contact(&state, &user, input).await {
        Ok(_) => settings_page(&state, user, jar, StatusCode::OK, context! { contact_saved => true }).await,
        Err(e) if e.is_refusal() => {
            let typed = context! { address => f.address, help_phone => f.help_phone, help_email => f.help_email };
            settings_page(&state, user, jar, e.status, context! { error => e.for_page(), contact_typed => typed }).await
        }
        Err(e) => Err(e.into()),
    }
}
