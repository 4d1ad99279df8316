//! Schools (R-SCHOOL-ENTRY), the school's side: links with centres, the group entry of its
//! students, and their results.

use super::VerifierCaller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Query, RawBody};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_app::schools::{self, GroupEntered, SchoolLinkView, SchoolStudentResult};
use utoipa::{IntoParams, ToSchema};

/// A link request: the centre's code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRequest {
    /// The centre's code, e.g. `pl078`.
    pub centre: String,
}

/// The school's links with centres.
#[utoipa::path(get, path = "/v1/verifier/school/links", tag = "schools", responses((status = 200, body = [SchoolLinkView])))]
pub async fn school_links(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<SchoolLinkView>>> {
    Ok(Json(schools::links_of_school(&state, &v).await?))
}

/// Asks a centre for a link (R-SCHOOL-ENTRY); the centre approves or refuses it.
#[utoipa::path(post, path = "/v1/verifier/school/links", tag = "schools", request_body = LinkRequest,
    responses((status = 201, body = SchoolLinkView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn request_link(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Json(req): Json<LinkRequest>,
) -> AppResult<(StatusCode, Json<SchoolLinkView>)> {
    Ok((StatusCode::CREATED, Json(schools::request_link(&state, &v, &req.centre).await?)))
}

/// Where a group entry goes.
#[derive(Debug, Deserialize, IntoParams)]
pub struct GroupEntryQuery {
    /// The centre's code.
    pub centre: String,
    /// The session's id (`GET /api/v1/verifier/school/sessions?centre=CODE` lists the open ones).
    pub session: String,
}

/// Enters the school's students for a session of a linked centre, from a CSV body (columns
/// `first_name`, `family_name`, `date_of_birth`, `email`, optionally `phone`, `nationality`,
/// `guardian_name`, `guardian_contact`; at most 500 rows). Every row is checked first: a bad one
/// is refused by row and column (`field` names the column) and nothing is entered.
#[utoipa::path(post, path = "/v1/verifier/school/entries", tag = "schools", params(GroupEntryQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = [GroupEntered]), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn group_entry(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(q): Query<GroupEntryQuery>,
    RawBody(body): RawBody,
) -> AppResult<(StatusCode, Json<Vec<GroupEntered>>)> {
    Ok((StatusCode::CREATED, Json(schools::group_entry(&state, &v, &q.centre, &q.session, &body).await?)))
}

/// The school's students and their results once released, without shares (R-SCHOOL-ENTRY).
#[utoipa::path(get, path = "/v1/verifier/school/results", tag = "schools", responses((status = 200, body = [SchoolStudentResult])))]
pub async fn school_results(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<SchoolStudentResult>>> {
    Ok(Json(schools::results(&state, &v).await?))
}

/// A centre's code.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CentreQuery {
    /// The centre's code.
    pub centre: String,
}

/// The sessions of a linked centre open for entries today.
#[utoipa::path(get, path = "/v1/verifier/school/sessions", tag = "schools", params(CentreQuery),
    responses((status = 200, body = [schools::OpenSession]), (status = 409, body = ErrorBody)))]
pub async fn school_sessions(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(q): Query<CentreQuery>,
) -> AppResult<Json<Vec<schools::OpenSession>>> {
    Ok(Json(schools::open_sessions(&state, &v, &q.centre).await?))
}
