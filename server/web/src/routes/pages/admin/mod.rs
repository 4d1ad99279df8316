//! The installation admin's pages: the tenants (create, suspend, reactivate), organisations'
//! sign-up requests, API access, and the mail queue.

pub(super) mod api_access;
pub(super) mod home;
pub(super) mod mail;
pub(super) mod organisations;
