-- A candidate's speaking test day when it differs from the session's timetable (R-TIMETABLE-CHANGE).
ALTER TABLE entries ADD COLUMN speaking_day DATE;
