-- Webhooks of verifier organisations (R-WEBHOOK, Standard Webhooks).
-- webhook_endpoints: where an organisation wants events, and the secret the deliveries are
-- signed with: the 32-byte HMAC key sealed (XChaCha20-Poly1305) under the key in
-- <data_dir>/credential-keys.key, which is not in the database. After a rotation the previous
-- secret stays valid until previous_secret_until (a day): deliveries carry signatures with both.
-- failing_since is the first failed attempt since the last success; an endpoint failing for a day
-- is disabled.
CREATE TABLE webhook_endpoints (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    failing_since TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
-- webhook_deliveries: one event for one endpoint (its id is the webhook-id header, the same on
-- every attempt and redelivery), enqueued with its job in the transaction of the change.
-- status: pending, delivered, failed (retries spent or the endpoint disabled).
CREATE TABLE webhook_deliveries (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    next_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, created_at);
-- webhook_attempts: every HTTP attempt of a delivery (the delivery log).
CREATE TABLE webhook_attempts (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    status_code INTEGER,
    response_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    excerpt TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, delivery_id, attempt)
);
