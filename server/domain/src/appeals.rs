//! Appeals (R-APPEAL, DOMAIN.md section 8): after a completed Stage 2 enquiry, or against an
//! upheld malpractice decision, the centre lodges an appeal for the candidate (HU 3.6, 4.3). Its
//! fee and deadline come from the centre: the fee is typed with each appeal, like an enquiry's,
//! and the deadline is the centre's window of days from the decision appealed against
//! ([`DEFAULT_WINDOW_DAYS`] until the centre sets its own). The grade may go up, down or stay
//! (HU 4.4), and the fee is returned when an upheld appeal changes it.

use crate::error::ErrorCode;
use crate::{DomainError, Labelled};
use chrono::NaiveDate;
use std::ops::RangeInclusive;

pub use crate::labels::{AppealGround, AppealOutcome, AppealStatus};

/// The days a centre gives for an appeal, from the day of the decision appealed against, until
/// it sets its own window.
pub const DEFAULT_WINDOW_DAYS: i32 = 30;

/// The windows a centre may set, in days.
pub const WINDOW_DAYS: RangeInclusive<i32> = 1..=365;

/// What an appeal is checked against when the centre lodges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppealFacts {
    /// What the appeal is against.
    pub ground: AppealGround,
    /// The day the entry's latest Stage 2 enquiry was completed, if one was.
    pub stage_two_completed_on: Option<NaiveDate>,
    /// The day the entry's latest malpractice case was upheld, if one was.
    pub malpractice_upheld_on: Option<NaiveDate>,
    /// Whether an appeal of the entry is lodged and not decided yet.
    pub appeal_lodged: bool,
    /// The centre's window, in days from the decision.
    pub window_days: i32,
    /// The day the centre lodges it (in the centre's time zone).
    pub today: NaiveDate,
}

/// R-APPEAL: the last day an appeal against a decision of `decided_on` is accepted.
pub fn r_appeal_deadline(decided_on: NaiveDate, window_days: i32) -> NaiveDate {
    decided_on + chrono::Days::new(u64::try_from(window_days).unwrap_or(0))
}

/// R-APPEAL: whether the centre may lodge an appeal, and if so its deadline. Refused while
/// another appeal of the entry is lodged (`appeal_lodged`), before a Stage 2 enquiry is completed
/// (`appeal_needs_stage_two`) or without an upheld malpractice decision
/// (`appeal_needs_malpractice`), and after the deadline (`too_late`).
pub fn r_appeal_lodge(f: &AppealFacts) -> Result<NaiveDate, DomainError> {
    if f.appeal_lodged {
        return Err(DomainError::new(ErrorCode::AppealLodged));
    }
    let decided_on = match f.ground {
        AppealGround::Enquiry => f.stage_two_completed_on.ok_or(DomainError::new(ErrorCode::AppealNeedsStageTwo)),
        AppealGround::Malpractice => f.malpractice_upheld_on.ok_or(DomainError::new(ErrorCode::AppealNeedsMalpractice)),
    }?;
    let deadline = r_appeal_deadline(decided_on, f.window_days);
    if f.today > deadline {
        return Err(DomainError::new(ErrorCode::TooLate).arg("deadline", deadline).arg("rule", "R-APPEAL"));
    }
    Ok(deadline)
}

/// R-APPEAL: the fee is returned when the appeal is upheld and the grade changed.
pub fn r_appeal_fee_refunded(status: AppealStatus, grade_changed: bool) -> bool {
    status == AppealStatus::Upheld && grade_changed
}

/// R-APPEAL: a centre's appeal window, in days, as it sets it.
pub fn r_appeal_window(days: i32) -> Result<i32, DomainError> {
    if !WINDOW_DAYS.contains(&days) {
        return Err(DomainError::new(ErrorCode::OutOfRange)
            .on("window_days")
            .arg("min", WINDOW_DAYS.start())
            .arg("max", WINDOW_DAYS.end()));
    }
    Ok(days)
}

/// What the board decided, as staff name it (`upheld` or `dismissed`).
pub fn parse_decision(code: &str) -> Result<AppealStatus, DomainError> {
    match AppealStatus::from_code(code) {
        Some(s @ (AppealStatus::Upheld | AppealStatus::Dismissed)) => Ok(s),
        _ => Err(DomainError::new(ErrorCode::InvalidChoice)
            .on("decision")
            .arg("value", crate::error::bounded(code))
            .arg("choices", "upheld, dismissed")),
    }
}

