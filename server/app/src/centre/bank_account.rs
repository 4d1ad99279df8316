//! The centre's bank account for entry fees paid by transfer (R-PAYMENT-TITLE): a setting of the
//! centre, given in the entry-received email with the amount and the required transfer title.

use crate::actor::Actor;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::payments::parse_iban;
use tessera_domain::{ErrorCode, Role, TenantId};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::workflows;

use crate::state::AppState;

/// The centre's bank account as staff type it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BankAccountInput {
    /// The IBAN (spaces allowed), e.g. `PL61 1090 1014 0000 0712 1981 2874`.
    #[schema(example = "PL61 1090 1014 0000 0712 1981 2874")]
    pub iban: String,
    /// Who holds the account, e.g. the centre's legal name.
    #[schema(example = "International House Katowice")]
    pub account_holder: String,
    /// The bank's name.
    #[schema(example = "Santander Bank Polska")]
    pub bank_name: String,
}

/// The centre's bank account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankAccountView {
    /// The IBAN, grouped by four.
    pub iban: String,
    pub account_holder: String,
    pub bank_name: String,
}

impl From<workflows::BankAccount> for BankAccountView {
    fn from(a: workflows::BankAccount) -> Self {
        Self { iban: a.iban, account_holder: a.account_holder, bank_name: a.bank_name }
    }
}

fn text(field: &str, value: &str) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::at(ErrorCode::Required, field));
    }
    if v.chars().count() > 120 || v.chars().any(char::is_control) {
        return Err(AppError::at(ErrorCode::Length, field).arg("min", 1).arg("max", 120));
    }
    Ok(v.to_owned())
}

/// The centre's bank account, if it has set one.
pub async fn bank_account(state: &AppState, tenant: TenantId) -> Result<Option<BankAccountView>, AppError> {
    Ok(state.db.call(move |c| workflows::bank_account(c, tenant)).await?.map(Into::into))
}

/// Sets the centre's bank account (a centre manager only; audited). Each field is checked and
/// named when refused; the IBAN's check digits must agree.
pub async fn set_bank_account(
    state: &AppState,
    user: &Actor,
    input: BankAccountInput,
) -> Result<BankAccountView, AppError> {
    user.require(&[Role::CentreManager])?;
    let iban = parse_iban("iban", &input.iban)?;
    let account_holder = text("account_holder", &input.account_holder)?;
    let bank_name = text("bank_name", &input.bank_name)?;
    let (tid, by, now) = (user.tenant_id(), user.user.id.clone(), state.clock.now());
    let row = workflows::BankAccount {
        tenant_id: tid.to_string(),
        iban,
        account_holder,
        bank_name,
        updated_by: by.clone(),
        updated_at: now.naive_utc(),
    };
    let stored = row.clone();
    state
        .db
        .call(move |c| {
            tessera_storage::atomically(c, |c| {
                workflows::set_bank_account(c, tid, &row)?;
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "centre.bank_account",
                    target: None,
                    details: json!({"iban": row.iban}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
        })
        .await?;
    Ok(stored.into())
}
