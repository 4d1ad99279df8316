ALTER TABLE entries DROP COLUMN notices_acknowledged_at;
ALTER TABLE attendance DROP COLUMN devices;
ALTER TABLE enquiries DROP COLUMN completed_at;
DROP TABLE appeal_terms;
DROP TABLE appeals;
