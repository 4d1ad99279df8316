//! A tenant's users as they are shown (the caller included) and its audit log.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::audit::{self, AuditRecord};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users::{self, User};
use utoipa::ToSchema;

/// A user as the API shows them.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Login (email, or ID number for candidates).
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// The tenant's code.
    pub tenant: String,
    /// The tenant's kind.
    pub tenant_kind: String,
    /// Path of the role's home page.
    pub home: String,
}

impl Me {
    /// The API view of `user` in `tenant`.
    pub fn new(tenant: &Tenant, user: &User) -> Result<Self, AppError> {
        let role = user.role()?;
        Ok(Self {
            id: user.id.clone(),
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            role: role.as_str().into(),
            tenant: tenant.slug.clone(),
            tenant_kind: tenant.kind.as_str().into(),
            home: role.home_path().into(),
        })
    }

    /// The signed-in user.
    pub fn of(actor: &Actor) -> Result<Self, AppError> {
        Self::new(&actor.tenant, &actor.user)
    }
}

const MANAGERS: &[Role] = &[Role::InstallationAdmin, Role::CentreManager, Role::VerifierPrimary, Role::VerifierAdmin];

/// The tenant's users.
pub async fn list(state: &AppState, user: &Actor) -> Result<Vec<Me>, AppError> {
    user.require(MANAGERS)?;
    let tid = user.tenant_id();
    let all = state.db.call(move |c| users::list(c, tid)).await?;
    all.iter().map(|u| Me::new(&user.tenant, u)).collect()
}

/// One user of the tenant.
pub async fn get(state: &AppState, user: &Actor, id: String) -> Result<Me, AppError> {
    user.require(MANAGERS)?;
    let tid = user.tenant_id();
    let found = state.db.call(move |c| users::by_id(c, tid, &id)).await?;
    Me::new(&user.tenant, &found)
}

/// One audit record.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// When (UTC, RFC 3339).
    at: String,
    /// Who (user id), if anyone.
    actor: Option<String>,
    /// What, e.g. `login`, `login.failed`, `password.reset`.
    action: String,
    /// To what.
    target: Option<String>,
    /// Details (JSON).
    details: serde_json::Value,
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            at: r.at.and_utc().to_rfc3339(),
            actor: r.actor,
            action: r.action,
            target: r.target,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The newest `limit` (1 to 500) entries of the tenant's audit log, of `action` only if given.
pub async fn audit_log(
    state: &AppState,
    user: &Actor,
    action: Option<String>,
    limit: i64,
) -> Result<Vec<AuditEntry>, AppError> {
    user.require(MANAGERS)?;
    if !(1..=500).contains(&limit) {
        return Err(AppError::at(ErrorCode::OutOfRange, "limit").arg("min", 1).arg("max", 500));
    }
    let tid = user.tenant_id();
    let rows = state.db.call(move |c| audit::recent(c, tid, action.as_deref(), limit)).await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// A user of a tenant, as the installation admin sees them.
#[derive(Serialize)]
pub struct TenantUser {
    /// User id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// No password set yet (the invitation is open).
    pub invited: bool,
    /// Locked after wrong passwords (R-LOCKOUT), now.
    pub locked: bool,
    /// Created (UTC, RFC 3339).
    pub created_at: String,
}

async fn tenant_by_slug(state: &AppState, slug: &str) -> Result<Tenant, AppError> {
    let slug = slug.to_owned();
    Ok(state.db.call(move |c| tessera_storage::repo::tenants::by_slug(c, &slug)).await?)
}

/// The users of the tenant `slug`, oldest first (the installation admin).
pub async fn of_tenant(state: &AppState, user: &Actor, slug: &str) -> Result<Vec<TenantUser>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenant_by_slug(state, slug).await?;
    let now = state.clock.now();
    let all = state.db.call(move |c| users::list(c, tenant.id)).await?;
    Ok(all
        .into_iter()
        .map(|u| TenantUser {
            invited: u.password_hash.is_none(),
            locked: u.locked_at(now).is_some(),
            created_at: u.created_at.and_utc().to_rfc3339(),
            id: u.id,
            login: u.login,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
        })
        .collect())
}

