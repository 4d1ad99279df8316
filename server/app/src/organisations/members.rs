//! The organisation's users (R-ORG-USERS): listing them, adding and removing admin users, and
//! handing the primary user's role over.

use super::queue_set_password;
use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use tessera_domain::{DomainError, ErrorCode};
use tessera_storage::repo::organisations::Person;

const VERIFIERS: &[tessera_domain::Role] =
    &[tessera_domain::Role::VerifierPrimary, tessera_domain::Role::VerifierAdmin];

/// The organisation's users.
pub async fn members(
    state: &AppState,
    user: &Actor,
) -> Result<Vec<tessera_storage::repo::organisations::Member>, AppError> {
    user.require(VERIFIERS)?;
    let tid = user.tenant_id();
    Ok(state.db.call(move |c| tessera_storage::repo::organisations::members(c, tid)).await?)
}

/// An admin user the primary user adds, as typed.
#[derive(Debug, Clone)]
pub struct NewAdmin {
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Job title (1 to 100 characters).
    pub job_title: String,
    /// Email address.
    pub email: String,
}

/// The primary user adds an admin user, who gets a set-password email (audited).
pub async fn add_admin(state: &AppState, user: &Actor, f: NewAdmin) -> Result<(), AppError> {
    user.require(&[tessera_domain::Role::VerifierPrimary])?;
    let person = (|| -> Result<Person, DomainError> {
        Ok(Person {
            first_name: tessera_domain::tenant::parse_name("first_name", &f.first_name)?,
            family_name: tessera_domain::tenant::parse_name("family_name", &f.family_name)?,
            job_title: {
                let t = f.job_title.trim();
                if t.is_empty() || t.chars().count() > 100 {
                    return Err(DomainError::new(ErrorCode::Length).on("job_title").arg("min", 1).arg("max", 100));
                }
                t.to_owned()
            },
            email: tessera_domain::tenant::parse_email(&f.email)?,
        })
    })();
    let person = person?;
    let (templates, public_url, u, now) =
        (state.templates.clone(), state.settings.public_url.clone(), user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            tessera_storage::repo::organisations::add_admin(c, u.tenant_id(), &person, now, |c, added| {
                queue_set_password(c, &templates, &public_url, &u.tenant, added, "email/org_user_added.txt", now)?;
                u.audit(c, "organisation.user_added", &added.id, now)
            })
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(())
}

/// The primary user removes admin user `id` (audited).
pub async fn remove_admin(state: &AppState, user: &Actor, id: String) -> Result<(), AppError> {
    user.require(&[tessera_domain::Role::VerifierPrimary])?;
    let (u, now) = (user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            tessera_storage::repo::organisations::remove_admin(c, u.tenant_id(), &id)?;
            u.audit(c, "organisation.user_removed", &id, now)
        })
        .await?;
    Ok(())
}

/// The primary user hands the role over to admin user `id` (audited).
pub async fn hand_over(state: &AppState, user: &Actor, id: String) -> Result<(), AppError> {
    user.require(&[tessera_domain::Role::VerifierPrimary])?;
    let (u, now) = (user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            tessera_storage::repo::organisations::hand_over(c, u.tenant_id(), &u.user.id, &id)?;
            u.audit(c, "organisation.primary_handed_over", &id, now)
        })
        .await?;
    Ok(())
}
