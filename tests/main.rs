//! The black-box tests of the whole appliance: one binary, many modules. Each test starts the
//! real server on a free port (or runs the real `tessera` binary) against a temporary SQLite
//! file and, through `both_backends!`, against PostgreSQL too.

mod support;

mod api;
mod auth;
mod cli;
mod isolation;
mod jobs;
mod pages;
mod plugins;
mod verifier;
mod verifier_api;
mod verifier_bulk;
mod verifier_notify;
mod verifier_orgs;
mod verifier_pages;
