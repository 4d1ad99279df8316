//! The Candidate Results Service through the API: activation, results, the Statement of
//! Results, the directory of approved organisations, shares, and the account's email.

pub(super) mod directory;
pub(super) mod email;
pub(super) mod fault;
pub(super) mod results;
pub(super) mod shares;
pub(super) mod signup;
