//! Tessera's domain: the entities, newtypes and rules of `DOMAIN.md`.
//!
//! Nothing here knows about HTTP, SQL, WASM or search: the other crates depend on this one,
//! never the other way round.

pub mod appeals;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod certificates;
pub mod clock;
pub mod entries;
pub mod entry_work;
pub mod error;
pub mod exam_day;
pub mod exams;
pub mod ids;
pub mod labels;
pub mod money;
pub mod payments;
pub mod public_pages;
pub mod refunds;
pub mod results;
pub mod special_arrangements;
pub mod tenant;
pub mod verification;
pub mod webhooks;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{DomainError, ErrorCode};
pub use ids::*;
pub use labels::Labelled;
pub use money::{Currency, Money};
pub use tenant::{Country, Locale, Role, TenantKind};
