//! Money as integer minor units with an ISO 4217 currency: no floating point anywhere near fees.

use crate::{DomainError, ErrorCode};
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
        Money { minor: self.minor * i64::from(bp) / 10_000, currency: self.currency }
    }
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
    fn money_formats_and_takes_percentages_in_basis_points() {
        let pln = Currency::parse("PLN").unwrap();
        let fee = Money::new(81_000, pln);
        assert_eq!(fee.to_string(), "810.00 PLN");
        assert_eq!(fee.basis_points(6_000).minor, 48_600);
        assert!(Currency::parse("pln").is_err());
    }
}
