//! Administration through the API: tenants and their policy plugins (installation admins), and a
//! tenant's users and audit log (its managers).

pub(super) mod audit;
pub(super) mod policy;
pub(super) mod tenants;
pub(super) mod users;
