//! The refund request's life (DOMAIN.md section 10): a policy decides, staff confirm or reject
//! the decision, the centre pays. At most one request per entry is open at a time, so a second
//! click cannot pay a fee back twice.

#[cfg(test)]
use crate::Labelled;
use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

pub use crate::labels::RefundStatus;

/// What staff do with a refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStep {
    /// Accept the policy's decision.
    Confirm,
    /// Record that the refund was paid.
    Payout,
    /// Refuse the request.
    Reject,
}

impl RefundStatus {
    /// Whether the request still waits for staff or for the payout.
    pub fn is_open(self) -> bool {
        matches!(self, RefundStatus::Decided | RefundStatus::Confirmed)
    }
}

impl RefundStep {
    /// Parses a step as a form or client names it (`confirm`, `payout`, `reject`).
    pub fn parse(step: &str) -> Result<RefundStep, DomainError> {
        match step {
            "confirm" => Ok(RefundStep::Confirm),
            "payout" => Ok(RefundStep::Payout),
            "reject" => Ok(RefundStep::Reject),
            _ => Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("step")
                .arg("value", crate::error::bounded(step))
                .arg("choices", "confirm, payout, reject")),
        }
    }

    /// The status a request must be in for this step, and the one it moves to.
    pub fn transition(self) -> (RefundStatus, RefundStatus) {
        match self {
            RefundStep::Confirm => (RefundStatus::Decided, RefundStatus::Confirmed),
            RefundStep::Payout => (RefundStatus::Confirmed, RefundStatus::Paid),
            RefundStep::Reject => (RefundStatus::Decided, RefundStatus::Rejected),
        }
    }
}

/// A new refund request for an entry is refused while another one of the
/// same entry is open (decided or confirmed, not yet paid or rejected).
pub fn one_open_refund(existing: impl IntoIterator<Item = RefundStatus>) -> Result<(), DomainError> {
    if existing.into_iter().any(RefundStatus::is_open) {
        return Err(DomainError::new(ErrorCode::RefundAlreadyOpen));
    }
    Ok(())
}

/// What is left to refund of an entry: what was paid less what earlier refunds paid back
/// (never below zero).
pub fn refundable_minor(paid: i64, refunded: i64) -> i64 {
    paid.saturating_sub(refunded).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_refund_at_most_one_open_request_per_entry() {
        assert!(one_open_refund([]).is_ok());
        assert!(one_open_refund([RefundStatus::Paid, RefundStatus::Rejected]).is_ok());
        assert!(one_open_refund([RefundStatus::Rejected, RefundStatus::Decided]).is_err());
        assert!(one_open_refund([RefundStatus::Confirmed]).is_err());
    }

    #[test]
    fn r_refund_steps_follow_the_state_machine() {
        assert_eq!(
            RefundStep::parse("confirm").unwrap().transition(),
            (RefundStatus::Decided, RefundStatus::Confirmed)
        );
        assert_eq!(RefundStep::parse("payout").unwrap().transition(), (RefundStatus::Confirmed, RefundStatus::Paid));
        assert_eq!(RefundStep::parse("reject").unwrap().transition(), (RefundStatus::Decided, RefundStatus::Rejected));
        assert_eq!(RefundStep::parse("refund").unwrap_err().field.as_deref(), Some("step"));
        for s in RefundStatus::ALL {
            assert_eq!(RefundStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(refundable_minor(81_000, 48_600), 32_400);
        assert_eq!(refundable_minor(100, 200), 0);
    }
}
