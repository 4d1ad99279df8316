//! When the centre cannot run a session as announced (R-CENTRE-FAULT): staff mark the session,
//! its candidates are told, and each chooses another open session of the same exam (the entry
//! moves with its payments and documents: the only exception to R-NO-TRANSFER) or a full refund.

use super::RefundView;
use crate::error::AppError;
use crate::outbox::{EmailJob, email_job};
use crate::records::ExamSessionRecord;
use crate::state::AppState;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::entries::{
    MoveRequest, r_centre_fault_choice, r_centre_fault_reason, r_centre_fault_refund, r_entry_void_holds_place,
    r_no_transfer,
};
use tessera_domain::refunds::RefundStatus;
use tessera_domain::{ErrorCode, Labelled};
use tessera_plugin_sdk::kinds::{RefundDecision, RefundOutcome};
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre;
use tessera_storage::repo::centre_fault;
use tessera_storage::repo::jobs;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, EntryRefusal};

/// Why the centre cannot run a session as announced.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"reason": "The examiner is ill and no replacement is available"}))]
pub struct FaultInput {
    /// The reason (at most 500 characters), told to the candidates.
    pub reason: String,
}

/// What the centre's fault leaves an entry's candidate to choose (R-CENTRE-FAULT).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FaultOptions {
    /// Why the session cannot run as announced.
    pub reason: String,
    /// When it was marked (UTC).
    pub at: String,
    /// The sessions the entry may move to: other open sessions of the same exam at the centre.
    #[schema(value_type = Vec<Object>)]
    pub move_targets: Vec<ExamSessionRecord>,
}

/// Why and since when a session cannot run as announced (R-CENTRE-FAULT).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionFaultView {
    /// The reason staff gave.
    pub reason: String,
    /// When it was marked (UTC, RFC 3339).
    pub at: String,
}

/// The fault of session `session_id` of `tenant`, if it is marked (R-CENTRE-FAULT).
pub async fn session_fault(
    state: &AppState,
    tenant: tessera_domain::TenantId,
    session_id: &str,
) -> Result<Option<SessionFaultView>, AppError> {
    let sid = session_id.to_owned();
    let fault = state.db.call(move |c| centre_fault::fault(c, tenant, &sid)).await?;
    Ok(fault.map(|f| SessionFaultView { reason: f.reason, at: f.at.and_utc().to_rfc3339() }))
}

/// Marks a session as not runnable as announced (R-CENTRE-FAULT), audited, and emails each of its
/// candidates (entries still holding a place) that they choose another session or a full refund.
/// Returns how many candidates were emailed.
pub async fn mark_session_at_fault(
    state: &AppState,
    user: &crate::actor::Actor,
    session_id: &str,
    input: FaultInput,
) -> Result<usize, AppError> {
    user.require(&[tessera_domain::Role::CentreManager, tessera_domain::Role::CentreStaff])?;
    let (t, sid, by, now) = (user.tenant.clone(), session_id.to_owned(), user.user.id.clone(), state.clock.now());
    let templates = state.templates.clone();
    let emailed = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<usize, AppError> {
                let tid = t.id;
                let session = centre::session(c, tid, &sid)?;
                if session.status == "cancelled" {
                    return Err(AppError::new(ErrorCode::SessionCancelled));
                }
                let reason = r_centre_fault_reason(centre_fault::fault(c, tid, &sid)?.is_some(), &input.reason)?;
                centre_fault::set_fault(c, tid, &sid, &reason, now)?;
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "session.fault",
                    target: Some(&sid),
                    details: json!({"reason": reason, "rule": "R-CENTRE-FAULT"}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                let mut emailed = 0;
                for e in centre::session_entries(c, tid, &sid)? {
                    if !r_entry_void_holds_place(&e.status) {
                        continue;
                    }
                    let cand = centre::candidate(c, tid, &e.candidate_id)?;
                    let Some(to) = cand.email.clone() else { continue };
                    let (subject, body) = templates
                        .render_email(
                            "email/session_fault.txt",
                            t.locale,
                            context! { name => format!("{} {}", cand.first_name, cand.family_name), centre => t.name.clone(), exam => session.exam_code.clone(), date => session.written_date.to_string(), reason => reason.clone() },
                        )
                        .map_err(AppError::internal)?;
                    let job = email_job(
                        format!("session-fault:{}", e.id),
                        &EmailJob { to, subject, body, attachments: vec![] },
                        now,
                    )?;
                    jobs::enqueue(c, tid, &job, now)?;
                    emailed += 1;
                }
                Ok(emailed)
            }))
        })
        .await??;
    if emailed > 0 {
        state.jobs_wakeup.notify_one();
    }
    Ok(emailed)
}

