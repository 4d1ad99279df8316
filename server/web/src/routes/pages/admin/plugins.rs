//! The plugin library: the installed policy plugins, uploading one (checked as `tessera plugin
//! check` does), and which plugin decides what for a tenant, with its settings.

use super::Done;
use crate::auth::{CsrfForm, CurrentUser, MaybeUser, check_csrf};
use crate::error::AppResult;
use crate::extract::{Multipart, Path, Query};
use crate::routes::pages::{FormPairs, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::error::PageError;
use tessera_app::{plugin_settings, plugins, tenants};
use tessera_domain::Role;

async fn library_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let list = plugins::list_for_page(state, &user)?;
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
    let list = plugins::list_for_page(state, &user)?;
    let kinds = plugins::kinds();
    let ctx = context! { tenant => tenant, assigned => assigned, plugins => list, kinds => kinds, ..ctx };
    render_user(state, jar, user, "admin_tenant_plugins.html", status, ctx)
}

/// `?done=assigned` after an assignment; `?kind=refund` to choose a plugin for that kind (the
/// first step starts from it).
#[derive(Deserialize)]
pub(crate) struct TenantPluginsQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// `GET /admin/tenants/{slug}/plugins`: which plugin decides each kind for the tenant, and the
/// first step of assigning one: the kind and the plugin (the second step asks for its settings).
pub(crate) async fn tenant_plugins(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<TenantPluginsQuery>,
) -> AppResult<Response> {
    let done = q.done.filter(|d| d == "assigned");
    let form = context! { kind => q.kind };
    tenant_plugins_page(&state, user, jar, &slug, StatusCode::OK, context! { done => done, form => form }).await
}

/// `?kind=refund&plugin=pl`: the plugin chosen for the kind in the first step.
#[derive(Deserialize)]
pub(crate) struct ChosenPlugin {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    plugin: String,
}

async fn settings_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    slug: &str,
    status: StatusCode,
    form: plugin_settings::SettingsForm,
    ctx: Value,
) -> AppResult<Response> {
    let tenant = tenants::get(state, &user, slug).await?;
    let schema = form.has_schema();
    let ctx = context! { tenant => tenant, form => form, schema => schema, ..ctx };
    render_user(state, jar, user, "admin_plugin_settings.html", status, ctx)
}

/// `GET /admin/tenants/{slug}/plugins/settings?kind=..&plugin=..`: the second step, the plugin's
/// settings field by field (labelled by the plugin in the admin's language), filled with the
/// tenant's settings or the plugin's defaults; a plugin without a settings schema gets a JSON box.
/// A plugin that does not decide the kind sends the admin back to the first step, told why.
pub(crate) async fn settings(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    Query(q): Query<ChosenPlugin>,
) -> AppResult<Response> {
    match plugin_settings::form(&state, &user, slug.clone(), &q.kind, &q.plugin).await {
        Ok(form) => settings_page(&state, user, jar, &slug, StatusCode::OK, form, context! {}).await,
        Err(e) if e.is_refusal() => back_to_first_step(&state, user, jar, &slug, &q.kind, &q.plugin, e).await,
        Err(e) => Err(e.into()),
    }
}

/// The first step again, with the kind and plugin chosen and why they cannot go on (a plugin that
/// does not decide the kind, an unknown one).
async fn back_to_first_step(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    slug: &str,
    kind: &str,
    plugin: &str,
    e: tessera_app::error::AppError,
) -> AppResult<Response> {
    let form = context! { kind => kind, plugin => plugin };
    tenant_plugins_page(state, user, jar, slug, e.status, context! { form => form, error => e.for_page() }).await
}

/// `POST /admin/tenants/{slug}/plugins`: assigns the plugin to decide the kind with the settings
/// of the second step: field by field for a plugin with a settings schema (each field checked,
/// then the plugin judges them all), else a JSON object (empty for the plugin's defaults). A
/// refusal shows the form again, as typed, with each message beside its field.
pub(crate) async fn assign(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<FormPairs>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let (kind, plugin) = (f.one("kind").unwrap_or("").to_owned(), f.one("plugin").unwrap_or("").to_owned());
    let mut form = match plugin_settings::form(&state, &user, slug.clone(), &kind, &plugin).await {
        Ok(form) => form,
        Err(e) if e.is_refusal() => return back_to_first_step(&state, user, jar, &slug, &kind, &plugin, e).await,
        Err(e) => return Err(e.into()),
    };
    let locale = user.tenant.locale;
    if form.has_schema() {
        let settings = state.policies.info(&plugin).map(|p| p.settings).unwrap_or_default();
        match plugin_settings::assign(&state, &user, slug.clone(), &kind, &plugin, &f.0).await? {
            Ok(()) => Ok(Redirect::to(&format!("/admin/tenants/{slug}/plugins?done=assigned")).into_response()),
            Err(refused) => {
                form.fields = plugin_settings::fields_from_posted(&settings, &f.0, &refused.errors, locale);
                let errors: Vec<PageError> = refused.errors.iter().map(|e| PageError::new(e, locale)).collect();
                settings_page(
                    &state,
                    user,
                    jar,
                    &slug,
                    StatusCode::BAD_REQUEST,
                    form,
                    context! { field_errors => errors },
                )
                .await
            }
        }
    } else {
        let text = f.one("config").unwrap_or("").to_owned();
        let config = if text.trim().is_empty() {
            Ok(serde_json::Value::Null)
        } else {
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|_| tessera_app::error::AppError::at(tessera_domain::ErrorCode::InvalidConfig, "config"))
        };
        let result = match config {
            Ok(config) => plugins::assign(&state, &user, slug.clone(), &kind, plugin.clone(), config).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => Ok(Redirect::to(&format!("/admin/tenants/{slug}/plugins?done=assigned")).into_response()),
            Err(e) if e.is_refusal() => {
                form.json = text;
                // The JSON box is the one control: a refusal of a key inside it is shown there.
                let mut error = PageError::new(&e.error, locale);
                error.field = Some("config".into());
                settings_page(&state, user, jar, &slug, e.status, form, context! { field_errors => vec![error] }).await
            }
            Err(e) => Err(e.into()),
        }
    }
}
