DROP INDEX candidates_user;
DROP TABLE signup_attempts;
DROP TABLE release_notices;
DROP TABLE candidate_accounts;
