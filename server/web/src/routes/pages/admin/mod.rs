//! The installation admin's pages: the tenants (create, edit, suspend, reactivate) and their
//! users, organisations' sign-up requests, API access, and the mail queue.

pub(super) mod api_access;
pub(super) mod audit;
pub(super) mod health;
pub(super) mod home;
pub(super) mod mail;
pub(super) mod organisations;
pub(super) mod plugins;
pub(super) mod tenant;
pub(super) mod users;

/// `?done=...`: what the admin just did, for the notice at the top of the page it returns to.
#[derive(serde::Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: Option<String>,
}
