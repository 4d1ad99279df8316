ALTER TABLE entries DROP COLUMN moved_from_session_id;
ALTER TABLE exam_sessions DROP COLUMN fault_at;
ALTER TABLE exam_sessions DROP COLUMN fault_reason;
