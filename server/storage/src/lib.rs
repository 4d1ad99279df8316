//! Tessera's storage: diesel over SQLite and PostgreSQL.
//!
//! Every repository function that touches tenant-owned data takes a [`TenantId`] and filters on
//! it inside the query: that is how tenants stay apart, whatever the caller asks for.

pub mod conn;
pub mod repo;
pub mod schema;
pub mod schema_candidate;
pub mod schema_centre;
pub mod schema_credentials;
pub mod schema_public;
pub mod schema_schools;
pub mod schema_verifier;
pub mod schema_webhooks;
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
    /// The write conflicts with stored data (a unique constraint, or a rule checked on write).
    #[error("{0}")]
    Conflict(tessera_domain::DomainError),
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
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(cause = info.message(), "unique constraint");
                Self::Conflict(tessera_domain::ErrorCode::Conflict.into())
            }
            // The primary went away (a failover) or this server became a read-only standby:
            // the database is unavailable until a new primary takes over, not broken.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::ReadOnlyTransaction,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            Error::DatabaseError(DatabaseErrorKind::Unknown, info) if lost_connection(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Query(other),
        }
    }
}

/// Whether libpq's message says the server connection was lost (an administrator shut the
/// server down, it crashed, or the network went), which diesel reports without a kind.
fn lost_connection(message: &str) -> bool {
    const LOST: &[&str] = &[
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
    ];
    LOST.iter().any(|l| message.contains(l)) && !message.contains("violates")
}

impl StorageError {
    /// Whether the database could not be reached (worth retrying once a primary is back).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

/// The text form of a tenant id as stored.
pub(crate) fn tid(t: TenantId) -> String {
    t.to_string()
}

/// Runs `f` in one transaction: either everything it writes is committed, or nothing is.
///
/// On SQLite the outermost transaction starts with `BEGIN IMMEDIATE`, taking the write lock
/// up front (waiting for it under the busy timeout). A deferred `BEGIN` that reads and then
/// writes fails at once with "database is locked" when another writer committed in between,
/// whatever the busy timeout; every read-then-write step here (capacity checks, next numbers)
/// would then fail under concurrent load. Nested calls become savepoints, as with diesel's own
/// `transaction`; PostgreSQL uses diesel's `transaction` unchanged.
pub fn transaction<R, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<R, E>) -> Result<R, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost_sqlite = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?.is_none()
        }
        DbConnection::Pg(_) => false,
    };
    if !outermost_sqlite {
        return conn.transaction(f);
    }
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let outcome = f(conn);
    let DbConnection::Sqlite(c) = conn else { unreachable!("the backend does not change") };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(c)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}

/// [`transaction`] for callers whose errors are not storage errors (a workflow's, with a policy
/// decision inside): every write of `f` is committed when it returns `Ok`, none when it returns
/// `Err`, and a database failure comes back as `E::from(StorageError)`.
pub fn atomically<R, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<R, E>) -> Result<R, E>
where
    E: From<StorageError>,
{
    enum Failure<E> {
        Database(diesel::result::Error),
        Caller(E),
    }
    impl<E> From<diesel::result::Error> for Failure<E> {
        fn from(e: diesel::result::Error) -> Self {
            Failure::Database(e)
        }
    }
    transaction(conn, |c| f(c).map_err(Failure::Caller)).map_err(|e| match e {
        Failure::Database(d) => E::from(StorageError::from(d)),
        Failure::Caller(e) => e,
    })
}

/// Inside a transaction, locks the tenant's row until the transaction ends, so that a
/// read-then-write step of that tenant (capacity, the next candidate or ID number) does not race
/// another one. PostgreSQL takes a row lock (`FOR UPDATE`); SQLite needs nothing, as
/// [`transaction`] already holds the database's write lock.
pub(crate) fn lock_tenant(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE").bind::<Text, _>(tid(tenant)).execute(pg)?;
    }
    Ok(())
}
