//! Documents people download: each a minijinja template in the tenant's language, typeset to PDF.

use crate::error::AppError;
use crate::state::AppState;
use minijinja::context;
use tessera_domain::{Locale, TenantId};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::{centre, tenants};

/// The centre as every document prints it: its name, its number (the code people type to sign
/// in) and, once its manager has set them, its address (on one line) and help line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentCentre {
    pub name: String,
    pub code: String,
    pub address: Option<String>,
    pub help_phone: Option<String>,
    pub help_email: Option<String>,
}

impl From<&Tenant> for DocumentCentre {
    fn from(t: &Tenant) -> Self {
        let contact = t.contact.as_ref();
        Self {
            name: t.name.clone(),
            code: t.slug.clone(),
            address: contact.map(|c| c.address_line()),
            help_phone: contact.map(|c| c.help_phone.clone()),
            help_email: contact.and_then(|c| c.help_email.clone()),
        }
    }
}

/// The name of the credential attached to a Statement of Results PDF.
pub const CREDENTIAL_ATTACHMENT: &str = "credential.json";

/// The Statement of Results of an entry of `centre` (its current result version), as a PDF, in
/// `locale`. Callers check who may see it (R-RELEASE, shares) before asking. A released result
/// carries its credential (R-CREDENTIAL): a QR code of the verification link and the signed
/// credential as an attachment.
pub async fn statement_of_results(
    state: &AppState,
    centre: TenantId,
    entry_id: String,
    locale: Locale,
) -> Result<Vec<u8>, AppError> {
    let (wrap, url, now) = (state.credential_keys.clone(), state.settings.public_url.clone(), state.clock.now());
    let (sheet, tenant, issued) = state
        .db
        .call(move |c| {
            let sheet = centre::result_sheet(c, centre, &entry_id)?;
            let tenant = tenants::by_id(c, centre)?;
            let issued = crate::credentials::issue::for_entry_in(c, &tenant, &entry_id, &wrap, &url, now);
            Ok((sheet, tenant, issued))
        })
        .await?;
    let issued = issued?;
    let templates = state.templates.clone();
    tokio::task::spawn_blocking(move || {
        let title = templates.text(locale, "sor.title");
        let src = templates
            .render(
                "documents/statement_of_results.txt",
                locale,
                context! {
                    sheet => sheet, centre => DocumentCentre::from(&tenant), timezone => tenant.timezone.name(),
                    verify_link => issued.as_ref().map(|i| i.link.clone()),
                },
            )
            .map_err(AppError::internal)?;
        let seal = issued.map(|i| crate::pdf::Seal {
            caption: templates.text(locale, "sor.scan_to_verify"),
            link: i.link,
            attachment_name: CREDENTIAL_ATTACHMENT.to_owned(),
            attachment: serde_json::to_vec_pretty(&i.document).unwrap_or_default(),
        });
        crate::pdf::typeset_sealed(&src, &title, locale, seal.as_ref()).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}
