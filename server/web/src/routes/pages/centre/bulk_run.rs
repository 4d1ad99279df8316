//! The page of a centre's bulk run (a session's Confirmations of Entry issued, a results file
//! imported): its progress while the job worker advances it, then its report. The page works
//! without JavaScript (a link reloads it); with it, `/static/progress.js` reloads the progress
//! in place and announces it politely to screen readers.

use super::STAFF;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre::{self as ops, read};
use tessera_app::error::AppError;

/// `GET /centre/sessions/{id}/runs/{run}`: the run's progress, then what it did and what it
/// refused and why. Another session's or another tenant's run is not found.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, run)): Path<(String, String)>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let session = read::stored_session(&state, &user, id.clone()).await?.session;
    let run = ops::bulk_run(&state, user.tenant.id, &run, user.tenant.locale).await?;
    if run.session != session.id {
        return Err(AppError::not_found().into());
    }
    let exam_names = read::exam_names(&state).await?;
    render_user(&state, jar, user, "centre_bulk_run.html", StatusCode::OK, context! { session, run, exam_names })
}
