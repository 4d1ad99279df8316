//! Recording a payment against an entry.

use super::status::{EntryStatus, entry_status_in};
use super::{date, field, today};
use crate::error::AppError;
use crate::policy::write_with_decisions;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::money::check_amount;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// A payment as staff record it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PaymentInput {
    #[schema(example = 81000)]
    pub amount_minor: i64,
    /// `cash`, `card` or `bank_transfer`.
    #[schema(example = "card")]
    pub method: String,
    /// For bank transfers: the title, expected "<full name>, <exam short name>" (R-PL-ENTRY-COMPLETE).
    pub transfer_title: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub received_on: Option<String>,
}

/// Records a payment and recomputes the entry's status, in one transaction: when the status
/// decision fails, the payment is not stored either.
pub async fn record_payment(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: PaymentInput,
    actor: String,
) -> Result<EntryStatus, AppError> {
    let amount = check_amount("amount_minor", input.amount_minor)?;
    if !matches!(input.method.as_str(), "cash" | "card" | "bank_transfer") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "method")
            .arg("value", &input.method)
            .arg("choices", "cash, card, bank_transfer"));
    }
    let title = input.transfer_title.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if input.method == "bank_transfer" && title.is_none() {
        return Err(AppError::at(ErrorCode::TransferTitleRequired, "transfer_title"));
    }
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(field("transfer_title", "must be at most 200 characters"));
    }
    let now = state.clock.now();
    let received = match &input.received_on {
        Some(d) if !d.trim().is_empty() => date("received_on", d)?,
        _ => today(tenant, now),
    };
    let (t, eid) = (tenant.clone(), entry_id.to_owned());
    write_with_decisions(state, tenant.id, Some(actor.clone()), move |c, decider| {
        let tid = t.id;
        let entry = centre::entry(c, tid, &eid)?;
        workflows::add_payment(
            c,
            &workflows::Payment {
                tenant_id: tid.to_string(),
                id: uuid::Uuid::new_v4().to_string(),
                entry_id: entry.id.clone(),
                amount_minor: amount,
                currency: entry.currency,
                method: input.method,
                transfer_title: title,
                received_on: received,
                recorded_by: actor.clone(),
                created_at: now.naive_utc(),
            },
        )?;
        let ev = AuditEvent {
            actor: Some(&actor),
            action: "entry.payment",
            target: Some(&eid),
            details: json!({"amount_minor": amount}),
            request_id: None,
        };
        audit::append(c, tid, &ev, now)?;
        entry_status_in(c, decider, &t, &eid)
    })
    .await
}
