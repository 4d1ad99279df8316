//! Bulk downloads as pages (R-BULK-DOWNLOAD): the results ticked in the shared list or in search
//! results come here as one zip of PDFs or a data file; the download history with re-download.

use crate::auth::{CsrfForm, CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::api::file_response;
use crate::routes::pages::{FormPairs, render};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Serialize;
use std::collections::HashMap;
use tessera_app::bulk::{self, BulkRequest};
use tessera_app::verifier::Verifier;

/// A row of the download history as the page shows it.
#[derive(Debug, Serialize)]
struct HistoryRow {
    id: String,
    created_at: String,
    /// The user's name, or the API client's.
    who: String,
    is_api: bool,
    format: String,
    /// The custom template's name; `None` for the default template (data files) or PDFs.
    template: Option<String>,
    template_deleted: bool,
    count: i32,
}

/// Renders the downloads page: the history, with `error` when a download was refused.
async fn history_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    error: Option<minijinja::Value>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let history = bulk::history(state, &v).await?;
    let templates = bulk::templates(state, &v).await?;
    let names = bulk::who_names(state, &v).await?;
    let template_names: HashMap<String, String> =
        templates.into_iter().filter_map(|t| t.id.map(|id| (id, t.name))).collect();
    let rows: Vec<HistoryRow> = history
        .into_iter()
        .map(|d| {
            let template = d.template_id.as_ref().and_then(|id| template_names.get(id).cloned());
            HistoryRow {
                who: names.get(&d.actor_id).cloned().unwrap_or_else(|| d.actor_id.clone()),
                is_api: d.actor_id.starts_with("api:"),
                template_deleted: d.template_id.is_some() && template.is_none(),
                template,
                id: d.id,
                created_at: d.created_at,
                format: d.format,
                count: d.count,
            }
        })
        .collect();
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_downloads.html",
        status,
        context! { rows => rows, error => error },
    )
}

/// `GET /verifier/downloads`: the download history with re-download links.
pub(crate) async fn history(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    history_page(&state, user, jar, StatusCode::OK, None).await
}

/// `POST /verifier/downloads`: the ticked results (`share_ids`) as a zip of PDFs or a data file
/// (`format`, `template`). A refusal shows the downloads page with the reason; nothing is kept.
pub(crate) async fn download(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<FormPairs>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let format = form.one("format").unwrap_or_default().to_owned();
    // PDFs have no columns: the template only matters for data files.
    let template_id = match form.one("template") {
        Some(id) if format != "pdf" && !id.is_empty() && id != "default" => Some(id.to_owned()),
        _ => None,
    };
    let req = BulkRequest { share_ids: form.all("share_ids"), format, template_id };
    match bulk::create(&state, &v, req).await {
        Ok((id, file)) => Ok(file_response(Some(&id), file)),
        Err(e) if e.is_refusal() || e.status == StatusCode::NOT_FOUND => {
            history_page(&state, user, jar, e.status, Some(e.for_page())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /verifier/downloads/{id}`: a past download again, with the results still shared now.
pub(crate) async fn again(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    Ok(file_response(None, bulk::again(&state, &v, &id).await?))
}
