//! The organisation's custom data-file templates for bulk downloads.

use crate::auth::{CsrfForm, CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::{CsrfOnly, FormPairs, render};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use tessera_app::AppError;
use tessera_app::bulk::{self, Column, FIELDS};
use tessera_app::verifier::Verifier;
use tessera_domain::ErrorCode;

/// One field in the new-template form: whether it is ticked, its position and header.
#[derive(Debug, Clone, Serialize)]
struct FieldRow {
    field: &'static str,
    include: bool,
    order: String,
    header: String,
}

/// The new-template form as first shown: nothing ticked, default positions, and each field's
/// name in the organisation's language as its header.
fn blank_fields(state: &SharedState, locale: tessera_domain::Locale) -> Vec<FieldRow> {
    FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| FieldRow {
            field: f,
            include: false,
            order: (i + 1).to_string(),
            header: state.templates.text(locale, &format!("verifier.fields.{f}")),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    done: Option<String>,
}

async fn templates_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let templates = bulk::templates(state, &v).await?;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        v.locale,
        "verifier_templates.html",
        status,
        context! { templates => templates, ..ctx },
    )
}

/// `GET /verifier/download-templates`: the default and custom templates, and the form for a new one.
pub(crate) async fn templates(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let done = n.done.filter(|d| d == "created" || d == "deleted");
    let fields = blank_fields(&state, user.tenant.locale);
    templates_page(&state, user, jar, StatusCode::OK, context! { fields => fields, done => done }).await
}

/// Reads the new-template form: the ticked fields (`include`) ordered by their position
/// (`order_<field>`, ties in the default order), each with its header (`header_<field>`).
fn columns_of(form: &FormPairs) -> (Vec<FieldRow>, Result<Vec<Column>, AppError>) {
    let ticked = form.all("include");
    let rows: Vec<FieldRow> = FIELDS
        .iter()
        .map(|f| FieldRow {
            field: f,
            include: ticked.iter().any(|t| t == f),
            order: form.one(&format!("order_{f}")).unwrap_or_default().trim().to_owned(),
            header: form.one(&format!("header_{f}")).unwrap_or_default().trim().to_owned(),
        })
        .collect();
    if let Some(unknown) = ticked.iter().find(|t| !FIELDS.contains(&t.as_str())) {
        return (
            rows,
            Err(AppError::at(ErrorCode::InvalidChoice, "fields")
                .arg("value", unknown)
                .arg("choices", FIELDS.join(", "))),
        );
    }
    let mut chosen = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.include) {
        match r.order.parse::<u32>() {
            Ok(n) if (1..=99).contains(&n) => chosen.push((n, i, r)),
            _ => {
                let e = AppError::at(ErrorCode::OutOfRange, format!("order_{}", r.field)).arg("min", 1).arg("max", 99);
                return (rows.clone(), Err(e));
            }
        }
    }
    chosen.sort_by_key(|(n, i, _)| (*n, *i));
    let cols = chosen.iter().map(|(_, _, r)| Column { field: r.field.to_owned(), header: r.header.clone() }).collect();
    (rows.clone(), Ok(cols))
}

/// `POST /verifier/download-templates`: saves a custom template; a refusal shows the form again
/// as it was filled in, with the reason, and saves nothing.
pub(crate) async fn create_template(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<FormPairs>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    let name = form.one("name").unwrap_or_default().to_owned();
    let (rows, cols) = columns_of(&form);
    let saved = match cols {
        Ok(cols) => bulk::create_template(&state, &v, &name, cols).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to("/verifier/download-templates?done=created").into_response()),
        Err(e) if e.is_refusal() => {
            let ctx = context! { fields => rows, name => name, error => e.for_page() };
            templates_page(&state, user, jar, e.status, ctx).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /verifier/download-templates/{id}/delete`: deletes a custom template of the organisation.
pub(crate) async fn delete_template(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let v = Verifier::from_user(&user)?;
    bulk::delete_template(&state, &v, &id).await?;
    Ok(Redirect::to("/verifier/download-templates?done=deleted").into_response())
}
