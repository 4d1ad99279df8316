//! "Join an existing account" (R-ORG-JOIN): a person of an approved organisation asks to join
//! it from the public page; its primary user approves (the person becomes an admin user and gets
//! a set-password email, as a user the primary adds) or refuses (the person is told by email).

use super::{queue_set_password, template_error};
use crate::actor::Actor;
use crate::error::AppError;
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use minijinja::context;
use serde::{Deserialize, Serialize};
use tessera_domain::tenant::{parse_email, parse_name};
use tessera_domain::{DomainError, ErrorCode, Role, TenantKind};
use tessera_storage::StorageError;
use tessera_storage::repo::org_join::{self, JoinRequest};
use tessera_storage::repo::organisations::Person;
use tessera_storage::repo::{jobs, tenants};
use utoipa::ToSchema;

/// The public form (R-ORG-JOIN).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct JoinForm {
    /// The organisation's code (its primary user can tell it).
    pub organisation: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Email address (the login once approved).
    pub email: String,
    /// Job title (1 to 100 characters).
    pub job_title: String,
}

/// A request as the primary user sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JoinRequestView {
    /// Its id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Job title.
    pub job_title: String,
    /// Email.
    pub email: String,
    /// Asked (UTC).
    pub requested_at: String,
}

impl From<JoinRequest> for JoinRequestView {
    fn from(r: JoinRequest) -> Self {
        Self {
            id: r.id,
            first_name: r.first_name,
            family_name: r.family_name,
            job_title: r.job_title,
            email: r.email,
            requested_at: r.requested_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

impl JoinForm {
    /// Checks every field; the first problem is returned with its field.
    pub fn check(&self) -> Result<(String, Person), DomainError> {
        let code = self.organisation.trim().to_ascii_lowercase();
        if code.is_empty() {
            return Err(DomainError::new(ErrorCode::Required).on("organisation"));
        }
        let first_name = parse_name("first_name", &self.first_name)?;
        let family_name = parse_name("family_name", &self.family_name)?;
        let email = parse_email(&self.email)?;
        let t = self.job_title.trim();
        if t.is_empty() || t.chars().count() > 100 {
            return Err(DomainError::new(ErrorCode::Length).on("job_title").arg("min", 1).arg("max", 100));
        }
        Ok((code, Person { first_name, family_name, job_title: t.to_owned(), email }))
    }
}

/// Requests to join an organisation allowed per client address (an hour's window).
pub const JOIN_REQUESTS_PER_ADDRESS: crate::rate::Budget =
    crate::rate::Budget { max: 10, window: chrono::Duration::hours(1) };

/// Records a request to join an approved organisation. An unknown, pending or refused code is
/// `join_unknown_organisation` on the field `organisation`; an email that is a user of it already
/// is `conflict_login`. At most [`JOIN_REQUESTS_PER_ADDRESS`] from one address (429 beyond).
pub async fn request_join(state: &AppState, address: std::net::IpAddr, form: &JoinForm) -> Result<(), AppError> {
    let (code, person) = form.check()?;
    // No account is needed and every request may email a primary user: limited per address,
    // counted in the database (so across the nodes of a region).
    state
        .rate
        .take(&[(format!("join:addr:{address}"), JOIN_REQUESTS_PER_ADDRESS)])
        .await?
        .map_err(AppError::too_many)?;
    let now = state.clock.now();
    let unknown = {
        let code = code.clone();
        move || DomainError::new(ErrorCode::JoinUnknownOrganisation).on("organisation").arg("value", &code)
    };
    let u2 = unknown.clone();
    state
        .db
        .call(move |c| {
            let t = match tenants::by_slug(c, &code) {
                Ok(t) if t.kind == TenantKind::Verifier && t.status == "active" => t,
                Ok(_) | Err(StorageError::NotFound) => return Err(StorageError::Conflict(u2())),
                Err(e) => return Err(e),
            };
            if tessera_storage::repo::users::by_login(c, t.id, &person.email).is_ok() {
                return Err(StorageError::Conflict(DomainError::new(ErrorCode::ConflictLogin).on("email")));
            }
            let r = org_join::submit(c, t.id, &person, now)?;
            let ev = tessera_storage::repo::audit::AuditEvent {
                actor: None,
                action: "organisation.join_requested",
                target: Some(&r.id),
                details: serde_json::json!({"email": r.email}),
                request_id: None,
            };
            tessera_storage::repo::audit::append(c, t.id, &ev, now)
        })
        .await
        .map_err(|e| match e {
            StorageError::NotFound => unknown().into(),
            e => e.into(),
        })
}

/// The organisation's pending requests (its primary user).
pub async fn join_requests(state: &AppState, user: &Actor) -> Result<Vec<JoinRequestView>, AppError> {
    user.require(&[Role::VerifierPrimary])?;
    let tid = user.tenant_id();
    Ok(state.db.call(move |c| org_join::pending(c, tid)).await?.into_iter().map(Into::into).collect())
}

/// The primary user approves (the person becomes an admin user with a set-password email) or
/// refuses (the person is told) request `id`; all in one transaction, audited. Another
/// organisation's request is a 404.
pub async fn decide_join(state: &AppState, user: &Actor, id: &str, approve: bool) -> Result<(), AppError> {
    user.require(&[Role::VerifierPrimary])?;
    let (templates, public_url, u, now, id) =
        (state.templates.clone(), state.settings.public_url.clone(), user.clone(), state.clock.now(), id.to_owned());
    state
        .db
        .call(move |c| {
            org_join::decide(c, u.tenant_id(), &id, approve, &u.user.id, now, |c, r| {
                let person = Person {
                    first_name: r.first_name.clone(),
                    family_name: r.family_name.clone(),
                    job_title: r.job_title.clone(),
                    email: r.email.clone(),
                };
                if approve {
                    tessera_storage::repo::organisations::add_admin(c, u.tenant_id(), &person, now, |c, added| {
                        queue_set_password(c, &templates, &public_url, &u.tenant, added, "email/org_join_approved.txt", now)
                    })?;
                } else {
                    let (subject, body) = templates
                        .render_email(
                            "email/org_join_rejected.txt",
                            u.tenant.locale,
                            context! { name => format!("{} {}", r.first_name, r.family_name), organisation => u.tenant.name },
                        )
                        .map_err(template_error)?;
                    let payload = serde_json::to_value(EmailJob { to: r.email.clone(), subject, body, attachments: vec![] })
                        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                    let job = jobs::NewJob {
                        kind: EMAIL_JOB,
                        payload,
                        idempotency_key: format!("org-join-rejected:{}", r.id),
                        run_at: now,
                        max_attempts: 8,
                    };
                    jobs::enqueue(c, u.tenant_id(), &job, now)?;
                }
                u.audit(c, if approve { "organisation.join_approved" } else { "organisation.join_rejected" }, &r.id, now)
            })
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(())
}
