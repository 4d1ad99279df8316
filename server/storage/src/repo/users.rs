//! Users of a tenant: staff, verifier users, candidates with accounts, installation admins.

use crate::schema::users;
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{DomainError, ErrorCode, Role, TenantId, UserId};

/// A stored user. `login` is the email for staff and verifiers, the ID number for candidates.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub tenant_id: String,
    pub id: String,
    pub login: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

impl User {
    /// The typed id.
    pub fn user_id(&self) -> StorageResult<UserId> {
        self.id.parse().map_err(|_| StorageError::Corrupt(format!("user id {}", self.id)))
    }

    /// The typed role.
    pub fn role(&self) -> StorageResult<Role> {
        self.role.parse().map_err(|e| StorageError::Corrupt(format!("user {}: {e}", self.id)))
    }

    /// Until when the account is locked (R-LOCKOUT), if it is locked at `now`.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.map(super::utc).filter(|until| *until > now)
    }
}

/// A user to create; the password hash is computed by the caller (off the async runtime).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub password_hash: Option<String>,
}

/// Creates a user in `tenant`; a taken login is a `Conflict`.
pub fn create(conn: &mut DbConnection, tenant: TenantId, new: &NewUser, now: DateTime<Utc>) -> StorageResult<User> {
    let id = UserId::new().to_string();
    diesel::insert_into(users::table)
        .values((
            users::tenant_id.eq(tid(tenant)),
            users::id.eq(&id),
            users::login.eq(&new.login),
            users::email.eq(&new.email),
            users::display_name.eq(&new.display_name),
            users::role.eq(new.role.as_str()),
            users::password_hash.eq(&new.password_hash),
            users::failed_logins.eq(0),
            users::created_at.eq(super::naive(now)),
        ))
        .execute(conn)
        .map_err(|e| match StorageError::from(e) {
            StorageError::Conflict(_) => {
                StorageError::Conflict(DomainError::new(ErrorCode::ConflictLogin).on("login").arg("login", &new.login))
            }
            other => other,
        })?;
    by_id(conn, tenant, &id)
}

/// The user with this id in `tenant`.
pub fn by_id(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<User> {
    Ok(users::table
        .filter(users::tenant_id.eq(tid(tenant)))
        .filter(users::id.eq(id))
        .select(User::as_select())
        .first(conn)?)
}

/// The user with this login (email or ID number, compared as stored) in `tenant`.
pub fn by_login(conn: &mut DbConnection, tenant: TenantId, login: &str) -> StorageResult<User> {
    Ok(users::table
        .filter(users::tenant_id.eq(tid(tenant)))
        .filter(users::login.eq(login))
        .select(User::as_select())
        .first(conn)?)
}

/// The user with this email in `tenant` (for password reset).
pub fn by_email(conn: &mut DbConnection, tenant: TenantId, email: &str) -> StorageResult<User> {
    Ok(users::table
        .filter(users::tenant_id.eq(tid(tenant)))
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)?)
}

