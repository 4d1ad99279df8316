//! Identifier newtypes. Every id is a UUID (stored as text so SQLite and PostgreSQL agree);
//! the newtypes keep a tenant id from being passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type!(
    /// A tenant: a centre, a verifier organisation, or the installation itself.
    TenantId,
    /// A person who signs in.
    UserId,
    /// A server-side sign-in session.
    SessionId,
    /// An exam session run by a centre (exam + date + delivery).
    ExamSessionId,
    /// A candidate known to a centre.
    CandidateId,
    /// A candidate's entry for one exam session.
    EntryId,
    /// One version of a result.
    ResultId,
    /// A candidate's share of a result with a verifier organisation.
    ShareId,
    /// A durable background job.
    JobId,
    /// An audit-log record.
    AuditId,
);
