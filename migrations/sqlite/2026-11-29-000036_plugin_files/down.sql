DROP TABLE plugin_files;
