//! Copying a whole installation from SQLite to PostgreSQL (`tessera migrate-db`).
//!
//! The copy is generic over the schema, so tables added by later migrations are carried without
//! code here: the tables and their foreign keys are read from SQLite's catalogue, copied parents
//! first, in batches of rows serialised by SQLite's `json_object` and expanded on PostgreSQL by
//! `json_populate_recordset` (which converts each value to the column's type: 0/1 to booleans,
//! text to timestamps). Everything is written in one transaction on the target and the row
//! counts are compared before it commits, so a failed copy leaves the target as it was.

use crate::StorageError;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use std::collections::{BTreeMap, BTreeSet};
use tessera_domain::{DomainError, ErrorCode};

/// One table copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    /// The table.
    pub table: String,
    /// Rows in the source, and (verified equal) in the target.
    pub rows: i64,
}

/// diesel's own bookkeeping: each side has its own, written by its migrations.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = Text)]
    r: String,
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn names(conn: &mut SqliteConnection, sql: &str, arg: &str) -> Result<Vec<String>, StorageError> {
    Ok(diesel::sql_query(sql).bind::<Text, _>(arg).load::<Name>(conn)?.into_iter().map(|n| n.name).collect())
}

/// The source's tables (without diesel's bookkeeping), parents before children.
pub fn tables_in_dependency_order(src: &mut SqliteConnection) -> Result<Vec<String>, StorageError> {
    let tables = names(
        src,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY name",
        MIGRATIONS_TABLE,
    )?;
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in &tables {
        let refs = names(src, "SELECT DISTINCT \"table\" AS name FROM pragma_foreign_key_list(?)", t)?;
        // A table referring to itself is ordered by insertion (rowid) within the table.
        parents.insert(t.clone(), refs.into_iter().filter(|p| p != t && tables.contains(p)).collect());
    }
    let mut ordered = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready: Vec<String> = parents.iter().filter(|(_, ps)| ps.is_empty()).map(|(t, _)| t.clone()).collect();
        if ready.is_empty() {
            let left: Vec<_> = parents.keys().cloned().collect();
            return Err(StorageError::Config(format!("foreign keys form a cycle among: {}", left.join(", "))));
        }
        for t in ready {
            parents.remove(&t);
            for ps in parents.values_mut() {
                ps.remove(&t);
            }
            ordered.push(t);
        }
    }
    Ok(ordered)
}

fn applied_sqlite(src: &mut SqliteConnection) -> Result<Vec<String>, StorageError> {
    Ok(diesel::sql_query("SELECT version AS name FROM __diesel_schema_migrations ORDER BY version")
        .load::<Name>(src)?
        .into_iter()
        .map(|n| n.name)
        .collect())
}

fn applied_pg(dst: &mut PgConnection) -> Result<Vec<String>, StorageError> {
    Ok(diesel::sql_query("SELECT version AS name FROM __diesel_schema_migrations ORDER BY version")
        .load::<Name>(dst)?
        .into_iter()
        .map(|n| n.name)
        .collect())
}

