//! The candidate's exams and results, and the Statement of Results of a released one.

use super::{Candidate, local};
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::results::ResultStatus;
use tessera_storage::repo::candidate::{self as repo, CandidateExam};
use tessera_storage::repo::tenants::Tenant;
use utoipa::ToSchema;

/// A component score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateComponent {
    /// The paper, e.g. `Reading`.
    pub component: String,
    /// Its Cambridge English Scale score.
    pub score: i32,
}

/// The current version of a released result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateResult {
    /// The result version's id.
    pub id: String,
    /// The version shown (the current one: R-RESULT-VERSIONS).
    pub version: i32,
    /// `graded`, `X`, `Z`, `Pending` or `Withheld`.
    pub status: String,
    /// Overall Cambridge English Scale score.
    pub overall_score: Option<i32>,
    /// Grade, e.g. `A`.
    pub grade: Option<String>,
    /// CEFR level, e.g. `C1`.
    pub cefr: Option<String>,
    /// The Statement of Results number.
    pub sor_number: String,
    /// Component scores; empty for X, Z, Pending and Withheld (R-RESULT-CODES).
    pub components: Vec<CandidateComponent>,
    /// Whether it may be shared with a verifier organisation (not Pending nor Withheld).
    pub shareable: bool,
}

/// An exam the candidate took at the centre.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateExamView {
    /// The entry's id (the key for the Statement of Results and for sharing).
    pub entry_id: String,
    /// Exam code, e.g. `CAE`.
    pub exam_code: String,
    /// Exam name, e.g. `C1 Advanced`.
    pub exam_name: String,
    /// Date of the written papers.
    pub written_date: String,
    /// `AM` or `PM`.
    pub time_of_day: String,
    /// `PB` or `CB`.
    pub delivery: String,
    /// Candidate number.
    pub candidate_number: String,
    /// When results are released (UTC, RFC 3339).
    pub release_at: String,
    /// The release instant in the centre's time zone, for people.
    pub release_local: String,
    /// Whether the results are released (R-RELEASE); until then `result` is absent.
    pub released: bool,
    /// The current result version, once released.
    pub result: Option<CandidateResult>,
}

fn exam_view(e: CandidateExam, tenant: &Tenant) -> CandidateExamView {
    let result = e.result.map(|r| {
        let status = r.status.parse::<ResultStatus>().ok();
        let components = if status.is_some_and(ResultStatus::shows_components) {
            e.components.into_iter().map(|c| CandidateComponent { component: c.component, score: c.score }).collect()
        } else {
            vec![]
        };
        CandidateResult {
            shareable: matches!(status, Some(ResultStatus::Graded | ResultStatus::X | ResultStatus::Z)),
            id: r.id,
            version: r.version,
            status: r.status,
            overall_score: r.overall_score,
            grade: r.grade,
            cefr: r.cefr,
            sor_number: r.sor_number,
            components,
        }
    });
    CandidateExamView {
        entry_id: e.entry.id,
        exam_code: e.exam.code,
        exam_name: e.exam.name,
        written_date: e.session.written_date.to_string(),
        time_of_day: e.session.time_of_day,
        delivery: e.session.delivery,
        candidate_number: e.entry.candidate_number,
        release_at: e.session.release_at.and_utc().to_rfc3339(),
        release_local: local(e.session.release_at, tenant),
        released: e.released,
        result,
    }
}

/// Every exam the candidate took at the centre, with the current result of the released ones.
pub async fn exams(state: &AppState, tenant: &Tenant, cand: &Candidate) -> Result<Vec<CandidateExamView>, AppError> {
    let (tid, cid, now) = (tenant.id, cand.id.clone(), state.clock.now());
    let rows = state.db.call(move |c| repo::exams_of(c, tid, &cid, now)).await?;
    Ok(rows.into_iter().map(|e| exam_view(e, tenant)).collect())
}

/// The Statement of Results PDF of the candidate's own released result; anything else is 404.
pub async fn statement(
    state: &AppState,
    tenant: &Tenant,
    cand: &Candidate,
    entry_id: String,
) -> Result<(String, Vec<u8>), AppError> {
    let (tid, cid, now, eid) = (tenant.id, cand.id.clone(), state.clock.now(), entry_id.clone());
    let exam = state.db.call(move |c| repo::released_exam(c, tid, &cid, &eid, now)).await?;
    let pdf = crate::documents::statement_of_results(state, tenant.id, entry_id, tenant.locale).await?;
    let sor = exam.result.map(|r| r.sor_number).unwrap_or_default();
    Ok((format!("statement-of-results-{sor}.pdf"), pdf))
}
