//! Checking a login and password: throttling per client address, the account lockout
//! (R-LOCKOUT), argon2id verification, and the audit trail. Pages and the API share it.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::json;
use std::net::IpAddr;
use tessera_domain::ErrorCode;
use tessera_domain::auth::MAX_PASSWORD_CHARS;
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::tenants::{self, Tenant};
use tessera_storage::repo::users;

/// Normalises what a person types as their login: emails are case-insensitive, ID numbers are not.
pub fn normalise_login(login: &str) -> String {
    let t = login.trim();
    if t.contains('@') { t.to_lowercase() } else { t.to_owned() }
}

/// The tenant a sign-in page or API call names; unknown, inactive and the installation's own
/// tenant under another name all look the same: not found.
pub async fn tenant_for_login(state: &AppState, slug: &str) -> Result<Tenant, AppError> {
    let slug = slug.to_owned();
    let tenant = state.db.call(move |c| tenants::by_slug(c, &slug)).await?;
    if tenant.status != "active" {
        return Err(AppError::not_found());
    }
    Ok(tenant)
}

/// Checks `login` and `password` in `tenant`: the user who signed in. Every refusal is audited; the message never says
/// whether the login exists.
pub async fn authenticate(
    state: &AppState,
    tenant: &Tenant,
    login: &str,
    password: &str,
    addr: IpAddr,
) -> Result<Actor, AppError> {
    if let Err(wait) = state.throttle.check(addr).await? {
        audit_refusal(state, tenant, None, "login.throttled", addr).await;
        return Err(AppError::too_many(wait));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS || login.chars().count() > 254 {
        return Err(AppError::at(ErrorCode::PasswordTooLong, "password").arg("max", MAX_PASSWORD_CHARS));
    }
    let login = normalise_login(login);
    let tid = tenant.id;
    let now = state.clock.now();
    // A login that belongs to nobody is counted and "locked" like an account (R-LOCKOUT), so the
    // answers (status, message, time taken) never tell whether a login exists.
    let (found, unknown_lock) = {
        let login = login.clone();
        state
            .db
            .call(move |c| match users::by_login(c, tid, &login) {
                Ok(u) => Ok((Some(u), None)),
                Err(StorageError::NotFound) => Ok((None, users::unknown_login_locked_at(c, tid, &login, now)?)),
                Err(e) => Err(e),
            })
            .await?
    };
    if let Some(until) = found.as_ref().and_then(|u| u.locked_at(now)).or(unknown_lock) {
        audit_refusal(state, tenant, found.as_ref().map(|u| u.id.as_str()), "login.locked", addr).await;
        return Err(locked(until, tenant));
    }
    let ok = state.hasher.verify(password.to_owned(), found.as_ref().and_then(|u| u.password_hash.clone())).await?;
    match found {
        Some(user) if ok => {
            let (uid, tid2) = (user.id.clone(), tenant.id);
            state
                .db
                .call(move |c| {
                    users::record_successful_login(c, tid2, &uid)?;
                    // Remembered for "shared with you since you last logged in" (R-SHARED-LIST).
                    tessera_storage::repo::verifier::record_login(c, tid2, &uid, now)
                })
                .await?;
            let (uid, addr_s) = (user.id.clone(), addr.to_string());
            state
                .db
                .call(move |c| {
                    let ev = AuditEvent {
                        actor: Some(&uid),
                        action: "login",
                        target: Some(&uid),
                        details: json!({"address": addr_s}),
                        request_id: None,
                    };
                    audit::append(c, tid2, &ev, now)
                })
                .await?;
            let role = user.role()?;
            Ok(Actor { tenant: tenant.clone(), user, role })
        }
        other => {
            state.throttle.record_failure(addr).await?;
            let user_id = other.as_ref().map(|u| u.id.clone());
            let locked_now = {
                let uid = user_id.clone();
                state
                    .db
                    .call(move |c| match uid {
                        Some(uid) => users::register_failed_login(c, tid, &uid, now),
                        None => users::register_failed_unknown_login(c, tid, &login, now),
                    })
                    .await?
            };
            audit_refusal(
                state,
                tenant,
                user_id.as_deref(),
                if locked_now.is_some() { "login.lockout" } else { "login.failed" },
                addr,
            )
            .await;
            match locked_now {
                Some(until) => Err(locked(until, tenant)),
                None => Err(AppError::new(ErrorCode::InvalidCredentials)),
            }
        }
    }
}

/// The lock's end as the time of day in the tenant's time zone (a lock lasts minutes).
fn locked(until: chrono::DateTime<chrono::Utc>, tenant: &Tenant) -> AppError {
    AppError::new(ErrorCode::AccountLocked).arg("until", until.with_timezone(&tenant.timezone).format("%H:%M"))
}

async fn audit_refusal(state: &AppState, tenant: &Tenant, user: Option<&str>, action: &'static str, addr: IpAddr) {
    let (t, u, a, now) = (tenant.id, user.map(str::to_owned), addr.to_string(), state.clock.now());
    let res = state
        .db
        .call(move |c| {
            let ev = AuditEvent {
                actor: None,
                action,
                target: u.as_deref(),
                details: json!({"address": a}),
                request_id: None,
            };
            audit::append(c, t, &ev, now)
        })
        .await;
    if let Err(e) = res {
        tracing::error!(error = %e, "could not write the audit log");
    }
}
