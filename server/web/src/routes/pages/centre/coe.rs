//! An entry's Confirmation of Entry.

use super::{PlainForm, STAFF, entry_page};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre as ops;

/// `POST /centre/entries/{id}/coe`: issues the Confirmation of Entry and downloads its PDF.
pub(crate) async fn issue_coe(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    match ops::issue_coe(&state, &user.tenant, &id, user.user.id.clone()).await {
        Ok(coe) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"coe-{}.pdf\"", coe.id_number)),
            ],
            coe.pdf,
        )
            .into_response()),
        Err(e) if e.status == StatusCode::CONFLICT => {
            entry_page(&state, user, jar, id, StatusCode::CONFLICT, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
