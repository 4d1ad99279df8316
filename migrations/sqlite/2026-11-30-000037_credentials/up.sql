-- Verifiable Statements of Results (R-CREDENTIAL).
-- issuer_keys: each issuing tenant's Ed25519 keys. The secret half is sealed (XChaCha20-Poly1305)
-- under the key in <data_dir>/credential-keys.key, which is not in the database. A rotated key is
-- retired: it signs nothing new and keeps verifying what it signed.
CREATE TABLE issuer_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    key_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,
    PRIMARY KEY (tenant_id, key_id)
);
-- credentials: the signed credential of one result version, issued once; its revocation bit is
-- status_index in the tenant's status list. revoked_at set = revoked (a newer version replaced it,
-- the entry was cancelled or voided, or the centre revoked it by hand with the reason).
CREATE TABLE credentials (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    result_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    status_index INTEGER NOT NULL,
    document TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, result_id),
    UNIQUE (tenant_id, status_index)
);
CREATE INDEX credentials_by_entry ON credentials (tenant_id, entry_id);
-- credential_checks: each verification of a credential through this server (the public page, the
-- API), shown to the candidate in "who viewed" without the visitor's address.
CREATE TABLE credential_checks (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    via TEXT NOT NULL,
    verifier_name TEXT,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX credential_checks_by_credential ON credential_checks (tenant_id, credential_id);
