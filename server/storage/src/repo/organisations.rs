//! Verifier organisations: sign-up and the installation admin's decision (R-ORG-SIGNUP), and the
//! organisation's users with exactly one primary (R-ORG-USERS).

use crate::repo::tenants::{self, NewTenant, Tenant};
use crate::repo::users::{self, NewUser, User};
use crate::schema::{auth_sessions, password_resets, tenants as tenants_t, users as users_t};
use crate::schema_verifier::{org_members, org_signups, user_logins};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{DomainError, ErrorCode, Role, TenantId};

/// A sign-up request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = org_signups)]
pub struct Signup {
    pub tenant_id: String,
    pub first_name: String,
    pub family_name: String,
    pub job_title: String,
    pub email: String,
    pub org_type: String,
    pub website: String,
    pub submitted_at: NaiveDateTime,
    pub decision: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

/// A person as an organisation knows them (R-ORG-USERS).
#[derive(Debug, Clone)]
pub struct Person {
    pub first_name: String,
    pub family_name: String,
    pub job_title: String,
    /// Also the login.
    pub email: String,
}

fn add_member(
    conn: &mut DbConnection,
    tenant: TenantId,
    p: &Person,
    role: Role,
    now: DateTime<Utc>,
) -> StorageResult<User> {
    let user = users::create(
        conn,
        tenant,
        &NewUser {
            login: p.email.clone(),
            email: Some(p.email.clone()),
            display_name: format!("{} {}", p.first_name, p.family_name),
            role,
            password_hash: None,
        },
        now,
    )?;
    diesel::insert_into(org_members::table)
        .values((
            org_members::tenant_id.eq(tid(tenant)),
            org_members::user_id.eq(&user.id),
            org_members::first_name.eq(&p.first_name),
            org_members::family_name.eq(&p.family_name),
            org_members::job_title.eq(&p.job_title),
        ))
        .execute(conn)?;
    Ok(user)
}

/// Records a sign-up: a pending verifier tenant, its primary user without a password, and the
/// request. All or nothing.
pub fn submit(
    conn: &mut DbConnection,
    org: &NewTenant,
    org_type: &str,
    website: &str,
    applicant: &Person,
    now: DateTime<Utc>,
) -> StorageResult<(Tenant, User)> {
    crate::transaction(conn, |c| {
        let tenant = tenants::create(c, org, now)?;
        let user = add_member(c, tenant.id, applicant, Role::VerifierPrimary, now)?;
        let row = Signup {
            tenant_id: tid(tenant.id),
            first_name: applicant.first_name.clone(),
            family_name: applicant.family_name.clone(),
            job_title: applicant.job_title.clone(),
            email: applicant.email.clone(),
            org_type: org_type.to_owned(),
            website: website.to_owned(),
            submitted_at: now.naive_utc(),
            decision: None,
            decided_at: None,
            decided_by: None,
        };
        diesel::insert_into(org_signups::table).values(&row).execute(c)?;
        Ok((tenant, user))
    })
}

/// Sign-up requests with their tenants, oldest first; only undecided ones when `pending_only`.
pub fn signups(conn: &mut DbConnection, pending_only: bool) -> StorageResult<Vec<(Tenant, Signup)>> {
    let mut q = org_signups::table.order(org_signups::submitted_at.asc()).select(Signup::as_select()).into_boxed();
    if pending_only {
        q = q.filter(org_signups::decision.is_null());
    }
    let rows: Vec<Signup> = q.load(conn)?;
    rows.into_iter()
        .map(|s| {
            let id: TenantId = s.tenant_id.parse().map_err(|_| StorageError::Corrupt(s.tenant_id.clone()))?;
            Ok((tenants::by_id(conn, id)?, s))
        })
        .collect()
}

/// Approves or rejects a pending sign-up: the tenant becomes active (or rejected); then `then`
/// runs in the same transaction with the tenant and its primary user (to send the email).
/// A request decided already is a `Conflict`.
pub fn decide(
    conn: &mut DbConnection,
    tenant: TenantId,
    approve: bool,
    by: &str,
    now: DateTime<Utc>,
    then: impl FnOnce(&mut DbConnection, &Tenant, &User, &Signup) -> StorageResult<()>,
) -> StorageResult<Tenant> {
    crate::transaction(conn, |c| {
        let signup: Signup =
            org_signups::table.filter(org_signups::tenant_id.eq(tid(tenant))).select(Signup::as_select()).first(c)?;
        if let Some(d) = &signup.decision {
            return Err(StorageError::Conflict(DomainError::new(ErrorCode::ConflictAlreadyDecided).arg("decision", d)));
        }
        let decision = if approve { "approved" } else { "rejected" };
        diesel::update(org_signups::table.filter(org_signups::tenant_id.eq(tid(tenant))))
            .set((
                org_signups::decision.eq(decision),
                org_signups::decided_at.eq(now.naive_utc()),
                org_signups::decided_by.eq(by),
            ))
            .execute(c)?;
        diesel::update(tenants_t::table.filter(tenants_t::id.eq(tid(tenant))))
            .set(tenants_t::status.eq(if approve { "active" } else { "rejected" }))
            .execute(c)?;
        let t = tenants::by_id(c, tenant)?;
        let primary = primary(c, tenant)?;
        then(c, &t, &primary, &signup)?;
        Ok(t)
    })
}

/// The organisation's primary user.
pub fn primary(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<User> {
    users::list(conn, tenant)?
        .into_iter()
        .find(|u| u.role == Role::VerifierPrimary.as_str())
        .ok_or(StorageError::NotFound)
}

/// A user of an organisation with their job title.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub first_name: String,
    pub family_name: String,
    pub job_title: String,
    pub role: String,
    /// Whether they have set a password yet.
    pub active: bool,
}

/// The users of verifier `tenant`, the primary first.
pub fn members(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Member>> {
    let titles: Vec<(String, String, String, String)> = org_members::table
        .filter(org_members::tenant_id.eq(tid(tenant)))
        .select((org_members::user_id, org_members::first_name, org_members::family_name, org_members::job_title))
        .load(conn)?;
    let mut out: Vec<Member> = users::list(conn, tenant)?
        .into_iter()
        .map(|u| {
            let t = titles.iter().find(|t| t.0 == u.id);
            Member {
                email: u.email.clone().unwrap_or_else(|| u.login.clone()),
                first_name: t.map(|t| t.1.clone()).unwrap_or_else(|| u.display_name.clone()),
                family_name: t.map(|t| t.2.clone()).unwrap_or_default(),
                job_title: t.map(|t| t.3.clone()).unwrap_or_default(),
                active: u.password_hash.is_some(),
                role: u.role,
                user_id: u.id,
            }
        })
        .collect();
    out.sort_by_key(|m| (m.role != Role::VerifierPrimary.as_str(), m.family_name.clone()));
    Ok(out)
}

/// Adds an admin user (no password: `then` sends the set-password email in the same transaction).
pub fn add_admin(
    conn: &mut DbConnection,
    tenant: TenantId,
    person: &Person,
    now: DateTime<Utc>,
    then: impl FnOnce(&mut DbConnection, &User) -> StorageResult<()>,
) -> StorageResult<User> {
    crate::transaction(conn, |c| {
        let user = add_member(c, tenant, person, Role::VerifierAdmin, now)?;
        then(c, &user)?;
        Ok(user)
    })
}

/// Deletes an admin user with their sessions and links. The primary cannot be deleted (hand the
/// role over first): that keeps exactly one primary.
pub fn remove_admin(conn: &mut DbConnection, tenant: TenantId, user_id: &str) -> StorageResult<User> {
    crate::transaction(conn, |c| {
        let user = users::by_id(c, tenant, user_id)?;
        if user.role != Role::VerifierAdmin.as_str() {
            return Err(StorageError::Conflict(ErrorCode::ConflictNotAdmin.into()));
        }
        let t = tid(tenant);
        diesel::delete(
            auth_sessions::table.filter(auth_sessions::tenant_id.eq(&t)).filter(auth_sessions::user_id.eq(user_id)),
        )
        .execute(c)?;
        diesel::delete(
            password_resets::table
                .filter(password_resets::tenant_id.eq(&t))
                .filter(password_resets::user_id.eq(user_id)),
        )
        .execute(c)?;
        diesel::delete(
            user_logins::table.filter(user_logins::tenant_id.eq(&t)).filter(user_logins::user_id.eq(user_id)),
        )
        .execute(c)?;
        diesel::delete(
            org_members::table.filter(org_members::tenant_id.eq(&t)).filter(org_members::user_id.eq(user_id)),
        )
        .execute(c)?;
        diesel::delete(users_t::table.filter(users_t::tenant_id.eq(&t)).filter(users_t::id.eq(user_id))).execute(c)?;
        Ok(user)
    })
}

/// Hands the primary role from `from` (the primary) to `to` (an admin with a password), who
/// becomes the one primary; `from` becomes an admin.
pub fn hand_over(conn: &mut DbConnection, tenant: TenantId, from: &str, to: &str) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        let a = users::by_id(c, tenant, from)?;
        let b = users::by_id(c, tenant, to)?;
        if a.role != Role::VerifierPrimary.as_str() {
            return Err(StorageError::NotFound);
        }
        if b.role != Role::VerifierAdmin.as_str() || b.password_hash.is_none() {
            return Err(StorageError::Conflict(ErrorCode::ConflictPrimary.into()));
        }
        let t = tid(tenant);
        let set = |c: &mut DbConnection, id: &str, role: Role| {
            diesel::update(users_t::table.filter(users_t::tenant_id.eq(&t)).filter(users_t::id.eq(id)))
                .set(users_t::role.eq(role.as_str()))
                .execute(c)
        };
        set(c, from, Role::VerifierAdmin)?;
        set(c, to, Role::VerifierPrimary)?;
        Ok(())
    })
}
