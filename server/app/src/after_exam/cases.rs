//! Cases: opening and closing special consideration, malpractice and complaint cases.

use super::{deadlines, entry_and_session};
use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::labels::{CaseKind, Labelled};
use tessera_domain::results::{ResultStatus, r_release, r_special_consideration_still_failed};
use tessera_storage::StorageError;
use tessera_storage::repo::after_exam::{self as store, Case};
use tessera_storage::repo::centre::ResultRow;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, ImportedResult};

/// A case as staff open it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CaseInput {
    /// `special_consideration`, `malpractice`, `conduct_complaint` or `timetable_change`.
    #[schema(example = "special_consideration")]
    pub kind: String,
    /// What happened.
    pub description: String,
}

/// Opens a case. A special-consideration case only before results are released
/// (R-SPECIAL-CONSIDERATION); a written conduct complaint within the deadlines policy's window
/// (R-CONDUCT-COMPLAINT).
pub async fn open_case(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: CaseInput,
    actor: String,
) -> Result<Case, AppError> {
    let tid = tenant.id;
    if !matches!(
        input.kind.as_str(),
        "special_consideration" | "malpractice" | "conduct_complaint" | "timetable_change"
    ) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "kind")
            .arg("value", &input.kind)
            .arg("choices", "special_consideration, malpractice, conduct_complaint, timetable_change"));
    }
    let description = tessera_domain::tenant::parse_name("description", &input.description)?;
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let now = state.clock.now();
    match input.kind.as_str() {
        "special_consideration" if r_release(session.release_at.and_utc(), now) => {
            return Err(AppError::new(ErrorCode::ResultsReleased));
        }
        "conduct_complaint" => {
            let d = deadlines(state, tenant, &session, &actor).await?;
            if today(tenant, now) > d.conduct_complaint {
                return Err(AppError::new(ErrorCode::TooLate)
                    .arg("deadline", d.conduct_complaint)
                    .arg("rule", "R-CONDUCT-COMPLAINT"));
            }
        }
        _ => {}
    }
    let case = Case {
        tenant_id: tid.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        entry_id: entry.id,
        kind: input.kind.clone(),
        description,
        status: "open".into(),
        opened_by: actor.clone(),
        opened_at: now.naive_utc(),
        closed_at: None,
    };
    let stored = case.clone();
    state.db.call(move |c| store::open_case(c, &stored)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "case.open",
        Some(case.id.clone()),
        json!({"kind": case.kind, "entry": case.entry_id}),
    )
    .await?;
    Ok(case)
}

/// Closes a case. An upheld malpractice case withholds the result (a new `Withheld` version)
/// and so the certificate (R-MALPRACTICE).
pub async fn close_case(
    state: &AppState,
    tenant: &Tenant,
    case_id: &str,
    upheld: bool,
    actor: String,
) -> Result<Case, AppError> {
    let (tid, cid, now) = (tenant.id, case_id.to_owned(), state.clock.now());
    let status = if upheld { "upheld" } else { "dismissed" };
    let case = state
        .db
        .call(move |c| {
            let case = store::case(c, tid, &cid)?;
            tessera_storage::transaction(c, |c| {
                if !store::close_case(c, tid, &cid, status, now)? {
                    return Ok(Err(case));
                }
                if upheld
                    && case.kind == "malpractice"
                    && !workflows::result_versions(c, tid, &case.entry_id)?.is_empty()
                {
                    let withheld = ImportedResult {
                        candidate_number: String::new(),
                        status: "Withheld".into(),
                        overall_score: None,
                        grade: None,
                        cefr: None,
                        components: vec![],
                    };
                    workflows::add_result_version(c, tid, &case.entry_id, &withheld, now, &mut String::new)?;
                }
                Ok::<_, StorageError>(Ok(store::case(c, tid, &cid)?))
            })
        })
        .await?;
    match case {
        Ok(case) => {
            audit_event(state, tid, Some(actor), "case.close", Some(case.id.clone()), json!({"status": status}))
                .await?;
            Ok(case)
        }
        Err(_) => Err(AppError::new(ErrorCode::CaseClosed)),
    }
}

/// Whether the entry with these cases had its special-consideration case upheld.
pub fn consideration_upheld(cases: &[Case]) -> bool {
    cases.iter().any(|c| c.kind == CaseKind::SpecialConsideration.code() && c.status == "upheld")
}

/// R-SPECIAL-CONSIDERATION: whether an entry of an exam of `exam_code` given special
/// consideration or not (`upheld`) is, with this current result, one whose result is still a
/// fail.
pub fn still_failed(exam_code: &str, upheld: bool, current: Option<&ResultRow>) -> bool {
    let exam_type = tessera_domain::exams::by_code(exam_code).map_or(exam_code, |e| e.exam_type);
    current.is_some_and(|r| {
        let status = r.status.parse::<ResultStatus>().unwrap_or(ResultStatus::Pending);
        r_special_consideration_still_failed(upheld, status, exam_type, r.grade.as_deref())
    })
}

/// A candidate given special consideration whose result is still a fail (R-SPECIAL-CONSIDERATION).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsiderationStillFailed {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
    /// The exam's code.
    pub exam: String,
    pub written_date: chrono::NaiveDate,
    /// The current result's grade.
    pub grade: Option<String>,
    /// The current result's overall score.
    pub overall_score: Option<i32>,
    /// Whether the result is released to the candidate yet (R-RELEASE).
    pub released: bool,
}

/// R-SPECIAL-CONSIDERATION: the centre's candidates given special consideration (an upheld case)
/// whose current result, once imported, is still a fail, for the centre to follow up with the
/// candidate and the board (and, where the grounds remain, an enquiry or appeal).
pub async fn consideration_still_failed(
    state: &AppState,
    tenant: &Tenant,
) -> Result<Vec<ConsiderationStillFailed>, AppError> {
    let (tid, now) = (tenant.id, state.clock.now());
    let kind = CaseKind::SpecialConsideration.code();
    let rows = state.db.call(move |c| store::graded_entries_with_upheld_case(c, tid, kind)).await?;
    Ok(rows
        .into_iter()
        .filter(|(_, session, _, result)| still_failed(&session.exam_code, true, Some(result)))
        .map(|(entry, session, cand, result)| ConsiderationStillFailed {
            entry: entry.id,
            candidate_number: entry.candidate_number,
            name: format!("{} {}", cand.first_name, cand.family_name),
            exam: session.exam_code,
            written_date: session.written_date,
            grade: result.grade,
            overall_score: result.overall_score,
            released: r_release(session.release_at.and_utc(), now),
        })
        .collect())
}
