//! Tessera's workflows: what centres, candidates, verifiers and administrators do, as functions
//! of the application state. Each runs its writes in one transaction, takes typed policy decisions,
//! audits, and queues emails; the HTTP layer, the CLI and the worker all call these.
//!
//! No HTTP here: a refusal is an [`AppError`] (a typed [`tessera_domain::DomainError`] with the
//! status it answers with), and who acts is an [`actor::Actor`].

pub mod actor;
pub mod after_exam;
pub mod api_clients;
pub mod audit_log;
pub mod auth;
pub mod bulk;
pub mod candidate;
pub mod centre;
pub mod credentials;
pub mod datafile;
pub mod documents;
pub mod error;
pub mod health;
pub mod i18n;
pub mod mail_queue;
pub mod notify;
pub mod organisations;
pub mod outbox;
pub mod pdf;
pub mod plugin_settings;
pub mod plugins;
pub mod policy;
pub mod rate;
pub mod records;
pub mod schools;
pub mod secrets;
pub mod state;
pub mod templates;
pub mod tenants;
pub mod throttle;
pub mod users;
pub mod verifier;
pub mod webhooks;

pub use error::{AppError, AppResult};
pub use state::{AppState, SharedState, WebSettings};
