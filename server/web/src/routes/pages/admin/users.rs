//! A tenant's users for the installation admin: the list, adding one (who gets an invitation to
//! set their password), and sending one a password reset link (after a confirmation page).

use super::Done;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::{CsrfOnly, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::{tenants, users};
use tessera_domain::{Role, TenantKind};

async fn users_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    slug: &str,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenants::get(state, &user, slug).await?;
    let list = users::of_tenant(state, &user, slug).await?;
    // The roles an admin adds here: the tenant kind's, but candidates (they activate themselves).
    let kind: TenantKind = tenant.kind().parse().map_err(tessera_app::error::AppError::from)?;
    let roles: Vec<&str> = kind.roles().iter().filter(|r| **r != Role::Candidate).map(|r| r.as_str()).collect();
    let ctx = context! { tenant => tenant, users => list, roles => roles, ..ctx };
    render_user(state, jar, user, "admin_users.html", status, ctx)
}

/// `GET /admin/tenants/{slug}/users`: the tenant's users and the form to add one.
pub(crate) async fn list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let done = q.done.filter(|d| matches!(d.as_str(), "added" | "reset_sent"));
    users_page(&state, user, jar, &slug, StatusCode::OK, context! { done => done, form => context! {} }).await
}

#[derive(Deserialize)]
pub(crate) struct InviteForm {
    csrf: String,
    role: String,
    name: String,
    email: String,
}

impl CsrfProtected for InviteForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /admin/tenants/{slug}/users`: adds the user and emails them a link to set their
/// password; a refusal shows the form again with what was typed and the field at fault.
pub(crate) async fn invite(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let req = users::InviteUser { role: f.role.clone(), name: f.name.clone(), email: f.email.clone() };
    match users::invite(&state, &user, &slug, req).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/tenants/{slug}/users?done=added")).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let form = context! { role => f.role, name => f.name, email => f.email };
            users_page(&state, user, jar, &slug, status, context! { form => form, error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/tenants/{slug}/users/{id}/reset`: what will happen, and the button to do it.
pub(crate) async fn confirm_reset(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenants::get(&state, &user, &slug).await?;
    let target = users::of_tenant_one(&state, &user, &slug, &id).await?;
    if target.email.is_none() {
        return Err(crate::error::HttpError::not_found());
    }
    let ctx = context! { tenant => tenant, target => target };
    render_user(&state, jar, user, "admin_user_reset.html", StatusCode::OK, ctx)
}

/// `POST /admin/tenants/{slug}/users/{id}/reset`: emails the user a link to set a new password.
pub(crate) async fn send_reset(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    users::send_reset(&state, &user, &slug, &id).await?;
    Ok(Redirect::to(&format!("/admin/tenants/{slug}/users?done=reset_sent")).into_response())
}
