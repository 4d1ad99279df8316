//! A centre through the API: its sessions, candidates, entries and results, read by its staff;
//! the workflows (centre staff): sessions, entries, payments, documents, Confirmations of Entry,
//! results imports, speaking pairs and refunds; and the public entry form.

use tessera_domain::Role;

pub(super) mod candidates;
pub(super) mod coe;
pub(super) mod contact;
pub(super) mod credential;
pub(super) mod documents;
pub(super) mod entries;
pub(super) mod extra_time;
pub(super) mod fault;
pub(super) mod payments;
pub(super) mod public_pages;
pub(super) mod refunds;
pub(crate) mod results;
pub(super) mod schools;
pub(super) mod sessions;
pub(super) mod speaking;
pub(super) mod void;

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];
