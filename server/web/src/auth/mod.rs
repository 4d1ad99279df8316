//! Sign-in machinery: password hashing, session tokens and cookies, the signed-in user
//! extractor, and anti-forgery tokens for forms.

mod csrf;
mod session;

pub use csrf::{CSRF_COOKIE, CsrfForm, CsrfProtected, check_csrf, csrf_cookie, ensure_csrf_token};
pub use session::{CurrentUser, MaybeUser, SESSION_COOKIE, begin_session, clear_session_cookie, end_session};
pub use tessera_app::auth::{constant_time_eq, login, random_token, token_hash};