/// Creates the user `spec` describes in `tenant` (with `password_hash`, or none: then they set
/// it through a link), audited as `user.create` in the tenant of whoever created it (`by`: that
/// tenant and the user; none for the command line). The command line and the installation
/// admin's page both create users here.
pub fn create_in(
    c: &mut tessera_storage::DbConnection,
    tenant: &Tenant,
    spec: &tessera_domain::tenant::UserSpec,
    password_hash: Option<String>,
    by: Option<(tessera_domain::TenantId, &str)>,
    now: chrono::DateTime<chrono::Utc>,
) -> tessera_storage::StorageResult<User> {
    let new = users::NewUser {
        login: spec.login.clone(),
        email: spec.email.clone(),
        display_name: spec.name.clone(),
        role: spec.role,
        password_hash,
    };
    let created = users::create(c, tenant.id, &new, now)?;
    if let Some((admin_tenant, actor)) = by {
        let ev = audit::AuditEvent {
            actor: Some(actor),
            action: "user.create",
            target: Some(&created.id),
            details: serde_json::json!({"tenant": tenant.slug, "role": spec.role.as_str()}),
            request_id: None,
        };
        audit::append(c, admin_tenant, &ev, now)?;
    }
    Ok(created)
}

/// A user the installation admin adds to a tenant, as typed.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct InviteUser {
    /// Role code.
    pub role: String,
    /// Display name.
    pub name: String,
    /// Email address (the login).
    pub email: String,
}

/// The installation admin adds a staff or verifier user to the tenant `slug`; the user gets an
/// email with a link to set their password (valid 7 days). User, link and email are stored in
/// one transaction; a refusal names its field and stores nothing. Candidates are not added here:
/// they activate their own accounts.
pub async fn invite(state: &AppState, user: &Actor, slug: &str, f: InviteUser) -> Result<(), AppError> {
    use tessera_domain::tenant::UserSpec;
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenant_by_slug(state, slug).await?;
    if f.role == Role::Candidate.as_str() {
        let allowed: Vec<_> =
            tenant.kind.roles().iter().filter(|r| **r != Role::Candidate).map(|r| r.as_str()).collect();
        return Err(AppError::at(ErrorCode::InvalidChoice, "role")
            .arg("value", &f.role)
            .arg("choices", allowed.join(", ")));
    }
    let spec = UserSpec::parse(tenant.kind, &f.role, &f.name, Some(&f.email), None)?;
    let (templates, public_url, now) = (state.templates.clone(), state.settings.public_url.clone(), state.clock.now());
    let (admin_tenant, actor) = (user.tenant_id(), user.user.id.clone());
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let created = create_in(c, &tenant, &spec, None, Some((admin_tenant, &actor)), now)?;
                crate::organisations::queue_set_password(
                    c,
                    &templates,
                    &public_url,
                    &tenant,
                    &created,
                    "email/user_invited.txt",
                    now,
                )
            })
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(())
}

/// One user of the tenant `slug` (the installation admin).
pub async fn of_tenant_one(state: &AppState, user: &Actor, slug: &str, id: &str) -> Result<TenantUser, AppError> {
    of_tenant(state, user, slug).await?.into_iter().find(|u| u.id == id).ok_or_else(AppError::not_found)
}

/// The installation admin sends user `id` of the tenant `slug` a link to set a new password
/// (the self-service reset email; the password stays until they use it), audited as
/// `password.reset_sent`. Neither the link nor the password is shown to the admin. A user
/// without an email address is not found here.
pub async fn send_reset(state: &AppState, user: &Actor, slug: &str, id: &str) -> Result<(), AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenant_by_slug(state, slug).await?;
    let (templates, public_url) = (state.templates.clone(), state.settings.public_url.clone());
    let (ttl, now, id) = (state.settings.reset_link_ttl, state.clock.now(), id.to_owned());
    let (admin_tenant, actor) = (user.tenant_id(), user.user.id.clone());
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let target = users::by_id(c, tenant.id, &id)?;
                // A user without an email address (a candidate signs in with an ID number) has
                // nowhere to receive the link.
                if target.email.is_none() {
                    return Err(tessera_storage::StorageError::NotFound);
                }
                let link =
                    crate::auth::PasswordLink { template: "email/password_reset.txt", valid_for: ttl, key: "reset" };
                crate::auth::queue_password_link(c, &templates, &public_url, &tenant, &target, link, now)?;
                let ev = audit::AuditEvent {
                    actor: Some(&actor),
                    action: "password.reset_sent",
                    target: Some(&target.id),
                    details: serde_json::json!({"tenant": tenant.slug}),
                    request_id: None,
                };
                audit::append(c, admin_tenant, &ev, now)
            })
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(())
}
