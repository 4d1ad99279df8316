//! Results and their status codes (R-RESULT-CODES).

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The state of a result: a graded result or one of the board's status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultStatus {
    /// Graded: overall score, grade, CEFR level and component scores.
    Graded,
    /// `X`: absent from part of the exam.
    X,
    /// `Z`: absent from the whole exam.
    Z,
    /// Not yet available.
    Pending,
    /// Withheld, e.g. after a malpractice finding (R-MALPRACTICE).
    Withheld,
}

impl ResultStatus {
    /// The stored and printed code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Graded => "graded",
            Self::X => "X",
            Self::Z => "Z",
            Self::Pending => "Pending",
            Self::Withheld => "Withheld",
        }
    }

    /// R-RESULT-CODES: no component profile is shown for X, Z or Pending (nor for a withheld result).
    pub fn shows_components(self) -> bool {
        matches!(self, Self::Graded)
    }
}

impl FromStr for ResultStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "graded" => Ok(Self::Graded),
            "X" => Ok(Self::X),
            "Z" => Ok(Self::Z),
            "Pending" => Ok(Self::Pending),
            "Withheld" => Ok(Self::Withheld),
            _ => Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("status")
                .arg("value", s)
                .arg("choices", "graded, X, Z, Pending, Withheld")),
        }
    }
}

/// The grade and CEFR level a Cambridge English Scale score gives in an exam of `exam_type`
/// (`KET`, `PET`, `FCE`, `CAE`, `CPE`, `BECP`, `BECV`, `BECH`). Each exam reports a band of
/// 60 points from its base: grade A from base + 40 (one level above the exam's), B from base + 33
/// and C from base + 20 (the exam's level), and a certificate at the level below from the base.
/// Returns `None` for an exam type without a scale or a score below the reported band.
pub fn grade_for(exam_type: &str, score: i32) -> Option<(&'static str, &'static str)> {
    const LEVELS: [&str; 6] = ["A1", "A2", "B1", "B2", "C1", "C2"];
    let (base, level) = match exam_type {
        "KET" => (100, 1),
        "PET" | "BECP" => (120, 2),
        "FCE" | "BECV" => (140, 3),
        "CAE" | "BECH" => (160, 4),
        "CPE" => (180, 5),
        _ => return None,
    };
    let above = LEVELS.get(level + 1).copied().unwrap_or(LEVELS[level]);
    match score - base {
        d if !(0..=60).contains(&d) => None,
        d if d >= 40 => Some(("A", above)),
        d if d >= 33 => Some(("B", LEVELS[level])),
        d if d >= 20 => Some(("C", LEVELS[level])),
        _ => Some(("Level below", LEVELS[level - 1])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_certificate_grades() {
        assert_eq!(grade_for("FCE", 185), Some(("A", "C1")));
        assert_eq!(grade_for("FCE", 175), Some(("B", "B2")));
        assert_eq!(grade_for("FCE", 160), Some(("C", "B2")));
        assert_eq!(grade_for("FCE", 150), Some(("Level below", "B1")));
        assert_eq!(grade_for("FCE", 120), None);
        assert_eq!(grade_for("CPE", 225), Some(("A", "C2")));
    }

    #[test]
    fn r_result_codes_hide_components() {
        assert!(ResultStatus::Graded.shows_components());
        for s in [ResultStatus::X, ResultStatus::Z, ResultStatus::Pending, ResultStatus::Withheld] {
            assert!(!s.shows_components());
        }
    }
}
