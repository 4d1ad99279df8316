//! The `tessera` daemon: command line, configuration, wiring, mail and the job worker.

pub mod cli;
pub mod config;
pub mod demo;
pub mod failover;
pub mod indexer;
pub mod mail;
pub mod metrics;
pub mod plugin_sync;
pub mod redirect;
pub mod release;
pub mod server;
pub mod worker;
