//! Verifier organisations (R-ORG-SIGNUP, R-ORG-USERS): the sign-up form's checks, the decision
//! of the installation admin, and the set-password emails. The page handlers and the CLI share
//! these, so an approval from either sends the same email in the same transaction.

mod join;
mod members;
mod signup;

pub use join::*;
pub use members::*;
pub use signup::*;

use crate::auth::PasswordLink;
use crate::templates::Templates;
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
pub fn queue_set_password(
    conn: &mut DbConnection,
    templates: &Templates,
    public_url: &str,
    tenant: &Tenant,
    user: &User,
    template: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StorageResult<()> {
    let link = PasswordLink { template, valid_for: chrono::Duration::days(INVITE_DAYS), key: "invite" };
    crate::auth::queue_password_link(conn, templates, public_url, tenant, user, link, now)
}
