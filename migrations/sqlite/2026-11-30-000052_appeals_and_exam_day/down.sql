ALTER TABLE enquiries DROP COLUMN completed_at;
DROP TABLE appeal_terms;
DROP TABLE appeals;
