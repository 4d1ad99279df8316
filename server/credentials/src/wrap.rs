//! Signing keys at rest: XChaCha20-Poly1305 under the server's wrapping key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::Error;

const NONCE_LEN: usize = 24;

/// `secret` sealed under `wrapping_key`: base64(random 24-byte nonce || ciphertext and tag).
pub fn seal(wrapping_key: &[u8; 32], secret: &[u8; 32]) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ciphertext = XChaCha20Poly1305::new(wrapping_key.into())
        .encrypt(XNonce::from_slice(&nonce), secret.as_slice())
        .expect("XChaCha20-Poly1305 encrypts any 32 bytes");
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ciphertext);
    STANDARD.encode(sealed)
}

/// The secret of [`seal`]; a wrong key or a changed text is an error.
pub fn open(wrapping_key: &[u8; 32], sealed: &str) -> Result<[u8; 32], Error> {
    let bytes = STANDARD.decode(sealed.trim()).map_err(|_| Error::Key("a sealed key is base64".into()))?;
    if bytes.len() <= NONCE_LEN {
        return Err(Error::Key("a sealed key is too short".into()));
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    let secret = XChaCha20Poly1305::new(wrapping_key.into())
        .decrypt(XNonce::from_slice(nonce), ciphertext)
        .map_err(|_| Error::Key("the sealed key does not open with this wrapping key".into()))?;
    secret.try_into().map_err(|_| Error::Key("a sealed key holds 32 bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let wrapping = [1u8; 32];
        let secret = [42u8; 32];
        let sealed = seal(&wrapping, &secret);
        assert_eq!(open(&wrapping, &sealed).unwrap(), secret);
        assert_ne!(seal(&wrapping, &secret), sealed, "a fresh nonce each time");
        assert!(matches!(open(&[2u8; 32], &sealed), Err(Error::Key(_))));
        assert!(open(&wrapping, "not base64!").is_err());
    }
}
