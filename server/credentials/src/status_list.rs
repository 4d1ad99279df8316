//! Bitstring Status List (W3C): one revocation bit per credential of a tenant.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::{Compression, GzBuilder, read::GzDecoder};
use serde_json::Value;

use crate::Error;

/// The spec's minimum (16 KiB): a short list would tell how many credentials a tenant issued.
pub const STATUS_LIST_BITS: u64 = 131_072;

/// A larger list than this is refused on decoding (a gzip bomb, not a status list).
const MAX_LIST_BYTES: u64 = 16 * 1024 * 1024;

/// The bits of a status list; bit 0 is the most significant bit of byte 0 (per the spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl Default for StatusList {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusList {
    /// An all-clear list of [`STATUS_LIST_BITS`] bits.
    pub fn new() -> Self {
        Self { bytes: vec![0; (STATUS_LIST_BITS / 8) as usize] }
    }

    /// Sets (revoked) or clears a bit. Panics if `index` is past the end of the list: indexes
    /// are handed out by the app below [`StatusList::len`].
    pub fn set(&mut self, index: u64, revoked: bool) {
        assert!(index < self.len(), "status list index {index} out of range");
        let (byte, mask) = position(index);
        if revoked {
            self.bytes[byte] |= mask;
        } else {
            self.bytes[byte] &= !mask;
        }
    }

    /// Whether the bit at `index` is set (revoked); an index past the end is not.
    pub fn get(&self, index: u64) -> bool {
        if index >= self.len() {
            return false;
        }
        let (byte, mask) = position(index);
        self.bytes[byte] & mask != 0
    }

    /// The number of bits.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Whether the list has no bits at all (never for a list made by [`StatusList::new`]).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The `encodedList`: `u` + base64url-no-pad(gzip(bits)).
    pub fn encode(&self) -> String {
        // The gzip header of pako (Digital Bazaar's library), so both write the same string.
        let mut gzip = GzBuilder::new().operating_system(3).write(Vec::new(), Compression::default());
        gzip.write_all(&self.bytes).expect("writing to memory");
        let compressed = gzip.finish().expect("writing to memory");
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Reads an `encodedList` (the `u` multibase prefix is optional, as in older lists).
    pub fn decode(encoded: &str) -> Result<Self, Error> {
        let encoded = encoded.strip_prefix('u').unwrap_or(encoded);
        let compressed = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|e| Error::Malformed(format!("encodedList is not base64url: {e}")))?;
        let mut bytes = Vec::new();
        GzDecoder::new(compressed.as_slice())
            .take(MAX_LIST_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Malformed(format!("encodedList is not gzip: {e}")))?;
        if bytes.len() as u64 > MAX_LIST_BYTES {
            return Err(Error::Malformed("encodedList is too long".into()));
        }
        Ok(Self { bytes })
    }
}

fn position(index: u64) -> (usize, u8) {
    ((index / 8) as usize, 0x80 >> (index % 8))
}

/// The list of a BitstringStatusListCredential (its credentialSubject.encodedList).
pub fn status_list_of(status_credential: &Value) -> Result<StatusList, Error> {
    let subject = match status_credential.get("credentialSubject") {
        Some(Value::Array(subjects)) if subjects.len() == 1 => &subjects[0],
        Some(subject) => subject,
        None => return Err(Error::Malformed("no credentialSubject".into())),
    };
    let encoded = subject
        .get("encodedList")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Malformed("the credentialSubject has no encodedList".into()))?;
    StatusList::decode(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(await createList({length: 131072})).encode()` of @digitalbazaar/vc-bitstring-status-list
    /// 2.0.1 (bitstring 3.1.0, pako).
    const EMPTY_LIST_BY_DIGITAL_BAZAAR: &str = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";

    #[test]
    fn bits_are_set_read_and_survive_encoding() {
        let mut list = StatusList::new();
        assert_eq!(list.len(), STATUS_LIST_BITS);
        for index in [0, 7, 8, 4242, STATUS_LIST_BITS - 1] {
            assert!(!list.get(index));
            list.set(index, true);
            assert!(list.get(index));
        }
        list.set(7, false);
        assert!(!list.get(7));
        assert!(!list.get(STATUS_LIST_BITS), "past the end is not revoked");
        // Bit 0 is the most significant bit of byte 0.
        assert_eq!(list.bytes[0], 0x80);

        let decoded = StatusList::decode(&list.encode()).unwrap();
        assert_eq!(decoded, list);
        assert!(decoded.get(4242) && decoded.get(0) && !decoded.get(7));
    }

    /// Ours, with flate2's zlib-rs backend at the default level: the same gzip header and the
    /// same DEFLATE blocks up to the last one, whose encoding zlib-rs (a zlib-ng port) picks
    /// differently from zlib/pako. Both are valid gzip of the same bits: Digital Bazaar's
    /// library reads ours (the node interop test checks a status through it).
    const EMPTY_LIST_BY_US: &str = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIDOBobSVKsAQAAA";

    #[test]
    fn an_empty_list_reads_and_writes_as_digital_bazaar_does() {
        assert_eq!(StatusList::decode(EMPTY_LIST_BY_DIGITAL_BAZAAR).unwrap(), StatusList::new());
        let ours = StatusList::new().encode();
        assert_eq!(ours, EMPTY_LIST_BY_US);
        // Same multibase prefix and gzip header (pako's: no mtime, OS unix), same length.
        assert_eq!(ours[..14], EMPTY_LIST_BY_DIGITAL_BAZAAR[..14]);
        assert_eq!(ours.len(), EMPTY_LIST_BY_DIGITAL_BAZAAR.len());
    }

    #[test]
    fn a_list_that_is_not_gzip_is_refused() {
        assert!(StatusList::decode("unot-gzip").is_err());
        assert!(StatusList::decode("u!!").is_err());
    }
}
