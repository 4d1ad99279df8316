ALTER TABLE entries DROP COLUMN extra_time_report;
ALTER TABLE entries DROP COLUMN extra_time_condition;
