//! Request budgets per key (a user, an organisation, a client address, an API client) in a
//! sliding window, in memory: a restart forgets them, which only ever lets more through.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tessera_domain::Clock;

/// Keys tracked at most; beyond it the stalest are dropped (bounded memory under attack).
const MAX_KEYS: usize = 200_000;

/// Sliding-window counters keyed by text.
pub struct RateLimits {
    clock: Arc<dyn Clock>,
    hits: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
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
    /// Empty counters on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, hits: Mutex::new(HashMap::new()) }
    }

    /// Counts one request against every `(key, budget)` pair, or none of them if any budget is
    /// used up: then `Err(seconds until a request would be allowed)`.
    pub fn take(&self, checks: &[(String, Budget)]) -> Result<(), u64> {
        let now = self.clock.now();
        let mut map = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = 0i64;
        for (key, b) in checks {
            if let Some(q) = map.get_mut(key) {
                while q.front().is_some_and(|t| *t + b.window <= now) {
                    q.pop_front();
                }
                if q.len() >= b.max {
                    let oldest = *q.front().expect("non-empty");
                    wait = wait.max((oldest + b.window - now).num_seconds().max(1));
                }
            }
        }
        if wait > 0 {
            return Err(wait as u64);
        }
        if map.len() + checks.len() > MAX_KEYS {
            map.retain(|_, q| q.back().is_some_and(|t| *t + Duration::hours(1) > now));
            if map.len() + checks.len() > MAX_KEYS {
                map.clear();
            }
        }
        for (key, b) in checks {
            let q = map.entry(key.clone()).or_default();
            q.push_back(now);
            while q.len() > b.max {
                q.pop_front();
            }
        }
        Ok(())
    }
}
