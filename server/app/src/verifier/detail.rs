//! Reading one shared result (R-DETAIL).

use super::{Verifier, record, shared_sheet, visible_photo};
use crate::error::AppResult;
use crate::state::AppState;
use serde::Serialize;
use utoipa::ToSchema;

/// One component score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComponentView {
    /// Paper, e.g. `Reading`.
    pub component: String,
    /// Cambridge English Scale score.
    pub score: i32,
}

/// A result as a verifier sees it (R-DETAIL).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultDetail {
    /// The share's id (empty for a Statement of Results lookup).
    pub share_id: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: String,
    /// ID number.
    pub id_number: String,
    /// Exam code.
    pub exam_code: String,
    /// Exam name.
    pub exam_name: String,
    /// Written date.
    pub exam_date: String,
    /// Centre.
    pub centre_name: String,
    /// Statement of Results number.
    pub sor_number: String,
    /// Result version shown (the current one).
    pub version: i32,
    /// `graded`, `X`, `Z`, `Pending` or `Withheld`.
    pub status: String,
    /// Overall score, for a graded result.
    pub overall_score: Option<i32>,
    /// Grade, for a graded result.
    pub grade: Option<String>,
    /// CEFR level, for a graded result.
    pub cefr: Option<String>,
    /// Component scores; empty for X, Z, Pending and Withheld (R-RESULT-CODES).
    pub components: Vec<ComponentView>,
    /// Where the exam-day photo can be fetched, when there is one and the centre's photo policy
    /// lets verifiers see it (R-PHOTO-DAY).
    pub photo_url: Option<String>,
}

pub(super) fn detail_of(
    share_id: String,
    centre_name: String,
    sheet: tessera_storage::repo::centre::ResultSheet,
) -> ResultDetail {
    let status = sheet.result.status.parse::<tessera_domain::results::ResultStatus>().ok();
    let graded = sheet.result.status == "graded";
    let shows = status.is_some_and(|s| s.shows_components()) && graded;
    ResultDetail {
        share_id,
        first_name: sheet.candidate.first_name,
        family_name: sheet.candidate.family_name,
        date_of_birth: sheet.candidate.date_of_birth.to_string(),
        id_number: sheet.candidate.id_number,
        exam_code: sheet.exam.code,
        exam_name: sheet.exam.name,
        exam_date: sheet.session.written_date.to_string(),
        centre_name,
        sor_number: sheet.result.sor_number,
        version: sheet.result.version,
        status: sheet.result.status,
        overall_score: if graded { sheet.result.overall_score } else { None },
        grade: if graded { sheet.result.grade } else { None },
        cefr: if graded { sheet.result.cefr } else { None },
        components: if shows {
            sheet.components.into_iter().map(|c| ComponentView { component: c.component, score: c.score }).collect()
        } else {
            Vec::new()
        },
        // Filled in by `detail` when the share has a photo verifiers may see.
        photo_url: None,
    }
}

/// The detail of a shared result (R-DETAIL); the view is recorded for the candidate and audited.
pub async fn detail(state: &AppState, v: &Verifier, share_id: &str) -> AppResult<ResultDetail> {
    let (share, sheet, centre) = shared_sheet(state, v, share_id).await?;
    let photo = visible_photo(state, &share, &sheet).await?;
    record(state, v, &share.id, "view").await?;
    let mut detail = detail_of(share.id, centre.name, sheet);
    detail.photo_url = photo.map(|_| format!("/api/v1/verifier/results/{}/photo", detail.share_id));
    Ok(detail)
}
