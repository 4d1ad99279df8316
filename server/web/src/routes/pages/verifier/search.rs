//! Search of the shared results. The hits can be ticked for a bulk download (`downloads`).

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::verifier::{self, SearchParams, Verifier};

/// `GET /verifier/search`: the search form and, when anything was asked, the hits.
pub(crate) async fn search(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let asked = serde_json::to_value(&params)
        .ok()
        .and_then(|j| j.as_object().map(|o| o.values().any(|x| !x.is_null() && x != "")))
        .unwrap_or(false);
    let (results, error) = if asked {
        match params.to_query() {
            Ok(q) => (Some(verifier::search(&state, v.tenant, q).await?), None),
            Err(e) if e.status == StatusCode::BAD_REQUEST => (None, Some(e.for_page())),
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, None)
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let templates = if results.is_some() { tessera_app::bulk::templates(&state, &v).await? } else { Vec::new() };
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_search.html",
        status,
        context! {
            p => params, results => results, error => error, templates => templates,
        },
    )
}
