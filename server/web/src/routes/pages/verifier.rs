//! The Results Verification Service pages: the shared list, search, detail with the Statement of
//! Results, and Candidate Search by Statement of Results number and date of birth. Rows of the
//! shared list and of search results can be ticked for a bulk download (`verifier_downloads`).

use super::render;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::{AppResult, HttpError};
use crate::extract::{Path, Query};
use crate::routes::api::pdf_response;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use std::net::SocketAddr;
use tessera_app::verifier::{self, SearchParams, Verifier};

/// Paging of the shared list page.
#[derive(Debug, Deserialize)]
pub(super) struct PageParam {
    #[serde(default)]
    page: Option<i64>,
}

/// `GET /verifier/shared`: newest first; rows shared since the previous sign-in in bold.
pub(super) async fn shared(
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

/// `GET /verifier/search`: the search form and, when anything was asked, the hits.
pub(super) async fn search(
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

/// `GET /verifier/results/{share_id}`: the result (R-DETAIL); the view is recorded.
pub(super) async fn detail(
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
pub(super) async fn statement(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let (name, pdf) = verifier::statement(&state, &v, &share_id).await?;
    Ok(pdf_response(&name, pdf))
}

/// `GET /verifier/lookup`: the Candidate Search form.
pub(super) async fn lookup_form(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    render(&state, jar, &MaybeUser(Some(user)), v.locale, "verifier_lookup.html", StatusCode::OK, context! {})
}

#[derive(Deserialize)]
pub(super) struct LookupForm {
    csrf: String,
    sor_number: String,
    date_of_birth: String,
}

impl CsrfProtected for LookupForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/lookup`: both the number and the date of birth must match (R-SOR-LOOKUP).
pub(super) async fn lookup_submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LookupForm>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    match verifier::sor_lookup(&state, &v, addr.ip(), &form.sor_number, &form.date_of_birth).await {
        Ok(r) => render(
            &state,
            jar,
            &MaybeUser(Some(user)),
            v.locale,
            "verifier_detail.html",
            StatusCode::OK,
            context! {
                r => r, lookup => true,
            },
        ),
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::NOT_FOUND => {
            let status = e.status;
            render(
                &state,
                jar,
                &MaybeUser(Some(user)),
                v.locale,
                "verifier_lookup.html",
                status,
                context! {
                    error => e.for_page(), sor_number => form.sor_number, date_of_birth => form.date_of_birth,
                },
            )
        }
        Err(e) => Err::<Response, HttpError>(e.into()),
    }
}
