DROP TABLE bulk_verification_rows;
DROP TABLE bulk_verifications;
