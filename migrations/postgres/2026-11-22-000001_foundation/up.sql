-- Tessera foundation schema. Every tenant-owned table has tenant_id as the first column of its
-- primary key, so a PostgreSQL deployment can be distributed by tenant_id (Citus) unchanged.
-- Ids are UUIDs as text; instants are UTC timestamps; money is integer minor units + currency.

CREATE TABLE tenants (
    id TEXT NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('installation', 'centre', 'verifier')),
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    timezone TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending', 'rejected', 'suspended')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    login TEXT NOT NULL,
    email TEXT,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, login)
);

CREATE TABLE auth_sessions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE password_resets (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- Which policy plugin decides each kind of decision for a tenant, with the tenant's configuration
-- for it (JSON). A kind with no row falls back to the `baseline` plugin.
CREATE TABLE policy_assignments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    plugin TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

-- The exams catalogue (DOMAIN.md section 2): shared by every tenant, seeded below.
CREATE TABLE exams (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    family TEXT NOT NULL CHECK (family IN ('general', 'schools', 'business', 'teaching', 'young_learners')),
    cefr TEXT,
    exam_type TEXT NOT NULL,
    components TEXT NOT NULL,
    photo_on_day BOOLEAN NOT NULL,
    verifiable BOOLEAN NOT NULL
);

CREATE TABLE exam_sessions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    exam_code TEXT NOT NULL REFERENCES exams (code),
    written_date DATE NOT NULL,
    time_of_day TEXT NOT NULL CHECK (time_of_day IN ('AM', 'PM')),
    delivery TEXT NOT NULL CHECK (delivery IN ('PB', 'CB')),
    fee_minor BIGINT NOT NULL,
    late_fee_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    registration_opens DATE NOT NULL,
    registration_closes DATE NOT NULL,
    late_entry_deadline DATE NOT NULL,
    capacity INTEGER NOT NULL,
    minimum_candidates INTEGER NOT NULL,
    release_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE candidates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    email TEXT,
    phone TEXT,
    nationality TEXT,
    -- The Candidate Results Service credentials printed on the Confirmation of Entry.
    id_number TEXT NOT NULL,
    secret_hash TEXT,
    user_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, id_number)
);

CREATE TABLE entries (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    candidate_number TEXT NOT NULL,
    status TEXT NOT NULL,
    fee_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, session_id, candidate_number),
    FOREIGN KEY (tenant_id, session_id) REFERENCES exam_sessions (tenant_id, id),
    FOREIGN KEY (tenant_id, candidate_id) REFERENCES candidates (tenant_id, id)
);

-- Every version of a result is kept (R-RESULT-VERSIONS); `is_current` marks the one shown.
CREATE TABLE results (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'X', 'Z', 'Pending', 'Withheld')),
    overall_score INTEGER,
    grade TEXT,
    cefr TEXT,
    sor_number TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, entry_id, version),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);
CREATE INDEX results_sor ON results (sor_number);

CREATE TABLE result_components (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    result_id TEXT NOT NULL,
    component TEXT NOT NULL,
    score INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, result_id, component),
    FOREIGN KEY (tenant_id, result_id) REFERENCES results (tenant_id, id)
);

-- A candidate's share of a result with a verifier organisation: owned by the candidate's centre,
-- read by the verifier through verifier_tenant_id (the only crossing between tenants).
CREATE TABLE result_shares (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    verifier_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    shared_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);
CREATE INDEX result_shares_verifier ON result_shares (verifier_tenant_id, shared_at);

-- Append-only: triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    request_id TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at);

-- The durable job queue. A job is claimed by setting status 'running' and a lease inside one
-- transaction; an expired lease (a crashed worker) makes it claimable again.
CREATE TABLE jobs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    run_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_until TIMESTAMP,
    claimed_by TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX jobs_due ON jobs (status, run_at);

INSERT INTO exams (code, name, short_name, family, cefr, exam_type, components, photo_on_day, verifiable) VALUES
 ('KET', 'A2 Key', 'KET', 'general', 'A2', 'KET', 'Reading,Writing,Listening,Speaking', FALSE, TRUE),
 ('KETS', 'A2 Key for Schools', 'KET for Schools', 'schools', 'A2', 'KET', 'Reading,Writing,Listening,Speaking', FALSE, TRUE),
 ('PET', 'B1 Preliminary', 'PET', 'general', 'B1', 'PET', 'Reading,Writing,Listening,Speaking', TRUE, TRUE),
 ('PETS', 'B1 Preliminary for Schools', 'PET for Schools', 'schools', 'B1', 'PET', 'Reading,Writing,Listening,Speaking', FALSE, TRUE),
 ('FCE', 'B2 First', 'FCE', 'general', 'B2', 'FCE', 'Reading,Use of English,Writing,Listening,Speaking', TRUE, TRUE),
 ('FCES', 'B2 First for Schools', 'FCE for Schools', 'schools', 'B2', 'FCE', 'Reading,Use of English,Writing,Listening,Speaking', FALSE, TRUE),
 ('CAE', 'C1 Advanced', 'CAE', 'general', 'C1', 'CAE', 'Reading,Use of English,Writing,Listening,Speaking', TRUE, TRUE),
 ('CPE', 'C2 Proficiency', 'CPE', 'general', 'C2', 'CPE', 'Reading,Use of English,Writing,Listening,Speaking', TRUE, TRUE),
 ('BECP', 'B1 Business Preliminary', 'BEC Preliminary', 'business', 'B1', 'BECP', 'Reading,Writing,Listening,Speaking', TRUE, TRUE),
 ('BECV', 'B2 Business Vantage', 'BEC Vantage', 'business', 'B2', 'BECV', 'Reading,Writing,Listening,Speaking', TRUE, TRUE),
 ('BECH', 'C1 Business Higher', 'BEC Higher', 'business', 'C1', 'BECH', 'Reading,Writing,Listening,Speaking', TRUE, TRUE),
 ('DELTA1', 'DELTA Module One', 'DELTA Module One', 'teaching', NULL, 'DELTA1', 'Paper 1,Paper 2', FALSE, TRUE),
 ('TKT', 'Teaching Knowledge Test', 'TKT', 'teaching', NULL, 'TKT', 'Module', FALSE, FALSE),
 ('YLES', 'Pre A1 Starters', 'YLE Starters', 'young_learners', 'Pre A1', 'YLE', 'Listening,Reading and Writing,Speaking', FALSE, FALSE),
 ('YLEM', 'A1 Movers', 'YLE Movers', 'young_learners', 'A1', 'YLE', 'Listening,Reading and Writing,Speaking', FALSE, FALSE),
 ('YLEF', 'A2 Flyers', 'YLE Flyers', 'young_learners', 'A2', 'YLE', 'Listening,Reading and Writing,Speaking', FALSE, FALSE);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
