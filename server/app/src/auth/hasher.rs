//! Argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1) on the blocking pool, behind a
//! semaphore so a burst of sign-ins cannot exhaust memory or starve other requests.

use crate::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Hashes and verifies passwords without blocking the async runtime.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    wait: Duration,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the user does not exist, so that a
/// wrong login takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(super::random_token().as_bytes(), &salt).expect("argon2 hashes").to_string()
    })
}

impl PasswordHasher {
    /// At most `concurrency` hashes at once; a caller waits at most `wait` for a slot, then gets 503.
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), wait }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AppError::busy(2))?
            .map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(AppError::internal)
    }

    /// The PHC string of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash it still spends the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        self.run(move || verify_blocking(&password, stored.as_deref())).await
    }
}

/// Hashes on the calling thread: for the CLI and demo data, which are not on the async runtime.
pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

/// Verifies on the calling thread.
pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy_hash(), false),
    };
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok() && real,
        Err(_) => false,
    }
}

impl PasswordHasher {
    /// Exposed for the CLI, which hashes outside the runtime.
    pub fn hash_now(password: &str) -> Result<String, AppError> {
        hash_blocking(password)
    }
}
