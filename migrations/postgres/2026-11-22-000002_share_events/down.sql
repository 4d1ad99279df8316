DROP INDEX IF EXISTS result_shares_entry;
DROP TABLE IF EXISTS share_events;
