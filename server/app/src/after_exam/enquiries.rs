//! Results enquiries: opening one and recording its outcome (R-ENQUIRY).

use super::{deadlines, entry_and_session};
use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::labels::{EnquiryOutcome, Labelled};
use tessera_domain::results::r_release;
use tessera_domain::results::{ResultLine, check_result_line};
use tessera_domain::{ErrorCode, TenantId};
use tessera_storage::repo::after_exam::{self as store, Enquiry};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, ImportedResult};
use tessera_storage::{DbConnection, StorageError};

/// A results enquiry as staff open it for a candidate (R-ENQUIRY).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EnquiryInput {
    /// 1 (clerical re-check) or 2 (re-mark; after a completed Stage 1).
    pub stage: i32,
    /// The enquiry fee in minor units.
    pub fee_minor: i64,
}

/// Opens a results enquiry: only for a released result, inside the enquiry window of the
/// deadlines policy (15 days in Poland), Stage 2 only after a completed Stage 1, one at a time.
pub async fn open_enquiry(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: EnquiryInput,
    actor: String,
) -> Result<Enquiry, AppError> {
    let tid = tenant.id;
    if !(1..=2).contains(&input.stage) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "stage").arg("value", input.stage).arg("choices", "1, 2"));
    }
    if input.fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "fee_minor"));
    }
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let now = state.clock.now();
    if !r_release(session.release_at.and_utc(), now) {
        return Err(AppError::new(ErrorCode::NotReleased));
    }
    let d = deadlines(state, tenant, &session, &actor).await?;
    let day = today(tenant, now);
    if let Some(end) = d.enquiry_window_end
        && day > end
    {
        return Err(AppError::new(ErrorCode::EnquiryWindowClosed).arg("date", end));
    }
    let eid = entry.id.clone();
    let (previous, results) = state
        .db
        .call(move |c| Ok((store::enquiries(c, tid, &eid)?, workflows::result_versions(c, tid, &eid)?)))
        .await?;
    if results.is_empty() {
        return Err(AppError::new(ErrorCode::NoResult));
    }
    if previous.iter().any(|e| e.status == "open") {
        return Err(AppError::new(ErrorCode::EnquiryOpen));
    }
    if input.stage == 2 && !previous.iter().any(|e| e.stage == 1 && e.status == "completed") {
        return Err(AppError::new(ErrorCode::StageOneFirst));
    }
    let enquiry = Enquiry {
        tenant_id: tid.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        entry_id: entry.id.clone(),
        stage: input.stage,
        fee_minor: input.fee_minor,
        currency: entry.currency.clone(),
        requested_on: day,
        status: "open".into(),
        outcome: None,
        fee_refunded: false,
        created_at: now.naive_utc(),
        completed_at: None,
    };
    let stored = enquiry.clone();
    state.db.call(move |c| store::open_enquiry(c, &stored)).await?;
    audit_event(state, tid, Some(actor), "enquiry.open", Some(enquiry.id.clone()), json!({"stage": input.stage}))
        .await?;
    Ok(enquiry)
}

/// The result after a re-check, a re-mark or an upheld appeal.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EnquiryOutcomeInput {
    #[schema(example = 180)]
    pub overall_score: i32,
    #[schema(example = "A")]
    pub grade: String,
    #[schema(example = "C2")]
    pub cefr: String,
    /// Component scores by name (Speaking is not re-marked at Stage 2); a component not named
    /// keeps its score.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub components: std::collections::BTreeMap<String, i32>,
}

impl EnquiryOutcomeInput {
    /// The overall score must be on the Cambridge English Scale before anything is read.
    pub(super) fn check_scale(&self) -> Result<(), AppError> {
        let scale = tessera_domain::results::SCALE_RANGE;
        if !scale.contains(&self.overall_score) {
            return Err(AppError::at(ErrorCode::OutOfRange, "overall_score")
                .arg("min", scale.start())
                .arg("max", scale.end()));
        }
        Ok(())
    }
}

/// How a re-marked result compares with the one it replaces.
pub(super) struct Remarked {
    /// The overall score went up, down or stayed.
    pub(super) score: std::cmp::Ordering,
    /// The grade is not the one before.
    pub(super) grade_changed: bool,
}

