//! The centre workflows (DOMAIN.md sections 3 to 10) as operations shared by pages and the API:
//! sessions, entries, payments, documents, Confirmations of Entry, results imports, speaking
//! pairs and refunds. Everything that varies by country is asked of the tenant's policy plugins.

mod bank_account;
mod bulk_runs;
mod coe;
mod consent;
mod contact;
mod documents;
mod entries;
mod fault;
mod find;
pub mod lists;
mod payments;
pub mod public_pages;
pub mod read;
mod refunds;
mod results_import;
mod sessions;
mod status;
mod void;

pub use bank_account::*;
pub use bulk_runs::*;
pub use coe::*;
pub use consent::*;
pub use contact::*;
pub use documents::*;
pub use entries::*;
pub use fault::*;
pub use find::*;
pub use payments::*;
pub use refunds::*;
pub use results_import::*;
pub use sessions::*;
pub use status::*;
pub use void::*;

use crate::error::AppError;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use tessera_domain::{DomainError, ErrorCode, TenantId};
use tessera_plugin_sdk::Exam;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::tenants::Tenant;

/// Queues the email that tells `entry`'s candidate what happened to their entry: `template` in
/// the centre's language, given the candidate's name, the centre, the exam and its day, and
/// `extra`; the job is keyed `key`, so it is sent once. `false` when the candidate gave no email
/// address. Runs inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) fn queue_entry_email(
    c: &mut tessera_storage::DbConnection,
    templates: &crate::templates::Templates,
    tenant: &Tenant,
    entry: &tessera_storage::repo::centre::Entry,
    template: &str,
    key: String,
    extra: minijinja::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    use tessera_storage::repo::{centre, jobs};
    let cand = centre::candidate(c, tenant.id, &entry.candidate_id)?;
    let Some(to) = cand.email.clone() else { return Ok(false) };
    let session = centre::session(c, tenant.id, &entry.session_id)?;
    let ctx = minijinja::context! {
        name => format!("{} {}", cand.first_name, cand.family_name),
        centre => tenant.name.clone(),
        exam => tessera_domain::exams::by_code(&session.exam_code).map_or(session.exam_code.as_str(), |e| e.name),
        date => session.written_date,
        ..extra
    };
    let (subject, body) = templates.render_email(template, tenant.locale, ctx).map_err(AppError::internal)?;
    let job = crate::outbox::email_job(key, &crate::outbox::EmailJob { to, subject, body, attachments: vec![] }, now)?;
    jobs::enqueue(c, tenant.id, &job, now)?;
    Ok(true)
}

/// The exam of the catalogue as the policy plugins know it (see [`tessera_domain::exams`]).
pub fn exam_of(code: &str) -> Exam {
    tessera_domain::exams::policy_exam(code)
}

/// The facts the deadlines policy decides a session's dates from, its first component being on
/// `first_component_date`.
pub(crate) fn deadline_facts(
    session: &tessera_storage::repo::centre::ExamSession,
    first_component_date: NaiveDate,
) -> tessera_plugin_sdk::kinds::DeadlineFacts {
    tessera_plugin_sdk::kinds::DeadlineFacts {
        exam: exam_of(&session.exam_code),
        written_exam_date: session.written_date,
        first_component_date,
        last_registration_day: session.registration_closes,
        results_release: Some(session.release_at.and_utc()),
    }
}

fn sdk_money(minor: i64, currency: &str) -> tessera_plugin_sdk::Money {
    tessera_plugin_sdk::Money::new(minor, currency)
}

fn field(name: &str, msg: impl Into<String>) -> AppError {
    DomainError::field(name, msg).into()
}

fn date(name: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::at(ErrorCode::InvalidDate, name).arg("value", s))
}

fn opt_date(name: &str, s: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date(name, v).map(Some),
    }
}

/// The tenant's calendar day at `now`.
pub fn today(tenant: &Tenant, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tenant.timezone).date_naive()
}

/// Writes an audit record for `tenant`.
pub async fn audit_event(
    state: &AppState,
    tenant: TenantId,
    actor: Option<String>,
    action: &'static str,
    target: Option<String>,
    details: Value,
) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db
        .call(move |c| {
            let ev =
                AuditEvent { actor: actor.as_deref(), action, target: target.as_deref(), details, request_id: None };
            audit::append(c, tenant, &ev, now)
        })
        .await?;
    Ok(())
}
