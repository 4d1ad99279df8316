//! The black-box tests of the whole appliance: one binary, many modules. Each test starts the
//! real server on a free port (or runs the real `tessera` binary) against a temporary SQLite
//! file and, through `both_backends!`, against PostgreSQL too.

mod support;

mod admin_pages;
mod after_exam;
mod api;
mod appeals;
mod auth;
mod browser;
mod candidate;
mod candidate_results;
mod candidate_shares;
mod centre;
mod centre_bulk;
mod centre_fault;
mod centre_find;
mod centre_pages;
mod centre_work;
mod certifying_statement;
mod cli;
mod consent_scan;
mod core_rules;
mod crawl;
mod credentials;
mod documents;
mod edge;
mod errors;
mod exam_day;
mod index_freshness;
mod isolation;
mod jobs;
mod nodes;
mod ops;
mod pages;
mod payments;
mod plugin_settings;
mod plugins;
mod public_pages;
mod region;
mod results_import;
mod results_window;
mod schools;
mod verifier;
mod verifier_account_pages;
mod verifier_api;
mod verifier_api_access;
mod verifier_bulk;
mod verifier_bulk_verify;
mod verifier_download_pages;
mod verifier_join;
mod verifier_notify;
mod verifier_orgs;
mod verifier_pages;
mod void;
mod webhooks;
