//! Verifier organisations (R-ORG-SIGNUP, R-ORG-USERS): the sign-up form's checks, the decision
//! of the installation admin, and the set-password emails. The page handlers and the CLI share
//! these, so an approval from either sends the same email in the same transaction.

mod join;
mod members;
mod signup;

pub use join::*;
pub use members::*;
pub use signup::*;

use crate::auth::{random_token, token_hash};
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::templates::Templates;
use minijinja::context;
use tessera_storage::repo::auth as auth_repo;
use tessera_storage::repo::jobs::{self, NewJob};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users::User;
use tessera_storage::{DbConnection, StorageError, StorageResult};

/// How long a set-password link of a new organisation user works.
pub const INVITE_DAYS: i64 = 7;

fn template_error(e: minijinja::Error) -> StorageError {
    StorageError::Corrupt(format!("email template: {e}"))
}

/// Creates a set-password link for `user` and queues the email `template` with it, on `conn`
/// (call it inside the transaction that created or approved the user).
#[allow(clippy::too_many_arguments)]
pub fn queue_set_password(
    conn: &mut DbConnection,
    templates: &Templates,
    public_url: &str,
    tenant: &Tenant,
    user: &User,
    template: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StorageResult<()> {
    let token = random_token();
    let hash = token_hash(&token);
    auth_repo::create_reset(conn, tenant.id, &hash, &user.id, now, now + chrono::Duration::days(INVITE_DAYS))?;
    let link = format!("{public_url}/t/{}/password/reset/{token}", tenant.slug);
    let (subject, body) = templates
        .render_email(
            template,
            tenant.locale,
            context! { name => user.display_name, organisation => tenant.name, link => link, days => INVITE_DAYS },
        )
        .map_err(template_error)?;
    let to = user.email.clone().unwrap_or_else(|| user.login.clone());
    let payload = serde_json::to_value(EmailJob { to, subject, body, attachments: vec![] })
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let job =
        NewJob { kind: EMAIL_JOB, payload, idempotency_key: format!("invite:{hash}"), run_at: now, max_attempts: 8 };
    jobs::enqueue(conn, tenant.id, &job, now)?;
    Ok(())
}
