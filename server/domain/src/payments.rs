//! Payments of the entry fee (R-PAYMENT-TITLE, R-PL-ENTRY-COMPLETE): the title a bank transfer
//! must carry, the check of a recorded transfer against it and the amount due, and the centre's
//! bank account number.

use crate::error::{DomainError, ErrorCode};
use crate::exams::CatalogueExam;
pub use crate::labels::{PaymentFlag, PaymentMethod};

/// R-PAYMENT-TITLE: the title a bank transfer for an entry must carry, "<full name>, <exam short
/// name>" (e.g. "Maria Nowak, FCE"); the short name is the exam's code in the catalogue.
pub fn r_payment_title(first_name: &str, family_name: &str, exam: &CatalogueExam) -> String {
    let name = format!("{} {}", first_name.trim(), family_name.trim());
    format!("{}, {}", name.split_whitespace().collect::<Vec<_>>().join(" "), exam.code)
}

/// A title as compared: lower case, accents and Polish, Hungarian and Italian letters folded to
/// their base letter, punctuation dropped, runs of whitespace made one space.
pub fn normalise_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = fold(c);
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_owned()
}

fn fold(c: char) -> char {
    match c {
        'ą' | 'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ć' | 'č' | 'ç' => 'c',
        'ę' | 'é' | 'è' | 'ê' | 'ë' | 'ě' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ł' => 'l',
        'ń' | 'ñ' | 'ň' => 'n',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ő' => 'o',
        'ś' | 'š' => 's',
        'ú' | 'ù' | 'û' | 'ü' | 'ű' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ř' => 'r',
        'ď' => 'd',
        'ť' => 't',
        other => other,
    }
}

/// R-PAYMENT-TITLE: what does not match in a recorded payment, for staff to look at. Only a bank
/// transfer is checked: its title against the expected one (compared by [`normalise_title`]) and
/// its amount against what was due. A payment is stored whatever this says.
pub fn r_payment_check(
    method: PaymentMethod,
    title: Option<&str>,
    expected_title: &str,
    amount_minor: i64,
    due_minor: i64,
) -> Vec<PaymentFlag> {
    if method != PaymentMethod::BankTransfer {
        return vec![];
    }
    let mut flags = Vec::new();
    if title.map(normalise_title) != Some(normalise_title(expected_title)) {
        flags.push(PaymentFlag::TitleMismatch);
    }
    if amount_minor != due_minor {
        flags.push(PaymentFlag::AmountMismatch);
    }
    flags
}

/// Checks an IBAN (ISO 13616): two letters, two check digits and up to 30 letters or digits, the
/// check digits agreeing (mod 97). Spaces are allowed on input; returns it grouped by four.
pub fn parse_iban(field: &str, given: &str) -> Result<String, DomainError> {
    let bad = || DomainError::new(ErrorCode::InvalidIban).on(field);
    let compact: String = given.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let b = compact.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(u8::is_ascii_alphanumeric)
    {
        return Err(bad());
    }
    let mut rem: u32 = 0;
    for c in compact[4..].chars().chain(compact[..4].chars()) {
        let v = c.to_digit(36).ok_or_else(bad)?;
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    if rem != 1 {
        return Err(bad());
    }
    let grouped: Vec<String> = compact.as_bytes().chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect();
    Ok(grouped.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exams::by_code;

    #[test]
    fn r_payment_title_is_full_name_and_exam_short_name() {
        let fce = by_code("FCE").unwrap();
        assert_eq!(r_payment_title("Maria", "Nowak", fce), "Maria Nowak, FCE");
        assert_eq!(
            r_payment_title(" Anna  Maria ", "Kowalska-Nowak", by_code("CAE").unwrap()),
            "Anna Maria Kowalska-Nowak, CAE"
        );
    }

    #[test]
    fn r_payment_title_compares_without_case_spaces_accents_or_punctuation() {
        let expected = "Łukasz Żółć, FCE";
        let ok = |t: &str| r_payment_check(PaymentMethod::BankTransfer, Some(t), expected, 100, 100);
        assert!(ok("lukasz zolc FCE").is_empty());
        assert!(ok("  ŁUKASZ   ŻÓŁĆ ,  fce. ").is_empty());
        assert_eq!(ok("Lukasz Zolc, CAE"), vec![PaymentFlag::TitleMismatch]);
        assert_eq!(ok("Jan Zolc, FCE"), vec![PaymentFlag::TitleMismatch]);
    }

    #[test]
    fn r_payment_title_flags_a_wrong_amount_or_a_missing_title_on_transfers_only() {
        let t = "Maria Nowak, FCE";
        assert_eq!(
            r_payment_check(PaymentMethod::BankTransfer, Some(t), t, 500, 810),
            vec![PaymentFlag::AmountMismatch]
        );
        assert_eq!(
            r_payment_check(PaymentMethod::BankTransfer, None, t, 500, 810),
            vec![PaymentFlag::TitleMismatch, PaymentFlag::AmountMismatch]
        );
        assert!(r_payment_check(PaymentMethod::Cash, None, t, 500, 810).is_empty());
        assert!(r_payment_check(PaymentMethod::Card, Some("x"), t, 500, 810).is_empty());
    }

    #[test]
    fn iban_check_digits_must_agree() {
        assert_eq!(parse_iban("iban", "pl61109010140000071219812874").unwrap(), "PL61 1090 1014 0000 0712 1981 2874");
        assert!(parse_iban("iban", "PL62 1090 1014 0000 0712 1981 2874").is_err());
        assert!(parse_iban("iban", "12345").is_err());
        assert!(parse_iban("iban", "GB82 WEST 1234 5698 7654 32").is_ok());
    }
}
