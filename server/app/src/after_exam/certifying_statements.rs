//! The Certifying Statement (R-NAME-SPELLING): where a name correction is refused (2 years or more
//! after the certificate was issued), the centre issues a statement instead: the name as on the
//! certificate, the name as it should be, the exam, the result and the certificate's date, in the
//! candidate's language, for a fee charged on the entry.

use crate::centre::today;
use crate::error::AppError;
use crate::state::AppState;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::certificates::r_name_spelling_certifying_statement;
use tessera_domain::{ErrorCode, Money, TenantId};
use tessera_storage::StorageError;
use tessera_storage::repo::after_exam as store;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre;
use tessera_storage::repo::public_pages::{self as repo, CertifyingStatement};
use tessera_storage::repo::tenants::Tenant;

/// A Certifying Statement asked for (centre staff).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CertifyingStatementInput {
    /// The first name as it should be spelt.
    pub first_name: String,
    /// The family name as it should be spelt.
    pub family_name: String,
    /// The centre's fee for the statement, in minor units of the entry's currency: the charge due
    /// on the entry.
    pub fee_minor: i64,
}

/// A Certifying Statement as issued.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertifyingStatementView {
    pub id: String,
    pub entry_id: String,
    /// The name as on the certificate.
    pub name_on_certificate: String,
    /// The name as it should be.
    pub corrected_name: String,
    /// The fee charged, in minor units: the charge due on the entry.
    pub fee_minor: i64,
    pub currency: String,
    /// The fee as written, e.g. `120.00 PLN`.
    pub fee: String,
    /// The day it was issued (the centre's calendar).
    pub issued_on: String,
}

impl From<CertifyingStatement> for CertifyingStatementView {
    fn from(s: CertifyingStatement) -> Self {
        let fee = tessera_domain::Currency::parse(&s.currency)
            .map(|c| Money::new(s.fee_minor, c).to_string())
            .unwrap_or_else(|_| format!("{} {}", s.fee_minor, s.currency));
        Self {
            id: s.id,
            entry_id: s.entry_id,
            name_on_certificate: s.name_on_certificate,
            corrected_name: s.corrected_name,
            fee_minor: s.fee_minor,
            currency: s.currency,
            fee,
            issued_on: s.issued_on.to_string(),
        }
    }
}

/// Issues a Certifying Statement for entry `entry_id` (centre staff), only where a name correction
/// is refused (R-NAME-SPELLING); records its fee as the charge due on the entry, audited, in one
/// transaction.
pub async fn issue_certifying_statement(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: CertifyingStatementInput,
    actor: String,
) -> Result<CertifyingStatementView, AppError> {
    let first = tessera_domain::tenant::parse_name("first_name", &input.first_name)?;
    let family = tessera_domain::tenant::parse_name("family_name", &input.family_name)?;
    if input.fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "fee_minor"));
    }
    let (tid, eid, now) = (tenant.id, entry_id.to_owned(), state.clock.now());
    let day = today(tenant, now);
    let stored = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let entry = centre::entry(c, tid, &eid)?;
                let cert = store::certificate(c, tid, &eid).ok();
                if !r_name_spelling_certifying_statement(cert.map(|c| c.arrived_on), day) {
                    return Ok(Err(ErrorCode::CertifyingStatementNotOffered));
                }
                let cand = centre::candidate(c, tid, &entry.candidate_id)?;
                let s = CertifyingStatement {
                    tenant_id: tid.to_string(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: eid.clone(),
                    name_on_certificate: format!("{} {}", cand.first_name, cand.family_name),
                    corrected_name: format!("{first} {family}"),
                    fee_minor: input.fee_minor,
                    currency: entry.currency.clone(),
                    issued_on: day,
                    issued_by: actor.clone(),
                    created_at: now.naive_utc(),
                };
                repo::insert_certifying_statement(c, &s)?;
                let ev = AuditEvent {
                    actor: Some(&actor),
                    action: "certificate.certifying_statement",
                    target: Some(&eid),
                    details: json!({"statement": s.id, "fee_minor": s.fee_minor, "currency": s.currency}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                Ok::<_, StorageError>(Ok(s))
            })
        })
        .await?;
    match stored {
        Ok(s) => Ok(s.into()),
        Err(code) => Err(AppError::new(code)),
    }
}

/// The Certifying Statements of entry `entry_id`, newest first.
pub async fn certifying_statements(
    state: &AppState,
    tenant: TenantId,
    entry_id: &str,
) -> Result<Vec<CertifyingStatementView>, AppError> {
    let eid = entry_id.to_owned();
    Ok(state
        .db
        .call(move |c| repo::certifying_statements(c, tenant, &eid))
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The newest Certifying Statement of entry `entry_id` as a PDF in the centre's language (the
/// candidate's): file name and bytes. None issued is not found. Callers check who may see it.
pub async fn certifying_statement_pdf(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (statement, sheet, cert) = state
        .db
        .call(move |c| {
            let statement =
                repo::certifying_statements(c, tid, &eid)?.into_iter().next().ok_or(StorageError::NotFound)?;
            let sheet = centre::result_sheet(c, tid, &eid)?;
            let cert = store::certificate(c, tid, &eid)?;
            Ok((statement, sheet, cert))
        })
        .await?;
    let (templates, locale, centre, zone) = (
        state.templates.clone(),
        tenant.locale,
        crate::documents::DocumentCentre::from(tenant),
        tenant.timezone.name(),
    );
    let view = CertifyingStatementView::from(statement);
    let filename = format!("certifying-statement-{}.pdf", sheet.result.sor_number);
    let pdf = tokio::task::spawn_blocking(move || {
        let title = templates.text(locale, "statement.title");
        let src = templates
            .render(
                "documents/certifying_statement.txt",
                locale,
                context! { statement => view, sheet => sheet, certificate_date => cert.arrived_on.to_string(), centre => centre, timezone => zone },
            )
            .map_err(AppError::internal)?;
        crate::pdf::typeset(&src, &title, locale).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)??;
    Ok((filename, pdf))
}
