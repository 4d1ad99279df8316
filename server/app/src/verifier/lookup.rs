//! Candidate Search: one result by its Statement of Results number and the candidate's date of
//! birth (R-SOR-LOOKUP).

use super::detail::{ResultDetail, detail_of};
use super::{Verifier, date};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tessera_domain::ErrorCode;

/// Lookups allowed per user, per organisation and per client address (R-SOR-LOOKUP): each
/// lookup is a guess at two secrets, so the budgets are small.
pub const LOOKUPS_PER_USER: crate::rate::Budget =
    crate::rate::Budget { max: 10, window: chrono::Duration::minutes(10) };

/// Per organisation.
pub const LOOKUPS_PER_ORG: crate::rate::Budget = crate::rate::Budget { max: 100, window: chrono::Duration::hours(1) };

/// Per client address.
pub const LOOKUPS_PER_ADDRESS: crate::rate::Budget =
    crate::rate::Budget { max: 30, window: chrono::Duration::hours(1) };

/// Candidate Search (R-SOR-LOOKUP): the result whose Statement of Results number AND the
/// candidate's date of birth both match. Throttled; every lookup, found or not, is audited.
pub async fn sor_lookup(
    state: &AppState,
    v: &Verifier,
    address: std::net::IpAddr,
    sor_number: &str,
    date_of_birth: &str,
) -> AppResult<ResultDetail> {
    let sor = sor_number.trim().to_owned();
    if sor.is_empty() || sor.len() > 64 {
        return Err(AppError::at(ErrorCode::Required, "sor_number"));
    }
    let dob = date("date_of_birth", &Some(date_of_birth.to_owned()))?
        .ok_or_else(|| AppError::at(ErrorCode::Required, "date_of_birth"))?;
    state
        .rate
        .take(&[
            (format!("sor:user:{}:{}", v.tenant, v.actor_id), LOOKUPS_PER_USER),
            (format!("sor:org:{}", v.tenant), LOOKUPS_PER_ORG),
            (format!("sor:addr:{address}"), LOOKUPS_PER_ADDRESS),
        ])
        .await?
        .map_err(AppError::too_many)?;
    let (tenant, actor, now, sor2) = (v.tenant, v.actor_id.clone(), state.clock.now(), sor.clone());
    let addr = address.to_string();
    let found = state
        .db
        .call(move |c| {
            let found = tessera_storage::repo::verifier::sor_lookup(c, &sor2, dob, now)?;
            let centre_name = match &found {
                Some((centre, _)) => Some(tessera_storage::repo::tenants::by_id(c, *centre)?.name),
                None => None,
            };
            // The date of birth is not written to the log: the number and the outcome suffice.
            let ev = tessera_storage::repo::audit::AuditEvent {
                actor: Some(&actor),
                action: "verifier.sor_lookup",
                target: Some(&sor2),
                details: serde_json::json!({"found": found.is_some(), "address": addr}),
                request_id: None,
            };
            tessera_storage::repo::audit::append(c, tenant, &ev, now)?;
            if let Some((centre, _)) = &found {
                let ev = tessera_storage::repo::audit::AuditEvent {
                    actor: None,
                    action: "result.looked_up_by_verifier",
                    target: Some(&sor2),
                    details: serde_json::json!({"verifier": tenant.to_string()}),
                    request_id: None,
                };
                tessera_storage::repo::audit::append(c, *centre, &ev, now)?;
            }
            Ok(found.zip(centre_name))
        })
        .await?;
    match found {
        Some(((_, sheet), centre_name)) => Ok(detail_of(String::new(), centre_name, sheet)),
        None => Err(AppError::new(ErrorCode::LookupNoMatch)),
    }
}
