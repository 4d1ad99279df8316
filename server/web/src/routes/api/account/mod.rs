//! The caller's own account through the API: signing in and out, and who they are.

pub(super) mod login;
pub(super) mod me;
