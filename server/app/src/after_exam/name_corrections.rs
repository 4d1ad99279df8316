//! Correcting a misspelt name (R-NAME-SPELLING).

use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::certificates::r_name_spelling;
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
    /// Whether the name was corrected.
    pub corrected: bool,
    /// Whether the correction costs a fee.
    pub fee_applies: bool,
    /// The terms applied: `free`, `with_fee` or `refused` (R-NAME-SPELLING).
    pub terms: &'static str,
    /// The terms in words, in the centre's language.
    pub message: String,
    /// Whether a Certifying Statement is offered instead (the correction is refused;
    /// `POST /v1/entries/{id}/certifying-statement` issues it).
    pub certifying_statement_offered: bool,
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
    let terms = r_name_spelling(cert.as_ref().map(|c| c.arrived_on), day);
    let outcome = NameCorrection {
        corrected: terms.corrects(),
        fee_applies: terms.fee_applies(),
        terms: terms.code(),
        message: state.templates.text(tenant.locale, &format!("notice.centre.name_{}", terms.code())),
        certifying_statement_offered: terms == tessera_domain::certificates::NameCorrectionTerms::Refused,
    };
    if !terms.corrects() {
        return Ok(outcome);
    }
    let fee = terms.fee_applies();
    let cand_id = entry.candidate_id.clone();
    let now = state.clock.now();
    state.db.call(move |c| workflows::rename_candidate(c, tid, &cand_id, &first, &family, now)).await?;
    audit_event(state, tid, Some(actor), "candidate.name_correction", Some(entry.candidate_id), json!({"fee": fee}))
        .await?;
    Ok(outcome)
}
