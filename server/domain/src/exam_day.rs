//! The exam day (DOMAIN.md section 7): phones and other electronic devices deposited for the
//! whole exam (R-DEVICE-DEPOSIT), and the notices every candidate is sent with the Confirmation
//! of Entry and confirms reading (R-NOTICES).

use crate::{DomainError, ErrorCode};
use chrono::NaiveDateTime;
use tessera_plugin_sdk::kinds::RefundReason;

pub use crate::labels::DeviceDeposit;

/// R-DEVICE-DEPOSIT: a candidate who refuses to deposit their devices is not admitted; one who
/// deposited them (or for whom nothing was recorded) is, as far as devices go.
pub fn r_device_deposit_admits(devices: Option<DeviceDeposit>) -> bool {
    devices != Some(DeviceDeposit::Refused)
}

/// R-DEVICE-DEPOSIT: what a refund request for an entry is about. Once a refusal is recorded on
/// the exam day, the candidate missed the exam by their own choice: any later request is a
/// `refused_devices` one, which the refund policy answers with no refund. A cancelled session's
/// refund is the centre's doing, and stays what it is.
pub fn r_device_deposit_refund_reason(refused_on_the_day: bool, asked: RefundReason) -> RefundReason {
    match asked {
        RefundReason::SessionBelowMinimum => asked,
        _ if refused_on_the_day => RefundReason::RefusedDevices,
        _ => asked,
    }
}

/// R-NOTICES: the candidate confirms reading the Notice to candidates and that the speaking test
/// may be recorded, both sent with the Confirmation of Entry: not before the CoE is issued
/// (`notices_not_sent`). Confirming again keeps the first confirmation; returns the instant that
/// stands.
pub fn r_notices_acknowledged(
    coe_issued_at: Option<NaiveDateTime>,
    acknowledged_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, DomainError> {
    if coe_issued_at.is_none() {
        return Err(DomainError::new(ErrorCode::NoticesNotSent));
    }
    Ok(acknowledged_at.unwrap_or(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_device_deposit_refusal_means_no_admission() {
        assert!(!r_device_deposit_admits(Some(DeviceDeposit::Refused)));
        assert!(r_device_deposit_admits(Some(DeviceDeposit::Deposited)));
        assert!(r_device_deposit_admits(None));
    }

    #[test]
    fn r_device_deposit_refusal_makes_a_later_refund_request_a_refused_devices_one() {
        use tessera_plugin_sdk::kinds::Relation;
        for asked in [
            RefundReason::Withdrawal,
            RefundReason::Illness,
            RefundReason::Bereavement { relation: Relation::Parent },
            RefundReason::Other,
        ] {
            assert_eq!(r_device_deposit_refund_reason(true, asked.clone()), RefundReason::RefusedDevices);
            assert_eq!(r_device_deposit_refund_reason(false, asked.clone()), asked);
        }
        assert_eq!(
            r_device_deposit_refund_reason(true, RefundReason::SessionBelowMinimum),
            RefundReason::SessionBelowMinimum
        );
    }

    #[test]
    fn r_notices_acknowledged_once_the_coe_is_sent() {
        let at = |h| chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap().and_hms_opt(h, 0, 0).unwrap();
        assert_eq!(r_notices_acknowledged(None, None, at(10)).unwrap_err().code, ErrorCode::NoticesNotSent);
        assert_eq!(r_notices_acknowledged(Some(at(9)), None, at(10)), Ok(at(10)));
        assert_eq!(r_notices_acknowledged(Some(at(9)), Some(at(10)), at(12)), Ok(at(10)), "the first stands");
    }
}
