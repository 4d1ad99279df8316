//! One error type for every workflow: a typed refusal ([`DomainError`]: code, parameters, field)
//! with the status it answers with. The HTTP layer writes it as `{code, message, field}` for the
//! API and as a message beside the field at fault on a page.

use http::StatusCode;
use serde::Serialize;
use tessera_domain::{DomainError, ErrorCode, Locale};
use tessera_storage::StorageError;

/// The HTTP status of each code: the one place it is decided.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::NotFound | C::UnknownPlugin | C::ResetLinkInvalid | C::LookupNoMatch | C::NothingShared => {
            StatusCode::NOT_FOUND
        }
        C::TemplateNotFound | C::UnknownOrganisation => StatusCode::NOT_FOUND,
        C::Unauthenticated | C::InvalidCredentials | C::InvalidToken | C::ApiTokenExpired => StatusCode::UNAUTHORIZED,
        C::ApiAccessNotApproved => StatusCode::FORBIDDEN,
        C::BulkQuotaExceeded => StatusCode::TOO_MANY_REQUESTS,
        C::JoinUnknownOrganisation => StatusCode::BAD_REQUEST,
        C::Forbidden | C::CsrfFailed | C::WrongPassword => StatusCode::FORBIDDEN,
        C::AccountLocked => StatusCode::LOCKED,
        C::ResetLinkUsed | C::ResetLinkExpired => StatusCode::GONE,
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::Busy => StatusCode::SERVICE_UNAVAILABLE,
        C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        C::TooLarge | C::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::UnsupportedType | C::FileTypeMismatch | C::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        C::PolicyFailed
        | C::EntryRefused
        | C::InvalidResultsFile
        | C::ResultsHeaderUnreadable
        | C::ResultsColumnMissing
        | C::InvalidBulkFile
        | C::BulkFileUnreadable
        | C::BulkEmpty
        | C::BulkTooManyRows
        | C::ResultsColumnUnknown
        | C::ResultsLineUnreadable
        | C::ResultsCandidateNumber
        | C::ResultsCandidateTwice
        | C::ResultsEmpty
        | C::ResultsNoEntry
        | C::ResultsEntryCancelled
        | C::ResultsEntryVoided
        | C::GroupEntryRow
        | C::GroupEntryFile
        | C::ResultScoresOnStatusLine
        | C::ResultScoreNotOnScale
        | C::ResultComponentScore
        | C::ResultOutsideBand
        | C::ResultGradeMismatch
        | C::ResultCefrMismatch
        | C::ResultNoGradeScale
        | C::ResultGradeUnknown
        | C::ResultNoCefr
        | C::ResultCefrNotTheExams => StatusCode::UNPROCESSABLE_ENTITY,
        C::Conflict
        | C::GroupEntryFull
        | C::SchoolNotLinked
        | C::SessionFull
        | C::SessionClosed
        | C::NoTransfer
        | C::EntryAlreadyVoid
        | C::EntryVoidedNoRefund
        | C::SessionAlreadyAtFault
        | C::SessionNotAtFault
        | C::FaultMoveTarget
        | C::SessionCancelled
        | C::MinimumReached
        | C::NoExtraTimeRequest
        | C::NothingPaid
        | C::CoeNeedsConfirmed
        | C::RefundWrongState
        | C::RefundAlreadyOpen
        | C::EntryNotConfirmed
        | C::PhotoNotRequired
        | C::NoPhotoConsent
        | C::ResultsReleased
        | C::TooLate
        | C::CaseClosed
        | C::DateFixed
        | C::OutsideWindow
        | C::NoSpeakingWindow
        | C::NotReleased
        | C::EnquiryWindowClosed
        | C::NoResult
        | C::EnquiryOpen
        | C::StageOneFirst
        | C::EnquiryClosed
        | C::AppealLodged
        | C::AppealNeedsStageTwo
        | C::AppealNeedsMalpractice
        | C::AppealDecided
        | C::NoticesNotSent
        | C::Withheld
        | C::Collected
        | C::Destroyed
        | C::ReplacementRefused
        | C::CertifyingStatementNotOffered
        | C::ConflictLogin
        | C::ConflictAccount
        | C::ConflictTenantCode
        | C::ConflictOrganisationName
        | C::ConflictAlreadyDecided
        | C::ConflictNotAdmin
        | C::ConflictPrimary
        | C::ConflictTargetNotEmpty
        | C::ConflictRowCount
        | C::ConflictTenantStatus
        | C::InstallationTenant
        | C::JobNotWaiting
        | C::BulkNotFinished
        | C::ApiAccessRequested
        | C::JoinPending => StatusCode::CONFLICT,
        C::InvalidInput
        | C::MalformedRequest
        | C::InvalidJson
        | C::PluginKindUnsupported
        | C::PluginRefused
        | C::InvalidConfig
        | C::SettingRefused
        | C::SettingsRefused
        | C::SignupRefused
        | C::Required
        | C::TooLong
        | C::Length
        | C::ControlCharacters
        | C::InvalidDate
        | C::InvalidTime
        | C::InvalidDateTime
        | C::NonexistentLocalTime
        | C::InvalidAmount
        | C::InvalidNumber
        | C::InvalidPercentage
        | C::OutOfRange
        | C::NotPositive
        | C::Negative
        | C::InvalidChoice
        | C::UnknownFilter
        | C::SelectionSize
        | C::Duplicate
        | C::DateOrder
        | C::DateAfter
        | C::InFuture
        | C::InvalidEmail
        | C::EmailMismatch
        | C::EmailTaken
        | C::PasswordMismatch
        | C::WeakPassword
        | C::PasswordTooLong
        | C::InvalidCountry
        | C::InvalidTimezone
        | C::InvalidLocale
        | C::InvalidCurrency
        | C::InvalidSlug
        | C::ReservedSlug
        | C::InvalidWebsite
        | C::InvalidPhone
        | C::InvalidTimetableLine
        | C::InvalidComponents
        | C::BadQuery
        | C::PageTooDeep
        | C::ImplausibleBirthDate
        | C::GuardianRequired
        | C::TransferTitleRequired
        | C::InvalidIban
        | C::PayoutAccountRequired
        | C::InvalidIdNumber
        | C::InvalidSecretNumber
        | C::TermsNotAccepted
        | C::RegulationsNotAccepted
        | C::NoResultChosen
        | C::NotShareable
        | C::UnknownVerifier
        | C::WebhookUrl
        | C::WebhookUrlNotHttps
        | C::UnknownEventType
        | C::CollectionNeedsId
        | C::CollectionNeedsSignature
        | C::ReasonRequired
        | C::RegistrationNotOpen
        | C::RegistrationClosed => StatusCode::BAD_REQUEST,
    }
}

