//! The shared list. Its rows can be ticked for a bulk download (`downloads`).

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
use serde::Deserialize;
use tessera_app::verifier::{self, Verifier};

/// Paging of the shared list page.
#[derive(Debug, Deserialize)]
pub(crate) struct PageParam {
    #[serde(default)]
    page: Option<i64>,
}

/// `GET /verifier/shared`: newest first; rows shared since the previous sign-in in bold.
pub(crate) async fn shared(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(p): Query<PageParam>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let page = p.page.unwrap_or(1).max(1);
    let list = verifier::shared_list(&state, &v, page, 50).await?;
    let pages = (list.total + 49) / 50;
    // The ticked rows go to the bulk download form, which offers the data-file templates.
    let templates = tessera_app::bulk::templates(&state, &v).await?;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_shared.html",
        StatusCode::OK,
        context! {
            list => list, pages => pages, templates => templates,
        },
    )
}
