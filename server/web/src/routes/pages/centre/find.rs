//! Finding a candidate across all the centre's sessions.

use super::STAFF;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::{FIND_LIMIT, find_candidates, read};

#[derive(Deserialize)]
pub(crate) struct Find {
    #[serde(default)]
    q: Option<String>,
}

/// `GET /centre/candidates[?q=...]`: the search form, and the candidates whose name, ID number or
/// email contains `q`, each with their entries (a too short or too long `q` is marked on the field).
pub(crate) async fn find(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(f): Query<Find>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let q = f.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let (hits, error, status) = match &q {
        None => (None, None, StatusCode::OK),
        Some(q) => match find_candidates(&state, &user, q).await {
            Ok(hits) => (Some(hits), None, StatusCode::OK),
            Err(e) if e.status.is_client_error() => (None, Some(e.for_page()), e.status),
            Err(e) => return Err(e.into()),
        },
    };
    let full = hits.as_ref().is_some_and(|h| h.len() >= FIND_LIMIT);
    let exam_names = read::exam_names(&state).await?;
    let ctx =
        context! { q => q, hits => hits, error => error, full => full, limit => FIND_LIMIT, exam_names => exam_names };
    render_user(&state, jar, user, "centre_find.html", status, ctx)
}
