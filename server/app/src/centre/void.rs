//! Voiding an entry for an attempt to break the entry rules (R-HU-RULE-BREAKING, R-ENTRY-VOID).

use crate::error::AppError;
use crate::state::AppState;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::Labelled;
use tessera_domain::entries::{EntryStatus, r_hu_rule_breaking};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre;
use tessera_storage::repo::workflows;

/// Why staff void an entry.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"reason": "Sent another person's ID document"}))]
pub struct VoidInput {
    /// What the candidate did (at most 500 characters); kept with the entry and audited.
    pub reason: String,
}

/// Voids an entry for an attempt to break the entry rules (R-HU-RULE-BREAKING), in one
/// transaction: the entry becomes `voided` with the reason, an imported result stops being shown
/// and its credentials are revoked, its place is freed (R-ENTRY-VOID), the action is audited and
/// the candidate's email is queued. No refund is due: a refund request for it is refused.
pub async fn void_entry(
    state: &AppState,
    user: &crate::actor::Actor,
    entry_id: &str,
    input: VoidInput,
) -> Result<(), AppError> {
    user.require(&[tessera_domain::Role::CentreManager, tessera_domain::Role::CentreStaff])?;
    let (t, eid, by, now) = (user.tenant.clone(), entry_id.to_owned(), user.user.id.clone(), state.clock.now());
    let templates = state.templates.clone();
    let queued = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<bool, AppError> {
                let tid = t.id;
                workflows::lock_entry(c, tid, &eid)?;
                let entry = centre::entry(c, tid, &eid)?;
                let reason = r_hu_rule_breaking(&entry.status, &input.reason)?;
                let why =
                    format!("R-HU-RULE-BREAKING: {reason}; no result is issued and no fee refunded (R-ENTRY-VOID)");
                let reasons =
                    serde_json::to_string(&json!({"violations": [why], "warnings": []})).map_err(AppError::internal)?;
                workflows::set_entry_status(c, tid, &entry.id, EntryStatus::Voided.code(), &reasons, now)?;
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "entry.void",
                    target: Some(&entry.id),
                    details: json!({"reason": reason, "was": entry.status, "rule": "R-HU-RULE-BREAKING"}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                super::queue_entry_email(
                    c,
                    &templates,
                    &t,
                    &entry,
                    "email/entry_voided.txt",
                    format!("entry-voided:{}", entry.id),
                    context! { reason => reason },
                    now,
                )
            }))
        })
        .await??;
    if queued {
        state.jobs_wakeup.notify_one();
    }
    Ok(())
}