/// An error a workflow returns.
#[derive(Debug, Clone)]
pub struct AppError {
    /// The HTTP status, from the code (see [`status_of`]).
    pub status: StatusCode,
    /// What was refused: code, parameters and the field at fault.
    pub error: DomainError,
    /// Seconds to wait before retrying (429 and 503).
    pub retry_after: Option<u64>,
}

/// What a page needs to show a refusal: the message and the field it belongs beside.
#[derive(Debug, Clone, Serialize)]
pub struct PageError {
    /// The translated message.
    pub message: String,
    /// The form field at fault (its `name`, which is also its element `id`), if any.
    pub field: Option<String>,
}

impl PageError {
    /// `error` in `locale`, beside the form control named after its field. Forms show money in
    /// units and lists as one text box, so `fee_minor`, `student_discount_bp` and `timetable[2]`
    /// are the controls `fee`, `student_discount` and `timetable`.
    pub fn new(error: &DomainError, locale: Locale) -> Self {
        let field = error.field.as_deref().map(|f| {
            // A plugin's setting is the control of that very name (`config.<key>`).
            if f.starts_with("config.") {
                return f.to_owned();
            }
            let f = f.split('[').next().unwrap_or(f);
            f.strip_suffix("_minor").or_else(|| f.strip_suffix("_bp")).unwrap_or(f).to_owned()
        });
        Self { message: error.message(locale), field }
    }
}

