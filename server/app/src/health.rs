//! Whether this process can serve: the database answers and its schema is current.

use crate::state::AppState;

/// What readiness found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Ready to serve.
    Ready,
    /// This many migrations have not run yet.
    MigrationsPending(usize),
    /// The database did not answer (why).
    DatabaseUnavailable(String),
}

/// Checks the database and its schema (off the async runtime).
pub async fn readiness(state: &AppState) -> Readiness {
    let db = state.db.clone();
    match tokio::task::spawn_blocking(move || db.pending_migrations()).await {
        Ok(Ok(0)) => Readiness::Ready,
        Ok(Ok(n)) => Readiness::MigrationsPending(n),
        Ok(Err(e)) => Readiness::DatabaseUnavailable(e.to_string()),
        Err(e) => Readiness::DatabaseUnavailable(e.to_string()),
    }
}

/// Whether a database (the primary) answers within `within`; why not, when it does not.
pub async fn database_answers(state: &AppState, within: std::time::Duration) -> Result<(), String> {
    match tokio::time::timeout(within, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", within.as_millis())),
    }
}
