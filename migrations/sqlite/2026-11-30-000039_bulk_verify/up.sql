-- Bulk verification (R-BULK-VERIFY): an organisation's uploaded list of Statement of Results
-- numbers and dates of birth, checked whole before it is stored, then processed by a durable job
-- that writes one verdict per row; a restart resumes at the first row without one.
-- bulk_verifications.total also counts against the organisation's daily row quota.
CREATE TABLE bulk_verifications (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX bulk_verifications_created ON bulk_verifications (tenant_id, created_at);
-- One row of the file as typed (row_no counts the header line as 1) and, once processed, its
-- verdict: verified, no_match, not_shared or revoked; the result's fields only when verified.
CREATE TABLE bulk_verification_rows (
    tenant_id TEXT NOT NULL,
    verification_id TEXT NOT NULL,
    row_no INTEGER NOT NULL,
    sor_number TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    name TEXT,
    verdict TEXT,
    candidate_name TEXT,
    exam_code TEXT,
    exam_date DATE,
    centre_name TEXT,
    result_status TEXT,
    overall_score INTEGER,
    grade TEXT,
    cefr TEXT,
    PRIMARY KEY (tenant_id, verification_id, row_no),
    FOREIGN KEY (tenant_id, verification_id) REFERENCES bulk_verifications (tenant_id, id)
);
