-- Appeals (R-APPEAL): after a completed Stage 2 enquiry, or against an upheld malpractice
-- decision, the centre lodges an appeal for the candidate; the board upholds or dismisses it.
CREATE TABLE appeals (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    ground TEXT NOT NULL CHECK (ground IN ('enquiry', 'malpractice')),
    fee_minor BIGINT NOT NULL CHECK (fee_minor >= 0),
    currency TEXT NOT NULL,
    lodged_on DATE NOT NULL,
    deadline DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('lodged', 'upheld', 'dismissed')),
    outcome TEXT CHECK (outcome IN ('higher', 'lower', 'unchanged')),
    fee_refunded BOOLEAN NOT NULL DEFAULT FALSE,
    lodged_by TEXT NOT NULL,
    lodged_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES entries (tenant_id, id)
);
-- At most one appeal of an entry waits for the board's decision.
CREATE UNIQUE INDEX appeals_one_lodged ON appeals (tenant_id, entry_id) WHERE status = 'lodged';

-- The centre's appeal window: days from the decision appealed against (absent: the default).
CREATE TABLE appeal_terms (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    window_days INTEGER NOT NULL CHECK (window_days BETWEEN 1 AND 365),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- When an enquiry's outcome was recorded: an appeal's window starts then. Enquiries completed
-- before this migration count from the day they were requested.
ALTER TABLE enquiries ADD COLUMN completed_at TIMESTAMP;

-- R-DEVICE-DEPOSIT: at each component the candidate's phones and other electronic devices were
-- deposited, or the candidate refused (not admitted, and no refund later).
ALTER TABLE attendance ADD COLUMN devices TEXT CHECK (devices IN ('deposited', 'refused'));

-- R-NOTICES: when the candidate confirmed reading the Notice to candidates and that the speaking
-- test may be recorded, both sent with the Confirmation of Entry.
ALTER TABLE entries ADD COLUMN notices_acknowledged_at TIMESTAMP;
