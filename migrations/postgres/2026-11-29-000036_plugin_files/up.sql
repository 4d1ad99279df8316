-- Policy plugins installed with `tessera plugin install`, so that every node of a region loads
-- them: each node copies a plugin whose digest changed into its own plugins folder, where the
-- folder watcher loads it. digest is the sha256 of the manifest's bytes followed by the module's;
-- the module is kept as base64 text, which both backends and `tessera migrate-db` carry as is.
CREATE TABLE plugin_files (
    name TEXT PRIMARY KEY NOT NULL,
    manifest TEXT NOT NULL,
    module_base64 TEXT NOT NULL,
    digest TEXT NOT NULL,
    installed_at TIMESTAMP NOT NULL
);
