DROP TABLE IF EXISTS result_imports;
DROP TABLE IF EXISTS refund_requests;
DROP TABLE IF EXISTS entry_documents;
DROP TABLE IF EXISTS payments;
DROP TABLE IF EXISTS session_components;
