-- The Candidate Results Service (DOMAIN.md section 11).

-- An activated account (R-CANDIDATE-SIGNUP): which user a candidate became, when the terms of
-- use were accepted and whether marketing updates were asked for (an opt-in, never a default).
CREATE TABLE candidate_accounts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    candidate_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    terms_accepted_at TIMESTAMP NOT NULL,
    marketing_opt_in BOOLEAN NOT NULL,
    activated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, candidate_id),
    UNIQUE (tenant_id, user_id),
    FOREIGN KEY (tenant_id, candidate_id) REFERENCES candidates (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- R-RELEASE: one row per result version whose release the candidate has been told about (or
-- did not need telling: the account was activated after the release). Written in the same
-- transaction as the email job, so a notice is never sent twice nor lost across restarts.
CREATE TABLE release_notices (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    result_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL,
    emailed BOOLEAN NOT NULL,
    noticed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, result_id),
    FOREIGN KEY (tenant_id, result_id) REFERENCES results (tenant_id, id)
);

-- Failed sign-up attempts, per ID number and per client address (`subject` is `id:<ID number>`
-- or `addr:<address>`), for throttling guesses of the short secret number. Stored rather than
-- in memory so a restart or a second process does not reset the count.
CREATE TABLE signup_attempts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    subject TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX signup_attempts_subject ON signup_attempts (tenant_id, subject, at);
CREATE INDEX candidates_user ON candidates (tenant_id, user_id);
