//! Results enquiries: opening one and recording its outcome (R-ENQUIRY).

use super::{deadlines, entry_and_session};
use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::results::r_release;
use tessera_domain::results::{ResultExam, ResultLine, check_result_line};
use tessera_storage::StorageError;
use tessera_storage::repo::after_exam::{self as store, Enquiry};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, ImportedResult};

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
    };
    let stored = enquiry.clone();
    state.db.call(move |c| store::open_enquiry(c, &stored)).await?;
    audit_event(state, tid, Some(actor), "enquiry.open", Some(enquiry.id.clone()), json!({"stage": input.stage}))
        .await?;
    Ok(enquiry)
}

/// The outcome of an enquiry: the result after the re-check or re-mark.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EnquiryOutcomeInput {
    #[schema(example = 180)]
    pub overall_score: i32,
    #[schema(example = "A")]
    pub grade: String,
    #[schema(example = "C2")]
    pub cefr: String,
    /// Component scores by name (Speaking is not re-marked at Stage 2).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub components: std::collections::BTreeMap<String, i32>,
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
    let scale = tessera_domain::results::SCALE_RANGE;
    if !scale.contains(&input.overall_score) {
        return Err(AppError::at(ErrorCode::OutOfRange, "overall_score")
            .arg("min", scale.start())
            .arg("max", scale.end()));
    }
    let outcome = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let enquiry = store::enquiry(c, tid, &qid)?;
                if enquiry.status != "open" {
                    return Ok(None);
                }
                let current = workflows::result_versions(c, tid, &enquiry.entry_id)?
                    .into_iter()
                    .find(|r| r.is_current)
                    .ok_or(StorageError::NotFound)?;
                let mut components = Vec::new();
                let (old, comps) = centre::result(c, tid, &current.id)?;
                for comp in comps {
                    let score = if enquiry.stage == 2 && comp.component == "Speaking" {
                        comp.score
                    } else {
                        *input.components.get(&comp.component).unwrap_or(&comp.score)
                    };
                    components.push((comp.component, score));
                }
                // The outcome is a graded result of the exam like any imported line: its grade
                // and CEFR level are those its score gives (R-RESULT-CODES).
                let entry = centre::entry(c, tid, &enquiry.entry_id)?;
                let exam_code = centre::session(c, tid, &entry.session_id)?.exam_code;
                let exam = tessera_domain::exams::by_code(&exam_code).ok_or(StorageError::NotFound)?;
                let scale = ResultExam { exam_type: exam.exam_type, cefr: exam.cefr, components: exam.components };
                let texts: Vec<(String, String)> = exam
                    .components
                    .iter()
                    .map(|name| {
                        let score = components.iter().find(|(c, _)| c == name).map(|(_, s)| s.to_string());
                        ((*name).to_owned(), score.unwrap_or_default())
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
                let checked = check_result_line(&scale, &line).map_err(|errors| {
                    StorageError::Conflict(errors.into_iter().next().expect("a refusal names a rule"))
                })?;
                let direction = match input.overall_score.cmp(&old.overall_score.unwrap_or(input.overall_score)) {
                    std::cmp::Ordering::Greater => "higher",
                    std::cmp::Ordering::Less => "lower",
                    std::cmp::Ordering::Equal => "unchanged",
                };
                let grade_changed = old.grade != checked.grade;
                let row = ImportedResult {
                    candidate_number: String::new(),
                    status: checked.status.as_str().to_owned(),
                    overall_score: checked.overall_score,
                    grade: checked.grade,
                    cefr: checked.cefr,
                    components: checked.components,
                };
                workflows::add_result_version(c, tid, &enquiry.entry_id, &row, now, &mut String::new)?;
                store::complete_enquiry(c, tid, &qid, direction, grade_changed)?;
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
