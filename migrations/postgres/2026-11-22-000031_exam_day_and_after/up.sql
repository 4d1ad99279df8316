-- Exam day, enquiries, certificates and retention (DOMAIN.md sections 7 to 9).

CREATE TABLE attendance (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entry_id TEXT NOT NULL,
    component TEXT NOT NULL,
    present BOOLEAN NOT NULL,
    id_document_shown TEXT,
    admitted BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, entry_id, component),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

-- Special consideration, malpractice, conduct complaints and timetable changes.
CREATE TABLE entry_cases (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('special_consideration', 'malpractice', 'conduct_complaint', 'timetable_change')),
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

CREATE TABLE enquiries (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    stage INTEGER NOT NULL CHECK (stage IN (1, 2)),
    fee_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    requested_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'completed')),
    outcome TEXT,
    fee_refunded BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

CREATE TABLE certificates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entry_id TEXT NOT NULL,
    arrived_on DATE NOT NULL,
    collected_on DATE,
    collected_by TEXT,
    collector_name TEXT,
    collector_id_document TEXT,
    signature_recorded BOOLEAN NOT NULL DEFAULT FALSE,
    courier_address TEXT,
    replacements INTEGER NOT NULL DEFAULT 0,
    destroyed_on DATE,
    PRIMARY KEY (tenant_id, entry_id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

ALTER TABLE candidates ADD COLUMN personal_data_purged_at TIMESTAMP;
