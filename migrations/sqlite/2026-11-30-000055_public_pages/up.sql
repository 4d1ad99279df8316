-- A centre's public pages (R-PUBLIC-CALENDAR): its regulations (one text a centre, versioned by
-- when it was last updated), the acceptance recorded with each public entry, and the forms it
-- publishes for download (one PDF a kind, kept in the tenant's data folder).
CREATE TABLE centre_regulations (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id)
);
CREATE TABLE regulations_acceptances (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entry_id TEXT NOT NULL,
    regulations_updated_at TIMESTAMP,
    accepted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, entry_id)
);
CREATE TABLE public_forms (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    file_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
-- Certifying Statements (R-NAME-SPELLING): issued instead of a name correction asked for 2 years
-- or more after the certificate; the fee is the charge due on the entry for it.
CREATE TABLE certifying_statements (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    name_on_certificate TEXT NOT NULL,
    corrected_name TEXT NOT NULL,
    fee_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    issued_on DATE NOT NULL,
    issued_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX certifying_statements_by_entry ON certifying_statements (tenant_id, entry_id);
