//! Money as integer minor units with an ISO 4217 currency: no floating point anywhere near fees.

use crate::{DomainError, ErrorCode, Locale};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code such as `PLN`, `HUF` or `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a three-letter upper-case code.
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let b = code.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([b[0], b[1], b[2]]))
        } else {
            Err(DomainError::new(ErrorCode::InvalidCurrency).on("currency").arg("value", code))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An amount in minor units (grosze, fillér, cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// The share of this amount given in basis points (10,000 = 100%), rounded down to a minor unit.
    pub fn basis_points(&self, bp: u32) -> Money {
        // In i128 so no amount times no share can overflow; the result is at most the amount
        // when `bp` is at most 10,000.
        let scaled = i128::from(self.minor) * i128::from(bp) / 10_000;
        Money { minor: i64::try_from(scaled).unwrap_or(i64::MAX), currency: self.currency }
    }
}

/// The largest amount one payment, fee or refund may have: 10,000,000.00 in major units
/// (1,000,000,000 minor units). Far above any exam fee, and far enough below `i64::MAX` that
/// the sum of every amount an entry can carry cannot overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000;

/// One amount as a person or client gives it (a payment, a fee): positive and at most
/// [`MAX_AMOUNT_MINOR`]. `field` names the input in the error.
pub fn check_amount(field: &str, minor: i64) -> Result<i64, DomainError> {
    if minor <= 0 {
        return Err(DomainError::new(ErrorCode::NotPositive).on(field));
    }
    if minor > MAX_AMOUNT_MINOR {
        return Err(DomainError::new(ErrorCode::OutOfRange).on(field).arg("min", 1).arg("max", MAX_AMOUNT_MINOR));
    }
    Ok(minor)
}

/// The total of several amounts in minor units, or an error when it would overflow (it cannot
/// for amounts checked by [`check_amount`], but stored rows are not trusted blindly).
pub fn total_minor(amounts: impl IntoIterator<Item = i64>) -> Result<i64, DomainError> {
    amounts
        .into_iter()
        .try_fold(0i64, i64::checked_add)
        .ok_or_else(|| DomainError::rule("the amounts add up to more than can be recorded"))
}

impl Money {
    /// The amount as people of `locale` write it: `1,234.50 PLN` in English, `1234,50 zł` and
    /// `12 345,00 zł` in Polish, `1 234,50 Ft` in Hungarian, `1.234,50 €` in Italian (the
    /// currency's local sign where the language has one, else its code).
    pub fn in_locale(&self, locale: Locale) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let (_, decimal) = separators(locale);
        let unit = match (locale, self.currency.as_str()) {
            (Locale::En, code) => code,
            (_, "PLN") => "zł",
            (_, "HUF") => "Ft",
            (_, "EUR") => "€",
            (_, "GBP") => "£",
            (_, code) => code,
        };
        format!("{sign}{}{decimal}{:02}\u{a0}{unit}", whole_number(abs / 100, locale), abs % 100)
    }
}

/// The thousands and decimal separators of `locale`.
fn separators(locale: Locale) -> (&'static str, &'static str) {
    match locale {
        Locale::En => (",", "."),
        // A no-break space, so that a number never wraps across lines.
        Locale::Pl | Locale::Hu => ("\u{a0}", ","),
        Locale::It => (".", ","),
    }
}

/// A whole number with the digit grouping of `locale` (`12,345`, `12 345`, `12.345`); Polish
/// leaves four-digit numbers ungrouped (`1234`), as its style guides do.
pub fn whole_number(n: u64, locale: Locale) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 || (locale == Locale::Pl && digits.len() == 4) {
        return digits;
    }
    let (thousands, _) = separators(locale);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(thousands);
        }
        out.push(d);
    }
    out
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_numbers_as_each_language_writes_them() {
        let pln = Currency::parse("PLN").unwrap();
        let m = Money::new(123_450, pln);
        assert_eq!(m.in_locale(Locale::En), "1,234.50\u{a0}PLN");
        assert_eq!(m.in_locale(Locale::Pl), "1234,50\u{a0}zł");
        assert_eq!(Money::new(1_234_500, pln).in_locale(Locale::Pl), "12\u{a0}345,00\u{a0}zł");
        assert_eq!(Money::new(123_450, Currency::parse("HUF").unwrap()).in_locale(Locale::Hu), "1\u{a0}234,50\u{a0}Ft");
        assert_eq!(Money::new(-123_405, Currency::parse("EUR").unwrap()).in_locale(Locale::It), "-1.234,05\u{a0}€");
        assert_eq!(Money::new(5, Currency::parse("CHF").unwrap()).in_locale(Locale::It), "0,05\u{a0}CHF");
        assert_eq!(whole_number(999, Locale::En), "999");
        assert_eq!(whole_number(1_000_000, Locale::En), "1,000,000");
        assert_eq!(whole_number(100_000, Locale::It), "100.000");
    }

    #[test]
    fn money_formats_and_takes_percentages_in_basis_points() {
        let pln = Currency::parse("PLN").unwrap();
        let fee = Money::new(81_000, pln);
        assert_eq!(fee.to_string(), "810.00 PLN");
        assert_eq!(fee.basis_points(6_000).minor, 48_600);
        assert!(Currency::parse("pln").is_err());
    }

    #[test]
    fn r_money_amounts_are_bounded_and_totals_checked() {
        assert_eq!(check_amount("amount_minor", 81_000), Ok(81_000));
        assert!(check_amount("amount_minor", 0).is_err());
        assert!(check_amount("amount_minor", -5).is_err());
        assert_eq!(check_amount("amount_minor", MAX_AMOUNT_MINOR), Ok(MAX_AMOUNT_MINOR));
        let err = check_amount("amount_minor", i64::MAX).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("amount_minor"));
        assert_eq!(total_minor([1, 2, 3]), Ok(6));
        assert!(total_minor([i64::MAX, 1]).is_err());
        let pln = Currency::parse("PLN").unwrap();
        assert_eq!(Money::new(i64::MAX, pln).basis_points(10_000).minor, i64::MAX);
    }
}
