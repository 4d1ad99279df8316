ALTER TABLE api_clients DROP COLUMN expiry_notice_sent_at;
ALTER TABLE api_clients DROP COLUMN expires_at;
DROP TABLE api_access_requests;
