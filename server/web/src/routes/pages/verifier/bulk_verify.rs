//! Bulk verification pages (R-BULK-VERIFY): upload a list, follow its progress (the page
//! refreshes itself, no JavaScript), download the report.

use crate::auth::{CurrentUser, MaybeUser, check_csrf};
use crate::error::{AppResult, HttpError};
use crate::extract::{Multipart, Path};
use crate::routes::api::verifier_file_response;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use tessera_app::verifier::{self, Verifier};
use tessera_domain::verification::BULK_VERIFY_MAX_ROWS;
use tessera_domain::{DomainError, ErrorCode};

async fn form_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let lists = verifier::bulk_list(state, &v).await?;
    let quota = state.settings.bulk_verify_rows_per_day;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_bulk_verify.html",
        status,
        context! { lists => lists, max_rows => BULK_VERIFY_MAX_ROWS, quota => quota, ..ctx },
    )
}

/// `GET /verifier/bulk-verify`: the upload form and the recent lists.
pub(crate) async fn form(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    form_page(&state, user, jar, StatusCode::OK, context! {}).await
}

/// `POST /verifier/bulk-verify` (multipart: `csrf`, `file`): checks the whole list; a bad one is
/// shown again with every bad row and column, a good one goes to its progress page.
pub(crate) async fn upload(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    mut form: Multipart,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("file") => {
                let name = part.file_name().unwrap_or("list.csv").to_owned();
                file = Some((name, part.bytes().await?));
            }
            _ => {}
        }
    }
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let e = tessera_app::error::AppError::at(ErrorCode::Required, "file");
        return form_page(&state, user, jar, StatusCode::BAD_REQUEST, context! { error => e.for_page() }).await;
    };
    match verifier::submit(&state, &v, &name, &bytes).await {
        Ok(Ok(list)) => Ok(Redirect::to(&format!("/verifier/bulk-verify/{}", list.id)).into_response()),
        Ok(Err(refused)) => {
            let locale = v.locale;
            let refused = refused.in_locale(locale);
            let tpl = &state.templates;
            let mut lines: Vec<String> = refused
                .errors
                .iter()
                .map(|e| {
                    let line = e.line.to_string();
                    match &e.column {
                        Some(c) => {
                            let column = tpl.text(locale, &format!("bulk_verify.col.{c}"));
                            tpl.text_with(
                                locale,
                                "bulk_verify.row_column",
                                &[("row", &line), ("column", &column), ("message", &e.message)],
                            )
                        }
                        None => tpl.text_with(locale, "bulk_verify.row", &[("row", &line), ("message", &e.message)]),
                    }
                })
                .collect();
            if refused.more > 0 {
                lines.push(tpl.text_with(locale, "centre.import_more", &[("count", &refused.more.to_string())]));
            }
            let summary = DomainError::new(ErrorCode::InvalidBulkFile).arg("count", refused.total()).message(locale);
            form_page(
                &state,
                user,
                jar,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { file_errors => lines, file_summary => summary },
            )
            .await
        }
        Err(e) if e.is_refusal() => {
            let status = e.status;
            form_page(&state, user, jar, status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /verifier/bulk-verify/{id}`: progress (refreshing every 2 s until done), then the counts
/// per verdict and the report's downloads.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let list = verifier::bulk_status(&state, &v, &id).await?;
    let counts: Vec<Value> = if list.status == "done" {
        verifier::bulk_counts(&state, &v, &id)
            .await?
            .into_iter()
            .map(|(k, n)| context! { verdict => k.as_str(), count => n })
            .collect()
    } else {
        Vec::new()
    };
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_bulk_verify_status.html",
        StatusCode::OK,
        context! { list => list, counts => counts },
    )
}

/// `GET /verifier/bulk-verify/{id}/report.{csv|xlsx}`: the report in the organisation's language.
pub(crate) async fn report(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let format = match file.as_str() {
        "report.csv" => "csv",
        "report.xlsx" => "xlsx",
        _ => return Err(HttpError::not_found()),
    };
    let f = verifier::bulk_report(&state, &v, &id, format, v.locale).await?;
    Ok(verifier_file_response(f))
}
