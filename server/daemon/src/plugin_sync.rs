//! Policy plugins shared by the nodes of a region. `tessera plugin install` publishes the plugin
//! to the database as well as to the local plugins folder; every server copies each published
//! plugin whose digest differs from its own copy into its plugins folder, where the folder
//! watcher loads it. A node that was down catches up when it starts; the database copy is the
//! one that counts (to change a published plugin, install the new version).

use anyhow::Context;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tessera_storage::Db;
use tessera_storage::repo::plugin_files;
use tokio::sync::watch;

/// How often each server asks the database for published plugins (one small query).
pub const INTERVAL: Duration = Duration::from_secs(2);

/// Copies published plugins into `dir` every [`INTERVAL`] until `stop`.
pub async fn run(db: Db, dir: PathBuf, mut stop: watch::Receiver<bool>) {
    // Digests known to be in the folder already, and failures warned about (once per version).
    let mut in_folder: HashMap<String, String> = HashMap::new();
    let mut warned: HashSet<(String, String)> = HashSet::new();
    loop {
        // While the database is unreachable (a failover) there is nothing to do: try later.
        if let Ok(published) = db.call(plugin_files::digests).await {
            for (name, digest) in published {
                if in_folder.get(&name) == Some(&digest) {
                    continue;
                }
                let (db, dir, n, d) = (db.clone(), dir.clone(), name.clone(), digest.clone());
                match tokio::task::spawn_blocking(move || copy_if_changed(&db, &dir, &n, &d)).await {
                    Ok(Ok(copied)) => {
                        if copied {
                            tracing::info!(plugin = %name, "published plugin copied into the plugins folder");
                        }
                        in_folder.insert(name, digest);
                    }
                    Ok(Err(e)) => {
                        if warned.insert((name.clone(), digest)) {
                            tracing::warn!(plugin = %name, error = %format!("{e:#}"), "cannot copy a published plugin");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "plugin copy task failed"),
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(INTERVAL) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Writes the published plugin `name` into `dir` unless the files there have `digest` already;
/// `true` when it wrote. Module first, then manifest, each through a temporary file renamed into
/// place (as `tessera plugin install` does), so the watcher never loads half a plugin.
fn copy_if_changed(db: &Db, dir: &Path, name: &str, digest: &str) -> anyhow::Result<bool> {
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "`{name}` is not a plugin name"
    );
    if read_local(dir, name)?.is_some_and(|(m, w)| tessera_app::plugins::digest(&m, &w) == digest) {
        return Ok(false);
    }
    let files = plugin_files::get(&mut *db.conn()?, name)?;
    for (ext, bytes) in [("wasm", files.module.as_slice()), ("toml", files.manifest.as_bytes())] {
        let tmp = dir.join(format!(".{name}.{ext}.sync"));
        std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, dir.join(format!("{name}.{ext}")))
            .with_context(|| format!("cannot move {} into place", tmp.display()))?;
    }
    Ok(true)
}

/// The manifest and module of `name` in `dir`, if both are there.
fn read_local(dir: &Path, name: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    let read = |ext: &str| match std::fs::read(dir.join(format!("{name}.{ext}"))) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    };
    match (read("toml")?, read("wasm")?) {
        (Some(m), Some(w)) => Ok(Some((String::from_utf8(m).context("the manifest is not UTF-8")?, w))),
        _ => Ok(None),
    }
}
