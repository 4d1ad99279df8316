//! Tessera policy-plugin SDK.
//!
//! Everything that varies by country or centre (refunds, photos, accepted identity documents,
//! eligibility, deadlines, retention, fees) is decided by a WASM plugin. This crate is what a
//! plugin author depends on:
//!
//! - [`kinds`]: the typed facts and decision of every [`DecisionKind`], shared with the host;
//! - [`board`]: board-level rules every country shares;
//! - [`abi`]: ABI v1 ([`Policy`] holds plain rule functions, [`export_policy!`] exports them);
//! - [`manifest`]: the TOML manifest shipped next to the `.wasm`;
//! - [`fixture`]: fixture files and a native runner (feature `testing`);
//! - `schema`: JSON Schemas generated from the types (feature `schema`).
//!
//! A plugin is a `cdylib` + `rlib` crate:
//!
//! ```ignore
//! use tessera_plugin_sdk::prelude::*;
//!
//! #[derive(serde::Deserialize, Default)]
//! pub struct Config {}
//!
//! pub fn refund(input: &Input<RefundFacts, Config>) -> RefundDecision { /* ... */ }
//!
//! pub const POLICY: Policy<Config> = Policy::new().refund(refund);
//! tessera_plugin_sdk::export_policy!(POLICY);
//! ```

pub mod abi;
pub mod board;
pub mod common;
pub mod fixture;
pub mod kinds;
pub mod manifest;
#[cfg(feature = "schema")]
pub mod schema;
pub mod settings;

pub use abi::{ABI_VERSION, DecisionRequest, DecisionResponse, Input, Policy};
pub use common::{BasisPoints, Exam, Money, Reason, Signatory, age_on};
pub use kinds::DecisionKind;
pub use manifest::Manifest;

/// Everything a rule function needs, in one import.
pub mod prelude {
    pub use crate::abi::{Input, Policy};
    pub use crate::common::*;
    pub use crate::kinds::*;
    pub use chrono::{Datelike, Days, Months, NaiveDate};
}
