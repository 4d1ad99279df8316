//! ABI v1: the request and response envelopes, the typed dispatch, and the wasm exports.
//!
//! See `plugin-sdk/ABI.md` for the contract as the host sees it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::kinds::*;

/// The ABI version this crate implements; the guest exports [`MARKER_EXPORT`] to declare it.
pub const ABI_VERSION: u32 = 1;
/// Name of the marker export (a function taking and returning nothing).
pub const MARKER_EXPORT: &str = "tessera_abi_v1";
/// Prefix every ABI marker shares, so a host can tell "other version" from "not a plugin".
pub const MARKER_PREFIX: &str = "tessera_abi_v";
/// Export `(len: i32) -> i32`: reserve `len` bytes of guest memory for the request.
pub const ALLOC_EXPORT: &str = "tessera_alloc";
/// Export `(ptr: i32, len: i32) -> i64`: decide; returns `ptr << 32 | len` of the response.
pub const DECIDE_EXPORT: &str = "tessera_decide";

/// What the host sends for one decision, serialised as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Always [`ABI_VERSION`].
    pub abi: u32,
    /// The decision asked for.
    pub kind: DecisionKind,
    /// The instant of the decision, chosen by the server: plugins read no clock.
    pub now: DateTime<Utc>,
    /// The calendar day of `now` in the tenant's time zone; defaults to the UTC day of `now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<NaiveDate>,
    /// The plugin configuration: the manifest's defaults overlaid with the tenant's values.
    pub config: serde_json::Value,
    /// The kind's facts, e.g. a [`RefundFacts`].
    pub facts: serde_json::Value,
}

/// The guest's view of a [`DecisionRequest`]: facts and config stay raw until the kind is known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest<'a> {
    abi: u32,
    kind: DecisionKind,
    now: DateTime<Utc>,
    #[serde(default)]
    today: Option<NaiveDate>,
    #[serde(borrow)]
    config: &'a RawValue,
    #[serde(borrow)]
    facts: &'a RawValue,
}

/// What a guest answers: exactly one of `output` or `error`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DecisionResponse {
    /// The decision, shaped by the kind's output type.
    Output(serde_json::Value),
    /// The plugin refused the request.
    Error(GuestError),
}

/// A refusal by the plugin itself (as opposed to a trap or a limit the host enforces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestError {
    /// One of [`GuestErrorCode`].
    pub code: GuestErrorCode,
    /// What was wrong, for the audit log.
    pub message: String,
}

/// Why a plugin refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestErrorCode {
    /// The envelope was not a [`DecisionRequest`].
    InvalidRequest,
    /// The envelope's `abi` is not one this plugin speaks.
    WrongAbi,
    /// The plugin does not implement the kind.
    KindNotImplemented,
    /// The facts do not match the kind's input type.
    InvalidFacts,
    /// The merged configuration does not match the plugin's config type.
    InvalidConfig,
}

/// What a rule function receives: the facts, the plugin's typed config and the server's clock.
#[derive(Debug, Clone)]
pub struct Input<F, C> {
    /// The instant of the decision.
    pub now: DateTime<Utc>,
    /// The tenant's calendar day at `now`: compare deadlines with this, not with `now`.
    pub today: NaiveDate,
    /// The tenant's configuration of this plugin.
    pub config: C,
    /// The facts of the decision.
    pub facts: F,
}

/// A rule function: plain Rust from typed input to typed decision.
pub type Rule<F, O, C> = fn(&Input<F, C>) -> O;

/// A plugin: its config type and one optional rule function per kind.
///
/// Build it in a `const` with the kind methods, then hand it to [`crate::export_policy!`].
pub struct Policy<C> {
    refund: Option<Rule<RefundFacts, RefundDecision, C>>,
    photo: Option<Rule<PhotoFacts, PhotoPolicy, C>>,
    identity: Option<Rule<IdentityFacts, IdentityDecision, C>>,
    eligibility: Option<Rule<EligibilityFacts, EligibilityDecision, C>>,
    deadlines: Option<Rule<DeadlineFacts, Deadlines, C>>,
    retention: Option<Rule<RetentionFacts, RetentionSchedule, C>>,
    fees: Option<Rule<FeeFacts, FeeQuote, C>>,
}

