-- R-LOCKOUT for logins that belong to nobody: wrong passwords are counted and "lock" them exactly
-- as they lock an account, so sign-in answers the same whether the login exists or not.
CREATE TABLE unknown_login_failures (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    login TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    PRIMARY KEY (tenant_id, login)
);
