//! Every entry of the centre, across its sessions: filtered by state and exam, sorted and paged
//! as a session's list is.

use super::{STAFF, queue_codes, status_codes};
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
use tessera_app::centre::lists::{self, ListQuery};
use tessera_app::centre::read;

/// `GET /centre/entries`: the centre's entries; `state`, `exam`, `sort`, `direction` and `page`
/// as on a session's list. A value the list does not offer is left out and named (400).
pub(crate) async fn list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let exam_names = read::exam_names(&state).await?;
    let exams: Vec<String> = exam_names.keys().cloned().collect();
    let (params, refused) = query.parse(&exams);
    let list = lists::entry_list(&state, &user, None, params).await?;
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let error = refused.map(|e| e.for_page());
    render_user(
        &state,
        jar,
        user,
        "centre_entries.html",
        status,
        context! {
            list => list, list_base => "/centre/entries", queues => queue_codes(), statuses => status_codes(),
            exams => exams, exam_names => exam_names, error => error, centre_wide => true,
        },
    )
}
