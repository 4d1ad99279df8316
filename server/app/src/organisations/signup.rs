//! An organisation's sign-up (R-ORG-SIGNUP): the form's checks and the installation admin's
//! decision.

use super::{queue_set_password, template_error};
use crate::actor::Actor;
use crate::error::AppError;
use crate::outbox::queue_email;
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use crate::templates::Templates;
use minijinja::context;
use serde::Deserialize;
use tessera_domain::tenant::{Country, parse_email, parse_name, slug_from_name};
use tessera_domain::{DomainError, ErrorCode, Locale, TenantKind};
use tessera_storage::repo::audit;
use tessera_storage::repo::jobs::{self, NewJob};
use tessera_storage::repo::organisations::Person;
use tessera_storage::repo::tenants::{NewTenant, Tenant};
use tessera_storage::{DbConnection, StorageError, StorageResult};

/// Kinds of organisation the form offers.
pub const ORG_TYPES: &[&str] = &["university", "school", "employer", "government", "other"];

/// The sign-up form (R-ORG-SIGNUP).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct SignupForm {
    /// Applicant's first name.
    pub first_name: String,
    /// Applicant's last name.
    pub last_name: String,
    /// Applicant's job title.
    pub job_title: String,
    /// Applicant's email.
    pub email: String,
    /// The email typed again.
    pub email_confirm: String,
    /// Organisation name.
    pub organisation: String,
    /// One of [`ORG_TYPES`].
    pub org_type: String,
    /// The organisation's website.
    pub website: String,
    /// ISO country code.
    pub country: String,
}

/// A checked sign-up.
#[derive(Debug, Clone)]
pub struct CheckedSignup {
    /// The tenant to create (pending).
    pub tenant: NewTenant,
    /// The organisation type.
    pub org_type: String,
    /// Website.
    pub website: String,
    /// The applicant, who becomes the primary user.
    pub applicant: Person,
}

fn short(field: &str, v: &str, max: usize) -> Result<String, DomainError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(DomainError::new(ErrorCode::Required).on(field));
    }
    if t.chars().count() > max {
        return Err(DomainError::new(ErrorCode::TooLong).on(field).arg("max", max));
    }
    Ok(t.to_owned())
}

/// The usual time zone and language of a country (an organisation may ask the admin to change them).
pub fn country_defaults(country: &str) -> (chrono_tz::Tz, Locale) {
    match country {
        "PL" => (chrono_tz::Europe::Warsaw, Locale::Pl),
        "HU" => (chrono_tz::Europe::Budapest, Locale::Hu),
        "IT" => (chrono_tz::Europe::Rome, Locale::It),
        "GB" | "IE" => (chrono_tz::Europe::London, Locale::En),
        _ => (chrono_tz::UTC, Locale::En),
    }
}

impl SignupForm {
    /// Checks every field; the first problem is returned with its field.
    pub fn check(&self) -> Result<CheckedSignup, DomainError> {
        let first_name = parse_name("first_name", &self.first_name)?;
        let family_name = parse_name("last_name", &self.last_name)?;
        let job_title = short("job_title", &self.job_title, 100)?;
        let email = parse_email(&self.email)?;
        if parse_email(&self.email_confirm).ok().as_deref() != Some(email.as_str()) {
            return Err(DomainError::new(ErrorCode::EmailMismatch).on("email_confirm"));
        }
        let name = parse_name("organisation", &self.organisation)?;
        let org_type = self.org_type.trim().to_lowercase();
        if !ORG_TYPES.contains(&org_type.as_str()) {
            return Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("org_type")
                .arg("value", &org_type)
                .arg("choices", ORG_TYPES.join(", ")));
        }
        let website = short("website", &self.website, 200)?;
        if !(website.starts_with("https://") || website.starts_with("http://")) || website.contains(char::is_whitespace)
        {
            return Err(DomainError::new(ErrorCode::InvalidWebsite).on("website"));
        }
        let country = Country::parse(self.country.trim())?;
        let (timezone, locale) = country_defaults(&country.to_string());
        let slug = slug_from_name(&name);
        let slug = if slug.len() < 2 { format!("org-{slug}") } else { slug };
        Ok(CheckedSignup {
            tenant: NewTenant { slug, kind: TenantKind::Verifier, name, country, timezone, locale, status: "pending" },
            org_type,
            website,
            applicant: Person { first_name, family_name, job_title, email },
        })
    }
}