/// A refusal waiting for the page's language (see [`AppError::for_page`]).
#[derive(Debug)]
pub struct Refusal(pub DomainError);

impl minijinja::value::Object for Refusal {}

impl AppError {
    /// An error with `code` (its status follows from the code).
    pub fn new(code: ErrorCode) -> Self {
        DomainError::new(code).into()
    }

    /// About the input `field`.
    pub fn on(mut self, field: impl Into<String>) -> Self {
        self.error.field = Some(field.into());
        self
    }

    /// With the message parameter `{name}`.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.error = self.error.arg(name, value);
        self
    }

    /// With the message parameter `{name}` naming the field `key` by its label.
    pub fn arg_field(mut self, name: &'static str, key: impl Into<String>) -> Self {
        self.error = self.error.arg_field(name, key);
        self
    }

    /// With the message parameter `{name}` shown as the catalogue text `key`, translated.
    pub fn arg_term(mut self, name: &'static str, key: impl Into<String>) -> Self {
        self.error = self.error.arg_term(name, key);
        self
    }

    /// With the message parameter `{name}` shown as the catalogue texts `keys`, translated.
    pub fn arg_terms(mut self, name: &'static str, keys: impl IntoIterator<Item = String>) -> Self {
        self.error = self.error.arg_terms(name, keys);
        self
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.error.code
    }

    /// The input at fault, if any.
    pub fn field(&self) -> Option<&str> {
        self.error.field.as_deref()
    }

    /// The message in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        self.error.message(locale)
    }

    /// The refusal for a page template's `error`: rendered in the page's language by
    /// [`crate::templates::Templates::render`] into a [`PageError`].
    pub fn for_page(&self) -> minijinja::Value {
        minijinja::Value::from_object(Refusal(self.error.clone()))
    }

    /// 404: the resource does not exist for this caller (also what other tenants' data looks like).
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    /// A refusal with `code` about the input `field`.
    pub fn at(code: ErrorCode, field: impl Into<String>) -> Self {
        Self::new(code).on(field)
    }

    /// 400: a bad input, described in English by the caller. Prefer a specific code.
    pub fn bad_request(message: impl Into<String>) -> Self {
        DomainError::rule(message).into()
    }

    /// 400: the request body could not be read (a rejected form or multipart body with
    /// `status`); 413 when it is larger than `limit_bytes`.
    pub fn unreadable(status: StatusCode, limit_bytes: usize) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(ErrorCode::TooLarge).arg("max_mib", limit_bytes.div_ceil(1024 * 1024))
        } else {
            Self::new(ErrorCode::MalformedRequest)
        }
    }

    /// 401: sign in first.
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated)
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    /// 403: the form's anti-forgery token is missing or wrong.
    pub fn csrf() -> Self {
        Self::new(ErrorCode::CsrfFailed)
    }

    /// 409: conflicts with existing data, described in English by the caller. Prefer a code.
    pub fn conflict(message: impl Into<String>) -> Self {
        DomainError::from(message.into()).into()
    }

    /// 429: too many attempts.
    pub fn too_many(retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after.max(1)), ..Self::new(ErrorCode::RateLimited) }
    }

    /// 503: the server is saturated right now.
    pub fn busy(retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after.max(1)), ..Self::new(ErrorCode::Busy) }
    }

    /// 500: our fault; the cause goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorCode::Internal)
    }

    /// With another code (named as on the wire), keeping the message. Older call sites: prefer
    /// [`AppError::new`]. An unknown code keeps the current one, with the status given.
    pub fn with(mut self, status: StatusCode, code: &'static str) -> Self {
        match code.parse::<ErrorCode>() {
            Ok(c) => {
                self.error.code = c;
                self.status = status_of(c);
                if self.status != status {
                    tracing::warn!(code, asked = %status, used = %self.status, "the status follows from the code");
                }
            }
            Err(()) => {
                tracing::warn!(code, "an error code missing from ErrorCode");
                self.status = status;
            }
        }
        self
    }

    /// Whether this is a refusal of the input (a 4xx other than "not found"): pages show the
    /// form again with the message instead of an error page.
    pub fn is_refusal(&self) -> bool {
        self.status.is_client_error() && self.error.code != ErrorCode::NotFound
    }

    /// With a message written by the caller, keeping status and code. Prefer a code's template.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.error.detail = Some(message.into());
        self
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        Self { status: status_of(error.code), error, retry_after: None }
    }
}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found(),
            StorageError::Conflict(e) => e.into(),
            StorageError::Unavailable(m) => {
                tracing::error!(cause = %m, "database unavailable");
                Self::busy(5)
            }
            other => Self::internal(other),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.error.code, self.error)
    }
}

