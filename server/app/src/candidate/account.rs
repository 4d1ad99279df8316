//! The candidate's account: its settings page and changing its email.

use super::{Candidate, email_available};
use crate::actor::Actor;
use crate::error::AppError;
use crate::outbox::{EmailJob, queue_email};
use crate::state::AppState;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::candidate as repo;
use tessera_storage::repo::users;
use utoipa::ToSchema;

/// What a candidate's account page shows of their account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountSettings {
    /// The email address signed in with now.
    pub email: Option<String>,
    /// Whether they agreed to hear about other exams.
    pub marketing_opt_in: bool,
}

/// The account settings of the signed-in candidate `cand`.
pub async fn account_settings(state: &AppState, user: &Actor, cand: &Candidate) -> Result<AccountSettings, AppError> {
    let (tid, cid, uid) = (user.tenant_id(), cand.id.clone(), user.user.id.clone());
    let (account, email) =
        state.db.call(move |c| Ok((repo::account(c, tid, &cid)?, users::by_id(c, tid, &uid)?.email))).await?;
    Ok(AccountSettings { email, marketing_opt_in: account.is_some_and(|a| a.marketing_opt_in) })
}

/// A change of the account's email; the current password is required again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CandidateEmailChange {
    /// The current password.
    pub password: String,
    /// The new email address.
    pub email: String,
    /// The new email address again.
    pub email_confirm: String,
}

/// Changes the signed-in candidate's email after checking the current password; the old
/// address is told, so a stolen session cannot quietly take the account over.
pub async fn change_email(state: &AppState, user: &Actor, req: &CandidateEmailChange) -> Result<String, AppError> {
    user.require(&[Role::Candidate])?;
    let email = tessera_domain::tenant::parse_email(&req.email).map_err(AppError::from)?;
    if tessera_domain::tenant::parse_email(&req.email_confirm).ok().as_deref() != Some(email.as_str()) {
        return Err(AppError::at(ErrorCode::EmailMismatch, "email_confirm"));
    }
    if req.password.chars().count() > tessera_domain::auth::MAX_PASSWORD_CHARS {
        return Err(
            AppError::at(ErrorCode::PasswordTooLong, "password").arg("max", tessera_domain::auth::MAX_PASSWORD_CHARS)
        );
    }
    let (tid, uid, now) = (user.tenant_id(), user.user.id.clone(), state.clock.now());
    // The stored hash, not the session's copy: the password may have changed since sign-in.
    let stored = {
        let uid = uid.clone();
        state.db.call(move |c| users::by_id(c, tid, &uid)).await?
    };
    if !state.hasher.verify(req.password.clone(), stored.password_hash.clone()).await? {
        let u = uid.clone();
        state
            .db
            .call(move |c| {
                let ev = AuditEvent {
                    actor: Some(&u),
                    action: "account.email_change_refused",
                    target: Some(&u),
                    details: json!({}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
            .await?;
        return Err(AppError::at(ErrorCode::WrongPassword, "password"));
    }
    email_available(state, tid, &email, Some(&uid)).await?;
    let (new, u) = (email.clone(), uid.clone());
    state.db.call(move |c| repo::change_email(c, tid, &u, &new, now)).await?;
    if let Some(old) = stored.email.filter(|old| *old != email) {
        let (subject, body) = state
            .templates
            .render_email(
                "email/email_changed.txt",
                user.tenant.locale,
                context! { name => stored.display_name.clone(), tenant_name => user.tenant.name.clone(), email => email.clone() },
            )
            .map_err(AppError::internal)?;
        queue_email(
            state,
            tid,
            format!("email-changed:{uid}:{}", now.timestamp_micros()),
            EmailJob { to: old, subject, body, attachments: vec![] },
        )
        .await?;
    }
    Ok(email)
}
