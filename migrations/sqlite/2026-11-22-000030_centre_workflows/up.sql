-- Centre workflows (DOMAIN.md sections 3 to 10): session details and timetable, entry form data,
-- payments, documents, Confirmations of Entry, refund requests, result imports.

ALTER TABLE exam_sessions ADD COLUMN speaking_window_start DATE;
ALTER TABLE exam_sessions ADD COLUMN speaking_window_end DATE;
ALTER TABLE exam_sessions ADD COLUMN promotion_ends DATE;
ALTER TABLE exam_sessions ADD COLUMN student_discount_bp INTEGER;
ALTER TABLE exam_sessions ADD COLUMN venue TEXT NOT NULL DEFAULT '';

-- The timetable: one row per component with its date, time, venue and room.
CREATE TABLE session_components (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    session_id TEXT NOT NULL,
    component TEXT NOT NULL,
    day DATE NOT NULL,
    starts_at TEXT NOT NULL,
    venue TEXT NOT NULL,
    room TEXT NOT NULL,
    PRIMARY KEY (tenant_id, session_id, component),
    FOREIGN KEY (tenant_id, session_id) REFERENCES exam_sessions (tenant_id, id)
);

ALTER TABLE entries ADD COLUMN guardian_name TEXT;
ALTER TABLE entries ADD COLUMN guardian_contact TEXT;
ALTER TABLE entries ADD COLUMN id_document_type TEXT;
ALTER TABLE entries ADD COLUMN id_document_number TEXT;
ALTER TABLE entries ADD COLUMN special_arrangements TEXT;
ALTER TABLE entries ADD COLUMN student_discount_claimed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE entries ADD COLUMN is_late BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE entries ADD COLUMN registration_date DATE;
ALTER TABLE entries ADD COLUMN pay_by DATE;
ALTER TABLE entries ADD COLUMN status_reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE entries ADD COLUMN coe_issued_at TIMESTAMP;

CREATE TABLE payments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer')),
    transfer_title TEXT,
    received_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

-- Uploaded documents: the file lives under <data_dir>/tenants/<tenant id>/documents/<id>.
CREATE TABLE entry_documents (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    received_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

CREATE TABLE refund_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    facts TEXT NOT NULL,
    decision TEXT NOT NULL,
    plugin TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    outcome TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    pay_by DATE,
    status TEXT NOT NULL CHECK (status IN ('decided', 'confirmed', 'paid', 'rejected')),
    confirmed_by TEXT,
    paid_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);

-- One row per results file imported: the import is all or nothing.
CREATE TABLE result_imports (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    rows_imported INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
