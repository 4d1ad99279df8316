DROP TABLE unknown_login_failures;
