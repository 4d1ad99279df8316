//! Appeals (R-APPEAL): the centre lodges one for a candidate after a completed Stage 2 enquiry or
//! against an upheld malpractice decision, within its window of days from that decision, and
//! records the board's decision. An upheld appeal's result is a new result version, made the way
//! an enquiry's outcome is ([`super::enquiries`]), and the fee is refunded when the grade changed.

use super::enquiries::{EnquiryOutcomeInput, remark};
use crate::actor::Actor;
use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::appeals::{self as rule, AppealFacts, AppealOutcome, AppealStatus};
use tessera_domain::labels::Labelled;
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::after_exam::{self as store, Appeal};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::{centre, workflows};

/// An appeal as the centre lodges it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// `enquiry` (against a completed Stage 2 enquiry's outcome) or `malpractice` (against an
    /// upheld malpractice decision).
    #[schema(example = "enquiry")]
    pub ground: String,
    /// The centre's appeal fee in minor units.
    #[schema(example = 40000)]
    pub fee_minor: i64,
}

/// The board's decision on an appeal.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionInput {
    /// `upheld` or `dismissed`.
    #[schema(example = "upheld")]
    pub decision: String,
    /// The result after an upheld appeal (required then): a new result version, checked like an
    /// imported line. A dismissed appeal leaves the result as it is.
    pub result: Option<EnquiryOutcomeInput>,
}

/// An appeal, as the page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealRecord {
    pub id: String,
    pub entry_id: String,
    /// `enquiry` or `malpractice`.
    pub ground: String,
    pub fee_minor: i64,
    pub currency: String,
    pub lodged_on: chrono::NaiveDate,
    /// The last day it could be lodged (the centre's window from the decision appealed against).
    pub deadline: chrono::NaiveDate,
    /// `lodged`, `upheld` or `dismissed`.
    pub status: String,
    /// For an upheld appeal: `higher`, `lower` or `unchanged` (the overall score).
    pub outcome: Option<String>,
    /// The fee is refunded (upheld, and the grade changed).
    pub fee_refunded: bool,
    pub lodged_by: String,
    #[schema(value_type = String)]
    pub lodged_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<NaiveDateTime>,
}

impl From<Appeal> for AppealRecord {
    fn from(a: Appeal) -> Self {
        Self {
            id: a.id,
            entry_id: a.entry_id,
            ground: a.ground,
            fee_minor: a.fee_minor,
            currency: a.currency,
            lodged_on: a.lodged_on,
            deadline: a.deadline,
            status: a.status,
            outcome: a.outcome,
            fee_refunded: a.fee_refunded,
            lodged_by: a.lodged_by,
            lodged_at: a.lodged_at,
            decided_at: a.decided_at,
        }
    }
}

/// The centre's appeal terms.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealTerms {
    /// Days from the decision appealed against (a Stage 2 enquiry's outcome, an upheld
    /// malpractice decision) to the last day an appeal is accepted, 1 to 365; 30 until the centre
    /// sets its own.
    #[schema(example = 30)]
    pub window_days: i32,
}

/// The centre's appeal window in days: its own, else the default.
pub(crate) fn window_days(
    c: &mut tessera_storage::DbConnection,
    tid: tessera_domain::TenantId,
) -> Result<i32, tessera_storage::StorageError> {
    Ok(store::appeal_window(c, tid)?.unwrap_or(rule::DEFAULT_WINDOW_DAYS))
}

/// The centre's appeal terms.
pub async fn appeal_terms(state: &AppState, user: &Actor) -> Result<AppealTerms, AppError> {
    user.require(&[Role::CentreManager, Role::CentreStaff])?;
    let tid = user.tenant_id();
    Ok(AppealTerms { window_days: state.db.call(move |c| window_days(c, tid)).await? })
}

/// Sets the centre's appeal window (R-APPEAL: the deadline comes from the centre); managers only.
pub async fn set_appeal_terms(state: &AppState, user: &Actor, terms: AppealTerms) -> Result<AppealTerms, AppError> {
    user.require(&[Role::CentreManager])?;
    let days = rule::r_appeal_window(terms.window_days)?;
    let (tid, by, now) = (user.tenant_id(), user.user.id.clone(), state.clock.now());
    state.db.call(move |c| store::set_appeal_window(c, tid, days, &by, now)).await?;
    audit_event(state, tid, Some(user.user.id.clone()), "appeal.terms", None, json!({"window_days": days})).await?;
    Ok(AppealTerms { window_days: days })
}

