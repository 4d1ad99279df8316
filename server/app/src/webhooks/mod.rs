//! Webhooks of verifier organisations (R-WEBHOOK), after the Standard Webhooks specification:
//! the organisation's primary and admin users register endpoints (`endpoints`), every event is
//! queued in the transaction of the change that causes it (storage's `repo::webhooks::emit`),
//! the worker delivers it signed (`deliver`) and retries it for up to three days, and the
//! delivery log can send any delivery again (`deliveries`).
//!
//! Signing: `webhook-signature: v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
//! where the key is the base64-decoded part of the `whsec_` secret; while a rotated-out secret is
//! still valid (a day) the header carries both signatures, space-separated.

pub mod deliver;
pub mod deliveries;
pub mod endpoints;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// A new endpoint secret: `whsec_` and the base64 of 24 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `webhook-signature` value for message `id` sent at `timestamp` (unix seconds) with
/// `body`, signed with each of `secrets`.
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|s| STANDARD.decode(s.strip_prefix("whsec_").unwrap_or(s)).ok())
        .map(|key| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
            mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_as_the_standard_says() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let s = new_secret();
        assert!(s.starts_with("whsec_") && STANDARD.decode(&s[6..]).unwrap().len() == 24);
        assert_eq!(signature(&[secret, &s], "m", 1, "b").split(' ').count(), 2);
    }
}
