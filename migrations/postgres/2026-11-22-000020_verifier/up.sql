-- The search change log (an outbox): every change to what a verifier's search index holds writes
-- a row here in the same transaction as the change itself. Each server process applies the log
-- to its own index and remembers how far it got, so the database stays the only truth.
-- `tenant_id` is the verifier whose index changes; `seq` orders the log across all tenants.
-- PostgreSQL takes seq from a sequence: numbers are handed out in order but may COMMIT out of
-- order, which the indexer allows for (it waits a while for gaps to fill).
CREATE TABLE search_changes (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    seq BIGSERIAL NOT NULL,
    share_id TEXT NOT NULL,
    centre_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE UNIQUE INDEX search_changes_seq ON search_changes (seq);

-- Rebuilding a verifier's index pages through its shares by id.
CREATE INDEX result_shares_verifier_id ON result_shares (verifier_tenant_id, id);

-- When each user of a verifier organisation signed in last and the time before: the shared list
-- shows as new what was shared since the previous sign-in (R-SHARED-LIST).
CREATE TABLE user_logins (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL,
    last_login_at TIMESTAMP NOT NULL,
    previous_login_at TIMESTAMP,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX results_sor_current ON results (sor_number, is_current);

-- An organisation's request to join the Results Verification Service (R-ORG-SIGNUP): the tenant
-- is created 'pending' with its primary user (no password yet); the installation admin decides.
CREATE TABLE org_signups (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    first_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    job_title TEXT NOT NULL,
    email TEXT NOT NULL,
    org_type TEXT NOT NULL,
    website TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_at TIMESTAMP,
    decided_by TEXT,
    PRIMARY KEY (tenant_id)
);

-- Job titles of verifier users (R-ORG-USERS: first name, family name, job title, email).
CREATE TABLE org_members (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    job_title TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- API clients of verifier organisations (R-API). Only the SHA-256 of each token is kept; the
-- token itself is shown once, at creation or rotation.
CREATE TABLE api_clients (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    token_hint TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash)
);

-- Custom data-file templates of an organisation (R-BULK-DOWNLOAD): chosen fields, their order
-- and headers, as JSON [{"field": ..., "header": ...}].
CREATE TABLE download_templates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Download history (R-BULK-DOWNLOAD): what was asked for, so it can be downloaded again. The
-- file is rebuilt on re-download from the shares still active then.
CREATE TABLE downloads (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('pdf', 'csv', 'xlsx')),
    template_id TEXT,
    share_ids TEXT NOT NULL,
    count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX downloads_at ON downloads (tenant_id, created_at);

-- Notification preference of each verifier user (R-NOTIFY): off, each, daily or weekly.
CREATE TABLE notify_prefs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('off', 'each', 'daily', 'weekly')),
    since TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