impl<C> Default for Policy<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C> Policy<C> {
    /// A policy implementing no kind yet.
    pub const fn new() -> Self {
        Self {
            refund: None,
            photo: None,
            identity: None,
            eligibility: None,
            deadlines: None,
            retention: None,
            fees: None,
        }
    }

    /// Implement `refund` with `rule`.
    pub const fn refund(mut self, rule: Rule<RefundFacts, RefundDecision, C>) -> Self {
        self.refund = Some(rule);
        self
    }

    /// Implement `photo` with `rule`.
    pub const fn photo(mut self, rule: Rule<PhotoFacts, PhotoPolicy, C>) -> Self {
        self.photo = Some(rule);
        self
    }

    /// Implement `identity` with `rule`.
    pub const fn identity(mut self, rule: Rule<IdentityFacts, IdentityDecision, C>) -> Self {
        self.identity = Some(rule);
        self
    }

    /// Implement `eligibility` with `rule`.
    pub const fn eligibility(mut self, rule: Rule<EligibilityFacts, EligibilityDecision, C>) -> Self {
        self.eligibility = Some(rule);
        self
    }

    /// Implement `deadlines` with `rule`.
    pub const fn deadlines(mut self, rule: Rule<DeadlineFacts, Deadlines, C>) -> Self {
        self.deadlines = Some(rule);
        self
    }

    /// Implement `retention` with `rule`.
    pub const fn retention(mut self, rule: Rule<RetentionFacts, RetentionSchedule, C>) -> Self {
        self.retention = Some(rule);
        self
    }

    /// Implement `fees` with `rule`.
    pub const fn fees(mut self, rule: Rule<FeeFacts, FeeQuote, C>) -> Self {
        self.fees = Some(rule);
        self
    }

    /// The kinds this policy implements (what its manifest must list).
    pub fn kinds(&self) -> Vec<DecisionKind> {
        let present = [
            self.refund.is_some(),
            self.photo.is_some(),
            self.identity.is_some(),
            self.eligibility.is_some(),
            self.deadlines.is_some(),
            self.retention.is_some(),
            self.fees.is_some(),
        ];
        DecisionKind::ALL.into_iter().zip(present).filter_map(|(k, p)| p.then_some(k)).collect()
    }
}

impl<C: DeserializeOwned> Policy<C> {
    /// Decide one JSON [`DecisionRequest`] and return the JSON [`DecisionResponse`].
    ///
    /// This is exactly what runs inside the wasm module, so native callers (fixtures, benches)
    /// exercise the same code as the host.
    pub fn decide_json(&self, request: &[u8]) -> Vec<u8> {
        match self.decide_raw(request) {
            Ok(bytes) => bytes,
            Err(error) => serde_json::to_vec(&DecisionResponse::Error(error)).expect("a guest error always serialises"),
        }
    }

    fn decide_raw(&self, request: &[u8]) -> Result<Vec<u8>, GuestError> {
        let raw: RawRequest<'_> =
            serde_json::from_slice(request).map_err(|e| guest_error(GuestErrorCode::InvalidRequest, e))?;
        if raw.abi != ABI_VERSION {
            return Err(guest_error(
                GuestErrorCode::WrongAbi,
                format!("request is ABI v{}, plugin speaks v{ABI_VERSION}", raw.abi),
            ));
        }
        match raw.kind {
            DecisionKind::Refund => run(self.refund, &raw),
            DecisionKind::Photo => run(self.photo, &raw),
            DecisionKind::Identity => run(self.identity, &raw),
            DecisionKind::Eligibility => run(self.eligibility, &raw),
            DecisionKind::Deadlines => run(self.deadlines, &raw),
            DecisionKind::Retention => run(self.retention, &raw),
            DecisionKind::Fees => run(self.fees, &raw),
        }
    }
}

