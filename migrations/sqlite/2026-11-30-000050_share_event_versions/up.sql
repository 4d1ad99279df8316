-- R-RESULT-VERSIONS: each view or download of a shared result records the result version seen,
-- so the candidate can tell a view of an older version from a view of the current one. Rows from
-- before this migration have none.
ALTER TABLE share_events ADD COLUMN result_version INTEGER;
