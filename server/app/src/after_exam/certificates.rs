//! Certificates: their arrival, collection and replacement.

use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::certificates::{ReplacementRequest, r_cert_replacement};
use tessera_storage::StorageError;
use tessera_storage::repo::after_exam::{self as store, Certificate};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;

/// Records the arrival of the certificates of a session's passing candidates and emails them
/// that they can collect (R-CERT-ARRIVAL). Returns how many arrived.
pub async fn certificates_arrived(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    actor: String,
) -> Result<usize, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let day = today(tenant, state.clock.now());
    let arrived = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                // Another tenant's or a made-up session is not found, and nothing is written.
                centre::session(c, tid, &sid)?;
                let mut out = Vec::new();
                for e in centre::session_entries(c, tid, &sid)? {
                    let Ok((r, _)) = centre::current_result(c, tid, &e.id) else { continue };
                    let passed =
                        r.status == "graded" && r.grade.as_deref().is_some_and(|g| matches!(g, "A" | "B" | "C"));
                    if !passed || store::certificate(c, tid, &e.id).is_ok() {
                        continue;
                    }
                    store::certificate_arrived(
                        c,
                        &Certificate {
                            tenant_id: tid.to_string(),
                            entry_id: e.id.clone(),
                            arrived_on: day,
                            collected_on: None,
                            collected_by: None,
                            collector_name: None,
                            collector_id_document: None,
                            signature_recorded: false,
                            courier_address: None,
                            replacements: 0,
                            destroyed_on: None,
                        },
                    )?;
                    out.push(centre::candidate(c, tid, &e.candidate_id)?);
                }
                Ok::<_, StorageError>(out)
            })
        })
        .await?;
    // The email is written in the candidate's language: the centre's (R-CERT-ARRIVAL).
    let exam = if arrived.is_empty() {
        String::new()
    } else {
        let sid = session_id.to_owned();
        let code = state.db.call(move |c| centre::session(c, tid, &sid)).await?.exam_code;
        crate::centre::read::exam_names(state).await?.get(&code).cloned().unwrap_or(code)
    };
    for cand in &arrived {
        if let Some(to) = cand.email.clone() {
            let (subject, body) = state
                .templates
                .render_email(
                    "email/certificate_arrived.txt",
                    tenant.locale,
                    context! { name => format!("{} {}", cand.first_name, cand.family_name), centre => tenant.name.clone(), exam => exam.clone() },
                )
                .map_err(AppError::internal)?;
            let job = crate::outbox::EmailJob { to, subject, body, attachments: vec![] };
            crate::outbox::queue_email(state, tid, format!("certificate-arrived:{}:{}", cand.id, session_id), job)
                .await?;
        }
    }
    audit_event(
        state,
        tid,
        Some(actor),
        "certificates.arrived",
        Some(session_id.to_owned()),
        json!({"count": arrived.len()}),
    )
    .await?;
    Ok(arrived.len())
}

/// How a certificate leaves the centre (R-CERT-COLLECTION).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CollectionInput {
    /// `candidate` (in person with photo ID), `authorised_person` (named on an authorisation form) or `courier`.
    pub by: String,
    pub collector_name: Option<String>,
    /// The photo ID shown by whoever collects.
    pub collector_id_document: Option<String>,
    /// Whether the collector signed for it.
    #[serde(default)]
    pub signature_recorded: bool,
    pub courier_address: Option<String>,
}

/// Records the collection of a certificate: in person with photo ID and signature, by an
/// authorised person, or by courier (R-CERT-COLLECTION). A withheld result has no certificate
/// to collect (R-MALPRACTICE).
pub async fn collect_certificate(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: CollectionInput,
    actor: String,
) -> Result<Certificate, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (mut cert, current) = state
        .db
        .call(move |c| Ok((store::certificate(c, tid, &eid)?, centre::current_result(c, tid, &eid)?.0)))
        .await?;
    if current.status == "Withheld" {
        return Err(AppError::new(ErrorCode::Withheld));
    }
    if cert.collected_on.is_some() {
        return Err(AppError::new(ErrorCode::Collected));
    }
    if cert.destroyed_on.is_some() {
        return Err(AppError::new(ErrorCode::Destroyed));
    }
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    match input.by.as_str() {
        "candidate" | "authorised_person" => {
            if nonempty(&input.collector_id_document).is_none() {
                return Err(AppError::at(ErrorCode::CollectionNeedsId, "collector_id_document"));
            }
            if !input.signature_recorded {
                return Err(AppError::at(ErrorCode::CollectionNeedsSignature, "signature_recorded"));
            }
            if input.by == "authorised_person" && nonempty(&input.collector_name).is_none() {
                return Err(AppError::at(ErrorCode::Required, "collector_name"));
            }
        }
        "courier" => {
            if nonempty(&input.courier_address).is_none() {
                return Err(AppError::at(ErrorCode::Required, "courier_address"));
            }
        }
        _ => {
            return Err(AppError::at(ErrorCode::InvalidChoice, "by")
                .arg("value", &input.by)
                .arg("choices", "candidate, authorised_person, courier"));
        }
    }
    cert.collected_on = Some(today(tenant, state.clock.now()));
    cert.collected_by = Some(input.by.clone());
    cert.collector_name = nonempty(&input.collector_name);
    cert.collector_id_document = nonempty(&input.collector_id_document);
    cert.signature_recorded = input.signature_recorded;
    cert.courier_address = nonempty(&input.courier_address);
    let saved = cert.clone();
    state.db.call(move |c| store::save_certificate(c, &saved)).await?;
    audit_event(state, tid, Some(actor), "certificate.collected", Some(entry_id.to_owned()), json!({"by": input.by}))
        .await?;
    Ok(cert)
}

/// A replacement request (R-CERT-REPLACEMENT).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReplacementInput {
    #[serde(default)]
    pub accidental_damage: bool,
    #[serde(default)]
    pub original_returned: bool,
    #[serde(default)]
    pub fee_paid: bool,
    #[serde(default)]
    pub id_checked: bool,
}

/// Accepts a replacement only for accidental damage, with the damaged original returned, for an
/// original issued 5 years ago or less, with the fee paid and ID checked (R-CERT-REPLACEMENT).
pub async fn replace_certificate(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: ReplacementInput,
    actor: String,
) -> Result<Certificate, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let mut cert = state.db.call(move |c| store::certificate(c, tid, &eid)).await?;
    let day = today(tenant, state.clock.now());
    let request = ReplacementRequest {
        accidental_damage: input.accidental_damage,
        original_returned: input.original_returned,
        fee_paid: input.fee_paid,
        id_checked: input.id_checked,
    };
    r_cert_replacement(request, cert.arrived_on, day)?;
    cert.replacements += 1;
    let saved = cert.clone();
    state.db.call(move |c| store::save_certificate(c, &saved)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "certificate.replacement",
        Some(entry_id.to_owned()),
        json!({"replacements": cert.replacements}),
    )
    .await?;
    Ok(cert)
}
