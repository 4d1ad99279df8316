-- Schools (R-SCHOOL-ENTRY): a school (a verifier organisation) asks a centre for a link; once the
-- centre approves it, the school enters its students as a group and sees their results without
-- each student sharing them.
CREATE TABLE school_links (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    school_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, school_tenant_id)
);
CREATE INDEX school_links_by_school ON school_links (school_tenant_id);
-- The entries a school made for its students (one row an entry).
CREATE TABLE school_entries (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entry_id TEXT NOT NULL,
    school_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, entry_id)
);
CREATE INDEX school_entries_by_school ON school_entries (school_tenant_id);
