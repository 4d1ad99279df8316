//! The candidate's exams and results, and the Statement of Results of a released one.

use super::{Candidate, local};
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::results::ResultStatus;
use tessera_storage::repo::candidate::{self as repo, CandidateExam};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;
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
    /// Verifications of this result's credentials through this server, newest first (R-CREDENTIAL;
    /// the visitor's address is not kept).
    pub credential_checks: Vec<CredentialCheckView>,
    /// The school that entered the candidate and can see this result (R-SCHOOL-ENTRY).
    pub school_name: Option<String>,
    /// Whether the centre issued a Certifying Statement for it (R-NAME-SPELLING), to download.
    pub certifying_statement: bool,
    /// When the centre cannot run the session as announced: the candidate chooses another
    /// session or a full refund (R-CENTRE-FAULT).
    pub fault: Option<crate::centre::FaultOptions>,
    /// Whether the Notice to candidates and the speaking-test recording notice were sent (with
    /// the Confirmation of Entry), for the candidate to confirm reading them (R-NOTICES).
    pub notices_sent: bool,
    /// When the candidate confirmed reading them (UTC, RFC 3339).
    pub notices_acknowledged_at: Option<String>,
}

/// One verification of a candidate's credential.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialCheckView {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// `public_page` (anyone, no account) or `api` (a verifier organisation's API client).
    pub via: String,
    /// The organisation, for `api`.
    pub verifier_name: Option<String>,
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
        credential_checks: vec![],
        school_name: None,
        certifying_statement: false,
        fault: None,
        notices_sent: false,
        notices_acknowledged_at: None,
    }
}

/// Every exam the candidate took at the centre, with the current result of the released ones.
pub async fn exams(state: &AppState, tenant: &Tenant, cand: &Candidate) -> Result<Vec<CandidateExamView>, AppError> {
    let (tid, cid, now) = (tenant.id, cand.id.clone(), state.clock.now());
    let rows = state.db.call(move |c| repo::exams_of(c, tid, &cid, now)).await?;
    let mut views: Vec<CandidateExamView> = rows.into_iter().map(|e| exam_view(e, tenant)).collect();
    let released: Vec<String> = views.iter().filter(|v| v.result.is_some()).map(|v| v.entry_id.clone()).collect();
    let all: Vec<String> = views.iter().map(|v| v.entry_id.clone()).collect();
    let (checks, schools) = state
        .db
        .call(move |c| {
            let checks = released
                .into_iter()
                .map(|e| Ok((tessera_storage::repo::credentials::checks_for_entry(c, tid, &e)?, e)))
                .collect::<Result<Vec<_>, tessera_storage::StorageError>>()?;
            let schools = all
                .iter()
                .map(|e| {
                    let statement = !tessera_storage::repo::public_pages::certifying_statements(c, tid, e)?.is_empty();
                    Ok((
                        crate::schools::school_name_in(c, tid, e)?,
                        statement,
                        crate::centre::fault_options_in(c, tid, e)?,
                        workflows::entry_form(c, tid, e)?,
                    ))
                })
                .collect::<Result<Vec<_>, tessera_storage::StorageError>>()?;
            Ok((checks, schools))
        })
        .await?;
    for (v, (school, statement, fault, form)) in views.iter_mut().zip(schools) {
        v.school_name = school;
        v.certifying_statement = statement;
        v.fault = fault;
        v.notices_sent = form.coe_issued_at.is_some();
        v.notices_acknowledged_at = form.notices_acknowledged_at.map(|t| t.and_utc().to_rfc3339());
    }
    for (rows, entry) in checks {
        if let Some(v) = views.iter_mut().find(|v| v.entry_id == entry) {
            v.credential_checks = rows
                .into_iter()
                .map(|r| CredentialCheckView {
                    at: r.at.and_utc().to_rfc3339(),
                    via: r.via,
                    verifier_name: r.verifier_name,
                })
                .collect();
        }
    }
    Ok(views)
}

/// The signed credential (JSON) of the candidate's own released result (R-CREDENTIAL); anything
/// else, and a result that states nothing to verify (pending, withheld), is a 404.
pub async fn credential(
    state: &AppState,
    tenant: &Tenant,
    cand: &Candidate,
    entry_id: String,
) -> Result<(String, Vec<u8>), AppError> {
    let (t, cid, now) = (tenant.clone(), cand.id.clone(), state.clock.now());
    let (wrap, url) = (state.credential_keys.clone(), state.settings.public_url.clone());
    let (exam, issued) = state
        .db
        .call(move |c| {
            let exam = repo::released_exam(c, t.id, &cid, &entry_id, now)?;
            let issued = crate::credentials::issue::for_entry_in(c, &t, &entry_id, &wrap, &url, now);
            Ok((exam, issued))
        })
        .await?;
    let issued = issued?.ok_or_else(AppError::not_found)?;
    let sor = exam.result.map(|r| r.sor_number).unwrap_or_default();
    let body = serde_json::to_vec_pretty(&issued.document).map_err(AppError::internal)?;
    Ok((format!("statement-of-results-{sor}.json"), body))
}

/// The newest Certifying Statement of the candidate's own entry (R-NAME-SPELLING), as a PDF in
/// the centre's language; another's entry, or one without a statement, is 404.
pub async fn certifying_statement(
    state: &AppState,
    tenant: &Tenant,
    cand: &Candidate,
    entry_id: String,
) -> Result<(String, Vec<u8>), AppError> {
    let (tid, cid, now, eid) = (tenant.id, cand.id.clone(), state.clock.now(), entry_id.clone());
    state.db.call(move |c| repo::released_exam(c, tid, &cid, &eid, now)).await?;
    crate::after_exam::certifying_statement_pdf(state, tenant, &entry_id).await
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

/// R-NOTICES: the candidate confirms reading the Notice to candidates and that the speaking test
/// may be recorded, sent with the Confirmation of Entry of their entry `entry_id` (another
/// candidate's entry is a 404; before the CoE, `notices_not_sent`). Confirming again keeps the
/// first confirmation; returns its instant (UTC, RFC 3339). Audited once.
pub async fn acknowledge_notices(
    state: &AppState,
    tenant: &Tenant,
    cand: &Candidate,
    user_id: &str,
    entry_id: String,
) -> Result<String, AppError> {
    let (tid, cid, uid, now) = (tenant.id, cand.id.clone(), user_id.to_owned(), state.clock.now());
    let at = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<chrono::NaiveDateTime, AppError> {
                let entry = tessera_storage::repo::centre::entry(c, tid, &entry_id)?;
                if entry.candidate_id != cid {
                    return Err(AppError::not_found());
                }
                let form = workflows::entry_form(c, tid, &entry_id)?;
                let at = tessera_domain::exam_day::r_notices_acknowledged(
                    form.coe_issued_at,
                    form.notices_acknowledged_at,
                    now.naive_utc(),
                )?;
                if workflows::acknowledge_notices(c, tid, &entry_id, at)? {
                    let ev = tessera_storage::repo::audit::AuditEvent {
                        actor: Some(&uid),
                        action: "entry.notices_acknowledged",
                        target: Some(&entry_id),
                        details: serde_json::json!({"candidate_number": entry.candidate_number}),
                        request_id: None,
                    };
                    tessera_storage::repo::audit::append(c, tid, &ev, now)?;
                }
                Ok(at)
            }))
        })
        .await??;
    Ok(at.and_utc().to_rfc3339())
}
