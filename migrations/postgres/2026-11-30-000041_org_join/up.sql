-- "Join an existing account" (R-ORG-JOIN): a person asks to join an approved organisation; its
-- primary user approves (the person becomes an admin user and sets a password from an email) or
-- refuses.
CREATE TABLE org_join_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    job_title TEXT NOT NULL,
    email TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decision TEXT,
    decided_at TIMESTAMP,
    decided_by TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX org_join_requests_pending ON org_join_requests (tenant_id, decision);
