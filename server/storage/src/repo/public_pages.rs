//! A centre's public pages (R-PUBLIC-CALENDAR): its regulations, the acceptances recorded with
//! public entries, and the forms it publishes. Every query is scoped by the centre.

use crate::schema_public::{centre_regulations, public_forms, regulations_acceptances};
use crate::{DbConnection, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// A centre's regulations.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = centre_regulations)]
pub struct Regulations {
    pub tenant_id: String,
    /// The text, as the centre typed it.
    pub body: String,
    /// When it was last changed: the version an acceptance names.
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

/// The regulations accepted with a public entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regulations_acceptances)]
pub struct Acceptance {
    pub tenant_id: String,
    pub entry_id: String,
    /// The version accepted (the regulations' `updated_at`); none when the centre had published
    /// no regulations yet.
    pub regulations_updated_at: Option<NaiveDateTime>,
    pub accepted_at: NaiveDateTime,
}

/// A published form.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = public_forms)]
pub struct PublicForm {
    pub tenant_id: String,
    /// Its kind's code (`PublicFormKind`).
    pub kind: String,
    /// The name of its file in the tenant's folder.
    pub file_id: String,
    /// The name the uploader gave it.
    pub filename: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
    pub uploaded_by: String,
}

/// Centre `tenant`'s regulations, if it has any.
pub fn regulations(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Option<Regulations>> {
    Ok(centre_regulations::table
        .filter(centre_regulations::tenant_id.eq(tid(tenant)))
        .select(Regulations::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces centre `tenant`'s regulations with `body`, as of `now`.
pub fn set_regulations(
    conn: &mut DbConnection,
    tenant: TenantId,
    body: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Regulations> {
    let row =
        Regulations { tenant_id: tid(tenant), body: body.into(), updated_at: now.naive_utc(), updated_by: by.into() };
    crate::transaction(conn, |c| {
        diesel::delete(centre_regulations::table.filter(centre_regulations::tenant_id.eq(tid(tenant)))).execute(c)?;
        diesel::insert_into(centre_regulations::table).values(&row).execute(c)?;
        Ok(row)
    })
}

/// Records that entry `entry_id` accepted the regulations of version `version`.
pub fn record_acceptance(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
    version: Option<NaiveDateTime>,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let row = Acceptance {
        tenant_id: tid(tenant),
        entry_id: entry_id.into(),
        regulations_updated_at: version,
        accepted_at: now.naive_utc(),
    };
    diesel::insert_into(regulations_acceptances::table).values(&row).execute(conn)?;
    Ok(())
}

/// The regulations accepted with entry `entry_id`, if any were.
pub fn acceptance(conn: &mut DbConnection, tenant: TenantId, entry_id: &str) -> StorageResult<Option<Acceptance>> {
    Ok(regulations_acceptances::table
        .filter(regulations_acceptances::tenant_id.eq(tid(tenant)))
        .filter(regulations_acceptances::entry_id.eq(entry_id))
        .select(Acceptance::as_select())
        .first(conn)
        .optional()?)
}

/// Centre `tenant`'s published forms.
pub fn forms(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<PublicForm>> {
    Ok(public_forms::table
        .filter(public_forms::tenant_id.eq(tid(tenant)))
        .select(PublicForm::as_select())
        .load(conn)?)
}

/// Centre `tenant`'s form of kind `kind`, if published.
pub fn form(conn: &mut DbConnection, tenant: TenantId, kind: &str) -> StorageResult<Option<PublicForm>> {
    Ok(public_forms::table
        .filter(public_forms::tenant_id.eq(tid(tenant)))
        .filter(public_forms::kind.eq(kind))
        .select(PublicForm::as_select())
        .first(conn)
        .optional()?)
}

/// Publishes `form`, replacing the form of its kind; returns the replaced one (whose file the
/// caller removes).
pub fn put_form(conn: &mut DbConnection, tenant: TenantId, form: &PublicForm) -> StorageResult<Option<PublicForm>> {
    crate::transaction(conn, |c| {
        let old = self::form(c, tenant, &form.kind)?;
        diesel::delete(
            public_forms::table
                .filter(public_forms::tenant_id.eq(tid(tenant)))
                .filter(public_forms::kind.eq(&form.kind)),
        )
        .execute(c)?;
        diesel::insert_into(public_forms::table).values(form).execute(c)?;
        Ok(old)
    })
}

/// A Certifying Statement issued instead of a late name correction (R-NAME-SPELLING).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema_public::certifying_statements)]
pub struct CertifyingStatement {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    /// The name as on the certificate (the name used at entry).
    pub name_on_certificate: String,
    /// The name as it should have been spelt.
    pub corrected_name: String,
    /// The fee charged for it: the charge due on the entry.
    pub fee_minor: i64,
    pub currency: String,
    pub issued_on: chrono::NaiveDate,
    pub issued_by: String,
    pub created_at: NaiveDateTime,
}

/// Records a Certifying Statement.
pub fn insert_certifying_statement(conn: &mut DbConnection, s: &CertifyingStatement) -> StorageResult<()> {
    diesel::insert_into(crate::schema_public::certifying_statements::table).values(s).execute(conn)?;
    Ok(())
}

/// The Certifying Statements of entry `entry_id` of centre `tenant`, newest first.
pub fn certifying_statements(
    conn: &mut DbConnection,
    tenant: TenantId,
    entry_id: &str,
) -> StorageResult<Vec<CertifyingStatement>> {
    use crate::schema_public::certifying_statements as cs;
    Ok(cs::table
        .filter(cs::tenant_id.eq(tid(tenant)))
        .filter(cs::entry_id.eq(entry_id))
        .order((cs::created_at.desc(), cs::id.desc()))
        .select(CertifyingStatement::as_select())
        .load(conn)?)
}
