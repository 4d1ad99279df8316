//! Request budgets per key (a user, an organisation, a client address, an API client) in a
//! sliding window, kept in the database (`repo::throttles`) so every node of a region counts
//! against the same budget.

use chrono::Duration;
use std::sync::Arc;
use tessera_domain::Clock;
use tessera_storage::repo::throttles;
use tessera_storage::{Db, StorageError};

/// Sliding-window counters keyed by text.
pub struct RateLimits {
    clock: Arc<dyn Clock>,
    db: Db,
}

/// One budget: at most `max` requests per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Requests allowed in the window.
    pub max: usize,
    /// The window.
    pub window: Duration,
}

impl RateLimits {
    /// Counters in `db`, on `clock`.
    pub fn new(clock: Arc<dyn Clock>, db: Db) -> Self {
        Self { clock, db }
    }

    /// Counts one request against every `(key, budget)` pair, or none of them if any budget is
    /// used up: then `Ok(Err(seconds until a request would be allowed))`.
    pub async fn take(&self, checks: &[(String, Budget)]) -> Result<Result<(), u64>, StorageError> {
        let now = self.clock.now();
        let budgets: Vec<throttles::Budget> = checks
            .iter()
            .map(|(key, b)| throttles::Budget { key: key.clone(), max: b.max as i64, window: b.window })
            .collect();
        self.db.call(move |c| throttles::take(c, &budgets, now)).await
    }
}
