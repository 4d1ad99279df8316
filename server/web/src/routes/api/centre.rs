//! A centre's sessions, candidates, entries and results, read through the API by its staff.

use super::ApiUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::SharedState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_domain::results::ResultStatus;
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::centre::{self, Candidate, Entry, ExamSession};
use utoipa::{IntoParams, ToSchema};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

/// An exam session.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    id: String,
    exam_code: String,
    written_date: String,
    time_of_day: String,
    delivery: String,
    fee_minor: i64,
    late_fee_minor: i64,
    currency: String,
    registration_closes: String,
    capacity: i32,
    minimum_candidates: i32,
    release_at: String,
    status: String,
}

impl From<ExamSession> for SessionView {
    fn from(s: ExamSession) -> Self {
        Self {
            id: s.id,
            exam_code: s.exam_code,
            written_date: s.written_date.to_string(),
            time_of_day: s.time_of_day,
            delivery: s.delivery,
            fee_minor: s.fee_minor,
            late_fee_minor: s.late_fee_minor,
            currency: s.currency,
            registration_closes: s.registration_closes.to_string(),
            capacity: s.capacity,
            minimum_candidates: s.minimum_candidates,
            release_at: s.release_at.and_utc().to_rfc3339(),
            status: s.status,
        }
    }
}

/// The centre's sessions, newest first.
#[utoipa::path(get, path = "/v1/sessions", tag = "centre", responses((status = 200, body = [SessionView]), (status = 404, body = ErrorBody)))]
pub async fn sessions(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<SessionView>>> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(Json(state.db.call(move |c| centre::sessions(c, tid)).await?.into_iter().map(SessionView::from).collect()))
}

/// One session of the centre.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = SessionView), (status = 404, body = ErrorBody)))]
pub async fn session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<SessionView>> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(Json(state.db.call(move |c| centre::session(c, tid, &id)).await?.into()))
}

/// An entry.
#[derive(Serialize, ToSchema)]
pub struct EntryView {
    id: String,
    session_id: String,
    candidate_id: String,
    candidate_number: String,
    status: String,
    fee_minor: i64,
    currency: String,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            session_id: e.session_id,
            candidate_id: e.candidate_id,
            candidate_number: e.candidate_number,
            status: e.status,
            fee_minor: e.fee_minor,
            currency: e.currency,
        }
    }
}

/// The entries of one session, by candidate number.
#[utoipa::path(get, path = "/v1/sessions/{id}/entries", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = [EntryView]), (status = 404, body = ErrorBody)))]
pub async fn session_entries(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<EntryView>>> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let rows = state
        .db
        .call(move |c| {
            centre::session(c, tid, &id)?;
            centre::session_entries(c, tid, &id)
        })
        .await?;
    Ok(Json(rows.into_iter().map(EntryView::from).collect()))
}

/// A candidate.
#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    id: String,
    first_name: String,
    family_name: String,
    date_of_birth: String,
    email: Option<String>,
    nationality: Option<String>,
    id_number: String,
    has_account: bool,
}

impl From<Candidate> for CandidateView {
    fn from(c: Candidate) -> Self {
        Self {
            id: c.id,
            first_name: c.first_name,
            family_name: c.family_name,
            date_of_birth: c.date_of_birth.to_string(),
            email: c.email,
            nationality: c.nationality,
            id_number: c.id_number,
            has_account: c.user_id.is_some(),
        }
    }
}

/// Paging.
#[derive(Deserialize, IntoParams)]
pub struct Page {
    /// Rows to skip (default 0).
    offset: Option<i64>,
    /// Rows to return (1 to 500, default 50).
    limit: Option<i64>,
}

/// A page of the centre's candidates, by family name.
#[utoipa::path(get, path = "/v1/candidates", tag = "centre", params(Page), responses((status = 200, body = [CandidateView]), (status = 400, body = ErrorBody)))]
pub async fn candidates(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(p): Query<Page>,
) -> AppResult<Json<Vec<CandidateView>>> {
    user.require(STAFF)?;
    let (offset, limit) = (p.offset.unwrap_or(0), p.limit.unwrap_or(50));
    if offset < 0 {
        return Err(AppError::at(ErrorCode::Negative, "offset"));
    }
    if !(1..=500).contains(&limit) {
        return Err(AppError::at(ErrorCode::OutOfRange, "limit").arg("min", 1).arg("max", 500));
    }
    let tid = user.tenant_id();
    Ok(Json(
        state
            .db
            .call(move |c| centre::candidates(c, tid, offset, limit))
            .await?
            .into_iter()
            .map(CandidateView::from)
            .collect(),
    ))
}

/// One candidate of the centre.
#[utoipa::path(get, path = "/v1/candidates/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = CandidateView), (status = 404, body = ErrorBody)))]
pub async fn candidate(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<CandidateView>> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(Json(state.db.call(move |c| centre::candidate(c, tid, &id)).await?.into()))
}

/// One entry of the centre.
#[utoipa::path(get, path = "/v1/entries/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<EntryView>> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(Json(state.db.call(move |c| centre::entry(c, tid, &id)).await?.into()))
}

/// A component score.
#[derive(Serialize, ToSchema)]
pub struct ComponentView {
    component: String,
    score: i32,
}

/// One version of a result. Components are empty for X, Z, Pending and Withheld (R-RESULT-CODES).
#[derive(Serialize, ToSchema)]
pub struct ResultView {
    id: String,
    entry_id: String,
    version: i32,
    is_current: bool,
    status: String,
    overall_score: Option<i32>,
    grade: Option<String>,
    cefr: Option<String>,
    sor_number: String,
    components: Vec<ComponentView>,
}

/// One result version of the centre.
#[utoipa::path(get, path = "/v1/results/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = ResultView), (status = 404, body = ErrorBody)))]
pub async fn result(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ResultView>> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let (r, comps) = state.db.call(move |c| centre::result(c, tid, &id)).await?;
    let status: ResultStatus = r.status.parse()?;
    let components = if status.shows_components() {
        comps.into_iter().map(|c| ComponentView { component: c.component, score: c.score }).collect()
    } else {
        vec![]
    };
    Ok(Json(ResultView {
        id: r.id,
        entry_id: r.entry_id,
        version: r.version,
        is_current: r.is_current,
        status: r.status,
        overall_score: r.overall_score,
        grade: r.grade,
        cefr: r.cefr,
        sor_number: r.sor_number,
        components,
    }))
}