fn guest_error(code: GuestErrorCode, message: impl std::fmt::Display) -> GuestError {
    GuestError { code, message: message.to_string() }
}

fn run<F: DeserializeOwned, O: Serialize, C: DeserializeOwned>(
    rule: Option<Rule<F, O, C>>,
    raw: &RawRequest<'_>,
) -> Result<Vec<u8>, GuestError> {
    let rule = rule.ok_or_else(|| {
        guest_error(GuestErrorCode::KindNotImplemented, format!("this plugin does not implement `{}`", raw.kind))
    })?;
    let config: C =
        serde_json::from_str(raw.config.get()).map_err(|e| guest_error(GuestErrorCode::InvalidConfig, e))?;
    let facts: F = serde_json::from_str(raw.facts.get()).map_err(|e| guest_error(GuestErrorCode::InvalidFacts, e))?;
    let input = Input { now: raw.now, today: raw.today.unwrap_or_else(|| raw.now.date_naive()), config, facts };
    let output = rule(&input);
    // Written by hand around the typed output to avoid building a serde_json::Value.
    let mut bytes = Vec::with_capacity(256);
    bytes.extend_from_slice(b"{\"output\":");
    serde_json::to_writer(&mut bytes, &output).map_err(|e| guest_error(GuestErrorCode::InvalidRequest, e))?;
    bytes.push(b'}');
    Ok(bytes)
}

/// Guest side of `tessera_alloc`; used by [`crate::export_policy!`], not by plugin authors.
///
/// The block is leaked on purpose: the host throws the whole instance away after one decision.
#[doc(hidden)]
pub fn guest_alloc(len: u32) -> *mut u8 {
    let mut block = Vec::<u8>::with_capacity(len as usize);
    let ptr = block.as_mut_ptr();
    std::mem::forget(block);
    ptr
}

/// Guest side of `tessera_decide`; used by [`crate::export_policy!`], not by plugin authors.
///
/// # Safety
/// `ptr` must come from [`guest_alloc`] with `len` bytes, all written by the host.
#[doc(hidden)]
pub unsafe fn guest_decide<C: DeserializeOwned>(policy: &Policy<C>, ptr: *mut u8, len: u32) -> u64 {
    // SAFETY: the host wrote exactly `len` bytes into the block `guest_alloc(len)` returned.
    let request = unsafe { Vec::from_raw_parts(ptr, len as usize, len as usize) };
    let response = policy.decide_json(&request).into_boxed_slice();
    let out_len = response.len() as u64;
    let out_ptr = Box::into_raw(response) as *mut u8 as usize as u64;
    (out_ptr << 32) | out_len
}

/// Export a [`Policy`] constant as a wasm32 ABI v1 plugin.
///
/// On wasm32 this defines the marker export `tessera_abi_v1`, `tessera_alloc` and
/// `tessera_decide`; on any other target it expands to nothing, so the plugin crate can also
/// be linked natively (as an rlib) next to other plugins for fixtures and benchmarks.
///
/// ```ignore
/// pub const POLICY: Policy<Config> = Policy::new().refund(refund);
/// tessera_plugin_sdk::export_policy!(POLICY);
/// ```
#[macro_export]
macro_rules! export_policy {
    ($policy:path) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            /// ABI v1 marker: its presence is the version declaration.
            #[unsafe(no_mangle)]
            pub extern "C" fn tessera_abi_v1() {}

            /// Reserve guest memory for the request.
            #[unsafe(no_mangle)]
            pub extern "C" fn tessera_alloc(len: u32) -> *mut u8 {
                $crate::abi::guest_alloc(len)
            }

            /// Decide the request at `ptr..ptr+len`.
            ///
            /// # Safety
            /// Called by the host only, with a block from `tessera_alloc`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn tessera_decide(ptr: *mut u8, len: u32) -> u64 {
                // SAFETY: forwarded contract of `guest_decide`.
                unsafe { $crate::abi::guest_decide(&$policy, ptr, len) }
            }
        };
    };
}
