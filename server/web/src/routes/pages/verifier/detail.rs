//! One shared result, and its Statement of Results.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::api::pdf_response;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::verifier::{self, Verifier};

/// `GET /verifier/results/{share_id}`: the result (R-DETAIL); the view is recorded.
pub(crate) async fn detail(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let r = verifier::detail(&state, &v, &share_id).await?;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_detail.html",
        StatusCode::OK,
        context! {
            r => r, lookup => false,
        },
    )
}

/// `GET /verifier/results/{share_id}/statement.pdf`; the download is recorded.
pub(crate) async fn statement(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let (name, pdf) = verifier::statement(&state, &v, &share_id).await?;
    Ok(pdf_response(&name, pdf))
}
