//! Ed25519 keys and their Multikey form (`z6Mk...`).

use ed25519_dalek::{Signer, Verifier};

use crate::{Error, PublicKey, SigningKey};

/// The multicodec prefix of an Ed25519 public key (varint of 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

impl SigningKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        Self { key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng) }
    }

    /// The key of a 32-byte secret (as stored, wrapped, by the app).
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self { key: ed25519_dalek::SigningKey::from_bytes(secret) }
    }

    /// The 32-byte secret (to be wrapped with [`crate::wrap::seal`] before it is stored).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.key.verifying_key().to_bytes())
    }

    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl std::fmt::Debug for SigningKey {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("public", &self.public().to_multibase()).finish()
    }
}

impl PublicKey {
    /// The Multikey `publicKeyMultibase`: `z` + base58btc(0xed 0x01 || key), i.e. `z6Mk...`.
    pub fn to_multibase(&self) -> String {
        let mut bytes = Vec::with_capacity(34);
        bytes.extend_from_slice(&ED25519_PUB);
        bytes.extend_from_slice(&self.0);
        format!("z{}", bs58::encode(bytes).into_string())
    }

    /// Reads a Multikey `publicKeyMultibase` of an Ed25519 key.
    pub fn from_multibase(s: &str) -> Result<Self, Error> {
        let encoded =
            s.strip_prefix('z').ok_or_else(|| Error::Key("a multibase key must be base58btc (start with z)".into()))?;
        let bytes = bs58::decode(encoded).into_vec().map_err(|e| Error::Key(format!("base58btc: {e}")))?;
        let key = bytes
            .strip_prefix(&ED25519_PUB)
            .ok_or_else(|| Error::Key("not an Ed25519 public key (multicodec 0xed)".into()))?;
        let key: [u8; 32] = key.try_into().map_err(|_| Error::Key("an Ed25519 public key has 32 bytes".into()))?;
        ed25519_dalek::VerifyingKey::from_bytes(&key)
            .map_err(|e| Error::Key(format!("not a point of Ed25519: {e}")))?;
        Ok(Self(key))
    }

    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&self.0) else {
            return false;
        };
        key.verify(message, &ed25519_dalek::Signature::from_bytes(signature)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_round_trips_through_its_multikey_form() {
        let key = SigningKey::generate();
        let multibase = key.public().to_multibase();
        assert!(multibase.starts_with("z6Mk"), "{multibase}");
        assert_eq!(PublicKey::from_multibase(&multibase).unwrap(), key.public());
        assert_eq!(SigningKey::from_bytes(&key.to_bytes()).public(), key.public());
    }

    #[test]
    fn a_multikey_that_is_not_ed25519_is_refused() {
        assert!(PublicKey::from_multibase("6Mkabc").is_err());
        assert!(PublicKey::from_multibase("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme").is_err());
    }
}
