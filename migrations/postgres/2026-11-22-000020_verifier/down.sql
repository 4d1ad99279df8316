DROP INDEX result_shares_verifier_id;
DROP TABLE search_changes;
