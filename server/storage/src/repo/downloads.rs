//! Bulk downloads of a verifier organisation (R-BULK-DOWNLOAD): custom data-file templates and
//! the download history.

use crate::schema_verifier::{download_templates, downloads};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::TenantId;

/// A custom template: `fields` is JSON `[{"field", "header"}]`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = download_templates)]
pub struct Template {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub fields: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// Stores a template.
pub fn create_template(
    conn: &mut DbConnection,
    tenant: TenantId,
    name: &str,
    fields_json: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Template> {
    let t = Template {
        tenant_id: tid(tenant),
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
        fields: fields_json.to_owned(),
        created_by: by.to_owned(),
        created_at: now.naive_utc(),
    };
    diesel::insert_into(download_templates::table).values(&t).execute(conn)?;
    Ok(t)
}

/// The templates of `tenant`, by name.
pub fn templates(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Template>> {
    Ok(download_templates::table
        .filter(download_templates::tenant_id.eq(tid(tenant)))
        .order(download_templates::name.asc())
        .select(Template::as_select())
        .load(conn)?)
}

/// One template of `tenant`.
pub fn template(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Template> {
    Ok(download_templates::table
        .filter(download_templates::tenant_id.eq(tid(tenant)))
        .filter(download_templates::id.eq(id))
        .select(Template::as_select())
        .first(conn)?)
}

/// Deletes a template of `tenant`.
pub fn delete_template(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<()> {
    let n = diesel::delete(
        download_templates::table
            .filter(download_templates::tenant_id.eq(tid(tenant)))
            .filter(download_templates::id.eq(id)),
    )
    .execute(conn)?;
    if n == 0 { Err(StorageError::NotFound) } else { Ok(()) }
}

/// A past download: `share_ids` is a JSON array.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = downloads)]
pub struct Download {
    pub tenant_id: String,
    pub id: String,
    pub actor_id: String,
    pub format: String,
    pub template_id: Option<String>,
    pub share_ids: String,
    pub count: i32,
    pub created_at: NaiveDateTime,
}

/// Records a download.
pub fn record(conn: &mut DbConnection, d: &Download) -> StorageResult<()> {
    diesel::insert_into(downloads::table).values(d).execute(conn)?;
    Ok(())
}

/// The download history of `tenant`, newest first.
pub fn history(conn: &mut DbConnection, tenant: TenantId, limit: i64) -> StorageResult<Vec<Download>> {
    Ok(downloads::table
        .filter(downloads::tenant_id.eq(tid(tenant)))
        .order(downloads::created_at.desc())
        .limit(limit)
        .select(Download::as_select())
        .load(conn)?)
}

/// One past download of `tenant`.
pub fn get(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Download> {
    Ok(downloads::table
        .filter(downloads::tenant_id.eq(tid(tenant)))
        .filter(downloads::id.eq(id))
        .select(Download::as_select())
        .first(conn)?)
}
