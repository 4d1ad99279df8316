DROP TABLE credential_checks;
DROP TABLE credentials;
DROP TABLE issuer_keys;
