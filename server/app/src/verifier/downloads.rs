//! Downloading a shared result's exam-day photo and Statement of Results.

use super::{Verifier, record, shared_sheet, visible_photo};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use tessera_domain::TenantId;

/// The exam-day photo of a shared result (R-PHOTO-DAY), as `(content type, bytes)`: 404 unless
/// the centre stored one and its photo policy lets verifiers see it. Recorded as a download.
pub async fn photo(state: &AppState, v: &Verifier, share_id: &str) -> AppResult<(String, Vec<u8>)> {
    let (share, sheet, _) = shared_sheet(state, v, share_id).await?;
    let doc = visible_photo(state, &share, &sheet).await?.ok_or_else(AppError::not_found)?;
    let centre: TenantId = share.tenant_id.parse().map_err(AppError::internal)?;
    let path = crate::centre::document_path(state, centre, &doc.id);
    let bytes = tokio::fs::read(&path).await.map_err(AppError::internal)?;
    record(state, v, &share.id, "download").await?;
    Ok((doc.content_type, bytes))
}

/// The Statement of Results PDF of a shared result; the download is recorded and audited.
pub async fn statement(state: &AppState, v: &Verifier, share_id: &str) -> AppResult<(String, Vec<u8>)> {
    let (share, sheet, _) = shared_sheet(state, v, share_id).await?;
    let centre: TenantId = share.tenant_id.parse().map_err(AppError::internal)?;
    let pdf = crate::documents::statement_of_results(state, centre, share.entry_id.clone(), v.locale).await?;
    record(state, v, &share.id, "download").await?;
    Ok((format!("statement-of-results-{}.pdf", file_safe(&sheet.result.sor_number)), pdf))
}

/// A name safe in a `Content-Disposition` header.
pub fn file_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}
