ALTER TABLE share_events DROP COLUMN result_version;
