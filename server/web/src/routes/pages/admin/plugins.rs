//! The plugin library: the installed policy plugins, uploading one (checked as `tessera plugin
//! check` does), and which plugin decides what for a tenant, with its settings.

use super::Done;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser, check_csrf};
use crate::error::AppResult;
use crate::extract::{Multipart, Path, Query};
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::{plugins, tenants};
use tessera_domain::Role;

async fn library_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let list = plugins::list(state, &user)?;
    let all = tenants::list(state, &user).await?;
    let tenants: Vec<Value> = all
        .iter()
        .filter(|t| t.kind() != "installation")
        .map(|t| context! { slug => t.slug(), name => t.name() })
        .collect();
    let ctx =
        context! { plugins => list, tenants => tenants, max_mib => plugins::MAX_MODULE_BYTES / (1024 * 1024), ..ctx };
    render_user(state, jar, user, "admin_plugins.html", status, ctx)
}

/// `GET /admin/plugins`: the installed plugins and the upload form.
pub(crate) async fn library(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let done = q.done.filter(|d| d == "installed");
    library_page(&state, user, jar, StatusCode::OK, context! { done => done }).await
}

/// `POST /admin/plugins`: a module and its manifest, checked, then installed; a plugin the check
/// refuses is not installed and the page says what the check found.
pub(crate) async fn upload(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    mut form: Multipart,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let (mut csrf, mut module, mut manifest) = (String::new(), Vec::new(), Vec::new());
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("module") => module = part.bytes().await?.to_vec(),
            Some("manifest") => manifest = part.bytes().await?.to_vec(),
            _ => {}
        }
    }
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    match plugins::upload(&state, &user, plugins::PluginUpload { module, manifest }).await {
        Ok(_) => Ok(Redirect::to("/admin/plugins?done=installed").into_response()),
        Err(e) if e.is_refusal() => {
            let status = e.status;
            library_page(&state, user, jar, status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn tenant_plugins_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    slug: &str,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenants::get(state, &user, slug).await?;
    let assigned = plugins::assignments(state, &user, slug.to_owned()).await?;
    let list = plugins::list(state, &user)?;
    let kinds = plugins::kinds();
    let ctx = context! { tenant => tenant, assigned => assigned, plugins => list, kinds => kinds, ..ctx };
    render_user(state, jar, user, "admin_tenant_plugins.html", status, ctx)
}

/// `?done=assigned` after an assignment; `?kind=refund` to change that kind's assignment (the
/// form starts from its plugin and settings).
#[derive(Deserialize)]
pub(crate) struct TenantPluginsQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// `GET /admin/tenants/{slug}/plugins`: which plugin decides each kind for the tenant, and the
/// form to assign one with its settings.
pub(crate) async fn tenant_plugins(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<TenantPluginsQuery>,
) -> AppResult<Response> {
    let done = q.done.filter(|d| d == "assigned");
    let form = match q.kind {
        Some(kind) => {
            let current = plugins::assignments(&state, &user, slug.clone()).await?.into_iter().find(|a| a.kind == kind);
            match current {
                Some(a) => context! { kind => a.kind, plugin => a.plugin, config => a.config },
                None => context! {},
            }
        }
        None => context! {},
    };
    tenant_plugins_page(&state, user, jar, &slug, StatusCode::OK, context! { done => done, form => form }).await
}

#[derive(Deserialize)]
pub(crate) struct AssignForm {
    csrf: String,
    kind: String,
    plugin: String,
    #[serde(default)]
    config: String,
}

impl CsrfProtected for AssignForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /admin/tenants/{slug}/plugins`: assigns the plugin to decide the kind, with the settings
/// (a JSON object; empty for the plugin's defaults) once the plugin accepts them.
pub(crate) async fn assign(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let config = if f.config.trim().is_empty() {
        Ok(serde_json::Value::Null)
    } else {
        serde_json::from_str::<serde_json::Value>(&f.config)
            .map_err(|_| tessera_app::error::AppError::at(tessera_domain::ErrorCode::InvalidConfig, "config"))
    };
    let result = match config {
        Ok(config) => plugins::assign(&state, &user, slug.clone(), &f.kind, f.plugin.clone(), config).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/tenants/{slug}/plugins?done=assigned")).into_response()),
        Err(e) if e.is_refusal() => {
            let status = e.status;
            let form = context! { kind => f.kind, plugin => f.plugin, config => f.config };
            tenant_plugins_page(&state, user, jar, &slug, status, context! { form => form, error => e.for_page() })
                .await
        }
        Err(e) => Err(e.into()),
    }
}
