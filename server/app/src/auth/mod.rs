//! Sign-in: password hashing, checking a login, and server-side sessions. The HTTP layer keeps
//! the cookies; what a session is and who it belongs to is decided here.

mod hasher;
pub mod login;
pub mod password;
pub mod sessions;

pub use hasher::{PasswordHasher, hash_blocking, verify_blocking};
pub use password::{PasswordLink, queue_password_link};

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh 128-bit random token, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a token: its SHA-256, hex-encoded.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
