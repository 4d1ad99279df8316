-- Request budgets and failure throttles (R-SOR-LOOKUP, sign-in failures per address, API rate
-- limits), kept in the database so that every node of a region counts against the same budget.
-- One row per counted request or failure; a key's rows older than its window are deleted as it
-- is counted again.
CREATE TABLE throttle_hits (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_hits_key_at ON throttle_hits (key, at);
