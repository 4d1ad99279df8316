//! Tessera's HTTP layer: axum routers, extractors, minijinja pages and the JSON API.
//!
//! Pages live under `routes/pages`, the versioned JSON API under `routes/api`; both take the
//! tenant from the signed-in session (or, for public pages, from the `/t/{tenant}` path), never
//! from a request body.

pub mod after_exam;
pub mod api_clients;
pub mod auth;
pub mod bulk;
pub mod candidate;
pub mod centre;
pub mod documents;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod notify;
pub mod openapi;
pub mod organisations;
pub mod outbox;
pub mod pdf;
pub mod policy;
pub mod rate;
pub mod routes;
pub mod state;
pub mod templates;
pub mod throttle;
pub mod verifier;

pub use error::AppError;
pub use routes::router;
pub use state::{AppState, WebSettings};
