//! The shared list: results shared with the organisation, newest first (R-SHARED-LIST).

use super::Verifier;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::ErrorCode;
use tessera_storage::repo::search_log;
use utoipa::ToSchema;

/// A row of the shared list (R-SHARED-LIST).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedRow {
    /// The share's id.
    pub share_id: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Exam taken.
    pub exam_name: String,
    /// Date shared, `YYYY-MM-DD hh:mm:ss` (UTC).
    pub shared_at: String,
    /// Shared since the user's previous sign-in.
    pub is_new: bool,
}

/// The shared list: newest first, with what is new since the previous sign-in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedList {
    /// Candidates who shared since the user's previous sign-in.
    pub new_count: i64,
    /// Active shares in all.
    pub total: i64,
    /// Page number, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
    /// The rows.
    pub rows: Vec<SharedRow>,
}

/// The shared list of `v` as seen by user `user_id` (whose previous sign-in decides "new").
pub async fn shared_list(state: &AppState, v: &Verifier, page: i64, per_page: i64) -> AppResult<SharedList> {
    if page < 1 || !(1..=200).contains(&per_page) {
        return Err(if page < 1 {
            AppError::at(ErrorCode::NotPositive, "page")
        } else {
            AppError::at(ErrorCode::OutOfRange, "per_page").arg("min", 1).arg("max", 200)
        });
    }
    let (tenant, actor) = (v.tenant, v.actor_id.clone());
    let (since, new_count, total, rows) = state
        .db
        .call(move |c| {
            let since = tessera_storage::repo::verifier::previous_login(c, tenant, &actor)?;
            let new_count = search_log::shared_since(c, tenant, since)?;
            let total = search_log::shared_since(c, tenant, None)?;
            let rows = search_log::newest(c, tenant, (page - 1).saturating_mul(per_page), per_page)?;
            Ok((since, new_count, total, rows))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| SharedRow {
            is_new: since.is_none_or(|s| r.shared_at > s),
            share_id: r.share_id,
            first_name: r.first_name,
            family_name: r.family_name,
            exam_name: r.exam_name,
            shared_at: r.shared_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        })
        .collect();
    Ok(SharedList { new_count, total, page, per_page, rows })
}
