-- Payments (R-PAYMENT-TITLE): the centre's bank account, given in the entry-received email with
-- the amount and the required transfer title; a bank transfer whose title or amount does not match
-- is stored but flagged for staff. Refunds are paid by the method the candidate chose.
CREATE TABLE centre_bank_accounts (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    iban TEXT NOT NULL,
    account_holder TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- What the payment was checked against, and what did not match.
ALTER TABLE payments ADD COLUMN expected_title TEXT;
ALTER TABLE payments ADD COLUMN amount_due_minor BIGINT;
ALTER TABLE payments ADD COLUMN title_mismatch BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE payments ADD COLUMN amount_mismatch BOOLEAN NOT NULL DEFAULT FALSE;
-- The refund's method as the candidate chose it (and the account for a transfer), then as paid.
ALTER TABLE refund_requests ADD COLUMN payout_method TEXT;
ALTER TABLE refund_requests ADD COLUMN payout_account TEXT;
ALTER TABLE refund_requests ADD COLUMN paid_method TEXT;
ALTER TABLE refund_requests ADD COLUMN paid_on DATE;
-- A photo consent received as a scan counts until the first exam day, by which the signed
-- original must have arrived (R-CONSENT-SCAN): each document says which it is.
ALTER TABLE entry_documents ADD COLUMN original BOOLEAN NOT NULL DEFAULT TRUE;