/// Lodges an appeal for the candidate of an entry (R-APPEAL): against the outcome of a completed
/// Stage 2 enquiry or an upheld malpractice decision, within the centre's window from that
/// decision, one at a time. The centre's manager lodges it (HU 3.6: through the head of centre).
pub async fn lodge_appeal(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: AppealInput,
    actor: String,
) -> Result<Appeal, AppError> {
    let ground = rule::parse_ground(input.ground.trim())?;
    if input.fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "fee_minor"));
    }
    let (tid, eid, now) = (tenant.id, entry_id.to_owned(), state.clock.now());
    let day = today(tenant, now);
    let t = tenant.clone();
    let on_day = move |at: NaiveDateTime| today(&t, at.and_utc());
    let by = actor.clone();
    let appeal = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<Appeal, AppError> {
                workflows::lock_entry(c, tid, &eid)?;
                let entry = centre::entry(c, tid, &eid)?;
                let stage_two_completed_on = store::enquiries(c, tid, &eid)?
                    .into_iter()
                    .filter(|e| e.stage == 2 && e.status == "completed")
                    .map(|e| e.completed_at.map(&on_day).unwrap_or(e.requested_on))
                    .max();
                let malpractice_upheld_on = store::cases(c, tid, &eid)?
                    .into_iter()
                    .filter(|k| k.kind == "malpractice" && k.status == "upheld")
                    .filter_map(|k| k.closed_at.map(&on_day))
                    .max();
                let facts = AppealFacts {
                    ground,
                    stage_two_completed_on,
                    malpractice_upheld_on,
                    appeal_lodged: store::appeals(c, tid, &eid)?
                        .iter()
                        .any(|a| a.status == AppealStatus::Lodged.code()),
                    window_days: window_days(c, tid)?,
                    today: day,
                };
                let deadline = rule::r_appeal_lodge(&facts)?;
                let appeal = Appeal {
                    tenant_id: tid.to_string(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: entry.id,
                    ground: ground.code().to_owned(),
                    fee_minor: input.fee_minor,
                    currency: entry.currency,
                    lodged_on: day,
                    deadline,
                    status: AppealStatus::Lodged.code().to_owned(),
                    outcome: None,
                    fee_refunded: false,
                    lodged_by: by,
                    lodged_at: now.naive_utc(),
                    decided_by: None,
                    decided_at: None,
                };
                store::lodge_appeal(c, &appeal)?;
                Ok(appeal)
            }))
        })
        .await??;
    audit_event(
        state,
        tid,
        Some(actor),
        "appeal.lodge",
        Some(appeal.id.clone()),
        json!({"entry": appeal.entry_id, "ground": appeal.ground, "fee_minor": appeal.fee_minor, "deadline": appeal.deadline}),
    )
    .await?;
    Ok(appeal)
}

/// Records the board's decision on a lodged appeal. Upheld: the result after the appeal becomes
/// a new result version (higher, lower or unchanged), the earlier version's credentials are
/// revoked, and the fee is refunded when the grade changed. Dismissed: the result stands.
pub async fn decide_appeal(
    state: &AppState,
    tenant: &Tenant,
    appeal_id: &str,
    input: AppealDecisionInput,
    actor: String,
) -> Result<Appeal, AppError> {
    let decision = rule::parse_decision(input.decision.trim())?;
    let result = input.result;
    let (tid, aid, now, by) = (tenant.id, appeal_id.to_owned(), state.clock.now(), actor.clone());
    let appeal = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<Appeal, AppError> {
                // An appeal that is not the centre's is not found, whatever the body says.
                let appeal = store::appeal(c, tid, &aid)?;
                if appeal.status != AppealStatus::Lodged.code() {
                    return Err(AppError::new(ErrorCode::AppealDecided));
                }
                let result = match (decision, &result) {
                    (AppealStatus::Upheld, None) => return Err(AppError::at(ErrorCode::Required, "result")),
                    (AppealStatus::Upheld, Some(r)) => {
                        r.check_scale()?;
                        Some(r)
                    }
                    _ => None,
                };
                let (outcome, grade_changed) = match result {
                    Some(r) => {
                        let remarked = remark(c, tid, &appeal.entry_id, r, false, now)?;
                        let outcome = match remarked.score {
                            std::cmp::Ordering::Greater => AppealOutcome::Higher,
                            std::cmp::Ordering::Less => AppealOutcome::Lower,
                            std::cmp::Ordering::Equal => AppealOutcome::Unchanged,
                        };
                        (Some(outcome.code()), remarked.grade_changed)
                    }
                    None => (None, false),
                };
                let refunded = rule::r_appeal_fee_refunded(decision, grade_changed);
                if !store::decide_appeal(c, tid, &aid, (decision.code(), outcome, refunded), &by, now)? {
                    return Err(AppError::new(ErrorCode::AppealDecided));
                }
                Ok(store::appeal(c, tid, &aid)?)
            }))
        })
        .await??;
    audit_event(
        state,
        tid,
        Some(actor),
        "appeal.decide",
        Some(appeal.id.clone()),
        json!({"entry": appeal.entry_id, "status": appeal.status, "outcome": appeal.outcome, "fee_refunded": appeal.fee_refunded}),
    )
    .await?;
    Ok(appeal)
}
