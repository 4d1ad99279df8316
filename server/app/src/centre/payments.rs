//! Recording a payment against an entry.

use super::status::{EntryStatus, entry_status_in};
use super::{date, field, today};
use crate::error::AppError;
use crate::policy::write_with_decisions;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::money::{check_amount, total_minor};
use tessera_domain::payments::{PaymentFlag, PaymentMethod, r_payment_check, r_payment_title};
use tessera_domain::{ErrorCode, Labelled};
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
    /// For bank transfers: the title, expected "<full name>, <exam short name>" (R-PAYMENT-TITLE);
    /// a transfer whose title or amount does not match is stored but flagged for staff.
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
        workflows::lock_entry(c, tid, &eid)?;
        let entry = centre::entry(c, tid, &eid)?;
        // R-PAYMENT-TITLE: a bank transfer is checked against the title the entry email asked
        // for and against what was still due; a mismatch is stored, flagged for staff.
        let cand = centre::candidate(c, tid, &entry.candidate_id)?;
        let session = centre::session(c, tid, &entry.session_id)?;
        let expected = tessera_domain::exams::by_code(&session.exam_code)
            .map(|exam| r_payment_title(&cand.first_name, &cand.family_name, exam));
        let paid = total_minor(workflows::payments(c, tid, &eid)?.iter().map(|p| p.amount_minor))?;
        let due = (entry.fee_minor - paid).max(0);
        let method = PaymentMethod::from_code(&input.method).unwrap_or(PaymentMethod::Cash);
        let flags = r_payment_check(method, title.as_deref(), expected.as_deref().unwrap_or_default(), amount, due);
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
                expected_title: expected,
                amount_due_minor: Some(due),
                title_mismatch: flags.contains(&PaymentFlag::TitleMismatch),
                amount_mismatch: flags.contains(&PaymentFlag::AmountMismatch),
            },
        )?;
        let ev = AuditEvent {
            actor: Some(&actor),
            action: "entry.payment",
            target: Some(&eid),
            details: json!({"amount_minor": amount, "flags": flags.iter().map(|f| f.code()).collect::<Vec<_>>()}),
            request_id: None,
        };
        audit::append(c, tid, &ev, now)?;
        entry_status_in(c, decider, &t, &eid)
    })
    .await
}

/// A bank transfer flagged for staff (R-PAYMENT-TITLE), with the entry it pays for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlaggedPayment {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
    /// The exam's code.
    pub exam: String,
    /// The payment, with its flags and what it was checked against.
    #[schema(value_type = Object)]
    pub payment: crate::records::PaymentRecord,
}

/// R-PAYMENT-TITLE: the centre's bank transfers whose title or amount did not match, newest
/// first, for staff to look at.
pub async fn flagged_payments(state: &AppState, tenant: &Tenant) -> Result<Vec<FlaggedPayment>, AppError> {
    let tid = tenant.id;
    let rows = state
        .db
        .call(move |c| {
            let mut out = Vec::new();
            for p in workflows::flagged_payments(c, tid)? {
                let entry = centre::entry(c, tid, &p.entry_id)?;
                let cand = centre::candidate(c, tid, &entry.candidate_id)?;
                let session = centre::session(c, tid, &entry.session_id)?;
                out.push(FlaggedPayment {
                    entry: entry.id,
                    candidate_number: entry.candidate_number,
                    name: format!("{} {}", cand.first_name, cand.family_name),
                    exam: session.exam_code,
                    payment: p.into(),
                });
            }
            Ok(out)
        })
        .await?;
    Ok(rows)
}