/// What the appeal is against, as staff name it (`enquiry` or `malpractice`).
pub fn parse_ground(code: &str) -> Result<AppealGround, DomainError> {
    AppealGround::from_code(code).ok_or_else(|| {
        DomainError::new(ErrorCode::InvalidChoice)
            .on("ground")
            .arg("value", crate::error::bounded(code))
            .arg("choices", "enquiry, malpractice")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    fn facts(ground: AppealGround) -> AppealFacts {
        AppealFacts {
            ground,
            stage_two_completed_on: None,
            malpractice_upheld_on: None,
            appeal_lodged: false,
            window_days: 10,
            today: day(5),
        }
    }

    fn code(r: Result<NaiveDate, DomainError>) -> ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn r_appeal_follows_a_completed_stage_two_enquiry() {
        let f = facts(AppealGround::Enquiry);
        assert_eq!(code(r_appeal_lodge(&f)), ErrorCode::AppealNeedsStageTwo);
        // A malpractice decision is no ground for an appeal against an enquiry's outcome.
        assert_eq!(
            code(r_appeal_lodge(&AppealFacts { malpractice_upheld_on: Some(day(1)), ..f })),
            ErrorCode::AppealNeedsStageTwo
        );
        assert_eq!(r_appeal_lodge(&AppealFacts { stage_two_completed_on: Some(day(1)), ..f }), Ok(day(11)));
    }

    #[test]
    fn r_appeal_against_an_upheld_malpractice_decision() {
        let f = facts(AppealGround::Malpractice);
        assert_eq!(code(r_appeal_lodge(&f)), ErrorCode::AppealNeedsMalpractice);
        assert_eq!(
            code(r_appeal_lodge(&AppealFacts { stage_two_completed_on: Some(day(1)), ..f })),
            ErrorCode::AppealNeedsMalpractice
        );
        assert_eq!(r_appeal_lodge(&AppealFacts { malpractice_upheld_on: Some(day(2)), ..f }), Ok(day(12)));
    }

    #[test]
    fn r_appeal_one_lodged_at_a_time() {
        let f =
            AppealFacts { stage_two_completed_on: Some(day(1)), appeal_lodged: true, ..facts(AppealGround::Enquiry) };
        assert_eq!(code(r_appeal_lodge(&f)), ErrorCode::AppealLodged);
    }

    #[test]
    fn r_appeal_deadline_is_the_centres_window_from_the_decision() {
        let f = AppealFacts { stage_two_completed_on: Some(day(1)), ..facts(AppealGround::Enquiry) };
        assert_eq!(r_appeal_lodge(&AppealFacts { today: day(11), ..f }), Ok(day(11)), "the last day still counts");
        let late = r_appeal_lodge(&AppealFacts { today: day(12), ..f }).unwrap_err();
        assert_eq!(late.code, ErrorCode::TooLate);
        assert!(late.message(crate::Locale::En).contains("R-APPEAL"), "{}", late.message(crate::Locale::En));
        assert_eq!(r_appeal_deadline(day(1), DEFAULT_WINDOW_DAYS), day(31));
        assert_eq!(r_appeal_window(0).unwrap_err().field.as_deref(), Some("window_days"));
        assert_eq!(r_appeal_window(366).unwrap_err().code, ErrorCode::OutOfRange);
        assert_eq!(r_appeal_window(15), Ok(15));
    }

    #[test]
    fn r_appeal_fee_returned_only_when_upheld_with_a_new_grade() {
        assert!(r_appeal_fee_refunded(AppealStatus::Upheld, true));
        assert!(!r_appeal_fee_refunded(AppealStatus::Upheld, false));
        assert!(!r_appeal_fee_refunded(AppealStatus::Dismissed, false));
        assert!(!r_appeal_fee_refunded(AppealStatus::Lodged, true));
    }

    #[test]
    fn r_appeal_decisions_and_grounds_by_code() {
        assert_eq!(parse_decision("upheld"), Ok(AppealStatus::Upheld));
        assert_eq!(parse_decision("dismissed"), Ok(AppealStatus::Dismissed));
        assert_eq!(parse_decision("lodged").unwrap_err().field.as_deref(), Some("decision"));
        assert_eq!(parse_ground("malpractice"), Ok(AppealGround::Malpractice));
        assert_eq!(parse_ground("gossip").unwrap_err().field.as_deref(), Some("ground"));
    }
}
