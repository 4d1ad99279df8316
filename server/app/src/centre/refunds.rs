//! Refunds (section 10): asking the refund policy about a request and moving a request on.

use super::{date, field, opt_date, sdk_money, today};
use crate::error::AppError;
use crate::policy::write_with_decisions;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_domain::ErrorCode;
use tessera_domain::Labelled;
use tessera_domain::entries::EntryStatus as EntryState;
use tessera_domain::exam_day::r_device_deposit_refund_reason;
use tessera_domain::labels::RefundMethod;
use tessera_domain::money::total_minor;
use tessera_domain::payments::parse_iban;
use tessera_domain::refunds::{RefundStatus, RefundStep, one_open_refund, refundable_minor};
use tessera_plugin_sdk::kinds::{RefundDocument, RefundFacts, RefundReason};
use tessera_storage::DbConnection;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// A refund request with its reason and documents read from the facts it was decided on.
#[derive(Debug, Clone, Serialize)]
pub struct RefundView {
    #[serde(flatten)]
    pub request: crate::records::RefundRequestRecord,
    /// The reason's code, e.g. `illness`.
    pub reason: Option<String>,
    /// The documents provided, by code.
    pub documents: Vec<String>,
}

impl From<workflows::RefundRequest> for RefundView {
    fn from(request: workflows::RefundRequest) -> Self {
        let facts: Value = serde_json::from_str(&request.facts).unwrap_or_default();
        let reason = facts["reason"]["type"].as_str().map(str::to_owned);
        let documents = facts["documents"]
            .as_array()
            .map(|d| d.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Self { request: request.into(), reason, documents }
    }
}

/// A refund request as staff type it (section 10).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"reason": {"type": "withdrawal"}, "request_date": "2026-12-01"}))]
pub struct RefundInput {
    /// The reason, as the refund policy reads it, e.g. `{"type": "illness"}` or
    /// `{"type": "bereavement", "relation": "sibling"}`.
    #[schema(value_type = Object)]
    pub reason: Value,
    /// `YYYY-MM-DD`; default today.
    pub request_date: Option<String>,
    /// When the complete documents arrived, `YYYY-MM-DD`.
    pub documents_received_date: Option<String>,
    /// Documents provided, e.g. `["refund_request_form", "medical_certificate_on_centre_form"]`.
    #[serde(default)]
    pub documents: Vec<String>,
    /// How the candidate chose to be paid back: `bank_transfer` (to `payout_account`) or `cash`
    /// at the centre.
    #[schema(example = "bank_transfer")]
    pub payout_method: Option<String>,
    /// The account (IBAN) for a refund by bank transfer.
    #[schema(example = "PL61 1090 1014 0000 0712 1981 2874")]
    pub payout_account: Option<String>,
}

/// How a refund was paid, recorded with the `payout` step; both default (the method the candidate
/// chose, today).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PayoutInput {
    /// `bank_transfer` or `cash`; default the method the candidate chose.
    pub method: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub paid_on: Option<String>,
}

fn refund_method(field: &str, given: Option<&str>) -> Result<Option<RefundMethod>, AppError> {
    match given.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(None),
        Some(m) => RefundMethod::from_code(m).map(Some).ok_or_else(|| {
            AppError::at(ErrorCode::InvalidChoice, field).arg("value", m).arg("choices", "bank_transfer, cash")
        }),
    }
}

