//! Verifiable Statements of Results (R-CREDENTIAL) in the API: a credential by id for verifier
//! API clients, and verification of a credential anyone holds.

pub(super) mod credential;
pub(super) mod verify;
