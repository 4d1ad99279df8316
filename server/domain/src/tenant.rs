//! Tenants, their kinds, and the roles people hold in them.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a tenant is. The installation itself is a tenant too, so that its admins and jobs are
/// scoped like everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    /// The installation: holds the installation admins.
    Installation,
    /// An exam centre (e.g. `PL078 International House Integra Katowice`).
    Centre,
    /// A verifier organisation: university, employer, government body.
    Verifier,
}

impl TenantKind {
    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Installation => "installation",
            Self::Centre => "centre",
            Self::Verifier => "verifier",
        }
    }

    /// The roles a person may hold in a tenant of this kind.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Installation => &[Role::InstallationAdmin],
            Self::Centre => &[Role::CentreManager, Role::CentreStaff, Role::Candidate],
            Self::Verifier => &[Role::VerifierPrimary, Role::VerifierAdmin],
        }
    }
}

impl FromStr for TenantKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "installation" => Ok(Self::Installation),
            "centre" | "center" => Ok(Self::Centre),
            "verifier" => Ok(Self::Verifier),
            _ => Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("kind")
                .arg("value", s)
                .arg("choices", "centre, verifier")),
        }
    }
}

impl fmt::Display for TenantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A role a user holds in their tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates tenants, approves verifier organisations, manages policy plugins.
    InstallationAdmin,
    /// Runs a centre: everything centre staff do, plus users and settings.
    CentreManager,
    /// Day-to-day centre work: entries, payments, exam day, results, certificates.
    CentreStaff,
    /// The one primary user of a verifier organisation (R-ORG-USERS).
    VerifierPrimary,
    /// Further users of a verifier organisation.
    VerifierAdmin,
    /// A candidate with a Candidate Results Service account.
    Candidate,
}