/// Asks the refund policy about a request for an entry and stores its decision for staff to
/// confirm; the decision records the plugin and version that made it. After a refusal to deposit
/// devices on the exam day, the policy is asked about a `refused_devices` request whatever the
/// reason given (R-DEVICE-DEPOSIT: no refund). One transaction: at most one request per entry is
/// open at a time, and what earlier refunds paid back is not offered again.
pub async fn request_refund(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: RefundInput,
    actor: String,
) -> Result<RefundView, AppError> {
    let now = state.clock.now();
    let reason: RefundReason = serde_json::from_value(input.reason.clone()).map_err(|e| {
        field(
            "reason",
            format!(
                "not a refund reason such as {{\"type\": \"illness\"}}: {}",
                tessera_domain::error::bounded(&e.to_string())
            ),
        )
    })?;
    let documents = input
        .documents
        .iter()
        .map(|d| {
            serde_json::from_value::<RefundDocument>(Value::String(d.clone())).map_err(|_| {
                field("documents", format!("{} is not a refund document", tessera_domain::error::quote(d)))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let request_date = match &input.request_date {
        Some(d) if !d.trim().is_empty() => date("request_date", d)?,
        _ => today(tenant, now),
    };
    let documents_received_date = opt_date("documents_received_date", &input.documents_received_date)?;
    // The refund is paid by the method the candidate chose: a transfer needs the account.
    let payout_method = refund_method("payout_method", input.payout_method.as_deref())?;
    let payout_account = match payout_method {
        Some(RefundMethod::BankTransfer) => match input.payout_account.as_deref().map(str::trim) {
            None | Some("") => return Err(AppError::at(ErrorCode::PayoutAccountRequired, "payout_account")),
            Some(a) => Some(parse_iban("payout_account", a)?),
        },
        _ => None,
    };
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let by = actor.clone();
    write_with_decisions(state, tid, Some(actor), move |c, decider| {
        workflows::lock_entry(c, tid, &eid)?;
        let entry = centre::entry(c, tid, &eid)?;
        // R-HU-RULE-BREAKING: a voided entry gets no refund.
        tessera_domain::entries::r_hu_rule_breaking_no_refund(&entry.status)?;
        let session = centre::session(c, tid, &entry.session_id)?;
        let (paid, refunded) = paid_and_refunded(c, tid, &eid)?;
        let refundable = refundable_minor(paid, refunded);
        if refundable == 0 {
            return Err(AppError::new(ErrorCode::NothingPaid));
        }
        // R-DEVICE-DEPOSIT: after a refusal on the exam day, the request is a `refused_devices` one.
        let refused = tessera_storage::repo::after_exam::devices_refused(c, tid, &eid)?;
        let facts = RefundFacts {
            reason: r_device_deposit_refund_reason(refused, reason),
            paid: sdk_money(refundable, &entry.currency),
            request_date,
            last_registration_day: session.registration_closes,
            written_exam_date: session.written_date,
            documents_received_date,
            documents,
        };
        let (decision, origin) = decider.decide_from(c, &facts)?;
        let outcome = serde_json::to_value(decision.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        // A policy never pays back more than is refundable, whatever its arithmetic.
        if decision.amount.amount_minor > refundable || decision.amount.amount_minor < 0 {
            return Err(AppError::internal(format!(
                "the refund policy offered {} of {refundable} refundable",
                decision.amount.amount_minor
            )));
        }
        let req = workflows::RefundRequest {
            tenant_id: tid.to_string(),
            id: uuid::Uuid::new_v4().to_string(),
            entry_id: entry.id.clone(),
            facts: serde_json::to_string(&facts).map_err(AppError::internal)?,
            decision: serde_json::to_string(&decision).map_err(AppError::internal)?,
            plugin: origin.plugin,
            plugin_version: origin.version,
            outcome,
            amount_minor: decision.amount.amount_minor,
            currency: decision.amount.currency.clone(),
            pay_by: decision.pay_by,
            status: RefundStatus::Decided.code().into(),
            confirmed_by: None,
            paid_at: None,
            created_at: now.naive_utc(),
            payout_method: payout_method.map(|m| m.code().to_owned()),
            payout_account,
            paid_method: None,
            paid_on: None,
        };
        workflows::add_refund(c, &req)?;
        let ev = AuditEvent {
            actor: Some(&by),
            action: "refund.decided",
            target: Some(&req.id),
            details: json!({"entry": entry.id, "plugin": req.plugin, "version": req.plugin_version, "basis_points": decision.basis_points, "amount_minor": decision.amount.amount_minor, "cancel_entry": decision.cancel_entry}),
            request_id: None,
        };
        audit::append(c, tid, &ev, now)?;
        Ok(req)
    })
    .await
    .map(RefundView::from)
}

/// Moves a refund request on: `confirm` the policy's decision, record the `payout` (how and when
/// it was paid: `payout`, by default the method the candidate chose, today), or `reject` it.
/// Confirming a decision that cancels the entry (R-HU-REFUND-MEDICAL, R-ENTRY-VOID) cancels it in
/// the same transaction: it gets no result from then on, its place is freed, and the candidate is
/// emailed.
pub async fn advance_refund(
    state: &AppState,
    tenant: &Tenant,
    refund_id: &str,
    step: &str,
    payout: PayoutInput,
    actor: String,
) -> Result<(), AppError> {
    let step = RefundStep::parse(step)?;
    let (from, to) = step.transition();
    let (t, rid, by, now) = (tenant.clone(), refund_id.to_owned(), actor.clone(), state.clock.now());
    let paid_method = refund_method("method", payout.method.as_deref())?;
    let paid_on = match &payout.paid_on {
        Some(d) if !d.trim().is_empty() => date("paid_on", d)?,
        _ => today(tenant, now),
    };
    let templates = state.templates.clone();
    let queued = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<bool, AppError> {
                let tid = t.id;
                let refund = workflows::refund(c, tid, &rid)?;
                let method = paid_method
                    .or_else(|| refund.payout_method.as_deref().and_then(RefundMethod::from_code))
                    .unwrap_or(RefundMethod::Cash);
                let paid = (step == RefundStep::Payout).then_some((method.code(), paid_on));
                if !workflows::advance_refund(c, tid, &rid, (from.code(), to.code()), &by, now, paid)? {
                    return Err(AppError::new(ErrorCode::RefundWrongState));
                }
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "refund.step",
                    target: Some(&rid),
                    details: json!({"to": to.code(), "paid": paid.map(|(m, d)| json!({"method": m, "on": d}))}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                if step != RefundStep::Confirm {
                    return Ok(false);
                }
                let decision: tessera_plugin_sdk::kinds::RefundDecision =
                    serde_json::from_str(&refund.decision).map_err(AppError::internal)?;
                if !decision.cancel_entry {
                    return Ok(false);
                }
                cancel_entry_for_refund(c, &templates, &t, &refund, &decision, &by, now)
            }))
        })
        .await??;
    if queued {
        state.jobs_wakeup.notify_one();
    }
    Ok(())
}

/// Cancels the entry of a confirmed refund whose decision says so, records why with the rules the
/// policy cited, and queues the candidate's email. True when an email was queued.
fn cancel_entry_for_refund(
    c: &mut DbConnection,
    templates: &crate::templates::Templates,
    tenant: &Tenant,
    refund: &workflows::RefundRequest,
    decision: &tessera_plugin_sdk::kinds::RefundDecision,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let tid = tenant.id;
    let entry = centre::entry(c, tid, &refund.entry_id)?;
    if !tessera_domain::entries::r_entry_void_holds_place(&entry.status) {
        return Ok(false);
    }
    let rules: Vec<String> = decision.reasons.iter().filter_map(|r| r.rule.clone()).collect();
    let why = format!(
        "{}: the entry was cancelled with the refund; no result is issued (R-ENTRY-VOID)",
        if rules.is_empty() { "refund".to_owned() } else { rules.join(", ") }
    );
    let reasons = serde_json::to_string(&json!({"violations": [why], "warnings": []})).map_err(AppError::internal)?;
    workflows::set_entry_status(c, tid, &entry.id, EntryState::Cancelled.code(), &reasons, now)?;
    let ev = AuditEvent {
        actor: Some(actor),
        action: "entry.cancel",
        target: Some(&entry.id),
        details: json!({"refund": refund.id, "rules": rules}),
        request_id: None,
    };
    audit::append(c, tid, &ev, now)?;
    let refund_text = tessera_domain::Currency::parse(&refund.currency)
        .ok()
        .map(|cur| tessera_domain::Money::new(refund.amount_minor, cur).in_locale(tenant.locale))
        .filter(|_| refund.amount_minor > 0);
    super::queue_entry_email(
        c,
        templates,
        tenant,
        &entry,
        "email/entry_cancelled.txt",
        format!("entry-cancelled:{}", entry.id),
        context! { refund => refund_text },
        now,
    )
}

/// What was paid for the entry `eid` and what paid refunds gave back, once it is known that no
/// other refund of it is open (at most one open refund per entry): what a new refund request is
/// measured against, whoever makes it.
pub(super) fn paid_and_refunded(
    c: &mut DbConnection,
    tid: tessera_domain::TenantId,
    eid: &str,
) -> Result<(i64, i64), AppError> {
    let earlier = workflows::refunds_for_entry(c, tid, eid)?;
    one_open_refund(earlier.iter().filter_map(|r| RefundStatus::from_code(&r.status)))?;
    let paid = total_minor(workflows::payments(c, tid, eid)?.iter().map(|p| p.amount_minor))?;
    let refunded =
        total_minor(earlier.iter().filter(|r| r.status == RefundStatus::Paid.code()).map(|r| r.amount_minor))?;
    Ok((paid, refunded))
}
