//! Correcting a misspelt name (R-NAME-SPELLING).

use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_storage::repo::after_exam as store;
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// A name correction request (R-NAME-SPELLING).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NameCorrectionInput {
    pub first_name: String,
    pub family_name: String,
}

/// What a name correction costs or why it was refused.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NameCorrection {
    pub corrected: bool,
    pub fee_applies: bool,
    pub message: String,
}

/// Corrects a misspelt name: free before certificates are printed, with a fee after, and
/// refused 2 years or more after the certificate was issued, when a Certifying Statement is
/// offered instead (R-NAME-SPELLING).
pub async fn correct_name(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: NameCorrectionInput,
    actor: String,
) -> Result<NameCorrection, AppError> {
    let first = tessera_domain::tenant::parse_name("first_name", &input.first_name)?;
    let family = tessera_domain::tenant::parse_name("family_name", &input.family_name)?;
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (entry, cert) =
        state.db.call(move |c| Ok((centre::entry(c, tid, &eid)?, store::certificate(c, tid, &eid).ok()))).await?;
    let day = today(tenant, state.clock.now());
    let (fee, message) = match &cert {
        Some(c) if day >= c.arrived_on.with_year(c.arrived_on.year() + 2).unwrap_or(c.arrived_on) => {
            return Ok(NameCorrection {
                corrected: false,
                fee_applies: false,
                message: "the certificate was issued 2 years ago or more: the name cannot be corrected; a Certifying Statement is offered instead (R-NAME-SPELLING)".into(),
            });
        }
        Some(_) => (true, "the certificate is printed already: the correction costs a fee (R-NAME-SPELLING)"),
        None => (false, "corrected before certificates are printed: no fee (R-NAME-SPELLING)"),
    };
    let cand_id = entry.candidate_id.clone();
    state.db.call(move |c| workflows::rename_candidate(c, tid, &cand_id, &first, &family)).await?;
    audit_event(state, tid, Some(actor), "candidate.name_correction", Some(entry.candidate_id), json!({"fee": fee}))
        .await?;
    Ok(NameCorrection { corrected: true, fee_applies: fee, message: message.into() })
}
