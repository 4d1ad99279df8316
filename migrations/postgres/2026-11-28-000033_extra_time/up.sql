-- A request for extra time on the grounds of a learning difficulty, and what the centre checked on
-- the specialist's report (JSON), R-PL-EXTRA-TIME.
ALTER TABLE entries ADD COLUMN extra_time_condition TEXT;
ALTER TABLE entries ADD COLUMN extra_time_report TEXT;