impl Role {
    /// Every role, in the order pages list them.
    pub const ALL: [Role; 6] = [
        Role::InstallationAdmin,
        Role::CentreManager,
        Role::CentreStaff,
        Role::VerifierPrimary,
        Role::VerifierAdmin,
        Role::Candidate,
    ];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InstallationAdmin => "installation_admin",
            Self::CentreManager => "centre_manager",
            Self::CentreStaff => "centre_staff",
            Self::VerifierPrimary => "verifier_primary",
            Self::VerifierAdmin => "verifier_admin",
            Self::Candidate => "candidate",
        }
    }

    /// The path of this role's home page.
    pub fn home_path(self) -> &'static str {
        match self {
            Self::InstallationAdmin => "/admin",
            Self::CentreManager | Self::CentreStaff => "/centre",
            Self::VerifierPrimary | Self::VerifierAdmin => "/verifier",
            Self::Candidate => "/candidate",
        }
    }

    /// Whether this role works for a centre.
    pub fn is_centre_staff(self) -> bool {
        matches!(self, Self::CentreManager | Self::CentreStaff)
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
            DomainError::new(ErrorCode::InvalidChoice).on("role").arg("value", s).arg("choices", names.join(", "))
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An ISO 3166-1 alpha-2 country code such as `PL`, `HU` or `IT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

impl Country {
    /// Parses a two-letter code; lower case is accepted and upper-cased.
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let up = code.trim().to_ascii_uppercase();
        let b = up.as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([b[0], b[1]]))
        } else {
            Err(DomainError::new(ErrorCode::InvalidCountry).on("country").arg("value", code))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }

    /// The currency fees are usually charged in here: what a new session's form proposes (the
    /// centre can still type another). The euro where nothing else is known.
    pub fn currency(&self) -> crate::money::Currency {
        let code = match self.as_str() {
            "PL" => "PLN",
            "HU" => "HUF",
            "CZ" => "CZK",
            "RO" => "RON",
            "BG" => "BGN",
            "GB" => "GBP",
            "CH" => "CHF",
            "SE" => "SEK",
            "DK" => "DKK",
            "NO" => "NOK",
            "TR" => "TRY",
            "UA" => "UAH",
            _ => "EUR",
        };
        crate::money::Currency::parse(code).expect("a three-letter code")
    }
}

impl TryFrom<String> for Country {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Country> for String {
    fn from(c: Country) -> Self {
        c.as_str().to_owned()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A language the user interface speaks. English is complete; the others fall back to it key by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// English.
    En,
    /// Polish.
    Pl,
    /// Hungarian.
    Hu,
    /// Italian.
    It,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 4] = [Locale::En, Locale::Pl, Locale::Hu, Locale::It];

    /// The BCP 47 tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Pl => "pl",
            Self::Hu => "hu",
            Self::It => "it",
        }
    }

    /// The language's name in itself, as a language choice shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Pl => "Polski",
            Self::Hu => "Magyar",
            Self::It => "Italiano",
        }
    }
}

impl FromStr for Locale {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let lang = lower.split(['-', '_']).next().unwrap_or("");
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str() == lang)
            .ok_or_else(|| DomainError::new(ErrorCode::InvalidLocale).on("locale").arg("value", s))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Checks an IANA time zone name such as `Europe/Warsaw`.
pub fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, DomainError> {
    name.parse::<chrono_tz::Tz>()
        .map_err(|_| DomainError::new(ErrorCode::InvalidTimezone).on("timezone").arg("value", name))
}

/// Checks a tenant's short code (used in URLs): lower-case letters, digits and dashes, 2 to 40 long.
pub fn parse_slug(slug: &str) -> Result<String, DomainError> {
    let ok = (2..=40).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok { Ok(slug.to_owned()) } else { Err(DomainError::new(ErrorCode::InvalidSlug).on("slug").arg("value", slug)) }
}

/// Turns a tenant name into a code for URLs: `PL078 International House` -> `pl078-international-house`.
pub fn slug_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        let c = fold_ascii(c);
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(40).collect();
    trimmed.trim_end_matches('-').to_owned()
}

fn fold_ascii(c: char) -> char {
    match c {
        'ą' | 'á' | 'à' | 'ä' => 'a',
        'ć' | 'č' => 'c',
        'ę' | 'é' | 'è' | 'ë' => 'e',
        'í' | 'ì' => 'i',
        'ł' => 'l',
        'ń' => 'n',
        'ó' | 'ö' | 'ő' | 'ò' => 'o',
        'ś' | 'š' => 's',
        'ú' | 'ü' | 'ű' | 'ù' => 'u',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// Checks a display name given to a tenant or a person.
pub fn parse_name(field: &str, name: &str) -> Result<String, DomainError> {
    let t = name.trim();
    if t.is_empty() {
        return Err(DomainError::new(ErrorCode::Required).on(field));
    }
    if t.chars().count() > 200 {
        return Err(DomainError::new(ErrorCode::TooLong).on(field).arg("max", 200));
    }
    if t.chars().any(char::is_control) {
        return Err(DomainError::new(ErrorCode::ControlCharacters).on(field));
    }
    Ok(t.to_owned())
}

/// Checks an email address: one `@`, something on each side, a dot in the domain, no spaces.
pub fn parse_email(email: &str) -> Result<String, DomainError> {
    let e = email.trim();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
    if ok { Ok(e.to_lowercase()) } else { Err(DomainError::new(ErrorCode::InvalidEmail).on("email").arg("value", e)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_proposes_its_currency() {
        let c = |code: &str| Country::parse(code).unwrap().currency().as_str().to_owned();
        assert_eq!(
            (c("pl"), c("HU"), c("IT"), c("GB"), c("ZZ")),
            ("PLN".into(), "HUF".into(), "EUR".into(), "GBP".into(), "EUR".into())
        );
    }

    #[test]
    fn slugs_fold_polish_letters() {
        assert_eq!(slug_from_name("PL078 Łódź Centrum"), "pl078-lodz-centrum");
        assert!(parse_slug("pl078").is_ok());
        assert!(parse_slug("PL078").is_err());
    }

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(parse_email(" Anna@Example.PL ").unwrap(), "anna@example.pl");
        assert!(parse_email("anna@localhost").is_err());
        assert!(parse_email("an na@example.pl").is_err());
    }
}

/// A tenant's settings as typed by a person, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSpec {
    /// Centre or verifier.
    pub kind: TenantKind,
    /// Display name, e.g. `PL078 International House Integra Katowice`.
    pub name: String,
    /// Code used in URLs.
    pub slug: String,
    /// Country.
    pub country: Country,
    /// IANA time zone.
    pub timezone: chrono_tz::Tz,
    /// Language of pages and emails.
    pub locale: Locale,
}

impl TenantSpec {
    /// Checks every field and reports the first bad one by name. The slug is derived from the
    /// name when not given. The installation tenant cannot be created this way.
    pub fn parse(
        kind: &str,
        name: &str,
        slug: Option<&str>,
        country: &str,
        timezone: &str,
        locale: &str,
    ) -> Result<Self, DomainError> {
        let kind: TenantKind = kind.parse()?;
        if kind == TenantKind::Installation {
            return Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("kind")
                .arg("value", kind)
                .arg("choices", "centre, verifier"));
        }
        let TenantProfile { name, country, timezone, locale } = TenantProfile::parse(name, country, timezone, locale)?;
        let slug = match slug.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => parse_slug(s)?,
            None => parse_slug(&slug_from_name(&name))
                .map_err(|_| DomainError::new(ErrorCode::InvalidSlug).on("slug").arg("value", slug_from_name(&name)))?,
        };
        if slug == "installation" {
            return Err(DomainError::new(ErrorCode::ReservedSlug).on("slug").arg("value", slug));
        }
        Ok(Self { kind, name, slug, country, timezone, locale })
    }
}

/// How candidates reach a centre: printed on its Confirmations of Entry and Statements of
/// Results, set by the centre's manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreContact {
    /// The postal address, one line per line of the envelope (at most [`ADDRESS_LINES`]).
    pub address: String,
    /// The help line's telephone number, as people dial it.
    pub help_phone: String,
    /// The help line's email address, if the centre gives one.
    pub help_email: Option<String>,
}

/// The most lines a postal address has.
pub const ADDRESS_LINES: usize = 6;
/// The longest a postal address is, in characters (its lines together).
pub const ADDRESS_MAX: usize = 300;

impl CentreContact {
    /// Checks the three fields as typed and names the first bad one (`address`, `help_phone`,
    /// `help_email`). The address and the telephone are required; an empty email means none.
    pub fn parse(address: &str, help_phone: &str, help_email: &str) -> Result<Self, DomainError> {
        let address = parse_postal_address("address", address)?;
        if help_phone.trim().is_empty() {
            return Err(DomainError::new(ErrorCode::Required).on("help_phone"));
        }
        let help_phone = parse_phone("help_phone", help_phone)?;
        let help_email = match help_email.trim() {
            "" => None,
            e => Some(parse_email(e).map_err(|err| err.on("help_email"))?),
        };
        Ok(Self { address, help_phone, help_email })
    }

    /// The address on one line, its lines separated by commas (as a document's row prints it).
    pub fn address_line(&self) -> String {
        self.address.lines().collect::<Vec<_>>().join(", ")
    }
}

/// Checks a telephone number as typed: at most 40 characters of digits, spaces and `+ - ( ) /`,
/// with at least three digits. Spaces at either end are dropped; an empty number is refused
/// by the caller when one is required.
pub fn parse_phone(field: &str, phone: &str) -> Result<String, DomainError> {
    let p = phone.trim();
    let ok = p.chars().count() <= 40
        && p.chars().all(|c| c.is_ascii_digit() || " +-()/".contains(c))
        && p.chars().filter(char::is_ascii_digit).count() >= 3;
    if ok { Ok(p.to_owned()) } else { Err(DomainError::new(ErrorCode::InvalidPhone).on(field).arg("value", p)) }
}

/// Checks a postal address typed in a text box: its lines trimmed, empty ones dropped, at most
/// [`ADDRESS_LINES`] lines and [`ADDRESS_MAX`] characters, no control characters (tabs
/// included). Kept one line per line.
pub fn parse_postal_address(field: &str, address: &str) -> Result<String, DomainError> {
    let lines: Vec<&str> = address.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return Err(DomainError::new(ErrorCode::Required).on(field));
    }
    if lines.iter().any(|l| l.chars().any(char::is_control)) {
        return Err(DomainError::new(ErrorCode::ControlCharacters).on(field));
    }
    let joined = lines.join("\n");
    if lines.len() > ADDRESS_LINES || joined.chars().count() > ADDRESS_MAX {
        return Err(DomainError::new(ErrorCode::TooLong).on(field).arg("max", ADDRESS_MAX));
    }
    Ok(joined)
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    #[test]
    fn a_centre_contact_is_checked_field_by_field() {
        let c =
            CentreContact::parse(" ul. Jagiellońska 5 \r\n\r\n40-032 Katowice\n", " +48 32 123 45 67 ", "").unwrap();
        assert_eq!(c.address, "ul. Jagiellońska 5\n40-032 Katowice");
        assert_eq!(c.address_line(), "ul. Jagiellońska 5, 40-032 Katowice");
        assert_eq!((c.help_phone.as_str(), c.help_email), ("+48 32 123 45 67", None));
        let with_email = CentreContact::parse("Budapest", "(06 1) 234-5678", " Help@HU012.example ").unwrap();
        assert_eq!(with_email.help_email.as_deref(), Some("help@hu012.example"));
        let field = |r: Result<CentreContact, DomainError>| {
            let e = r.unwrap_err();
            (e.code, e.field.unwrap())
        };
        assert_eq!(field(CentreContact::parse(" \n ", "123", "")), (ErrorCode::Required, "address".into()));
        assert_eq!(field(CentreContact::parse("a\tb", "123", "")), (ErrorCode::ControlCharacters, "address".into()));
        assert_eq!(
            field(CentreContact::parse("1\n2\n3\n4\n5\n6\n7", "123", "")),
            (ErrorCode::TooLong, "address".into())
        );
        assert_eq!(field(CentreContact::parse(&"x".repeat(301), "123", "")), (ErrorCode::TooLong, "address".into()));
        assert_eq!(field(CentreContact::parse("Katowice", "", "")), (ErrorCode::Required, "help_phone".into()));
        assert_eq!(
            field(CentreContact::parse("Katowice", "call us", "")),
            (ErrorCode::InvalidPhone, "help_phone".into())
        );
        assert_eq!(field(CentreContact::parse("Katowice", "+-()", "")), (ErrorCode::InvalidPhone, "help_phone".into()));
        assert_eq!(
            field(CentreContact::parse("Katowice", "123", "help@")),
            (ErrorCode::InvalidEmail, "help_email".into())
        );
    }
}

/// What an installation admin may change of a tenant after creating it: its name, country,
/// time zone and language (the code and kind stay, as links and sign-ins use them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantProfile {
    /// Display name.
    pub name: String,
    /// Country.
    pub country: Country,
    /// IANA time zone.
    pub timezone: chrono_tz::Tz,
    /// Language of pages and emails.
    pub locale: Locale,
}

impl TenantProfile {
    /// Checks every field in the form's order and reports the first bad one by name.
    pub fn parse(name: &str, country: &str, timezone: &str, locale: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: parse_name("name", name)?,
            country: Country::parse(country)?,
            timezone: parse_timezone(timezone)?,
            locale: locale.parse()?,
        })
    }
}

/// A user to create, as typed on the command line or the installation admin's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    /// A role the tenant's kind has.
    pub role: Role,
    /// Display name.
    pub name: String,
    /// Email address (lower-cased); required for every role but candidates.
    pub email: Option<String>,
    /// How they sign in: the email, or a candidate's ID number.
    pub login: String,
}

impl UserSpec {
    /// Checks a new user of a tenant of `kind` field by field: the role must be one of the
    /// kind's; staff and verifier users sign in with their email, candidates with `login` (their
    /// ID number).
    pub fn parse(
        kind: TenantKind,
        role: &str,
        name: &str,
        email: Option<&str>,
        login: Option<&str>,
    ) -> Result<Self, DomainError> {
        let role: Role = role.parse()?;
        if !kind.roles().contains(&role) {
            let allowed: Vec<_> = kind.roles().iter().map(|r| r.as_str()).collect();
            return Err(DomainError::new(ErrorCode::InvalidChoice)
                .on("role")
                .arg("value", role)
                .arg("choices", allowed.join(", ")));
        }
        let name = parse_name("name", name)?;
        let email = email.map(str::trim).filter(|e| !e.is_empty()).map(parse_email).transpose()?;
        let login = match (role, login.map(str::trim).filter(|l| !l.is_empty()), &email) {
            (Role::Candidate, Some(l), _) => l.to_owned(),
            (Role::Candidate, None, _) => return Err(DomainError::new(ErrorCode::Required).on("login")),
            (_, _, Some(e)) => e.clone(),
            (_, _, None) => return Err(DomainError::new(ErrorCode::Required).on("email")),
        };
        Ok(Self { role, name, email, login })
    }
}

#[cfg(test)]
mod user_spec_tests {
    use super::*;

    #[test]
    fn a_new_user_names_the_field_at_fault() {
        let field = |r: Result<UserSpec, DomainError>| r.unwrap_err().field;
        let c = TenantKind::Centre;
        assert_eq!(
            field(UserSpec::parse(c, "verifier_admin", "A", Some("a@b.example"), None)).as_deref(),
            Some("role")
        );
        assert_eq!(field(UserSpec::parse(c, "centre_staff", " ", Some("a@b.example"), None)).as_deref(), Some("name"));
        assert_eq!(field(UserSpec::parse(c, "centre_staff", "A", None, None)).as_deref(), Some("email"));
        assert_eq!(field(UserSpec::parse(c, "centre_staff", "A", Some("a@b"), None)).as_deref(), Some("email"));
        assert_eq!(field(UserSpec::parse(c, "candidate", "A", None, None)).as_deref(), Some("login"));
        let ok = UserSpec::parse(c, "centre_staff", " Ewa ", Some("Ewa@PL078.example"), None).unwrap();
        assert_eq!((ok.role, ok.name.as_str(), ok.login.as_str()), (Role::CentreStaff, "Ewa", "ewa@pl078.example"));
    }
}
