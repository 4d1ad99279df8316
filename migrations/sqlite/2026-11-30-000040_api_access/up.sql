-- API access (R-API): an organisation asks, the installation admin approves or refuses; only an
-- approved organisation creates API clients. Tokens expire (expires_at); the primary user is told
-- once, some days before (expiry_notice_sent_at), and can renew.
CREATE TABLE api_access_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) PRIMARY KEY,
    purpose TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decision TEXT,
    decided_at TIMESTAMP,
    decided_by TEXT
);
-- Organisations that already have API clients keep their access.
INSERT INTO api_access_requests (tenant_id, purpose, requested_by, requested_at, decision, decided_at, decided_by)
SELECT tenant_id, 'API clients created before access requests existed', MIN(created_by), MIN(created_at),
       'approved', MIN(created_at), 'migration'
FROM api_clients GROUP BY tenant_id;
ALTER TABLE api_clients ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE api_clients ADD COLUMN expiry_notice_sent_at TIMESTAMP;
UPDATE api_clients SET expires_at = datetime(COALESCE(rotated_at, created_at), '+1 year');
