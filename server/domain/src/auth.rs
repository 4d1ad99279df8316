//! Rules about passwords and sign-in (R-PASSWORD, R-LOCKOUT).

use crate::{DomainError, ErrorCode};
use chrono::{DateTime, Duration, Utc};

/// Longest password accepted: hashing cost must stay bounded whatever a client sends.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// R-LOCKOUT: more than this many wrong passwords lock the account.
pub const LOCKOUT_THRESHOLD: i32 = 3;

/// R-LOCKOUT: how long a locked account stays locked.
pub fn lockout_duration() -> Duration {
    Duration::minutes(30)
}

/// R-PASSWORD: at least 8 characters, with letters and at least 2 digits; at most 128 characters.
pub fn check_password(password: &str) -> Result<(), DomainError> {
    let chars = password.chars().count();
    if chars > MAX_PASSWORD_CHARS {
        return Err(DomainError::new(ErrorCode::PasswordTooLong).on("password").arg("max", MAX_PASSWORD_CHARS));
    }
    let digits = password.chars().filter(char::is_ascii_digit).count();
    let letters = password.chars().filter(|c| c.is_alphabetic()).count();
    if chars < 8 || digits < 2 || letters == 0 {
        return Err(DomainError::new(ErrorCode::WeakPassword).on("password"));
    }
    Ok(())
}

/// What a wrong password does to an account (R-LOCKOUT): the new failure count and, when it
/// passes the threshold, the instant until which the account is locked.
pub fn after_failed_login(failed_before: i32, now: DateTime<Utc>) -> (i32, Option<DateTime<Utc>>) {
    let failed = failed_before + 1;
    if failed > LOCKOUT_THRESHOLD { (0, Some(now + lockout_duration())) } else { (failed, None) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_password_needs_length_letters_and_two_digits() {
        assert!(check_password("abcdef12").is_ok());
        assert!(check_password("abcdefg1").is_err());
        assert!(check_password("abc12").is_err());
        assert!(check_password("12345678").is_err());
        assert!(check_password(&format!("a1{}", "2".repeat(200))).is_err());
    }

    #[test]
    fn r_lockout_locks_on_the_fourth_failure() {
        let now = Utc::now();
        let mut failed = 0;
        for _ in 0..3 {
            let (f, lock) = after_failed_login(failed, now);
            assert!(lock.is_none());
            failed = f;
        }
        let (_, lock) = after_failed_login(failed, now);
        assert_eq!(lock, Some(now + Duration::minutes(30)));
    }
}
