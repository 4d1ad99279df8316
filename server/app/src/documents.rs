//! Documents people download: each a minijinja template in the tenant's language, typeset to PDF.

use crate::error::AppError;
use crate::state::AppState;
use minijinja::context;
use tessera_domain::{Locale, TenantId};
use tessera_storage::repo::{centre, tenants};

/// The Statement of Results of an entry of `centre` (its current result version), as a PDF, in
/// `locale`. Callers check who may see it (R-RELEASE, shares) before asking.
pub async fn statement_of_results(
    state: &AppState,
    centre: TenantId,
    entry_id: String,
    locale: Locale,
) -> Result<Vec<u8>, AppError> {
    let (sheet, tenant) =
        state.db.call(move |c| Ok((centre::result_sheet(c, centre, &entry_id)?, tenants::by_id(c, centre)?))).await?;
    let templates = state.templates.clone();
    tokio::task::spawn_blocking(move || {
        let title = templates.text(locale, "sor.title");
        let src = templates
            .render(
                "documents/statement_of_results.txt",
                locale,
                context! { sheet => sheet, centre_name => tenant.name, timezone => tenant.timezone.name() },
            )
            .map_err(AppError::internal)?;
        crate::pdf::typeset(&src, &title).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}
