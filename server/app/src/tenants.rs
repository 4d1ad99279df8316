//! Tenants, as the installation admin sees and creates them.

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::Role;
use tessera_domain::tenant::TenantSpec;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::tenants::{self, NewTenant, Tenant};
use utoipa::ToSchema;

/// A tenant.
#[derive(Serialize, ToSchema)]
pub struct TenantView {
    id: String,
    slug: String,
    kind: String,
    name: String,
    country: String,
    timezone: String,
    locale: String,
    status: String,
}

impl TenantView {
    /// The tenant's code.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The tenant's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tenant's kind (`installation`, `centre` or `verifier`).
    pub fn kind(&self) -> &str {
        &self.kind
    }
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        Self {
            id: t.id.to_string(),
            slug: t.slug,
            kind: t.kind.as_str().into(),
            name: t.name,
            country: t.country.to_string(),
            timezone: t.timezone.name().into(),
            locale: t.locale.as_str().into(),
            status: t.status,
        }
    }
}

/// Every tenant of the installation.
pub async fn list(state: &AppState, user: &Actor) -> Result<Vec<TenantView>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let all = state.db.call(tenants::list).await?;
    Ok(all.into_iter().map(TenantView::from).collect())
}

/// A tenant to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateTenant {
    /// `centre` or `verifier`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// URL code; derived from the name when absent.
    pub slug: Option<String>,
    /// ISO 3166 country code, e.g. `PL`.
    pub country: String,
    /// IANA time zone, e.g. `Europe/Warsaw`.
    pub timezone: String,
    /// `en`, `pl`, `hu` or `it`.
    pub locale: String,
}

/// Creates a tenant (audited in the admin's tenant).
pub async fn create(state: &AppState, user: &Actor, req: CreateTenant) -> Result<TenantView, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let spec = TenantSpec::parse(&req.kind, &req.name, req.slug.as_deref(), &req.country, &req.timezone, &req.locale)?;
    let now = state.clock.now();
    let (admin_tenant, actor) = (user.tenant_id(), user.user.id.clone());
    let wrap = state.credential_keys.clone();
    let created = state.db.call(move |c| create_in(c, spec, Some((admin_tenant, actor.as_str())), &wrap, now)).await?;
    Ok(created.into())
}

/// Creates the tenant `spec` describes, active, in one transaction with its audit record in the
/// tenant of whoever created it (`by`: that tenant and the user; none for the command line). A
/// centre gets its credential issuer key in the same transaction (R-CREDENTIAL).
pub fn create_in(
    c: &mut tessera_storage::DbConnection,
    spec: TenantSpec,
    by: Option<(tessera_domain::TenantId, &str)>,
    wrap: &crate::credentials::Wrapping,
    now: chrono::DateTime<chrono::Utc>,
) -> tessera_storage::StorageResult<Tenant> {
    tessera_storage::transaction(c, |c| {
        let new = NewTenant {
            slug: spec.slug,
            kind: spec.kind,
            name: spec.name,
            country: spec.country,
            timezone: spec.timezone,
            locale: spec.locale,
            status: "active",
        };
        let t = tenants::create(c, &new, now)?;
        crate::credentials::keys::ensure_in(c, &t, wrap, now)?;
        if let Some((admin_tenant, actor)) = by {
            let ev = AuditEvent {
                actor: Some(actor),
                action: "tenant.create",
                target: Some(&t.slug),
                details: json!({"kind": t.kind.as_str()}),
                request_id: None,
            };
            audit::append(c, admin_tenant, &ev, now)?;
        }
        Ok(t)
    })
}

/// Suspends the tenant with code `slug` (`suspend`: active to suspended: its users are signed out
/// at their next request and cannot sign in) or reactivates it (suspended to active), audited in
/// the admin's tenant. The installation's own tenant is never suspended.
pub async fn change_status(state: &AppState, user: &Actor, slug: &str, suspend: bool) -> Result<TenantView, AppError> {
    use tessera_domain::labels::{Labelled, TenantStatus};
    use tessera_domain::{ErrorCode, TenantKind};
    user.require(&[Role::InstallationAdmin])?;
    let (from, to, action) = if suspend {
        (TenantStatus::Active, TenantStatus::Suspended, "tenant.suspend")
    } else {
        (TenantStatus::Suspended, TenantStatus::Active, "tenant.reactivate")
    };
    let (slug, now) = (slug.to_owned(), state.clock.now());
    let (admin_tenant, actor) = (user.tenant_id(), user.user.id.clone());
    let changed = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let t = tenants::by_slug(c, &slug)?;
                if t.kind == TenantKind::Installation {
                    return Ok(Err(AppError::at(ErrorCode::InstallationTenant, "tenant")));
                }
                let Some(t) = tenants::change_status(c, &slug, from.code(), to.code())? else {
                    return Ok(Err(AppError::at(ErrorCode::ConflictTenantStatus, "tenant").arg("tenant", &t.name)));
                };
                if suspend {
                    tessera_storage::repo::auth::delete_tenant_sessions(c, t.id)?;
                }
                let ev = AuditEvent {
                    actor: Some(&actor),
                    action,
                    target: Some(&t.slug),
                    details: json!({"from": from.code(), "to": to.code()}),
                    request_id: None,
                };
                audit::append(c, admin_tenant, &ev, now)?;
                Ok(Ok(t))
            })
        })
        .await??;
    Ok(changed.into())
}

/// The tenant with code `slug` (unknown codes are not found).
pub async fn get(state: &AppState, user: &Actor, slug: &str) -> Result<TenantView, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let slug = slug.to_owned();
    Ok(state.db.call(move |c| tenants::by_slug(c, &slug)).await?.into())
}

/// What the installation admin changes of a tenant, as typed.
#[derive(Deserialize, ToSchema)]
pub struct EditTenant {
    /// Display name.
    pub name: String,
    /// ISO 3166 country code, e.g. `PL`.
    pub country: String,
    /// IANA time zone, e.g. `Europe/Warsaw`.
    pub timezone: String,
    /// `en`, `pl`, `hu` or `it`.
    pub locale: String,
}

/// Changes the name, country, time zone and language of the tenant `slug` (checked field by
/// field; nothing is stored on a refusal), audited as `tenant.edit` in the admin's tenant with
/// what was before and after.
pub async fn edit(state: &AppState, user: &Actor, slug: &str, req: EditTenant) -> Result<TenantView, AppError> {
    use tessera_domain::tenant::TenantProfile;
    user.require(&[Role::InstallationAdmin])?;
    let profile = TenantProfile::parse(&req.name, &req.country, &req.timezone, &req.locale)?;
    let (slug, now) = (slug.to_owned(), state.clock.now());
    let (admin_tenant, actor) = (user.tenant_id(), user.user.id.clone());
    let changed = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let before = tenants::by_slug(c, &slug)?;
                let after = tenants::update_profile(c, &slug, &profile)?;
                let ev = AuditEvent {
                    actor: Some(&actor),
                    action: "tenant.edit",
                    target: Some(&after.slug),
                    details: json!({
                        "before": {"name": before.name, "country": before.country.to_string(), "timezone": before.timezone.name(), "locale": before.locale.as_str()},
                        "after": {"name": after.name, "country": after.country.to_string(), "timezone": after.timezone.name(), "locale": after.locale.as_str()},
                    }),
                    request_id: None,
                };
                audit::append(c, admin_tenant, &ev, now)?;
                Ok(after)
            })
        })
        .await?;
    Ok(changed.into())
}
