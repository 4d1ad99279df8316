//! Policy plugins published to the database by `tessera plugin install`, so that every node of
//! a region loads the same ones (each node keeps its own copy in its plugins folder).

use crate::schema::plugin_files;
use crate::{DbConnection, StorageResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A published plugin: its manifest and module, as installed.
#[derive(Debug, Clone)]
pub struct PluginFiles {
    /// The plugin's name (the files are `<name>.toml` and `<name>.wasm`).
    pub name: String,
    /// The manifest's text.
    pub manifest: String,
    /// The WebAssembly module.
    pub module: Vec<u8>,
    /// sha256 of the manifest's bytes followed by the module's, hex.
    pub digest: String,
}

/// Publishes (or replaces) plugin `name`.
pub fn publish(
    conn: &mut DbConnection,
    name: &str,
    manifest: &str,
    module: &[u8],
    digest: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(module);
    let row = (
        plugin_files::name.eq(name),
        plugin_files::manifest.eq(manifest),
        plugin_files::module_base64.eq(&encoded),
        plugin_files::digest.eq(digest),
        plugin_files::installed_at.eq(now.naive_utc()),
    );
    // Replace in one transaction (diesel's multi-backend connection has no upsert).
    crate::transaction(conn, |c| {
        diesel::delete(plugin_files::table.filter(plugin_files::name.eq(name))).execute(c)?;
        diesel::insert_into(plugin_files::table).values(row).execute(c)
    })?;
    Ok(())
}

/// (name, digest) of every published plugin: cheap enough to ask every few seconds.
pub fn digests(conn: &mut DbConnection) -> StorageResult<Vec<(String, String)>> {
    Ok(plugin_files::table.select((plugin_files::name, plugin_files::digest)).order(plugin_files::name).load(conn)?)
}

/// One published plugin.
pub fn get(conn: &mut DbConnection, name: &str) -> StorageResult<PluginFiles> {
    use base64::Engine;
    let (name, manifest, encoded, digest): (String, String, String, String) = plugin_files::table
        .filter(plugin_files::name.eq(name))
        .select((plugin_files::name, plugin_files::manifest, plugin_files::module_base64, plugin_files::digest))
        .first(conn)?;
    let module = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| crate::StorageError::Corrupt(format!("plugin {name}: module is not base64: {e}")))?;
    Ok(PluginFiles { name, manifest, module, digest })
}
