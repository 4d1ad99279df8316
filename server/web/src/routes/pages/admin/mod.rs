//! The installation admin's pages: the overview of tenants, and organisations' sign-up requests.

pub(super) mod api_access;
pub(super) mod home;
pub(super) mod organisations;
