-- R-CENTRE-FAULT: a session the centre cannot run as announced, and why; each of its candidates
-- then chooses another session of the same exam (the entry moves, keeping its payments and
-- documents, the only exception to R-NO-TRANSFER) or a full refund.
ALTER TABLE exam_sessions ADD COLUMN fault_reason TEXT;
ALTER TABLE exam_sessions ADD COLUMN fault_at TIMESTAMP;
-- The session an entry was moved from after the centre's fault (its history; the move is audited).
ALTER TABLE entries ADD COLUMN moved_from_session_id TEXT;
