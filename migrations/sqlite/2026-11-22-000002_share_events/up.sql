-- Who at a verifier organisation viewed or downloaded a shared result, and when: owned by the
-- candidate's centre (the candidate sees it), written when a verifier user opens the result.
CREATE TABLE share_events (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    verifier_tenant_id TEXT NOT NULL REFERENCES tenants (id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('view', 'download')),
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, share_id) REFERENCES result_shares (tenant_id, id)
);
CREATE INDEX share_events_share ON share_events (tenant_id, share_id, at);
CREATE INDEX result_shares_entry ON result_shares (tenant_id, entry_id, verifier_tenant_id);
