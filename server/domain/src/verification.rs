//! Rules of the Results Verification Service beyond a single lookup: bulk verification
//! (R-BULK-VERIFY) and the life of API tokens (R-API).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Rows one bulk verification list may hold (R-BULK-VERIFY).
pub const BULK_VERIFY_MAX_ROWS: usize = 10_000;

/// Rows an organisation may verify in bulk per day unless the configuration says otherwise.
pub const BULK_VERIFY_ROWS_PER_DAY: i64 = 10_000;

/// What a bulk verification says of one row (R-BULK-VERIFY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkVerdict {
    /// A released, current result matches and is shared with the organisation.
    Verified,
    /// No released result has this number with this date of birth (and name, when given).
    NoMatch,
    /// A result matches, but its candidate has not shared it with the organisation.
    NotShared,
    /// A result matches, but it was replaced, cancelled or voided: its credential is revoked.
    Revoked,
}

impl BulkVerdict {
    /// Every verdict, in report order.
    pub const ALL: [BulkVerdict; 4] = [Self::Verified, Self::NoMatch, Self::NotShared, Self::Revoked];

    /// The stable code, e.g. `not_shared`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::NoMatch => "no_match",
            Self::NotShared => "not_shared",
            Self::Revoked => "revoked",
        }
    }

    /// The verdict of a stored code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// R-BULK-VERIFY: the verdict of a row. `found` says a released result has the row's number and
/// date of birth and `name_ok` that the name, when the row gives one, is the candidate's;
/// `revoked` that the result found is not the current version or its credential is revoked;
/// `shared` that the candidate shares it with the organisation. A revoked result is reported as
/// revoked whether shared or not (its revocation is public through its credential).
pub fn r_bulk_verify_verdict(found: bool, name_ok: bool, revoked: bool, shared: bool) -> BulkVerdict {
    match (found && name_ok, revoked, shared) {
        (false, _, _) => BulkVerdict::NoMatch,
        (true, true, _) => BulkVerdict::Revoked,
        (true, false, false) => BulkVerdict::NotShared,
        (true, false, true) => BulkVerdict::Verified,
    }
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// R-BULK-VERIFY: whether the name a row gives is the candidate's: the family name alone, or
/// first and family names in either order, ignoring case and spacing. No name always matches.
pub fn r_bulk_verify_name_matches(given: Option<&str>, first: &str, family: &str) -> bool {
    let Some(given) = given.map(fold).filter(|g| !g.is_empty()) else { return true };
    let (first, family) = (fold(first), fold(family));
    given == family || given == format!("{first} {family}") || given == format!("{family} {first}")
}

/// R-BULK-VERIFY: whether a list of `rows` fits the organisation's daily `quota` when `used`
/// rows were verified in the last day; `Err(rows left)` when it does not.
pub fn r_bulk_verify_quota(used: i64, rows: i64, quota: i64) -> Result<(), i64> {
    if used + rows <= quota { Ok(()) } else { Err((quota - used).max(0)) }
}

/// Days before its expiry that the primary user is told an API token expires (R-API).
pub const API_TOKEN_NOTICE_DAYS: i64 = 30;

/// Days an API token works unless the configuration says otherwise (R-API).
pub const API_TOKEN_DAYS: i64 = 365;

/// R-API: whether a token expiring at `expires_at` still works at `now`.
pub fn r_api_token_valid(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|e| now < e)
}

