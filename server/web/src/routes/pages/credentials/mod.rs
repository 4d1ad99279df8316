//! Verifiable Statements of Results (R-CREDENTIAL): the public verification page, and the
//! documents verifiers' software fetches (each centre's did:web document and status lists).

pub(super) mod documents;
pub(super) mod verify;