/// Every user of `tenant`.
pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<User>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tid(tenant)))
        .order(users::created_at.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Records a wrong password (R-LOCKOUT) in one transaction, so concurrent failures all count.
/// Returns the instant until which the account is now locked, if this failure locked it.
pub fn register_failed_login(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    now: DateTime<Utc>,
) -> StorageResult<Option<DateTime<Utc>>> {
    crate::transaction(conn, |c| {
        let scope = || users::table.filter(users::tenant_id.eq(tid(tenant))).filter(users::id.eq(id));
        diesel::update(scope()).set(users::failed_logins.eq(users::failed_logins + 1)).execute(c)?;
        let failed: i32 = scope().select(users::failed_logins).first(c)?;
        let (_, lock) = tessera_domain::auth::after_failed_login(failed - 1, now);
        if let Some(until) = lock {
            diesel::update(scope())
                .set((users::failed_logins.eq(0), users::locked_until.eq(Some(super::naive(until)))))
                .execute(c)?;
        }
        Ok(lock)
    })
}

/// Until when a login that belongs to nobody in `tenant` is "locked" (R-LOCKOUT applied to unknown
/// logins, so that sign-in answers alike whether the login exists), if it is at `now`.
pub fn unknown_login_locked_at(
    conn: &mut DbConnection,
    tenant: TenantId,
    login: &str,
    now: DateTime<Utc>,
) -> StorageResult<Option<DateTime<Utc>>> {
    use crate::schema::unknown_login_failures as f;
    let until: Option<Option<chrono::NaiveDateTime>> = f::table
        .filter(f::tenant_id.eq(tid(tenant)))
        .filter(f::login.eq(login))
        .select(f::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().map(super::utc).filter(|until| *until > now))
}

/// Records a wrong password for a login that belongs to nobody, counted in the database exactly
/// as `register_failed_login` counts an account's (so every server process on the database sees
/// the same count). Returns the instant until which the login is now "locked", if this failure
/// locked it.
pub fn register_failed_unknown_login(
    conn: &mut DbConnection,
    tenant: TenantId,
    login: &str,
    now: DateTime<Utc>,
) -> StorageResult<Option<DateTime<Utc>>> {
    use crate::schema::unknown_login_failures as f;
    crate::transaction(conn, |c| {
        // A lock that has run out with no failure since is the same as no row: forget it.
        diesel::delete(
            f::table
                .filter(f::tenant_id.eq(tid(tenant)))
                .filter(f::failed_logins.eq(0))
                .filter(f::locked_until.lt(super::naive(now))),
        )
        .execute(c)?;
        let row = (f::tenant_id.eq(tid(tenant)), f::login.eq(login), f::failed_logins.eq(0));
        // Concurrent first failures from several processes: the loser's insert does nothing.
        match c {
            DbConnection::Sqlite(s) => {
                diesel::insert_into(f::table).values(row).on_conflict_do_nothing().execute(s)?;
            }
            DbConnection::Pg(p) => {
                diesel::insert_into(f::table).values(row).on_conflict_do_nothing().execute(p)?;
            }
        }
        let scope = || f::table.filter(f::tenant_id.eq(tid(tenant))).filter(f::login.eq(login));
        diesel::update(scope()).set(f::failed_logins.eq(f::failed_logins + 1)).execute(c)?;
        let failed: i32 = scope().select(f::failed_logins).first(c)?;
        let (_, lock) = tessera_domain::auth::after_failed_login(failed - 1, now);
        if let Some(until) = lock {
            diesel::update(scope())
                .set((f::failed_logins.eq(0), f::locked_until.eq(Some(super::naive(until)))))
                .execute(c)?;
        }
        Ok(lock)
    })
}

/// A successful sign-in clears the failure counter and any expired lock.
pub fn record_successful_login(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<()> {
    diesel::update(users::table.filter(users::tenant_id.eq(tid(tenant))).filter(users::id.eq(id)))
        .set((users::failed_logins.eq(0), users::locked_until.eq(None::<chrono::NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Sets a new password hash and lifts any lock.
pub fn set_password(conn: &mut DbConnection, tenant: TenantId, id: &str, hash: &str) -> StorageResult<()> {
    let n = diesel::update(users::table.filter(users::tenant_id.eq(tid(tenant))).filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(Some(hash)),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

/// The users, in every tenant or in `tenant` only, whose login or email is `login` (the
/// installation admin's audit log filter).
pub fn with_login_anywhere(conn: &mut DbConnection, login: &str, tenant: Option<TenantId>) -> StorageResult<Vec<User>> {
    let mut q = users::table.filter(users::login.eq(login).or(users::email.eq(login))).into_boxed();
    if let Some(t) = tenant {
        q = q.filter(users::tenant_id.eq(tid(t)));
    }
    Ok(q.select(User::as_select()).load(conn)?)
}

/// The users with these ids, in any tenant (to name the actors of audit records).
pub fn by_ids_anywhere(conn: &mut DbConnection, ids: &[String]) -> StorageResult<Vec<User>> {
    Ok(users::table.filter(users::id.eq_any(ids)).select(User::as_select()).load(conn)?)
}
