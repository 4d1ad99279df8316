//! The centre's work lists: every entry of some sessions with the facts its queues depend on
//! (Confirmation of Entry, result, open enquiries, refunds to decide, open cases and appeals),
//! for the home page's counts and the entry list's filters.

use crate::schema::{candidates, entries, results};
use crate::schema_centre::{appeals, enquiries, entry_cases, refund_requests};
use crate::{DbConnection, StorageResult, tid};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};
use tessera_domain::TenantId;

/// One entry with its candidate and the facts its queues depend on.
#[derive(Debug, Clone)]
pub struct EntryFacts {
    pub entry_id: String,
    pub session_id: String,
    pub candidate_number: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub first_name: String,
    pub family_name: String,
    pub id_number: String,
    pub coe_issued: bool,
    pub has_result: bool,
    pub open_enquiries: usize,
    pub refunds_to_decide: usize,
    pub open_cases: usize,
}

type EntryRow = (String, String, String, String, NaiveDateTime, Option<NaiveDateTime>, String, String, String);

/// Every entry of the sessions `session_ids` of `tenant` (none: every session of the tenant)
/// with its candidate and queue facts, by candidate number.
pub fn entry_facts(
    conn: &mut DbConnection,
    tenant: TenantId,
    session_ids: Option<&[String]>,
) -> StorageResult<Vec<EntryFacts>> {
    let t = tid(tenant);
    let mut q = entries::table
        .inner_join(
            candidates::table
                .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
        )
        .filter(entries::tenant_id.eq(&t))
        .order((entries::session_id.asc(), entries::candidate_number.asc()))
        .select((
            entries::id,
            entries::session_id,
            entries::candidate_number,
            entries::status,
            entries::created_at,
            entries::coe_issued_at,
            candidates::first_name,
            candidates::family_name,
            candidates::id_number,
        ))
        .into_boxed();
    if let Some(ids) = session_ids {
        q = q.filter(entries::session_id.eq_any(ids));
    }
    let rows: Vec<EntryRow> = q.load(conn)?;
    // The other facts are few per tenant: each is read once and counted per entry.
    let with_result: HashSet<String> = results::table
        .filter(results::tenant_id.eq(&t))
        .select(results::entry_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let per_entry = |ids: Vec<String>| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for id in ids {
            *m.entry(id).or_default() += 1;
        }
        m
    };
    let open_enquiries = per_entry(
        enquiries::table
            .filter(enquiries::tenant_id.eq(&t))
            .filter(enquiries::status.eq("open"))
            .select(enquiries::entry_id)
            .load(conn)?,
    );
    let refunds = per_entry(
        refund_requests::table
            .filter(refund_requests::tenant_id.eq(&t))
            .filter(refund_requests::status.eq("decided"))
            .select(refund_requests::entry_id)
            .load(conn)?,
    );
    let mut cases: Vec<String> = entry_cases::table
        .filter(entry_cases::tenant_id.eq(&t))
        .filter(entry_cases::status.eq("open"))
        .select(entry_cases::entry_id)
        .load(conn)?;
    cases.extend(
        appeals::table
            .filter(appeals::tenant_id.eq(&t))
            .filter(appeals::status.eq("lodged"))
            .select(appeals::entry_id)
            .load::<String>(conn)?,
    );
    let cases = per_entry(cases);
    Ok(rows
        .into_iter()
        .map(|(entry_id, session_id, candidate_number, status, created_at, coe, first_name, family_name, id_number)| {
            EntryFacts {
                has_result: with_result.contains(&entry_id),
                open_enquiries: open_enquiries.get(&entry_id).copied().unwrap_or(0),
                refunds_to_decide: refunds.get(&entry_id).copied().unwrap_or(0),
                open_cases: cases.get(&entry_id).copied().unwrap_or(0),
                entry_id,
                session_id,
                candidate_number,
                status,
                created_at,
                coe_issued: coe.is_some(),
                first_name,
                family_name,
                id_number,
            }
        })
        .collect())
}
