//! Revocation by hand: the centre revokes the credential of an entry's current result, with the
//! reason recorded and audited. (A newer result version and a cancelled entry revoke theirs in
//! storage, in the transaction that makes them.)

use super::issue;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::credentials as repo;
use tessera_storage::repo::tenants::Tenant;

/// The stored reason of a revocation by hand: this prefix, then the centre's words.
pub const BY_HAND: &str = "by_hand: ";

/// Longest reason kept.
pub const REASON_MAX: usize = 500;

/// Revokes the credential of the current result of `entry_id` (issuing it first if nobody has
/// asked for it yet, so that it can never be issued valid later). Returns how many credentials
/// were revoked (0: it was revoked already).
pub async fn revoke_by_hand(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    reason: &str,
    actor: String,
) -> Result<usize, AppError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "revocation_reason"));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(AppError::at(ErrorCode::TooLong, "revocation_reason").arg("max", REASON_MAX));
    }
    let (t, eid, wrap, url, now) = (
        tenant.clone(),
        entry_id.to_owned(),
        state.credential_keys.clone(),
        state.settings.public_url.clone(),
        state.clock.now(),
    );
    state
        .db
        .call(move |c| {
            // Another tenant's entry is not found here: every query is scoped by `t`.
            tessera_storage::repo::centre::entry(c, t.id, &eid)?;
            let issued = match issue::for_entry_in(c, &t, &eid, &wrap, &url, now) {
                Ok(Some(issued)) => issued,
                Ok(None) => return Ok(Err(AppError::at(ErrorCode::NoResult, "entry"))),
                Err(e) => return Ok(Err(e)),
            };
            tessera_storage::transaction(c, |c| {
                let stored = format!("{BY_HAND}{reason}");
                let changed = repo::revoke(c, t.id, &issued.id, &stored, now)?;
                if changed {
                    let ev = AuditEvent {
                        actor: Some(&actor),
                        action: "credential.revoke",
                        target: Some(&issued.id),
                        details: json!({"entry": eid, "reason": reason}),
                        request_id: None,
                    };
                    audit::append(c, t.id, &ev, now)?;
                }
                Ok(Ok(usize::from(changed)))
            })
        })
        .await?
}
