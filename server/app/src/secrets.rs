//! Secret numbers (the six digits on a Confirmation of Entry) are stored as a keyed hash: an
//! HMAC-SHA-256 of the tenant, the candidate and the number under a key kept in the data folder,
//! never in the database. With a million possible numbers no hash is slow enough to stop a guess
//! against a stolen database; a key that is not in the database is. Issuing 2,000 CoEs no longer
//! spends most of its time hashing.
//!
//! The key file (`<data_dir>/secret-number.keys`, mode 0600) holds one key a line, `<id> <hex>`,
//! the newest first: new numbers are hashed with it, older lines keep verifying the numbers
//! hashed with them (`tessera secret-keys rotate` adds a line). Numbers hashed with argon2id
//! before keys existed still verify, the slow way, once.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::Write;
use std::path::{Path, PathBuf};
use tessera_domain::TenantId;

/// The key file's name in the data folder.
pub const KEY_FILE: &str = "secret-number.keys";

/// What a stored hash begins with when it is keyed.
const PREFIX: &str = "keyed$";

/// How a secret number compared with a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMatch {
    /// It matches a keyed hash.
    Yes,
    /// It does not match (or nothing is stored).
    No,
    /// The stored hash is an older argon2id one: check it the slow way, then store a keyed one.
    Legacy,
}

/// The keys secret numbers are hashed with.
#[derive(Clone)]
pub struct SecretNumbers {
    /// (id, key), the current one first.
    keys: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for SecretNumbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys themselves are never printed.
        f.debug_struct("SecretNumbers")
            .field("key_ids", &self.keys.iter().map(|(id, _)| id).collect::<Vec<_>>())
            .finish()
    }
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

fn new_line(id: &str) -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{id} {}\n", hex::encode(key))
}

pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("keys.new");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

impl SecretNumbers {
    /// The keys of `data_dir`, creating the file with a first key when there is none.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        let path = key_path(data_dir);
        if !path.exists() {
            std::fs::create_dir_all(data_dir)?;
            write_private(&path, &new_line("k1"))?;
        }
        Self::parse(&std::fs::read_to_string(&path)?)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))
    }

    /// Adds a new current key to the file of `data_dir` (the older ones keep verifying); returns
    /// its id.
    pub fn rotate(data_dir: &Path) -> std::io::Result<String> {
        let current = Self::load_or_create(data_dir)?;
        let next = (1..).map(|n| format!("k{n}")).find(|id| current.keys.iter().all(|(k, _)| k != id)).expect("ids");
        let old = std::fs::read_to_string(key_path(data_dir))?;
        write_private(&key_path(data_dir), &(new_line(&next) + &old))?;
        Ok(next)
    }

    fn parse(text: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
            let (id, hexkey) =
                line.trim().split_once(' ').ok_or_else(|| format!("line {}: expected `<id> <hex key>`", n + 1))?;
            let bytes = hex::decode(hexkey.trim()).map_err(|_| format!("line {}: the key is not hex", n + 1))?;
            let key: [u8; 32] = bytes.try_into().map_err(|_| format!("line {}: a key is 32 bytes", n + 1))?;
            if id.contains('$') || id.is_empty() {
                return Err(format!("line {}: a key id has no `$`", n + 1));
            }
            keys.push((id.to_owned(), key));
        }
        if keys.is_empty() {
            return Err("no key".into());
        }
        Ok(Self { keys })
    }

    fn keyed(key: &[u8; 32], tenant: TenantId, candidate_id: &str, secret: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        // Bound to the candidate: a hash copied to another row matches nothing.
        for part in [tenant.to_string().as_str(), candidate_id, secret] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac
    }

    /// The stored form of `secret` for the candidate: `keyed$<key id>$<hex>`.
    pub fn hash(&self, tenant: TenantId, candidate_id: &str, secret: &str) -> String {
        let (id, key) = &self.keys[0];
        format!("{PREFIX}{id}${}", hex::encode(Self::keyed(key, tenant, candidate_id, secret).finalize().into_bytes()))
    }

    /// Whether `secret` is the candidate's number, given the stored hash.
    pub fn check(&self, tenant: TenantId, candidate_id: &str, secret: &str, stored: Option<&str>) -> SecretMatch {
        let Some(stored) = stored else {
            // The same work as a real check, so timing does not tell whether a number is set.
            let _ = self.hash(tenant, candidate_id, secret);
            return SecretMatch::No;
        };
        let Some(rest) = stored.strip_prefix(PREFIX) else { return SecretMatch::Legacy };
        let Some((id, hexmac)) = rest.split_once('$') else { return SecretMatch::No };
        let Some((_, key)) = self.keys.iter().find(|(k, _)| k == id) else { return SecretMatch::No };
        let Ok(expected) = hex::decode(hexmac) else { return SecretMatch::No };
        // Constant time.
        match Self::keyed(key, tenant, candidate_id, secret).verify_slice(&expected) {
            Ok(()) => SecretMatch::Yes,
            Err(_) => SecretMatch::No,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_verify_with_their_key_and_candidate_only() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SecretNumbers::load_or_create(dir.path()).unwrap();
        let t = TenantId::new();
        let h = keys.hash(t, "cand-1", "123456");
        assert!(h.starts_with("keyed$k1$") && !h.contains("123456"), "{h}");
        assert_eq!(keys.check(t, "cand-1", "123456", Some(&h)), SecretMatch::Yes);
        assert_eq!(keys.check(t, "cand-1", "123457", Some(&h)), SecretMatch::No);
        assert_eq!(keys.check(t, "cand-2", "123456", Some(&h)), SecretMatch::No, "bound to the candidate");
        assert_eq!(keys.check(TenantId::new(), "cand-1", "123456", Some(&h)), SecretMatch::No, "and the tenant");
        assert_eq!(keys.check(t, "cand-1", "123456", None), SecretMatch::No);
        assert_eq!(keys.check(t, "cand-1", "123456", Some("$argon2id$v=19$...")), SecretMatch::Legacy);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Rotation: new numbers use the new key, old hashes keep verifying.
        assert_eq!(SecretNumbers::rotate(dir.path()).unwrap(), "k2");
        let rotated = SecretNumbers::load_or_create(dir.path()).unwrap();
        assert!(rotated.hash(t, "cand-1", "123456").starts_with("keyed$k2$"));
        assert_eq!(rotated.check(t, "cand-1", "123456", Some(&h)), SecretMatch::Yes);
        // Another installation's keys verify nothing.
        let other = SecretNumbers::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
        assert_eq!(other.check(t, "cand-1", "123456", Some(&h)), SecretMatch::No);
        assert!(!format!("{rotated:?}").contains(&hex::encode(rotated.keys[0].1)), "keys are never printed");
    }
}
