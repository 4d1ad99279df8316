//! The start page, signing in and out, forgotten passwords, and the way home.

pub(super) mod home;
pub(super) mod index;
pub(super) mod login;
pub(super) mod password;
