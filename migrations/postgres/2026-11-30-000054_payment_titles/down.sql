ALTER TABLE refund_requests DROP COLUMN paid_on;
ALTER TABLE refund_requests DROP COLUMN paid_method;
ALTER TABLE refund_requests DROP COLUMN payout_account;
ALTER TABLE refund_requests DROP COLUMN payout_method;
ALTER TABLE payments DROP COLUMN amount_mismatch;
ALTER TABLE payments DROP COLUMN title_mismatch;
ALTER TABLE payments DROP COLUMN amount_due_minor;
ALTER TABLE payments DROP COLUMN expected_title;
DROP TABLE centre_bank_accounts;