fn count_sqlite(src: &mut SqliteConnection, table: &str) -> Result<i64, StorageError> {
    Ok(diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {}", quote(table))).get_result::<Count>(src)?.n)
}

fn count_pg(dst: &mut PgConnection, table: &str) -> Result<i64, StorageError> {
    Ok(diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {}", quote(table))).get_result::<Count>(dst)?.n)
}

/// How many rows each table of the database holds (diesel's bookkeeping left out), by table
/// name: what a migration compares, and what tests compare to show a request wrote nothing.
pub fn row_counts(conn: &mut crate::DbConnection) -> Result<BTreeMap<String, i64>, StorageError> {
    let mut out = BTreeMap::new();
    match conn {
        crate::DbConnection::Sqlite(c) => {
            for t in names(
                c,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ?",
                MIGRATIONS_TABLE,
            )? {
                let n = count_sqlite(c, &t)?;
                out.insert(t, n);
            }
        }
        crate::DbConnection::Pg(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1",
            )
            .bind::<Text, _>(MIGRATIONS_TABLE)
            .load(c)?;
            for t in tables {
                let n = count_pg(c, &t.name)?;
                out.insert(t.name, n);
            }
        }
    }
    Ok(out)
}

/// Copies every table of `src` into `dst`, whose schema must be at the same migration.
///
/// Refuses (and writes nothing) when the two databases are at different migrations or when any
/// tenant data is already in the target: the tenants table and every table with a `tenant_id`
/// column must be empty there. Reference data seeded by the migrations themselves (the exam
/// catalogue) is merged: rows the target already has are kept, the others copied. `progress`
/// is told each table as it is done.
pub fn copy_sqlite_to_postgres(
    src: &mut SqliteConnection,
    dst: &mut PgConnection,
    batch_rows: usize,
    mut progress: impl FnMut(&TableCount),
) -> Result<Vec<TableCount>, StorageError> {
    let batch_rows = batch_rows.clamp(1, 100_000) as i64;
    // One read transaction: the copy sees a single state of the source even if it is in use.
    src.batch_execute("BEGIN")?;
    let outcome = (|| {
        let (from, to) = (applied_sqlite(src)?, applied_pg(dst)?);
        if from != to {
            return Err(StorageError::Config(format!(
                "the databases are at different migrations (source: {}, target: {}): run `tessera migrate` on the \
                 source first",
                from.last().map(String::as_str).unwrap_or("none"),
                to.last().map(String::as_str).unwrap_or("none"),
            )));
        }
        let tables = tables_in_dependency_order(src)?;
        let mut columns = BTreeMap::new();
        for t in &tables {
            let cols = names(src, "SELECT name FROM pragma_table_info(?) ORDER BY cid", t)?;
            let tenant_owned = t == "tenants" || cols.iter().any(|c| c == "tenant_id");
            if tenant_owned && count_pg(dst, t)? > 0 {
                return Err(StorageError::Conflict(
                    DomainError::new(ErrorCode::ConflictTargetNotEmpty).arg("table", t),
                ));
            }
            columns.insert(t.clone(), cols);
        }
        dst.transaction(|dst| {
            let mut done = Vec::with_capacity(tables.len());
            for t in &tables {
                let cols = &columns[t];
                let pairs: Vec<String> =
                    cols.iter().map(|c| format!("'{}', {}", c.replace('\'', "''"), quote(c))).collect();
                let select = format!(
                    "SELECT rowid AS k, json_object({}) AS r FROM {} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    pairs.join(", "),
                    quote(t)
                );
                let list: Vec<String> = cols.iter().map(|c| quote(c)).collect();
                let list = list.join(", ");
                let insert = format!(
                    "INSERT INTO {t} ({list}) SELECT {list} FROM json_populate_recordset(NULL::{t}, $1::json) \
                     ON CONFLICT DO NOTHING",
                    t = quote(t)
                );
                let mut last = i64::MIN;
                loop {
                    let rows = diesel::sql_query(&select)
                        .bind::<BigInt, _>(last)
                        .bind::<BigInt, _>(batch_rows)
                        .load::<JsonRow>(src)?;
                    let Some(tail) = rows.last() else { break };
                    last = tail.k;
                    let json = format!("[{}]", rows.iter().map(|r| r.r.as_str()).collect::<Vec<_>>().join(","));
                    diesel::sql_query(&insert).bind::<Text, _>(json).execute(dst)?;
                    if (rows.len() as i64) < batch_rows {
                        break;
                    }
                }
                let (rows, copied) = (count_sqlite(src, t)?, count_pg(dst, t)?);
                if rows != copied {
                    return Err(StorageError::Conflict(
                        DomainError::new(ErrorCode::ConflictRowCount)
                            .arg("table", t)
                            .arg("rows", rows)
                            .arg("copied", copied),
                    ));
                }
                let c = TableCount { table: t.clone(), rows };
                progress(&c);
                done.push(c);
            }
            Ok(done)
        })
    })();
    let _ = src.batch_execute("ROLLBACK");
    outcome
}
