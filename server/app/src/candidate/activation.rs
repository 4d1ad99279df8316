//! Activating a candidate's account with the Confirmation of Entry's credentials
//! (R-CANDIDATE-SIGNUP).

use super::email_available;
use crate::error::AppError;
use crate::outbox::{EmailJob, queue_email};
use crate::secrets::SecretMatch;
use crate::state::AppState;
use chrono::Duration;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
use tessera_domain::{ErrorCode, TenantId};
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::candidate::{self as repo, Activation};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users;
use utoipa::ToSchema;

/// Failed sign-ups allowed per ID number within [`signup_window`]: the secret number is short,
/// so guesses against one ID number must stay few, whatever address they come from.
pub const SIGNUP_FAILURES_PER_ID_NUMBER: i64 = 5;

/// The window in which sign-up failures per ID number are counted.
pub fn signup_window() -> Duration {
    Duration::hours(1)
}

/// What a person types to activate an account (R-CANDIDATE-SIGNUP).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CandidateSignup {
    /// The ID number from the Confirmation of Entry, e.g. `PL078000002`.
    pub id_number: String,
    /// The secret number from the Confirmation of Entry.
    pub secret_number: String,
    /// The email address for the account.
    pub email: String,
    /// The same email address again.
    pub email_confirm: String,
    /// The password (R-PASSWORD: at least 8 characters, letters and at least 2 digits).
    pub password: String,
    /// The same password again.
    pub password_confirm: String,
    /// The terms of use must be accepted.
    #[serde(default)]
    pub accept_terms: bool,
    /// Marketing updates by email (optional opt-in).
    #[serde(default)]
    pub marketing: bool,
}

async fn check_throttle(
    state: &AppState,
    tenant: TenantId,
    subjects: &[(String, i64, Duration)],
) -> Result<(), AppError> {
    let now = state.clock.now();
    let subjects = subjects.to_vec();
    let wait = state
        .db
        .call(move |c| {
            let mut wait = 0i64;
            for (subject, max, window) in &subjects {
                let (count, oldest) = repo::signup_failures(c, tenant, subject, now - *window)?;
                if count >= *max {
                    let until = oldest.unwrap_or(now) + *window;
                    wait = wait.max((until - now).num_seconds().max(1));
                }
            }
            Ok(wait)
        })
        .await?;
    if wait > 0 { Err(AppError::too_many(wait as u64)) } else { Ok(()) }
}

/// Activates a candidate's account (R-CANDIDATE-SIGNUP, R-PASSWORD). Bad input is refused field
/// by field and counts for nothing; wrong credentials and an account that exists already get
/// the same `signup_refused` answer, which does not say which part was wrong, and count as a
/// failure of the ID number and of the client address; too many failures answer 429.
pub async fn signup(
    state: &AppState,
    tenant: &Tenant,
    req: &CandidateSignup,
    addr: IpAddr,
) -> Result<users::User, AppError> {
    let id_number = req.id_number.trim().to_uppercase();
    let secret: String = req.secret_number.chars().filter(|c| !c.is_whitespace()).collect();
    if id_number.is_empty() || id_number.chars().count() > 32 {
        return Err(AppError::at(ErrorCode::InvalidIdNumber, "id_number"));
    }
    if secret.is_empty() || secret.chars().count() > 64 {
        return Err(AppError::at(ErrorCode::InvalidSecretNumber, "secret_number"));
    }
    let email = tessera_domain::tenant::parse_email(&req.email).map_err(AppError::from)?;
    if tessera_domain::tenant::parse_email(&req.email_confirm).ok().as_deref() != Some(email.as_str()) {
        return Err(AppError::at(ErrorCode::EmailMismatch, "email_confirm"));
    }
    tessera_domain::auth::check_password(&req.password)?;
    if req.password != req.password_confirm {
        return Err(AppError::at(ErrorCode::PasswordMismatch, "password_confirm"));
    }
    if !req.accept_terms {
        return Err(AppError::at(ErrorCode::TermsNotAccepted, "accept_terms"));
    }

    let by_id = format!("id:{id_number}");
    let by_addr = format!("addr:{addr}");
    let per_addr = state.settings.login_failures_per_address as i64;
    check_throttle(
        state,
        tenant.id,
        &[
            (by_id.clone(), SIGNUP_FAILURES_PER_ID_NUMBER, signup_window()),
            (by_addr.clone(), per_addr, state.settings.login_failure_window),
        ],
    )
    .await?;

    let tid = tenant.id;
    let lookup = id_number.clone();
    let found = state
        .db
        .call(move |c| match repo::by_id_number(c, tid, &lookup) {
            Ok(cand) => Ok(Some(cand)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    // Keyed hashes (crate::secrets) cost the same found or not. A number hashed with argon2id
    // before the keys existed is checked the slow way once, then stored keyed.
    let stored = found.as_ref().and_then(|c| c.secret_hash.clone());
    let cand_id = found.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    let secret_ok = match state.secrets.check(tid, &cand_id, &secret, stored.as_deref()) {
        SecretMatch::Yes => true,
        SecretMatch::No => false,
        SecretMatch::Legacy => {
            let ok = state.hasher.verify(secret.clone(), stored).await?;
            if ok {
                let keyed = state.secrets.hash(tid, &cand_id, &secret);
                let cid = cand_id.clone();
                state.db.call(move |c| repo::set_secret_hash(c, tid, &cid, &keyed)).await?;
            }
            ok
        }
    };
    let now = state.clock.now();
    let refused = || AppError::new(ErrorCode::SignupRefused);
    let cand = match found {
        Some(c) if secret_ok && c.user_id.is_none() => c,
        other => {
            let subjects = vec![by_id, by_addr];
            let window = signup_window().max(state.settings.login_failure_window);
            let target = other.map(|c| c.id);
            let a = addr.to_string();
            state
                .db
                .call(move |c| {
                    repo::record_signup_failure(c, tid, &subjects, now, now - window)?;
                    let ev = AuditEvent {
                        actor: None,
                        action: "candidate.signup_refused",
                        target: target.as_deref(),
                        details: json!({"address": a}),
                        request_id: None,
                    };
                    audit::append(c, tid, &ev, now)
                })
                .await?;
            return Err(refused());
        }
    };

    // Only someone holding valid credentials learns that an address is taken. One address per
    // account at a centre keeps "forgotten password" (by email) unambiguous.
    email_available(state, tid, &email, None).await?;
    let password_hash = state.hasher.hash(req.password.clone()).await?;
    let act = Activation {
        candidate_id: cand.id.clone(),
        email: email.clone(),
        password_hash,
        marketing_opt_in: req.marketing,
        address: addr.to_string(),
    };
    let user = match state.db.call(move |c| repo::activate(c, tid, &act, now)).await {
        Ok(u) => u,
        // Lost a race with another activation of the same candidate.
        Err(StorageError::Conflict(_)) => return Err(refused()),
        Err(e) => return Err(e.into()),
    };
    let (subject, body) = state
        .templates
        .render_email(
            "email/candidate_signup.txt",
            tenant.locale,
            context! {
                name => user.display_name.clone(),
                tenant_name => tenant.name.clone(),
                id_number => user.login.clone(),
                link => format!("{}/t/{}/login", state.settings.public_url, tenant.slug),
                marketing => req.marketing,
            },
        )
        .map_err(AppError::internal)?;
    queue_email(
        state,
        tid,
        format!("candidate-signup:{}", cand.id),
        EmailJob { to: email, subject, body, attachments: vec![] },
    )
    .await?;
    Ok(user)
}
