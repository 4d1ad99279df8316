-- A centre's bulk action run in the background with its progress on a page (issue 15): every
-- Confirmation of Entry of a session issued, or a board results file imported. The page creates
-- the run and queues a durable job; the worker, on any node, advances `processed` as it goes and
-- writes the report (JSON) when it ends. A restart resumes the run (issued CoEs are not issued
-- again; an import is stored in one transaction, so it is stored whole or not at all).
-- kind: coe_issue | results_import; status: queued | running | storing | done | refused | failed.
-- input: the entry ids to issue (JSON) or the results file (UTF-8 CSV).
CREATE TABLE centre_bulk_runs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    file_name TEXT,
    input TEXT NOT NULL,
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL,
    report TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX centre_bulk_runs_session ON centre_bulk_runs (tenant_id, session_id, created_at);
