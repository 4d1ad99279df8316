//! The installation admin's home page: the tenants, creating one, suspending and reactivating.

use super::Done;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::{AppResult, HttpError};
use crate::extract::{Path, Query};
use crate::routes::pages::{CsrfOnly, render, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::tenants::{self, CreateTenant};
use tessera_domain::Role;

async fn home_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let all = tenants::list(state, &user).await?;
    let locale = user.tenant.locale;
    let ctx = context! { tenants => all, locales => super::tenant::locales(), ..ctx };
    render(state, jar, &MaybeUser(Some(user)), locale, "home_admin.html", status, ctx)
}

/// `GET /admin`: the installation admin's overview of tenants, with the form for a new one.
pub(crate) async fn admin(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let done = q.done.filter(|d| matches!(d.as_str(), "created" | "suspended" | "reactivated"));
    let form = context! { kind => "centre", country => user.tenant.country.as_str(), timezone => user.tenant.timezone.name(), locale => user.tenant.locale.as_str() };
    home_page(&state, user, jar, StatusCode::OK, context! { done => done, form => form }).await
}

#[derive(Deserialize)]
pub(crate) struct NewTenantForm {
    csrf: String,
    kind: String,
    name: String,
    #[serde(default)]
    slug: String,
    country: String,
    timezone: String,
    locale: String,
}

impl CsrfProtected for NewTenantForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /admin/tenants`: creates a centre or a verifier organisation; a refusal shows the form
/// again with the field at fault.
pub(crate) async fn create(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(f): CsrfForm<NewTenantForm>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let slug = Some(f.slug.trim().to_owned()).filter(|s| !s.is_empty());
    let req = CreateTenant {
        kind: f.kind.clone(),
        name: f.name.clone(),
        slug: slug.clone(),
        country: f.country.clone(),
        timezone: f.timezone.clone(),
        locale: f.locale.clone(),
    };
    match tenants::create(&state, &user, req).await {
        Ok(_) => Ok(Redirect::to("/admin?done=created").into_response()),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            let form = context! { kind => f.kind, name => f.name, slug => slug, country => f.country, timezone => f.timezone, locale => f.locale };
            let error = e.for_page();
            home_page(&state, user, jar, status, context! { form => form, error => error }).await
        }
        Err(e) => Err(e.into()),
    }
}

fn suspending(action: &str) -> Result<bool, HttpError> {
    match action {
        "suspend" => Ok(true),
        "reactivate" => Ok(false),
        _ => Err(HttpError::not_found()),
    }
}

/// `GET /admin/tenants/{slug}/{suspend|reactivate}`: what will happen, and the button to do it.
pub(crate) async fn confirm(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((slug, action)): Path<(String, String)>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let suspend = suspending(&action)?;
    let tenant =
        tenants::list(&state, &user).await?.into_iter().find(|t| t.slug() == slug).ok_or_else(HttpError::not_found)?;
    let ctx = context! { name => tenant.name(), slug => slug, action => action, suspend => suspend };
    render_user(&state, jar, user, "admin_confirm.html", StatusCode::OK, ctx)
}

/// `POST /admin/tenants/{slug}/{suspend|reactivate}`.
pub(crate) async fn change_status(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((slug, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let suspend = suspending(&action)?;
    tenants::change_status(&state, &user, &slug, suspend).await?;
    let done = if suspend { "suspended" } else { "reactivated" };
    Ok(Redirect::to(&format!("/admin?done={done}")).into_response())
}