/// Inside a transaction: stores the result after a re-check, a re-mark or an upheld appeal as
/// the entry's new result version (R-RESULT-VERSIONS; the versions it replaces lose their
/// credentials), checked like an imported line (R-RESULT-CODES): its grade and CEFR level are
/// those its score gives. Components not named keep the scores of the result it re-marks, the
/// latest graded version (the one before a `Withheld` version after malpractice), and
/// `keep_speaking` keeps Speaking's whatever is named (a Stage 2 re-mark excludes it). The
/// comparison is with that graded version too.
pub(super) fn remark(
    c: &mut DbConnection,
    tid: TenantId,
    entry_id: &str,
    input: &EnquiryOutcomeInput,
    keep_speaking: bool,
    now: DateTime<Utc>,
) -> Result<Remarked, StorageError> {
    let versions = workflows::result_versions(c, tid, entry_id)?;
    let old = versions.iter().find(|r| r.status == "graded").or(versions.first()).ok_or(StorageError::NotFound)?;
    let (old, comps) = centre::result(c, tid, &old.id)?;
    let components: Vec<(String, i32)> = comps
        .into_iter()
        .map(|comp| {
            let score = if keep_speaking && comp.component == "Speaking" {
                comp.score
            } else {
                *input.components.get(&comp.component).unwrap_or(&comp.score)
            };
            (comp.component, score)
        })
        .collect();
    let entry = centre::entry(c, tid, entry_id)?;
    let exam_code = centre::session(c, tid, &entry.session_id)?.exam_code;
    let exam = tessera_domain::exams::by_code(&exam_code).ok_or(StorageError::NotFound)?;
    let scale = exam.result_scale();
    let texts: Vec<(String, String)> = exam
        .components
        .iter()
        .map(|name| {
            let score = components
                .iter()
                .find(|(c, _)| c == name)
                .map(|(_, s)| *s)
                .or_else(|| input.components.get(*name).copied());
            ((*name).to_owned(), score.map(|s| s.to_string()).unwrap_or_default())
        })
        .collect();
    let pairs: Vec<(&str, &str)> = texts.iter().map(|(c, s)| (c.as_str(), s.as_str())).collect();
    let score = input.overall_score.to_string();
    let line = ResultLine {
        status: "graded",
        overall_score: &score,
        grade: &input.grade,
        cefr: &input.cefr,
        components: &pairs,
    };
    let checked = check_result_line(&scale, &line)
        .map_err(|errors| StorageError::Conflict(errors.into_iter().next().expect("a refusal names a rule")))?;
    let remarked = Remarked {
        score: input.overall_score.cmp(&old.overall_score.unwrap_or(input.overall_score)),
        grade_changed: old.grade != checked.grade,
    };
    let row = ImportedResult {
        candidate_number: String::new(),
        status: checked.status.as_str().to_owned(),
        overall_score: checked.overall_score,
        grade: checked.grade,
        cefr: checked.cefr,
        components: checked.components,
    };
    workflows::add_result_version(c, tid, entry_id, &row, now, &mut String::new)?;
    Ok(remarked)
}

/// Completes an enquiry: the outcome becomes a new result version (R-RESULT-VERSIONS), higher,
/// lower or unchanged, and the fee is refunded when the grade changes (R-ENQUIRY).
pub async fn complete_enquiry(
    state: &AppState,
    tenant: &Tenant,
    enquiry_id: &str,
    input: EnquiryOutcomeInput,
    actor: String,
) -> Result<Enquiry, AppError> {
    let (tid, qid, now) = (tenant.id, enquiry_id.to_owned(), state.clock.now());
    input.check_scale()?;
    let outcome = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let enquiry = store::enquiry(c, tid, &qid)?;
                if enquiry.status != "open" {
                    return Ok(None);
                }
                let remarked = remark(c, tid, &enquiry.entry_id, &input, enquiry.stage == 2, now)?;
                let direction = match remarked.score {
                    std::cmp::Ordering::Greater => EnquiryOutcome::Higher,
                    std::cmp::Ordering::Less => EnquiryOutcome::Lower,
                    std::cmp::Ordering::Equal => EnquiryOutcome::Unchanged,
                };
                store::complete_enquiry(c, tid, &qid, direction.code(), remarked.grade_changed, now)?;
                Ok(Some(store::enquiry(c, tid, &qid)?))
            })
        })
        .await?;
    let enquiry = outcome.ok_or_else(|| AppError::new(ErrorCode::EnquiryClosed))?;
    audit_event(
        state,
        tid,
        Some(actor),
        "enquiry.complete",
        Some(enquiry.id.clone()),
        json!({"outcome": enquiry.outcome, "fee_refunded": enquiry.fee_refunded}),
    )
    .await?;
    Ok(enquiry)
}
