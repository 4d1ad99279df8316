//! Failed sign-ins per client address, in a sliding window, kept in the database
//! (`repo::throttles`) so that every node of a region counts the same failures. The per-account
//! lockout (R-LOCKOUT) is stored with the account.

use chrono::Duration;
use std::net::IpAddr;
use std::sync::Arc;
use tessera_domain::Clock;
use tessera_storage::repo::throttles;
use tessera_storage::{Db, StorageError};

/// Counts failures per address and says when an address must wait.
pub struct Throttle {
    clock: Arc<dyn Clock>,
    db: Db,
    max: usize,
    window: Duration,
}

impl Throttle {
    /// At most `max` failures per address within `window`, counted in `db`.
    pub fn new(clock: Arc<dyn Clock>, db: Db, max: usize, window: Duration) -> Self {
        Self { clock, db, max: max.max(1), window }
    }

    fn budget(&self, addr: IpAddr) -> throttles::Budget {
        throttles::Budget { key: format!("login:addr:{addr}"), max: self.max as i64, window: self.window }
    }

    /// `Ok(Err(seconds to wait))` when `addr` has used up its failures.
    pub async fn check(&self, addr: IpAddr) -> Result<Result<(), u64>, StorageError> {
        let (budget, now) = (self.budget(addr), self.clock.now());
        self.db.call(move |c| throttles::check(c, &budget, now)).await
    }

    /// Counts one failure from `addr`.
    pub async fn record_failure(&self, addr: IpAddr) -> Result<(), StorageError> {
        let (budget, now) = (self.budget(addr), self.clock.now());
        self.db.call(move |c| throttles::record(c, &budget, now)).await
    }
}
