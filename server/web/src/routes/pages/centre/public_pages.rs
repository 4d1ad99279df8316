//! A centre's public pages (R-PUBLIC-CALENDAR): the session calendar with the forms to download
//! and the regulations, for anyone; and the staff page where the regulations and forms are kept.

use super::STAFF;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser, check_csrf};
use crate::error::{AppResult, HttpError};
use crate::extract::{Multipart, Path};
use crate::routes::pages::{pdf_response, render};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::public_pages as ops;
use tessera_app::centre::read::public_centre;
use tessera_domain::public_pages::PublicFormKind;
use tessera_domain::{ErrorCode, Labelled};

fn kinds() -> Vec<&'static str> {
    PublicFormKind::ALL.iter().map(|k| k.code()).collect()
}

/// `GET /t/{tenant}/calendar`: the centre's upcoming sessions, its forms and a link to its
/// regulations (no account).
pub(crate) async fn calendar(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = public_centre(&state, slug).await?;
    let sessions = ops::public_calendar(&state, &tenant).await?;
    let forms = ops::public_forms(&state, tenant.id).await?;
    let regulations = ops::regulations(&state, tenant.id).await?;
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "public_calendar.html",
        StatusCode::OK,
        context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), timezone => tenant.timezone.name(), sessions => sessions, forms => forms, has_regulations => regulations.is_some() },
    )
}

/// `GET /t/{tenant}/regulations`: the centre's regulations (no account).
pub(crate) async fn regulations(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = public_centre(&state, slug).await?;
    let regulations = ops::regulations(&state, tenant.id).await?;
    let paragraphs: Vec<String> = regulations
        .as_ref()
        .map(|r| r.body.split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    render(
        &state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "public_regulations.html",
        StatusCode::OK,
        context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), timezone => tenant.timezone.name(), regulations => regulations, paragraphs => paragraphs },
    )
}

/// `GET /t/{tenant}/forms/{kind}`: downloads one of the centre's forms (no account).
pub(crate) async fn form(
    State(state): State<SharedState>,
    Path((slug, kind)): Path<(String, String)>,
) -> AppResult<Response> {
    let tenant = public_centre(&state, slug).await?;
    let (filename, bytes) = ops::public_form_file(&state, tenant.id, kind).await?;
    Ok(pdf_response(&filename, bytes))
}

async fn staff_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let regulations = ops::regulations(state, tid).await?;
    let forms = ops::public_forms(state, tid).await?;
    let (locale, slug) = (user.tenant.locale, user.tenant.slug.clone());
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "centre_public.html",
        status,
        context! { slug => slug, regulations => regulations, forms => forms, kinds => kinds(), ..extra },
    )
}

/// `GET /centre/public`: the centre's regulations and published forms, as staff keep them.
pub(crate) async fn show(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    staff_page(&state, user, jar, StatusCode::OK, context! {}).await
}

csrf_form!(RegulationsForm { regulations: String });

/// `POST /centre/public/regulations`: replaces the regulations.
pub(crate) async fn save_regulations(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(f): CsrfForm<RegulationsForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    match ops::set_regulations(&state, &user, f.regulations.clone()).await {
        Ok(_) => Ok(Redirect::to("/centre/public").into_response()),
        Err(e) if e.is_refusal() => {
            let status = e.status;
            staff_page(&state, user, jar, status, context! { error => e.for_page(), typed => f.regulations }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /centre/public/forms` (multipart: `csrf`, `kind`, `file`): publishes a form.
pub(crate) async fn upload_form(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    mut form: Multipart,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let (mut csrf, mut kind, mut file) = (String::new(), String::new(), None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("kind") => kind = part.text().await?,
            Some("file") => {
                let name = part.file_name().unwrap_or("form.pdf").to_owned();
                let ct = part.content_type().unwrap_or("application/octet-stream").to_owned();
                file = Some((name, ct, part.bytes().await?));
            }
            _ => {}
        }
    }
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    let (filename, content_type, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    let upload = tessera_app::centre::Upload { kind, filename, content_type, bytes: bytes.to_vec(), original: true };
    match ops::publish_form(&state, &user, upload).await {
        Ok(_) => Ok(Redirect::to("/centre/public").into_response()),
        Err(e) if e.is_refusal() => {
            let status = e.status;
            staff_page(&state, user, jar, status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /centre/entries/{id}/certifying-statement.pdf`: the entry's newest Certifying Statement
/// (R-NAME-SPELLING), for staff to print.
pub(crate) async fn certifying_statement(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let (name, pdf) = tessera_app::after_exam::certifying_statement_pdf(&state, &user.tenant, &id).await?;
    Ok(pdf_response(&name, pdf))
}
