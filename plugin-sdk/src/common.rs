//! Vocabulary shared by several decision kinds: money, basis points, exams, reasons, dates.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[cfg(feature = "schema")]
use schemars::JsonSchema;

/// An amount of money in the currency's minor unit (grosz, fillér, cent), never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in minor units; negative only for discount lines.
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. `PLN`, `HUF`, `EUR`.
    pub currency: String,
}

impl Money {
    /// Money in `currency` for `amount_minor` minor units.
    pub fn new(amount_minor: i64, currency: impl Into<String>) -> Self {
        Self { amount_minor, currency: currency.into() }
    }

    /// This amount scaled by `bp` basis points, rounded down to the minor unit
    /// (a refund never pays out a fraction of a grosz more than the rule allows).
    pub fn percent(&self, bp: BasisPoints) -> Money {
        let scaled = i128::from(self.amount_minor) * i128::from(bp.0) / 10_000;
        Money::new(i64::try_from(scaled).unwrap_or(i64::MAX), self.currency.clone())
    }
}

/// A percentage in basis points: 10 000 = 100 %, 6 000 = 60 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(transparent)]
pub struct BasisPoints(pub u32);

impl BasisPoints {
    /// 0 %.
    pub const ZERO: BasisPoints = BasisPoints(0);
    /// 100 %.
    pub const FULL: BasisPoints = BasisPoints(10_000);
}

/// Why a plugin decided what it did: the DOMAIN.md rule id it applied and a sentence for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Stable rule id such as `R-PL-REFUND-MEDICAL`; absent when no written rule applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Human-readable explanation, in English; the server may translate by rule id.
    pub message: String,
}

impl Reason {
    /// A reason citing `rule`.
    pub fn rule(rule: &str, message: impl Into<String>) -> Self {
        Self { rule: Some(rule.to_owned()), message: message.into() }
    }

    /// A reason with no rule id (for example "any other reason").
    pub fn note(message: impl Into<String>) -> Self {
        Self { rule: None, message: message.into() }
    }
}

/// A Cambridge English qualification a centre can enter candidates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Exam {
    /// A2 Key.
    Ket,
    /// A2 Key for Schools.
    KetForSchools,
    /// B1 Preliminary.
    Pet,
    /// B1 Preliminary for Schools.
    PetForSchools,
    /// B2 First.
    Fce,
    /// B2 First for Schools.
    FceForSchools,
    /// C1 Advanced.
    Cae,
    /// C2 Proficiency.
    Cpe,
    /// B1 Business Preliminary.
    BecPreliminary,
    /// B2 Business Vantage.
    BecVantage,
    /// C1 Business Higher.
    BecHigher,
    /// DELTA Module One.
    DeltaModuleOne,
    /// Young Learners (ages 7-12).
    Yle,
    /// Teaching Knowledge Test.
    Tkt,
}

impl Exam {
    /// The exam type for the "same type" rule (R-HU-ONE-PER-MONTH): a "for Schools" version
    /// counts as the same type as its general version.
    pub fn exam_type(self) -> Exam {
        match self {
            Exam::KetForSchools => Exam::Ket,
            Exam::PetForSchools => Exam::Pet,
            Exam::FceForSchools => Exam::Fce,
            other => other,
        }
    }

    /// Whether this is a "for Schools" version.
    pub fn is_for_schools(self) -> bool {
        matches!(self, Exam::KetForSchools | Exam::PetForSchools | Exam::FceForSchools)
    }
}

/// A candidate's age in whole years on `on` (the birthday itself counts).
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Who signs a consent or registers for a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Signatory {
    /// The candidate (18 or over on the registration date).
    Candidate,
    /// A legal guardian (candidate under 18 on the registration date, R-MINOR-GUARDIAN).
    Guardian,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on(d("2008-03-10"), d("2026-03-09")), 17);
        assert_eq!(age_on(d("2008-03-10"), d("2026-03-10")), 18);
        assert_eq!(age_on(d("2030-01-01"), d("2026-01-01")), 0);
    }

    #[test]
    fn percent_rounds_down() {
        let paid = Money::new(80_001, "PLN");
        assert_eq!(paid.percent(BasisPoints(6_000)).amount_minor, 48_000);
        assert_eq!(paid.percent(BasisPoints::FULL).amount_minor, 80_001);
    }

    #[test]
    fn schools_versions_share_the_exam_type() {
        assert_eq!(Exam::FceForSchools.exam_type(), Exam::Fce);
        assert_ne!(Exam::Cae.exam_type(), Exam::Fce);
    }
}
