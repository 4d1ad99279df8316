//! Forgotten passwords: a one-time link by email, valid for a limited time, used once.

use crate::auth::{random_token, token_hash};
use crate::error::AppError;
use crate::outbox::{EmailJob, queue_email};
use crate::state::AppState;
use minijinja::context;
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::auth::{self as auth_repo, ResetRefusal};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users;

/// Emails a reset link to the user of `tenant` with the address `email`, if there is one; the
/// caller answers the same either way.
pub async fn request_reset(state: &AppState, tenant: &Tenant, email: String) -> Result<(), AppError> {
    let tid = tenant.id;
    let lookup = email.clone();
    let user = state
        .db
        .call(move |c| match users::by_email(c, tid, &lookup) {
            Ok(u) => Ok(Some(u)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    if let Some(user) = user {
        let token = random_token();
        let hash = token_hash(&token);
        let now = state.clock.now();
        let expires = now + state.settings.reset_link_ttl;
        let uid = user.id.clone();
        state
            .db
            .call(move |c| {
                auth_repo::create_reset(c, tid, &hash, &uid, now, expires)?;
                let ev = AuditEvent {
                    actor: None,
                    action: "password.reset_requested",
                    target: Some(&uid),
                    details: json!({}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
            .await?;
        let link = format!("{}/t/{}/password/reset/{}", state.settings.public_url, tenant.slug, token);
        let (subject, body) = state
            .templates
            .render_email(
                "email/password_reset.txt",
                tenant.locale,
                context! { name => user.display_name, tenant_name => tenant.name, link => link },
            )
            .map_err(AppError::internal)?;
        queue_email(
            state,
            tid,
            format!("reset:{}", token_hash(&token)),
            EmailJob { to: email, subject, body, attachments: vec![] },
        )
        .await?;
    }
    Ok(())
}

fn refusal_code(r: ResetRefusal) -> ErrorCode {
    match r {
        ResetRefusal::Unknown => ErrorCode::ResetLinkInvalid,
        ResetRefusal::Used => ErrorCode::ResetLinkUsed,
        ResetRefusal::Expired => ErrorCode::ResetLinkExpired,
    }
}

/// Whether the reset link `token` of `tenant` can still be used (unknown, used and expired links
/// are refused with their own codes).
pub async fn check_link(state: &AppState, tenant: &Tenant, token: &str) -> Result<(), AppError> {
    let (tid, hash, now) = (tenant.id, token_hash(token), state.clock.now());
    match state.db.call(move |c| auth_repo::peek_reset(c, tid, &hash, now)).await? {
        Ok(_) => Ok(()),
        Err(r) => Err(AppError::new(refusal_code(r))),
    }
}

/// Uses the link `token`: sets `password` (already checked against R-PASSWORD) and ends every
/// session of the user, in one transaction.
pub async fn reset(state: &AppState, tenant: &Tenant, token: &str, password: String) -> Result<(), AppError> {
    let hash = state.hasher.hash(password).await?;
    let (tid, th, now) = (tenant.id, token_hash(token), state.clock.now());
    match state.db.call(move |c| auth_repo::reset_password(c, tid, &th, &hash, now)).await? {
        Ok(_) => Ok(()),
        Err(r) => Err(AppError::new(refusal_code(r))),
    }
}