/// Approves or rejects a pending organisation; approval emails the primary user a set-password
/// link, rejection tells them. All in one transaction, audited in the installation's log.
pub fn decide(
    conn: &mut DbConnection,
    templates: &Templates,
    public_url: &str,
    slug: &str,
    approve: bool,
    by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StorageResult<Tenant> {
    let tenant = tessera_storage::repo::tenants::by_slug(conn, slug)?;
    if tenant.kind != TenantKind::Verifier {
        return Err(StorageError::NotFound);
    }
    let installation = tessera_storage::repo::tenants::installation(conn, now)?;
    tessera_storage::repo::organisations::decide(conn, tenant.id, approve, by, now, |c, t, primary, signup| {
        if approve {
            queue_set_password(c, templates, public_url, t, primary, "email/org_approved.txt", now)?;
        } else {
            let (subject, body) = templates
                .render_email(
                    "email/org_rejected.txt",
                    t.locale,
                    context! { name => primary.display_name, organisation => t.name },
                )
                .map_err(template_error)?;
            let payload =
                serde_json::to_value(EmailJob { to: signup.email.clone(), subject, body, attachments: vec![] })
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let job = NewJob {
                kind: EMAIL_JOB,
                payload,
                idempotency_key: format!("org-rejected:{}", t.id),
                run_at: now,
                max_attempts: 8,
            };
            jobs::enqueue(c, t.id, &job, now)?;
        }
        let ev = audit::AuditEvent {
            actor: Some(by),
            action: if approve { "organisation.approved" } else { "organisation.rejected" },
            target: Some(&t.slug),
            details: serde_json::json!({"tenant": t.id.to_string()}),
            request_id: None,
        };
        audit::append(c, installation.id, &ev, now)
    })
}

/// Records an organisation's sign-up request (a name like another's gets a numbered code) and
/// tells the applicant it arrived, in `locale`; the installation admin decides.
pub async fn sign_up(state: &AppState, checked: CheckedSignup, locale: Locale) -> Result<(), AppError> {
    let now = state.clock.now();
    let created = state
        .db
        .call(move |c| {
            // A name like another's gets a numbered code.
            let base = checked.tenant.slug.clone();
            for n in 1..=20 {
                let mut t = checked.tenant.clone();
                if n > 1 {
                    t.slug = format!("{}-{n}", base.chars().take(36).collect::<String>());
                }
                match tessera_storage::repo::organisations::submit(
                    c,
                    &t,
                    &checked.org_type,
                    &checked.website,
                    &checked.applicant,
                    now,
                ) {
                    Err(tessera_storage::StorageError::Conflict(_))
                        if tessera_storage::repo::tenants::by_slug(c, &t.slug).is_ok() =>
                    {
                        continue;
                    }
                    other => return other,
                }
            }
            Err(tessera_storage::StorageError::Conflict(
                DomainError::new(ErrorCode::ConflictOrganisationName).on("organisation"),
            ))
        })
        .await;
    let (tenant, user) = created?;
    let (subject, body) = state
        .templates
        .render_email(
            "email/org_signup_received.txt",
            locale,
            context! { name => user.display_name, organisation => tenant.name },
        )
        .map_err(AppError::internal)?;
    let to = user.email.clone().unwrap_or_default();
    queue_email(
        state,
        tenant.id,
        format!("org-received:{}", tenant.id),
        EmailJob { to, subject, body, attachments: vec![] },
    )
    .await?;
    Ok(())
}

/// Every organisation's sign-up request, pending first, for the installation admin.
pub async fn signups(
    state: &AppState,
    user: &Actor,
) -> Result<Vec<(Tenant, tessera_storage::repo::organisations::Signup)>, AppError> {
    user.require(&[tessera_domain::Role::InstallationAdmin])?;
    Ok(state.db.call(|c| tessera_storage::repo::organisations::signups(c, false)).await?)
}

/// The installation admin approves or rejects the organisation `slug` (see [`decide`]).
pub async fn decide_signup(state: &AppState, user: &Actor, slug: String, approve: bool) -> Result<(), AppError> {
    user.require(&[tessera_domain::Role::InstallationAdmin])?;
    let (templates, public_url, by, now) =
        (state.templates.clone(), state.settings.public_url.clone(), user.user.id.clone(), state.clock.now());
    state.db.call(move |c| decide(c, &templates, &public_url, &slug, approve, &by, now)).await?;
    state.jobs_wakeup.notify_one();
    Ok(())
}
