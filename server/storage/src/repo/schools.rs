//! Schools (R-SCHOOL-ENTRY): a school's links with centres, and the entries it made for its
//! students. Every query is scoped by the centre (the link's tenant) or by the school.

use crate::schema_schools::{school_entries, school_links};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use tessera_domain::TenantId;

/// A school's link with a centre.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = school_links)]
pub struct SchoolLink {
    /// The centre.
    pub tenant_id: String,
    pub id: String,
    /// The school (a verifier organisation).
    pub school_tenant_id: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

/// Asks centre `centre` for a link with `school`: a new request, or a refused one asked again.
/// `Conflict` when a link is pending or approved already.
pub fn request(
    conn: &mut DbConnection,
    centre: TenantId,
    school: TenantId,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<SchoolLink> {
    crate::transaction(conn, |c| {
        let existing: Option<SchoolLink> = school_links::table
            .filter(school_links::tenant_id.eq(tid(centre)))
            .filter(school_links::school_tenant_id.eq(tid(school)))
            .select(SchoolLink::as_select())
            .first(c)
            .optional()?;
        match existing {
            Some(l) if l.status != "refused" => Err(StorageError::Conflict(tessera_domain::ErrorCode::Conflict.into())),
            Some(l) => {
                diesel::update(
                    school_links::table
                        .filter(school_links::tenant_id.eq(&l.tenant_id))
                        .filter(school_links::id.eq(&l.id)),
                )
                .set((
                    school_links::status.eq("pending"),
                    school_links::requested_by.eq(by),
                    school_links::requested_at.eq(now.naive_utc()),
                    school_links::decided_by.eq(None::<String>),
                    school_links::decided_at.eq(None::<NaiveDateTime>),
                ))
                .execute(c)?;
                Ok(SchoolLink {
                    status: "pending".into(),
                    requested_by: by.into(),
                    requested_at: now.naive_utc(),
                    decided_by: None,
                    decided_at: None,
                    ..l
                })
            }
            None => {
                let link = SchoolLink {
                    tenant_id: tid(centre),
                    id: uuid::Uuid::new_v4().to_string(),
                    school_tenant_id: tid(school),
                    status: "pending".into(),
                    requested_by: by.into(),
                    requested_at: now.naive_utc(),
                    decided_by: None,
                    decided_at: None,
                };
                diesel::insert_into(school_links::table).values(&link).execute(c)?;
                Ok(link)
            }
        }
    })
}

/// The links of centre `centre`, pending first, then the newest.
pub fn of_centre(conn: &mut DbConnection, centre: TenantId) -> StorageResult<Vec<SchoolLink>> {
    let mut links: Vec<SchoolLink> = school_links::table
        .filter(school_links::tenant_id.eq(tid(centre)))
        .order(school_links::requested_at.desc())
        .select(SchoolLink::as_select())
        .load(conn)?;
    links.sort_by_key(|l| l.status != "pending");
    Ok(links)
}

/// The links of `school` with every centre, the newest first.
pub fn of_school(conn: &mut DbConnection, school: TenantId) -> StorageResult<Vec<SchoolLink>> {
    Ok(school_links::table
        .filter(school_links::school_tenant_id.eq(tid(school)))
        .order(school_links::requested_at.desc())
        .select(SchoolLink::as_select())
        .load(conn)?)
}

/// Approves or refuses the pending link `id` of centre `centre`; false when it is not pending
/// (or not the centre's).
pub fn decide(
    conn: &mut DbConnection,
    centre: TenantId,
    id: &str,
    approve: bool,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Option<SchoolLink>> {
    let n = diesel::update(
        school_links::table
            .filter(school_links::tenant_id.eq(tid(centre)))
            .filter(school_links::id.eq(id))
            .filter(school_links::status.eq("pending")),
    )
    .set((
        school_links::status.eq(if approve { "approved" } else { "refused" }),
        school_links::decided_by.eq(Some(by)),
        school_links::decided_at.eq(Some(now.naive_utc())),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(
        school_links::table
            .filter(school_links::tenant_id.eq(tid(centre)))
            .filter(school_links::id.eq(id))
            .select(SchoolLink::as_select())
            .first(conn)?,
    ))
}

/// Whether `school` has an approved link with `centre`.
pub fn approved(conn: &mut DbConnection, centre: TenantId, school: TenantId) -> StorageResult<bool> {
    Ok(school_links::table
        .filter(school_links::tenant_id.eq(tid(centre)))
        .filter(school_links::school_tenant_id.eq(tid(school)))
        .filter(school_links::status.eq("approved"))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Records that `school` made the entries `entry_ids` of `centre`.
pub fn record_entries(
    conn: &mut DbConnection,
    centre: TenantId,
    school: TenantId,
    entry_ids: &[String],
    now: DateTime<Utc>,
) -> StorageResult<()> {
    for e in entry_ids {
        diesel::insert_into(school_entries::table)
            .values((
                school_entries::tenant_id.eq(tid(centre)),
                school_entries::entry_id.eq(e),
                school_entries::school_tenant_id.eq(tid(school)),
                school_entries::entered_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The entries `school` made, as (centre, entry id), at centres whose link is still approved.
pub fn entries_of(conn: &mut DbConnection, school: TenantId) -> StorageResult<Vec<(String, String)>> {
    Ok(school_entries::table
        .inner_join(
            school_links::table.on(school_links::tenant_id
                .eq(school_entries::tenant_id)
                .and(school_links::school_tenant_id.eq(school_entries::school_tenant_id))),
        )
        .filter(school_entries::school_tenant_id.eq(tid(school)))
        .filter(school_links::status.eq("approved"))
        .order(school_entries::entered_at.desc())
        .select((school_entries::tenant_id, school_entries::entry_id))
        .load(conn)?)
}

/// The school that made entry `entry_id` of `centre` and may see its result (its link approved).
pub fn school_of_entry(conn: &mut DbConnection, centre: TenantId, entry_id: &str) -> StorageResult<Option<String>> {
    Ok(school_entries::table
        .inner_join(
            school_links::table.on(school_links::tenant_id
                .eq(school_entries::tenant_id)
                .and(school_links::school_tenant_id.eq(school_entries::school_tenant_id))),
        )
        .filter(school_entries::tenant_id.eq(tid(centre)))
        .filter(school_entries::entry_id.eq(entry_id))
        .filter(school_links::status.eq("approved"))
        .select(school_entries::school_tenant_id)
        .first(conn)
        .optional()?)
}
