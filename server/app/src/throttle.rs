//! Failed sign-ins per client address, in a sliding window, in memory. A restart forgets them,
//! which is fine: the per-account lockout (R-LOCKOUT) is stored in the database.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tessera_domain::Clock;

/// Counts failures per address and says when an address must wait.
pub struct Throttle {
    clock: Arc<dyn Clock>,
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, VecDeque<DateTime<Utc>>>>,
}

/// Addresses tracked at most; beyond it the stalest are dropped (bounded memory under attack).
const MAX_TRACKED: usize = 100_000;

impl Throttle {
    /// At most `max` failures per address within `window`.
    pub fn new(clock: Arc<dyn Clock>, max: usize, window: Duration) -> Self {
        Self { clock, max: max.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` when `addr` has used up its failures.
    pub fn check(&self, addr: IpAddr) -> Result<(), u64> {
        let now = self.clock.now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(q) = map.get_mut(&addr) else { return Ok(()) };
        while q.front().is_some_and(|t| *t + self.window <= now) {
            q.pop_front();
        }
        if q.len() >= self.max {
            let oldest = *q.front().expect("non-empty");
            Err((oldest + self.window - now).num_seconds().max(1) as u64)
        } else {
            Ok(())
        }
    }

    /// Counts one failure from `addr`.
    pub fn record_failure(&self, addr: IpAddr) {
        let now = self.clock.now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(&addr) {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| *t + window > now));
            if map.len() >= MAX_TRACKED {
                map.clear();
            }
        }
        let q = map.entry(addr).or_default();
        q.push_back(now);
        if q.len() > self.max {
            q.pop_front();
        }
    }
}