/// What the candidate of an entry in a session at fault chooses.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"choice": "move", "session_id": "0b6c7c1e-6d8f-4a43-9b5e-2f1d3c4b5a69"}))]
pub struct FaultChoiceInput {
    /// `move` (to `session_id`) or `refund` (the whole fee paid).
    pub choice: String,
    /// For a move: another open session of the same exam at the centre.
    pub session_id: Option<String>,
}

/// What a choice did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FaultChoiceOutcome {
    /// `move` or `refund`.
    pub choice: String,
    /// The entry's session now.
    pub session_id: String,
    /// The entry's candidate number now (a new one in the new session).
    pub candidate_number: String,
    /// The refund request created, for `refund` (staff confirm and pay it).
    #[schema(value_type = Option<Object>)]
    pub refund: Option<RefundView>,
}

/// What the centre's fault leaves entry `entry_id` to choose, if its session is at fault and it
/// still holds its place (R-CENTRE-FAULT, R-ENTRY-VOID), inside the caller's database call.
pub(crate) fn fault_options_in(
    c: &mut tessera_storage::DbConnection,
    tid: tessera_domain::TenantId,
    eid: &str,
) -> Result<Option<FaultOptions>, StorageError> {
    let entry = centre::entry(c, tid, eid)?;
    if !r_entry_void_holds_place(&entry.status) {
        return Ok(None);
    }
    let Some(fault) = centre_fault::fault(c, tid, &entry.session_id)? else { return Ok(None) };
    let session = centre::session(c, tid, &entry.session_id)?;
    let move_targets = centre_fault::move_targets(c, tid, &session.exam_code, &session.id)?
        .into_iter()
        .map(ExamSessionRecord::from)
        .collect();
    Ok(Some(FaultOptions { reason: fault.reason, at: fault.at.and_utc().to_rfc3339(), move_targets }))
}

