//! Connections: one enum over SQLite and PostgreSQL, the backend chosen from the URL, a pool,
//! embedded migrations, and an async entry point that keeps diesel off the runtime's threads.

use crate::StorageError;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// On SQLite, runs `f` with a page cache of `mib` MiB on this connection (the default is 2 MiB),
/// then gives the memory back: for bulk work over indexes larger than the default cache, without
/// every pooled connection keeping a large cache for good. PostgreSQL runs `f` as it is.
pub fn with_large_cache<R>(conn: &mut DbConnection, mib: u32, f: impl FnOnce(&mut DbConnection) -> R) -> R {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    if sqlite {
        let _ = conn.batch_execute(&format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024));
    }
    let out = f(conn);
    if sqlite {
        let _ = conn.batch_execute("PRAGMA cache_size = -2000");
    }
    out
}

/// A connection to either backend. Queries written once against `schema` run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// The embedded default.
    Sqlite(SqliteConnection),
    /// Production.
    Pg(PgConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (relative or absolute path to the database file).
    Sqlite(String),
    /// `postgres://...` or `postgresql://...`, passed to libpq as is.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a database URL; anything but `sqlite://` and `postgres(ql)://` is refused.
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StorageError::Config(
                    "database URL `sqlite://` needs a file path, e.g. sqlite:///var/lib/tessera/tessera.db".into(),
                ));
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(StorageError::Config(format!(
                "database URL must start with sqlite:// or postgres:// (got `{}`)",
                redact_url(url)
            )))
        }
    }

    /// Whether this is the SQLite backend.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// The URL with any password replaced, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:********{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens connections for the pool, with SQLite's pragmas set on each one.
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut c = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; the busy timeout makes writers queue
                // instead of failing; foreign keys are off by default in SQLite. The timeout
                // comes first: the pool opens connections at once, and on a new file switching
                // to WAL must wait for the other connections, not fail with "database is locked".
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(c))
            }
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Pg).map_err(r2d2::Error::ConnectionError)
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        match conn {
            // A file in this process cannot go away like a server connection can: no round trip
            // on every checkout.
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Pg(_) => conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError),
        }
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The database: a pool of connections to one backend.
#[derive(Clone)]
pub struct Db {
    pool: Pool<DbManager>,
    url: DatabaseUrl,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("sqlite", &self.url.is_sqlite()).finish()
    }
}

impl Db {
    /// Opens a pool on `url`; for SQLite the file's folder must exist (it is created if missing).
    pub fn open(url: &str, pool_size: u32) -> Result<Self, StorageError> {
        Self::open_waiting(url, pool_size, Duration::from_secs(10))
    }

    /// [`Db::open`], with callers waiting at most `wait` for a connection before
    /// [`StorageError::Unavailable`]. A PostgreSQL URL may name several hosts
    /// (`postgres://h1:5432,h2:5432/db?target_session_attrs=read-write`): libpq connects to the
    /// one that takes writes, and after a failover every new connection finds the new primary.
    pub fn open_waiting(url: &str, pool_size: u32, wait: Duration) -> Result<Self, StorageError> {
        let url = DatabaseUrl::parse(url)?;
        if let DatabaseUrl::Sqlite(path) = &url
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StorageError::Config(format!("cannot create the database folder {}: {e}", dir.display()))
            })?;
        }
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(wait)
            .build(DbManager { url: url.clone() })
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(Self { pool, url })
    }

    /// Whether this database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.url.is_sqlite()
    }

    /// A pooled connection, for synchronous callers (the CLI, blocking jobs).
    pub fn conn(&self) -> Result<PooledConnection<DbManager>, StorageError> {
        self.pool.get().map_err(|e| StorageError::Unavailable(e.to_string()))
    }

    /// Runs `f` with a connection on tokio's blocking pool: diesel is synchronous.
    pub async fn call<F, R>(&self, f: F) -> Result<R, StorageError>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, StorageError> + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| StorageError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Unavailable(format!("database task failed: {e}")))?
    }

    /// Applies every pending migration of this backend; returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, StorageError> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(versions),
            DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(versions),
        };
        applied.map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// The migrations not yet applied (for readiness checks and `tessera doctor`).
    pub fn pending_migrations(&self) -> Result<usize, StorageError> {
        let mut conn = self.conn()?;
        let pending = match &mut *conn {
            DbConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|p| p.len()),
            DbConnection::Pg(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|p| p.len()),
        };
        pending.map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// A cheap round trip to the database.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.call(|c| c.batch_execute("SELECT 1").map_err(StorageError::from)).await
    }
}

fn versions(v: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    v.into_iter().map(|m| m.to_string()).collect()
}
