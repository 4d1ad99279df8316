-- How candidates reach a centre, printed on its Confirmations of Entry and Statements of Results:
-- the postal address (its lines separated by newlines), the help line's telephone and, if given,
-- its email address. Empty until the centre's manager sets them.
ALTER TABLE tenants ADD COLUMN address TEXT;
ALTER TABLE tenants ADD COLUMN help_phone TEXT;
ALTER TABLE tenants ADD COLUMN help_email TEXT;
