//! Custom templates of a data file: listing, creating and deleting them.

use super::{Column, check_columns, default_columns};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::Verifier;
use serde::{Deserialize, Serialize};
use tessera_domain::ErrorCode;
use tessera_storage::repo::downloads;
use utoipa::ToSchema;

/// A data-file template.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateView {
    /// Id (absent when creating).
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Columns in order.
    pub fields: Vec<Column>,
}

/// The name the default template goes by in the API.
pub const DEFAULT_TEMPLATE_NAME: &str = "Default (every field)";

/// The data-file templates: the default one (every field, no id) first, then the custom ones by name.
pub async fn templates(state: &AppState, v: &Verifier) -> AppResult<Vec<TemplateView>> {
    let tenant = v.tenant;
    let rows = state.db.call(move |c| downloads::templates(c, tenant)).await?;
    let mut out =
        vec![TemplateView { id: None, name: DEFAULT_TEMPLATE_NAME.into(), fields: default_columns(state, v.locale) }];
    for t in rows {
        out.push(TemplateView {
            id: Some(t.id),
            name: t.name,
            fields: serde_json::from_str(&t.fields).map_err(AppError::internal)?,
        });
    }
    Ok(out)
}

/// Checks and saves a custom data-file template: chosen fields, their order and headers.
pub async fn create_template(
    state: &AppState,
    v: &Verifier,
    name: &str,
    fields: Vec<Column>,
) -> AppResult<TemplateView> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::at(ErrorCode::Length, "name").arg("min", 1).arg("max", 100));
    }
    check_columns(&fields)?;
    let json = serde_json::to_string(&fields).map_err(AppError::internal)?;
    let (tenant, actor, now, n2) = (v.tenant, v.actor_id.clone(), state.clock.now(), name.clone());
    let row = state.db.call(move |c| downloads::create_template(c, tenant, &n2, &json, &actor, now)).await?;
    Ok(TemplateView { id: Some(row.id), name, fields })
}

/// Deletes a custom data-file template of the organisation (404 for any other id).
pub async fn delete_template(state: &AppState, v: &Verifier, id: &str) -> AppResult<()> {
    let (tenant, id) = (v.tenant, id.to_owned());
    Ok(state.db.call(move |c| downloads::delete_template(c, tenant, &id)).await?)
}
