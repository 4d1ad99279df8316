ALTER TABLE entries DROP COLUMN speaking_day;
