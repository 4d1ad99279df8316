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

/// A new endpoint secret: 32 random bytes (the HMAC key, stored sealed under the data folder's
/// key) and what the organisation is shown once, `whsec_` and their base64.
pub fn new_secret() -> ([u8; 32], String) {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let shown = format!("whsec_{}", STANDARD.encode(key));
    (key, shown)
}

/// The `webhook-signature` value for message `id` sent at `timestamp` (unix seconds) with
/// `body`, signed with each of `keys` (the decoded secrets).
pub fn signature(keys: &[&[u8]], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
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
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&[&key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let (raw, shown) = new_secret();
        assert_eq!(STANDARD.decode(shown.strip_prefix("whsec_").unwrap()).unwrap(), raw);
        assert_eq!(signature(&[&key, &raw], "m", 1, "b").split(' ').count(), 2);
    }
}
