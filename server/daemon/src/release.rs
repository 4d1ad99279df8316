//! The release scheduler (R-RELEASE): a task in every server process that periodically
//! announces newly released results to candidates with accounts. The announcements themselves
//! are durable and exactly-once (see `tessera_app::candidate::announce_releases`): this loop
//! only decides when to look, so a restart or a second process loses and repeats nothing.

use std::sync::Arc;
use std::time::Duration;
use tessera_app::AppState;
use tokio::sync::watch;

/// Looks for released results every `every` until `shutdown` turns true.
pub async fn run(state: Arc<AppState>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        match tessera_app::candidate::announce_releases(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(announced = n, "results release emails queued"),
            Err(e) => tracing::warn!(error = %e, "could not look for released results"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}