/// R-API: whether the expiry notice of a token expiring at `expires_at` is due at `now`.
pub fn r_api_token_notice_due(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < expires_at && expires_at - now <= Duration::days(API_TOKEN_NOTICE_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn r_bulk_verify_verdicts() {
        assert_eq!(r_bulk_verify_verdict(false, true, false, true), BulkVerdict::NoMatch);
        assert_eq!(r_bulk_verify_verdict(true, false, false, true), BulkVerdict::NoMatch);
        assert_eq!(r_bulk_verify_verdict(true, true, true, true), BulkVerdict::Revoked);
        assert_eq!(r_bulk_verify_verdict(true, true, true, false), BulkVerdict::Revoked);
        assert_eq!(r_bulk_verify_verdict(true, true, false, false), BulkVerdict::NotShared);
        assert_eq!(r_bulk_verify_verdict(true, true, false, true), BulkVerdict::Verified);
        for v in BulkVerdict::ALL {
            assert_eq!(BulkVerdict::parse(v.as_str()), Some(v));
        }
    }

    #[test]
    fn r_bulk_verify_names() {
        assert!(r_bulk_verify_name_matches(None, "Anna", "Kowalczyk"));
        assert!(r_bulk_verify_name_matches(Some("  "), "Anna", "Kowalczyk"));
        assert!(r_bulk_verify_name_matches(Some("kowalczyk"), "Anna", "Kowalczyk"));
        assert!(r_bulk_verify_name_matches(Some("Anna  KOWALCZYK"), "Anna", "Kowalczyk"));
        assert!(r_bulk_verify_name_matches(Some("Kowalczyk Anna"), "Anna", "Kowalczyk"));
        assert!(!r_bulk_verify_name_matches(Some("Anna Nowak"), "Anna", "Kowalczyk"));
    }

    #[test]
    fn r_bulk_verify_quotas() {
        assert_eq!(r_bulk_verify_quota(0, 10_000, 10_000), Ok(()));
        assert_eq!(r_bulk_verify_quota(1, 10_000, 10_000), Err(9_999));
        assert_eq!(r_bulk_verify_quota(12_000, 1, 10_000), Err(0));
    }

    #[test]
    fn r_api_token_expiry() {
        let e = Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap();
        assert!(r_api_token_valid(None, e));
        assert!(r_api_token_valid(Some(e), e - Duration::seconds(1)));
        assert!(!r_api_token_valid(Some(e), e));
        assert!(!r_api_token_notice_due(e, e - Duration::days(31)));
        assert!(r_api_token_notice_due(e, e - Duration::days(30)));
        assert!(!r_api_token_notice_due(e, e));
    }
}

/// Working days (Monday to Friday) within which the installation admin answers an organisation's
/// sign-up request (R-ORG-SIGNUP: the sign-up page promises an answer within five working days).
pub const ORG_SIGNUP_WORKING_DAYS: i64 = 5;

fn is_working_day(day: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)
}

/// The last day of the promise for a request made on `submitted` (a day in the installation's
/// time zone): the fifth working day after it (a request made on a Saturday counts from Monday).
pub fn org_signup_due(submitted: chrono::NaiveDate) -> chrono::NaiveDate {
    let mut day = submitted;
    let mut counted = 0;
    while counted < ORG_SIGNUP_WORKING_DAYS {
        day = day.succ_opt().unwrap_or(day);
        if is_working_day(day) {
            counted += 1;
        }
    }
    day
}

/// Working days left on `today` until `due`: 0 on the due day itself (answer today), negative
/// when the promise is broken (that many working days late).
pub fn working_days_left(today: chrono::NaiveDate, due: chrono::NaiveDate) -> i64 {
    let (from, to, sign) = if today <= due { (today, due, 1) } else { (due, today, -1) };
    let mut n = 0;
    let mut day = from;
    while day < to {
        day = day.succ_opt().unwrap_or(to);
        if is_working_day(day) {
            n += 1;
        }
    }
    sign * n
}

#[cfg(test)]
mod org_signup_promise {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn five_working_days_skip_weekends() {
        // Monday 30 November 2026: due the next Monday; a Thursday's request is due on Thursday.
        assert_eq!(org_signup_due(d("2026-11-30")), d("2026-12-07"));
        assert_eq!(org_signup_due(d("2026-12-03")), d("2026-12-10"));
        // Saturday and Sunday requests both count from Monday.
        assert_eq!(org_signup_due(d("2026-12-05")), d("2026-12-11"));
        assert_eq!(org_signup_due(d("2026-12-06")), d("2026-12-11"));
        let due = d("2026-12-07");
        assert_eq!(working_days_left(d("2026-11-30"), due), 5);
        assert_eq!(working_days_left(d("2026-12-04"), due), 1, "Friday: Monday is one working day away");
        assert_eq!(working_days_left(d("2026-12-05"), due), 1);
        assert_eq!(working_days_left(due, due), 0);
        assert_eq!(working_days_left(d("2026-12-09"), due), -2, "two working days late");
    }
}
