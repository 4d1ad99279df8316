ALTER TABLE tenants DROP COLUMN help_email;
ALTER TABLE tenants DROP COLUMN help_phone;
ALTER TABLE tenants DROP COLUMN address;
