//! Results and their status codes (R-RESULT-CODES).

use crate::DomainError;
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
            _ => Err(DomainError::field("status", format!("`{s}` is not a result status: expected graded, X, Z, Pending or Withheld"))),
        }
    }
}
