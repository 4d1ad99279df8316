//! Making a bulk download, downloading it again, and the history of downloads.

use super::{File, build, columns};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::Verifier;
use serde::{Deserialize, Serialize};
use tessera_domain::ErrorCode;
use tessera_storage::repo::downloads::{self, Download};
use utoipa::ToSchema;

/// Shared results per download at most.
pub const MAX_SELECTION: usize = 500;

/// A bulk download asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BulkRequest {
    /// The ticked shared results.
    pub share_ids: Vec<String>,
    /// `pdf` (a zip of Statements of Results), `csv` or `xlsx`.
    pub format: String,
    /// A custom template for data files; the default template (every field) when absent.
    #[serde(default)]
    pub template_id: Option<String>,
}

/// Builds a bulk download and records it in the history. Returns its id and the file.
pub async fn create(state: &AppState, v: &Verifier, req: BulkRequest) -> AppResult<(String, File)> {
    let mut ids = req.share_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_SELECTION {
        return Err(AppError::at(ErrorCode::SelectionSize, "share_ids").arg("min", 1).arg("max", MAX_SELECTION));
    }
    if !matches!(req.format.as_str(), "pdf" | "csv" | "xlsx") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "format")
            .arg("value", &req.format)
            .arg("choices", "pdf, csv, xlsx"));
    }
    let cols = columns(state, v, req.template_id.as_deref()).await?;
    let (file, count) = build(state, v, &ids, &req.format, &cols).await?;
    if count == 0 {
        return Err(AppError::new(ErrorCode::NothingShared));
    }
    let d = Download {
        tenant_id: v.tenant.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        actor_id: v.actor_id.clone(),
        format: req.format.clone(),
        template_id: req.template_id.clone(),
        share_ids: serde_json::to_string(&ids).map_err(AppError::internal)?,
        count: count as i32,
        created_at: state.clock.now().naive_utc(),
    };
    let (id, actor, tenant, now) = (d.id.clone(), v.actor_id.clone(), v.tenant, state.clock.now());
    state
        .db
        .call(move |c| {
            downloads::record(c, &d)?;
            let ev = tessera_storage::repo::audit::AuditEvent {
                actor: Some(&actor),
                action: "verifier.bulk_download",
                target: Some(&d.id),
                details: serde_json::json!({"format": d.format, "count": d.count}),
                request_id: None,
            };
            tessera_storage::repo::audit::append(c, tenant, &ev, now)
        })
        .await?;
    Ok((id, file))
}

/// Downloads a past download again (the results still shared).
pub async fn again(state: &AppState, v: &Verifier, id: &str) -> AppResult<File> {
    let (tenant, id) = (v.tenant, id.to_owned());
    let d = state.db.call(move |c| downloads::get(c, tenant, &id)).await?;
    let ids: Vec<String> = serde_json::from_str(&d.share_ids).map_err(AppError::internal)?;
    let cols = columns(state, v, d.template_id.as_deref()).await?;
    let (file, _) = build(state, v, &ids, &d.format, &cols).await?;
    Ok(file)
}

/// A past download.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DownloadView {
    /// Id, for downloading again.
    pub id: String,
    /// `pdf`, `csv` or `xlsx`.
    pub format: String,
    /// Custom template used, if any.
    pub template_id: Option<String>,
    /// Results in the file when it was made.
    pub count: i32,
    /// Who asked (user or `api:<client id>`).
    pub actor_id: String,
    /// When (UTC, `YYYY-MM-DD hh:mm:ss`).
    pub created_at: String,
}

/// Names for a download's "by" column, by id: the organisation's users, and its API clients
/// (revoked ones too) as `api:<id>`.
pub async fn who_names(state: &AppState, v: &Verifier) -> AppResult<std::collections::HashMap<String, String>> {
    use tessera_storage::repo::{api_clients, users};
    let tid = v.tenant;
    let (people, clients) = state.db.call(move |c| Ok((users::list(c, tid)?, api_clients::list(c, tid)?))).await?;
    let mut names: std::collections::HashMap<String, String> =
        people.into_iter().map(|u| (u.id, u.display_name)).collect();
    names.extend(clients.into_iter().map(|c| (format!("api:{}", c.id), c.name)));
    Ok(names)
}

/// The organisation's download history, newest first (the latest 200).
pub async fn history(state: &AppState, v: &Verifier) -> AppResult<Vec<DownloadView>> {
    let tenant = v.tenant;
    let rows = state.db.call(move |c| downloads::history(c, tenant, 200)).await?;
    Ok(rows
        .into_iter()
        .map(|d| DownloadView {
            id: d.id,
            format: d.format,
            template_id: d.template_id,
            count: d.count,
            actor_id: d.actor_id,
            created_at: d.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        })
        .collect())
}