/// Records the choice of the candidate of entry `entry_id` after the centre's fault
/// (R-CENTRE-FAULT), made by the candidate (`candidate` is their id: only their own entry) or by
/// staff for them, in one transaction, audited:
/// - `move`: the entry moves to another open session of the same exam at the centre, keeping its
///   payments and documents, with the next candidate number of that session; its Confirmation of
///   Entry is to be issued again. Any other move is refused (R-NO-TRANSFER: `no_transfer`).
/// - `refund`: a refund request for the whole fee paid, decided at 100% (staff confirm it, which
///   cancels the entry, and pay it).
pub async fn choose_after_fault(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: FaultChoiceInput,
    actor: String,
    candidate: Option<String>,
) -> Result<FaultChoiceOutcome, AppError> {
    let (t, eid, now) = (tenant.clone(), entry_id.to_owned(), state.clock.now());
    state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<FaultChoiceOutcome, AppError> {
                let tid = t.id;
                workflows::lock_entry(c, tid, &eid)?;
                let entry = centre::entry(c, tid, &eid)?;
                if candidate.as_ref().is_some_and(|cid| *cid != entry.candidate_id) {
                    return Err(StorageError::NotFound.into());
                }
                let from = centre::session(c, tid, &entry.session_id)?;
                let fault = centre_fault::fault(c, tid, &from.id)?;
                match input.choice.as_str() {
                    "move" => {
                        let to_id = input.session_id.clone().unwrap_or_default();
                        let to = match centre::session(c, tid, &to_id) {
                            Ok(s) => Some(s),
                            Err(StorageError::NotFound) => None,
                            Err(e) => return Err(e.into()),
                        };
                        let to_open = match &to {
                            Some(s) => s.status == "open" && centre_fault::fault(c, tid, &s.id)?.is_none(),
                            None => false,
                        };
                        r_no_transfer(MoveRequest {
                            entry_status: &entry.status,
                            from_at_fault: fault.is_some(),
                            from_exam: &from.exam_code,
                            same_session: to_id == from.id,
                            to_exam: to.as_ref().map(|s| s.exam_code.as_str()).unwrap_or_default(),
                            to_open,
                        })?;
                        let number = match centre_fault::move_entry(c, tid, &entry.id, &from.id, &to_id)? {
                            Ok(n) => n,
                            Err(EntryRefusal::Full) => return Err(AppError::at(ErrorCode::SessionFull, "session_id")),
                            Err(EntryRefusal::NotOpen) => {
                                return Err(AppError::at(ErrorCode::FaultMoveTarget, "session_id"));
                            }
                        };
                        let ev = AuditEvent {
                            actor: Some(&actor),
                            action: "entry.move",
                            target: Some(&entry.id),
                            details: json!({"from": from.id, "to": to_id, "from_number": entry.candidate_number, "to_number": number, "rule": "R-CENTRE-FAULT"}),
                            request_id: None,
                        };
                        audit::append(c, tid, &ev, now)?;
                        Ok(FaultChoiceOutcome {
                            choice: "move".into(),
                            session_id: to_id,
                            candidate_number: number,
                            refund: None,
                        })
                    }
                    "refund" => {
                        if fault.is_none() {
                            return Err(AppError::at(ErrorCode::SessionNotAtFault, "choice"));
                        }
                        r_centre_fault_choice(&entry.status)?;
                        let (paid, refunded) = super::refunds::paid_and_refunded(c, tid, &eid)?;
                        let amount = r_centre_fault_refund(paid, refunded);
                        if amount == 0 {
                            return Err(AppError::new(ErrorCode::NothingPaid));
                        }
                        let decision = RefundDecision {
                            outcome: RefundOutcome::Approve,
                            basis_points: tessera_plugin_sdk::BasisPoints::FULL,
                            amount: super::sdk_money(amount, &entry.currency),
                            reasons: vec![tessera_plugin_sdk::Reason::rule(
                                "R-CENTRE-FAULT",
                                "the centre could not run the session as announced: the whole fee is refunded",
                            )],
                            pay_by: None,
                            cancel_entry: true,
                        };
                        // Not a policy's decision: R-CENTRE-FAULT fixes the whole fee everywhere.
                        let facts = json!({"reason": {"type": "centre_fault"}, "paid": {"amount_minor": amount, "currency": entry.currency}, "session": from.id});
                        let req = workflows::RefundRequest {
                            tenant_id: tid.to_string(),
                            id: uuid::Uuid::new_v4().to_string(),
                            entry_id: entry.id.clone(),
                            facts: facts.to_string(),
                            decision: serde_json::to_string(&decision).map_err(AppError::internal)?,
                            plugin: "R-CENTRE-FAULT".into(),
                            plugin_version: String::new(),
                            outcome: "approve".into(),
                            amount_minor: amount,
                            currency: entry.currency.clone(),
                            pay_by: None,
                            status: RefundStatus::Decided.code().into(),
                            confirmed_by: None,
                            paid_at: None,
                            created_at: now.naive_utc(),
                            // How it is paid out is recorded when staff pay it (R-PAYMENT-TITLE).
                            payout_method: None,
                            payout_account: None,
                            paid_method: None,
                            paid_on: None,
                        };
                        workflows::add_refund(c, &req)?;
                        let ev = AuditEvent {
                            actor: Some(&actor),
                            action: "refund.decided",
                            target: Some(&req.id),
                            details: json!({"entry": entry.id, "rule": "R-CENTRE-FAULT", "amount_minor": amount, "cancel_entry": true}),
                            request_id: None,
                        };
                        audit::append(c, tid, &ev, now)?;
                        Ok(FaultChoiceOutcome {
                            choice: "refund".into(),
                            session_id: entry.session_id.clone(),
                            candidate_number: entry.candidate_number.clone(),
                            refund: Some(RefundView::from(req)),
                        })
                    }
                    other => Err(AppError::at(ErrorCode::InvalidChoice, "choice")
                        .arg("value", tessera_domain::error::bounded(other))
                        .arg("choices", "move, refund")),
                }
            }))
        })
        .await?
}
