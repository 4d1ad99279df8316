//! A candidate's account activated with the Confirmation of Entry's numbers.

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tessera_app::candidate::{self, CandidateSignup};
use utoipa::ToSchema;

/// An activation request: the centre's code and the sign-up details.
#[derive(Deserialize, ToSchema)]
pub struct CandidateSignupRequest {
    /// The centre's code, e.g. `pl078`.
    pub tenant: String,
    /// The sign-up details.
    #[serde(flatten)]
    pub details: CandidateSignup,
}

/// An activated account.
#[derive(Serialize, ToSchema)]
pub struct CandidateSignupResponse {
    /// The centre's code.
    pub tenant: String,
    /// The login: the ID number.
    pub login: String,
    /// The account's email.
    pub email: String,
}

/// Activates a candidate's account with the ID number and secret number from the Confirmation
/// of Entry (R-CANDIDATE-SIGNUP). Wrong credentials and an account that exists already both get
/// 400 `signup_refused`; too many failures per ID number or per address get 429.
#[utoipa::path(post, path = "/v1/candidate/signup", tag = "candidate", request_body = CandidateSignupRequest,
    responses((status = 201, body = CandidateSignupResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn signup(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<CandidateSignupRequest>,
) -> AppResult<Response> {
    let tenant = tessera_app::centre::read::public_centre(&state, req.tenant.trim().to_ascii_lowercase()).await?;
    let user = candidate::signup(&state, &tenant, &req.details, addr.ip()).await?;
    let body =
        CandidateSignupResponse { tenant: tenant.slug, login: user.login, email: user.email.unwrap_or_default() };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
