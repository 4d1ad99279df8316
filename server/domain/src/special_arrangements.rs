//! Special arrangements (DOMAIN.md section 5): the signed request and the medical documents
//! must arrive by the deadline the tenant's deadlines policy gives (R-PL-SA-DEADLINE,
//! R-HU-SA-DEADLINE). What arrived late stays late: the check uses the day each item first
//! arrived, not whether it is on file today.

use chrono::NaiveDate;
use serde::Serialize;

/// One item a special-arrangements request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaItem {
    /// The request itself, flagged on the entry form.
    Request,
    /// The signed special-arrangements form.
    SignedForm,
    /// The medical certificate (unless the disability is visible).
    MedicalCertificate,
}

/// The state of a special-arrangements request against its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaCheck {
    /// The deadline applied.
    pub deadline: NaiveDate,
    /// Items that arrived after the deadline (flagged for good).
    pub late: Vec<SaItem>,
    /// Items not on file yet.
    pub missing: Vec<SaItem>,
    /// Whether the deadline has passed with items still missing.
    pub overdue: bool,
}

impl SaCheck {
    /// Whether the request is complete and every item arrived on time.
    pub fn on_time(&self) -> bool {
        self.late.is_empty() && self.missing.is_empty()
    }
}

/// R-PL-SA-DEADLINE and R-HU-SA-DEADLINE (the policy gives the date): compares the day the request and each
/// document first arrived with `deadline`. An item that arrived after it is late, whatever
/// arrives later; a missing item is overdue once `today` is past the deadline.
pub fn r_sa_deadline(
    deadline: NaiveDate,
    request_day: NaiveDate,
    form_day: Option<NaiveDate>,
    medical_day: Option<NaiveDate>,
    today: NaiveDate,
) -> SaCheck {
    let mut late = Vec::new();
    let mut missing = Vec::new();
    if request_day > deadline {
        late.push(SaItem::Request);
    }
    for (item, day) in [(SaItem::SignedForm, form_day), (SaItem::MedicalCertificate, medical_day)] {
        match day {
            Some(d) if d > deadline => late.push(item),
            Some(_) => {}
            None => missing.push(item),
        }
    }
    let overdue = !missing.is_empty() && today > deadline;
    SaCheck { deadline, late, missing, overdue }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn r_pl_sa_deadline_and_r_hu_sa_deadline_flag_what_arrived_late_for_good() {
        let deadline = d("2026-04-01");
        // Everything on time.
        let ok =
            r_sa_deadline(deadline, d("2026-03-01"), Some(d("2026-03-10")), Some(d("2026-04-01")), d("2026-05-01"));
        assert!(ok.on_time());
        // The medical certificate came a day late: late, even long after.
        let late =
            r_sa_deadline(deadline, d("2026-03-01"), Some(d("2026-03-10")), Some(d("2026-04-02")), d("2026-06-01"));
        assert_eq!(late.late, vec![SaItem::MedicalCertificate]);
        assert!(!late.on_time());
        // A request made after the deadline is late even with every document.
        let req =
            r_sa_deadline(deadline, d("2026-04-05"), Some(d("2026-04-05")), Some(d("2026-04-05")), d("2026-04-05"));
        assert_eq!(req.late, vec![SaItem::Request, SaItem::SignedForm, SaItem::MedicalCertificate]);
        // Missing before the deadline: missing, not overdue; after it: overdue.
        let before = r_sa_deadline(deadline, d("2026-03-01"), None, None, d("2026-03-15"));
        assert_eq!(before.missing, vec![SaItem::SignedForm, SaItem::MedicalCertificate]);
        assert!(!before.overdue);
        assert!(r_sa_deadline(deadline, d("2026-03-01"), None, None, d("2026-04-02")).overdue);
    }
}
