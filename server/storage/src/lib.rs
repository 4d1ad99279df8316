//! Tessera's storage: diesel over SQLite and PostgreSQL.
//!
//! Every repository function that touches tenant-owned data takes a [`TenantId`] and filters on
//! it inside the query: that is how tenants stay apart, whatever the caller asks for.

pub mod conn;
pub mod repo;
pub mod schema;
pub mod schema_candidate;
pub mod schema_centre;
pub mod schema_verifier;
pub mod transfer;

pub use conn::{DatabaseUrl, Db, DbConnection, redact_url};
use tessera_domain::TenantId;

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The configuration names a database that cannot be used.
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The row asked for does not exist in this tenant.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("already exists: {0}")]
    Conflict(String),
    /// Stored data did not parse back (a bug or a hand-edited row).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(diesel::result::Error),
}

impl From<diesel::result::Error> for StorageError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Conflict(info.message().to_owned()),
            other => Self::Query(other),
        }
    }
}

/// A result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

/// The text form of a tenant id as stored.
pub(crate) fn tid(t: TenantId) -> String {
    t.to_string()
}

/// Runs `f` in one transaction: either everything it writes is committed, or nothing is.
/// For operations that span several repositories.
pub fn transaction<R>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> StorageResult<R>,
) -> StorageResult<R> {
    use diesel::Connection;
    conn.transaction(f)
}