/// A workflow result.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::error::{catalogue, label_key};

    /// Every field key a refusal can name, read from the sources of the crates that refuse.
    fn field_keys() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs: Vec<_> =
            ["web/src", "app/src", "domain/src", "storage/src", "daemon/src"].iter().map(|d| root.join(d)).collect();
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        // `AppError::at(ErrorCode::X, <key>)` and `arg_field(<name>, <key>)` take the key second.
        let openers =
            [", \"", ".on(\"", "date(\"", "opt_date(\"", "parse_name(\"", "short(\"", "money(\"", "number(\""];
        let mut keys = Vec::new();
        for src in &files {
            for line in src.lines().filter(|l| !l.trim_start().starts_with("//")).filter(|l| {
                l.contains("ErrorCode::")
                    || l.contains(".on(\"")
                    || l.contains("arg_field")
                    || openers[2..].iter().any(|o| l.contains(o))
            }) {
                for opener in openers {
                    for (i, _) in line.match_indices(opener) {
                        let before = &line[..i];
                        let right_after = |call: &str| {
                            before.rsplit_once(call).is_some_and(|(_, arg)| {
                                arg.trim_matches('"').chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                            })
                        };
                        if opener == ", \"" && !(right_after("AppError::at(ErrorCode::") || right_after("arg_field(\""))
                        {
                            continue;
                        }
                        let rest = &line[i + opener.len()..];
                        if let Some(end) = rest.find('"') {
                            let key = &rest[..end];
                            if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                                keys.push(key.to_owned());
                            }
                        }
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_field_a_refusal_names_has_a_label_in_every_language() {
        let keys = field_keys();
        assert!(keys.len() > 60, "the scan finds the fields: {keys:?}");
        for k in ["late_entry_deadline", "share_ids", "amount", "sor_number", "registration_closes"] {
            assert!(keys.iter().any(|x| x == k), "{k} in {keys:?}");
        }
        let cat = catalogue();
        let mut missing = Vec::new();
        for key in &keys {
            for locale in Locale::ALL {
                if !cat.has(locale, &label_key(key)) {
                    missing.push(format!("{locale}: {}", label_key(key)));
                }
            }
        }
        assert!(missing.is_empty(), "fields without a label: {missing:?}");
    }

    #[test]
    fn every_code_has_a_status_and_the_body_keeps_its_shape() {
        for code in ErrorCode::ALL {
            let s = status_of(*code);
            assert!(s.is_client_error() || s.is_server_error(), "{code}: {s}");
        }
        let e = AppError::at(ErrorCode::InvalidAmount, "amount").arg("value", "abc");
        assert_eq!(e.code().as_str(), "invalid_amount");
        assert_eq!(e.field(), Some("amount"));
        let msg = e.text(Locale::It);
        assert!(msg.starts_with("Importo") && !msg.contains("amount"), "{msg}");
        assert_eq!(AppError::bad_request("x").code(), ErrorCode::InvalidInput);
        assert_eq!(AppError::conflict("y").status, StatusCode::CONFLICT);
        assert_eq!(AppError::new(ErrorCode::SessionFull).status, StatusCode::CONFLICT);
    }

    #[test]
    fn a_page_names_the_control_of_the_field() {
        let e = DomainError::new(ErrorCode::Negative).on("fee_minor");
        assert_eq!(PageError::new(&e, Locale::Pl).field.as_deref(), Some("fee"));
        let e = DomainError::new(ErrorCode::InvalidTime).on("timetable[2]").arg("value", "9");
        assert_eq!(PageError::new(&e, Locale::Hu).field.as_deref(), Some("timetable"));
    }
}
