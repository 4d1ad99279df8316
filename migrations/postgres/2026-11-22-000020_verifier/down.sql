DROP TABLE api_clients;
DROP TABLE org_members;
DROP TABLE org_signups;
DROP INDEX results_sor_current;
DROP TABLE user_logins;
DROP INDEX result_shares_verifier_id;
DROP TABLE search_changes;
