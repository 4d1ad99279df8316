//! Schools (R-SCHOOL-ENTRY), the school's page: its links with centres, a link request, the group
//! entry of its students (a CSV upload for an open session of a linked centre) and their results.

use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser, check_csrf};
use crate::error::{AppResult, HttpError};
use crate::extract::Multipart;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::schools;
use tessera_app::verifier::Verifier;
use tessera_domain::ErrorCode;

async fn page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let links = schools::links_of_school(state, &v).await?;
    let mut sessions = Vec::new();
    for l in links.iter().filter(|l| l.status == "approved") {
        for s in schools::open_sessions(state, &v, &l.centre).await? {
            sessions.push(context! { centre => l.centre.clone(), centre_name => l.centre_name.clone(), s => s });
        }
    }
    let results = schools::results(state, &v).await?;
    let locale = v.locale;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "verifier_school.html",
        status,
        context! { links => links, sessions => sessions, results => results, ..ctx },
    )
}

/// `GET /verifier/school`.
pub(crate) async fn show(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    page(&state, user, jar, StatusCode::OK, context! {}).await
}

#[derive(Deserialize)]
pub(crate) struct LinkForm {
    csrf: String,
    #[serde(default)]
    centre: String,
}

impl CsrfProtected for LinkForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/school/links` (`csrf`, `centre`): asks a centre for a link.
pub(crate) async fn request_link(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    match schools::request_link(&state, &v, &form.centre).await {
        Ok(_) => Ok(Redirect::to("/verifier/school").into_response()),
        Err(e) if e.is_refusal() => {
            page(&state, user, jar, e.status, context! { error => e.for_page(), centre => form.centre }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /verifier/school/entries` (multipart: `csrf`, `target` = `<centre code>/<session id>`,
/// `file`): the group entry.
pub(crate) async fn group_entry(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    mut form: Multipart,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let (mut csrf, mut target, mut file) = (String::new(), String::new(), Vec::new());
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("target") => target = part.text().await?,
            Some("file") => file = part.bytes().await?.to_vec(),
            _ => {}
        }
    }
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    let Some((centre, session)) = target.split_once('/') else {
        let e = HttpError::at(ErrorCode::Required, "target");
        return page(&state, user, jar, e.status, context! { error => e.for_page() }).await;
    };
    if file.is_empty() {
        let e = HttpError::at(ErrorCode::Required, "file");
        return page(&state, user, jar, e.status, context! { error => e.for_page() }).await;
    }
    match schools::group_entry(&state, &v, centre, session, &file).await {
        Ok(entered) => page(&state, user, jar, StatusCode::OK, context! { entered => entered }).await,
        Err(e) if e.is_refusal() => page(&state, user, jar, e.status, context! { error => e.for_page() }).await,
        Err(e) => Err(e.into()),
    }
}
