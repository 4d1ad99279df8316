//! Tenants. The tenants table is the one table not scoped by tenant: it is the list of tenants.

use crate::schema::tenants;
use crate::{DbConnection, StorageError, StorageResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::tenant::CentreContact;
use tessera_domain::{Country, DomainError, ErrorCode, Locale, TenantId, TenantKind};

/// The slug of the installation's own tenant, which holds the installation admins.
pub const INSTALLATION_SLUG: &str = "installation";

/// A stored tenant.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tenants)]
pub struct TenantRow {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub country: String,
    pub timezone: String,
    pub locale: String,
    pub status: String,
    pub created_at: chrono::NaiveDateTime,
    pub address: Option<String>,
    pub help_phone: Option<String>,
    pub help_email: Option<String>,
}

/// A tenant as the rest of the server sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub kind: TenantKind,
    pub name: String,
    pub country: Country,
    pub timezone: chrono_tz::Tz,
    pub locale: Locale,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// How candidates reach the centre (address and help line), once its manager has set it.
    pub contact: Option<CentreContact>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StorageError;
    fn try_from(r: TenantRow) -> Result<Self, StorageError> {
        let bad = |e: DomainError| StorageError::Corrupt(format!("tenant {}: {e}", r.id));
        Ok(Tenant {
            id: r.id.parse().map_err(|_| StorageError::Corrupt(format!("tenant id {}", r.id)))?,
            kind: r.kind.parse().map_err(bad)?,
            country: Country::parse(&r.country).map_err(bad)?,
            timezone: tessera_domain::tenant::parse_timezone(&r.timezone).map_err(bad)?,
            locale: r.locale.parse().map_err(bad)?,
            slug: r.slug,
            name: r.name,
            status: r.status,
            created_at: super::utc(r.created_at),
            contact: match (r.address, r.help_phone) {
                (Some(address), Some(help_phone)) => {
                    Some(CentreContact { address, help_phone, help_email: r.help_email })
                }
                _ => None,
            },
        })
    }
}

/// What it takes to create a tenant (already validated by the domain parsers).
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub kind: TenantKind,
    pub name: String,
    pub country: Country,
    pub timezone: chrono_tz::Tz,
    pub locale: Locale,
    pub status: &'static str,
}

/// Creates a tenant; a taken slug is a `Conflict`.
pub fn create(conn: &mut DbConnection, new: &NewTenant, now: DateTime<Utc>) -> StorageResult<Tenant> {
    let row = TenantRow {
        id: TenantId::new().to_string(),
        slug: new.slug.clone(),
        kind: new.kind.as_str().to_owned(),
        name: new.name.clone(),
        country: new.country.to_string(),
        timezone: new.timezone.name().to_owned(),
        locale: new.locale.as_str().to_owned(),
        status: new.status.to_owned(),
        created_at: super::naive(now),
        address: None,
        help_phone: None,
        help_email: None,
    };
    diesel::insert_into(tenants::table)
        .values((
            tenants::id.eq(&row.id),
            tenants::slug.eq(&row.slug),
            tenants::kind.eq(&row.kind),
            tenants::name.eq(&row.name),
            tenants::country.eq(&row.country),
            tenants::timezone.eq(&row.timezone),
            tenants::locale.eq(&row.locale),
            tenants::status.eq(&row.status),
            tenants::created_at.eq(row.created_at),
        ))
        .execute(conn)
        .map_err(|e| match StorageError::from(e) {
            StorageError::Conflict(_) => StorageError::Conflict(
                DomainError::new(ErrorCode::ConflictTenantCode).on("slug").arg("code", &row.slug),
            ),
            other => other,
        })?;
    row.try_into()
}

/// Sets how candidates reach the centre `id` (already checked by [`CentreContact::parse`]).
pub fn set_contact(conn: &mut DbConnection, id: TenantId, contact: &CentreContact) -> StorageResult<()> {
    let n = diesel::update(tenants::table.filter(tenants::id.eq(id.to_string())))
        .set((
            tenants::address.eq(&contact.address),
            tenants::help_phone.eq(&contact.help_phone),
            tenants::help_email.eq(contact.help_email.as_deref()),
        ))
        .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

/// Every tenant, oldest first.
pub fn list(conn: &mut DbConnection) -> StorageResult<Vec<Tenant>> {
    let rows: Vec<TenantRow> =
        tenants::table.order(tenants::created_at.asc()).select(TenantRow::as_select()).load(conn)?;
    rows.into_iter().map(Tenant::try_from).collect()
}

/// Moves the tenant with code `slug` from status `from` to `to`. Returns the tenant as it now
/// is, or `None` when it is not in `from` (someone else changed it first).
pub fn change_status(conn: &mut DbConnection, slug: &str, from: &str, to: &str) -> StorageResult<Option<Tenant>> {
    let n = diesel::update(tenants::table.filter(tenants::slug.eq(slug)).filter(tenants::status.eq(from)))
        .set(tenants::status.eq(to))
        .execute(conn)?;
    if n == 1 { by_slug(conn, slug).map(Some) } else { Ok(None) }
}

/// Sets the name, country, time zone and language of the tenant with code `slug`; returns it as
/// it now is.
pub fn update_profile(
    conn: &mut DbConnection,
    slug: &str,
    profile: &tessera_domain::tenant::TenantProfile,
) -> StorageResult<Tenant> {
    let n = diesel::update(tenants::table.filter(tenants::slug.eq(slug)))
        .set((
            tenants::name.eq(&profile.name),
            tenants::country.eq(profile.country.to_string()),
            tenants::timezone.eq(profile.timezone.name()),
            tenants::locale.eq(profile.locale.as_str()),
        ))
        .execute(conn)?;
    if n == 1 { by_slug(conn, slug) } else { Err(StorageError::NotFound) }
}

/// The tenant with this code.
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> StorageResult<Tenant> {
    tenants::table.filter(tenants::slug.eq(slug)).select(TenantRow::as_select()).first(conn)?.try_into()
}

/// The tenant with this id.
pub fn by_id(conn: &mut DbConnection, id: TenantId) -> StorageResult<Tenant> {
    tenants::table.filter(tenants::id.eq(id.to_string())).select(TenantRow::as_select()).first(conn)?.try_into()
}

/// Approved verifier organisations whose name contains `q` (the directory candidates pick from).
pub fn verifier_directory(conn: &mut DbConnection, q: &str) -> StorageResult<Vec<Tenant>> {
    let pattern = format!("%{}%", q.replace(['%', '_'], ""));
    let rows: Vec<TenantRow> = tenants::table
        .filter(tenants::kind.eq("verifier"))
        .filter(tenants::status.eq("active"))
        .filter(tenants::name.like(pattern))
        .order(tenants::name.asc())
        .limit(100)
        .select(TenantRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Tenant::try_from).collect()
}

/// The installation's own tenant, created on first use.
pub fn installation(conn: &mut DbConnection, now: DateTime<Utc>) -> StorageResult<Tenant> {
    match by_slug(conn, INSTALLATION_SLUG) {
        Err(StorageError::NotFound) => create(
            conn,
            &NewTenant {
                slug: INSTALLATION_SLUG.into(),
                kind: TenantKind::Installation,
                name: "Installation".into(),
                country: Country::parse("GB").expect("static code"),
                timezone: chrono_tz::Europe::London,
                locale: Locale::En,
                status: "active",
            },
            now,
        ),
        other => other,
    }
}
