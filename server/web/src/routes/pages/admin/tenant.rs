//! One tenant for the installation admin: what it is, and changing its name, country, time zone
//! and language.

use super::Done;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::tenants::{self, EditTenant};
use tessera_domain::Role;

/// The language choices of a form: each language named in itself.
pub(super) fn locales() -> Vec<Value> {
    tessera_domain::Locale::ALL.iter().map(|l| context! { code => l.as_str(), name => l.native_name() }).collect()
}

async fn tenant_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    slug: &str,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenants::get(state, &user, slug).await?;
    let ctx = context! { tenant => tenant, locales => locales(), ..ctx };
    render_user(state, jar, user, "admin_tenant.html", status, ctx)
}

/// `GET /admin/tenants/{slug}`: the tenant, with the form to change it.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let done = q.done.filter(|d| d == "saved");
    tenant_page(&state, user, jar, &slug, StatusCode::OK, context! { done => done }).await
}

#[derive(Deserialize)]
pub(crate) struct EditForm {
    csrf: String,
    name: String,
    country: String,
    timezone: String,
    locale: String,
}

impl CsrfProtected for EditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /admin/tenants/{slug}`: saves the changes; a refusal shows the form again with what was
/// typed and the field at fault.
pub(crate) async fn save(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<EditForm>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let req = EditTenant {
        name: f.name.clone(),
        country: f.country.clone(),
        timezone: f.timezone.clone(),
        locale: f.locale.clone(),
    };
    match tenants::edit(&state, &user, &slug, req).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/tenants/{slug}?done=saved")).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let form = context! { name => f.name, country => f.country, timezone => f.timezone, locale => f.locale };
            let ctx = context! { form => form, error => e.for_page() };
            tenant_page(&state, user, jar, &slug, status, ctx).await
        }
        Err(e) => Err(e.into()),
    }
}
