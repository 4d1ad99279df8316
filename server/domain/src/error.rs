//! The one error type of the domain layer: a stable [`ErrorCode`], named parameters and the input
//! at fault. The words live in the message catalogue (`server/domain/locales/*.toml`, sections
//! `[error]` and `[field]`), one template per code and language, so every edge (pages, the API,
//! the CLI) renders the same refusal in the reader's language.

use crate::Locale;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// Every refusal Tessera makes, as a stable machine-readable code (snake_case on the wire).
        /// Each has a message template in every shipped language (see [`DomainError::message`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as clients see it, e.g. `not_found`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }

        impl std::str::FromStr for ErrorCode {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s {
                    $($code => Ok(ErrorCode::$variant),)*
                    _ => Err(()),
                }
            }
        }
    };
}

error_codes! {
    // Requests, access and the server.
    /// There is nothing here (also what another tenant's data looks like).
    NotFound = "not_found",
    /// An input is not valid (generic: prefer a specific code).
    InvalidInput = "invalid_input",
    /// The request body could not be read (malformed form, multipart or JSON).
    MalformedRequest = "malformed_request",
    /// The JSON body does not parse.
    InvalidJson = "invalid_json",
    /// The request body is larger than the server accepts.
    PayloadTooLarge = "payload_too_large",
    /// The request body is of a type this address does not take.
    UnsupportedMediaType = "unsupported_media_type",
    /// This address does not take this method.
    MethodNotAllowed = "method_not_allowed",
    /// Sign in first.
    Unauthenticated = "unauthenticated",
    /// Signed in, but not allowed.
    Forbidden = "forbidden",
    /// The form's anti-forgery token is missing or wrong.
    CsrfFailed = "csrf_failed",
    /// Conflicts with existing data (generic: prefer a specific code).
    Conflict = "conflict",
    /// Too many attempts.
    RateLimited = "rate_limited",
    /// The server is saturated right now.
    Busy = "busy",
    /// Our fault.
    Internal = "internal",
    /// A policy plugin could not decide.
    PolicyFailed = "policy_failed",
    /// No plugin of that name is loaded.
    UnknownPlugin = "unknown_plugin",
    /// The plugin does not decide that kind.
    PluginKindUnsupported = "plugin_kind_unsupported",
    /// A plugin's configuration is not a JSON object.
    InvalidConfig = "invalid_config",
    /// The plugin refused the value of one of its settings (named by the plugin's own label).
    SettingRefused = "setting_refused",
    /// The plugin refused its settings without naming one.
    SettingsRefused = "settings_refused",
    /// An uploaded plugin failed the check (`finding` in words, `detail` as the check wrote it).
    PluginRefused = "plugin_refused",
    /// The body is larger than allowed.
    TooLarge = "too_large",
    /// The file type is not accepted.
    UnsupportedType = "unsupported_type",
    /// The file's content is not what its declared type says.
    FileTypeMismatch = "file_type_mismatch",
    // Signing in and accounts.
    /// Wrong login or password.
    InvalidCredentials = "invalid_credentials",
    /// Too many wrong passwords: locked for a while.
    AccountLocked = "account_locked",
    /// The current password given to confirm a change is wrong.
    WrongPassword = "wrong_password",
    /// The API token is not valid.
    InvalidToken = "invalid_token",
    /// A candidate sign-up that does not match an entry (deliberately vague).
    SignupRefused = "signup_refused",
    /// The password-reset link is not valid.
    ResetLinkInvalid = "reset_link_invalid",
    /// The password-reset link was used already.
    ResetLinkUsed = "reset_link_used",
    /// The password-reset link expired.
    ResetLinkExpired = "reset_link_expired",
    /// No organisation uses this code.
    UnknownOrganisation = "unknown_organisation",
    // One input.
    /// A value is needed.
    Required = "required",
    /// Longer than allowed.
    TooLong = "too_long",
    /// Not between the shortest and longest allowed length.
    Length = "length",
    /// Contains control characters.
    ControlCharacters = "control_characters",
    /// Not a date.
    InvalidDate = "invalid_date",
    /// Not a time of day.
    InvalidTime = "invalid_time",
    /// Not a local date and time.
    InvalidDateTime = "invalid_date_time",
    /// A local time that does not exist in the time zone (the hour skipped in spring).
    NonexistentLocalTime = "nonexistent_local_time",
    /// Not an amount of money.
    InvalidAmount = "invalid_amount",
    /// Not a whole number.
    InvalidNumber = "invalid_number",
    /// Not a percentage.
    InvalidPercentage = "invalid_percentage",
    /// A number outside its range.
    OutOfRange = "out_of_range",
    /// Not more than zero.
    NotPositive = "not_positive",
    /// Negative.
    Negative = "negative",
    /// Not one of the accepted values.
    InvalidChoice = "invalid_choice",
    /// A list's filter, sort or direction given a value the list does not offer (the list is
    /// shown without it).
    UnknownFilter = "unknown_filter",
    /// Too few or too many items chosen.
    SelectionSize = "selection_size",
    /// The same item twice.
    Duplicate = "duplicate",
    /// A date before another it must follow.
    DateOrder = "date_order",
    /// A date after another it must not pass.
    DateAfter = "date_after",
    /// A date in the future.
    InFuture = "in_future",
    /// Not an email address.
    InvalidEmail = "invalid_email",
    /// The two email addresses differ.
    EmailMismatch = "email_mismatch",
    /// Another account uses this email address.
    EmailTaken = "email_taken",
    /// The two passwords differ.
    PasswordMismatch = "password_mismatch",
    /// The password is too weak (R-PASSWORD).
    WeakPassword = "weak_password",
    /// The password is too long.
    PasswordTooLong = "password_too_long",
    /// Not a country code.
    InvalidCountry = "invalid_country",
    /// Not a time zone.
    InvalidTimezone = "invalid_timezone",
    /// Not a supported language.
    InvalidLocale = "invalid_locale",
    /// Not a currency code.
    InvalidCurrency = "invalid_currency",
    /// Not a usable tenant code.
    InvalidSlug = "invalid_slug",
    /// A reserved tenant code.
    ReservedSlug = "reserved_slug",
    /// Not a web address.
    InvalidWebsite = "invalid_website",
    /// Not a telephone number.
    InvalidPhone = "invalid_phone",
    /// A timetable line in the wrong format.
    InvalidTimetableLine = "invalid_timetable_line",
    /// Component scores in the wrong format.
    InvalidComponents = "invalid_components",
    /// A search query that cannot be read.
    BadQuery = "bad_query",
    /// Beyond the deepest page a search reaches.
    PageTooDeep = "page_too_deep",
    /// Not a plausible date of birth.
    ImplausibleBirthDate = "implausible_birth_date",
    /// A minor's entry without a guardian (R-MINOR-GUARDIAN).
    GuardianRequired = "guardian_required",
    /// A bank transfer without its title.
    TransferTitleRequired = "transfer_title_required",
    /// Not an IBAN (country, check digits and account number; the check digits must agree).
    InvalidIban = "invalid_iban",
    /// A refund by bank transfer without the account to pay it to.
    PayoutAccountRequired = "payout_account_required",
    /// The candidate's ID number is not valid.
    InvalidIdNumber = "invalid_id_number",
    /// The secret number is not valid.
    InvalidSecretNumber = "invalid_secret_number",
    /// The terms were not accepted.
    TermsNotAccepted = "terms_not_accepted",
    /// The centre's regulations were not accepted on the public entry form (R-PUBLIC-CALENDAR).
    RegulationsNotAccepted = "regulations_not_accepted",
    /// A Certifying Statement is issued only where a name correction is refused (R-NAME-SPELLING).
    CertifyingStatementNotOffered = "certifying_statement_not_offered",
    /// No result was ticked to share.
    NoResultChosen = "no_result_chosen",
    /// A result that cannot be shared.
    NotShareable = "not_shareable",
    /// Not a verifier results can be shared with.
    UnknownVerifier = "unknown_verifier",
    /// Not an absolute http(s) address for a webhook endpoint (R-WEBHOOK).
    WebhookUrl = "webhook_url",
    /// A plain-http webhook endpoint that is not on this machine (R-WEBHOOK).
    WebhookUrlNotHttps = "webhook_url_not_https",
    /// An event type a webhook cannot subscribe to (R-WEBHOOK).
    UnknownEventType = "unknown_event_type",
    /// Certificate collection without photo ID (R-CERT-COLLECTION).
    CollectionNeedsId = "collection_needs_id",
    /// Certificate collection without a signature (R-CERT-COLLECTION).
    CollectionNeedsSignature = "collection_needs_signature",
    /// A speaking date move without a documented reason (R-TIMETABLE-CHANGE).
    ReasonRequired = "reason_required",
    // Entries and sessions.
    /// Registration for the session has not opened yet.
    RegistrationNotOpen = "registration_not_open",
    /// Registration for the session is closed.
    RegistrationClosed = "registration_closed",
    /// A results file with bad lines (each reported with its number); nothing was imported.
    InvalidResultsFile = "invalid_results_file",
    /// A results file whose header line is not CSV text.
    ResultsHeaderUnreadable = "results_header_unreadable",
    /// A results file without one of the columns every file has.
    ResultsColumnMissing = "results_column_missing",
    /// A results file with a column the exam does not have.
    ResultsColumnUnknown = "results_column_unknown",
    /// A line of a results file that is not CSV (an open quote, a different number of cells).
    ResultsLineUnreadable = "results_line_unreadable",
    /// A candidate number that is not four digits.
    ResultsCandidateNumber = "results_candidate_number",
    /// A candidate number on two lines of a results file.
    ResultsCandidateTwice = "results_candidate_twice",
    /// A results file without result lines.
    ResultsEmpty = "results_empty",
    /// A candidate number without an entry in the session.
    ResultsNoEntry = "results_no_entry",
    /// A candidate number of a cancelled entry: it gets no result (R-ENTRY-VOID).
    ResultsEntryCancelled = "results_entry_cancelled",
    /// A candidate number of a voided entry: it gets no result (R-ENTRY-VOID, R-HU-RULE-BREAKING).
    ResultsEntryVoided = "results_entry_voided",
    /// Voiding an entry that is already voided or cancelled (R-ENTRY-VOID).
    EntryAlreadyVoid = "entry_already_void",
    /// A refund request for a voided entry: no refund (R-HU-RULE-BREAKING).
    EntryVoidedNoRefund = "entry_voided_no_refund",
    /// Marking a session at fault twice (R-CENTRE-FAULT).
    SessionAlreadyAtFault = "session_already_at_fault",
    /// A choice after the centre's fault for an entry whose session is not at fault (R-CENTRE-FAULT).
    SessionNotAtFault = "session_not_at_fault",
    /// A move after the centre's fault to a session that is not another open session of the same
    /// exam (R-CENTRE-FAULT, R-NO-TRANSFER).
    FaultMoveTarget = "fault_move_target",
    /// A row of a school's group entry that cannot be entered (R-SCHOOL-ENTRY): its row and the
    /// problem, the column as the field.
    GroupEntryRow = "group_entry_row",
    /// A group entry file that is not a CSV with the expected columns, or with no or too many rows.
    GroupEntryFile = "group_entry_file",
    /// More students than the session has places left (R-SESSION-CAPACITY).
    GroupEntryFull = "group_entry_full",
    /// The school has no approved link with the centre (R-SCHOOL-ENTRY).
    SchoolNotLinked = "school_not_linked",
    /// A status line (X, Z, Pending, Withheld) with scores, a grade or a level (R-RESULT-CODES).
    ResultScoresOnStatusLine = "result_scores_on_status_line",
    /// An overall score that is not on the Cambridge English Scale.
    ResultScoreNotOnScale = "result_score_not_on_scale",
    /// A component score that is not a number in range.
    ResultComponentScore = "result_component_score",
    /// An overall score outside the band the exam's results report.
    ResultOutsideBand = "result_outside_band",
    /// A grade the overall score does not give.
    ResultGradeMismatch = "result_grade_mismatch",
    /// A CEFR level the overall score does not give.
    ResultCefrMismatch = "result_cefr_mismatch",
    /// An exam without a grade scale.
    ResultNoGradeScale = "result_no_grade_scale",
    /// A grade the exam does not have.
    ResultGradeUnknown = "result_grade_unknown",
    /// A CEFR level for an exam that reports none.
    ResultNoCefr = "result_no_cefr",
    /// A CEFR level other than the exam's own.
    ResultCefrNotTheExams = "result_cefr_not_the_exams",
    /// The entry breaks a rule of the centre's policy.
    EntryRefused = "entry_refused",
    /// The session is full (R-SESSION-CAPACITY).
    SessionFull = "session_full",
    /// The session is not open for entries.
    SessionClosed = "session_closed",
    /// An entry, its fee and a session's exam, date and delivery never move (R-NO-TRANSFER).
    NoTransfer = "no_transfer",
    /// The session is already cancelled.
    SessionCancelled = "session_cancelled",
    /// The session has enough entries to be held (R-SESSION-MINIMUM).
    MinimumReached = "minimum_reached",
    /// No extra time was asked for.
    NoExtraTimeRequest = "no_extra_time_request",
    /// Nothing was paid.
    NothingPaid = "nothing_paid",
    /// A Confirmation of Entry needs a confirmed entry.
    CoeNeedsConfirmed = "coe_needs_confirmed",
    /// The refund request is not in the state the step needs.
    RefundWrongState = "refund_wrong_state",
    /// The entry already has an open refund request (decided or confirmed).
    RefundAlreadyOpen = "refund_already_open",
    // After the exam.
    /// Only confirmed entries sit the exam (R-PL-ENTRY-COMPLETE).
    EntryNotConfirmed = "entry_not_confirmed",
    /// The exam's candidates are not photographed (R-PHOTO-DAY).
    PhotoNotRequired = "photo_not_required",
    /// No photo consent on file (R-PHOTO-CONSENT).
    NoPhotoConsent = "no_photo_consent",
    /// Results are released already (R-SPECIAL-CONSIDERATION).
    ResultsReleased = "results_released",
    /// Past a deadline.
    TooLate = "too_late",
    /// The case is closed already.
    CaseClosed = "case_closed",
    /// A written date never changes (R-TIMETABLE-CHANGE).
    DateFixed = "date_fixed",
    /// Outside the session's speaking window (R-TIMETABLE-CHANGE).
    OutsideWindow = "outside_window",
    /// The session has no speaking window (R-TIMETABLE-CHANGE).
    NoSpeakingWindow = "no_speaking_window",
    /// Results are not released yet (R-RELEASE).
    NotReleased = "not_released",
    /// The enquiry window closed (R-ENQUIRY).
    EnquiryWindowClosed = "enquiry_window_closed",
    /// The entry has no result.
    NoResult = "no_result",
    /// An enquiry is already open.
    EnquiryOpen = "enquiry_open",
    /// Stage 2 needs a completed Stage 1 (R-ENQUIRY).
    StageOneFirst = "stage_one_first",
    /// The enquiry is already completed.
    EnquiryClosed = "enquiry_closed",
    /// An appeal of the entry is lodged and not decided yet (R-APPEAL).
    AppealLodged = "appeal_lodged",
    /// An appeal against an enquiry's outcome needs a completed Stage 2 enquiry (R-APPEAL).
    AppealNeedsStageTwo = "appeal_needs_stage_two",
    /// An appeal against malpractice needs an upheld malpractice decision (R-APPEAL).
    AppealNeedsMalpractice = "appeal_needs_malpractice",
    /// The appeal is decided already.
    AppealDecided = "appeal_decided",
    /// The notices come with the Confirmation of Entry, not issued yet (R-NOTICES).
    NoticesNotSent = "notices_not_sent",
    /// The result and its certificate are withheld (R-MALPRACTICE).
    Withheld = "withheld",
    /// The certificate was already collected.
    Collected = "collected",
    /// The uncollected certificate was destroyed (R-PL-CERT-RETENTION).
    Destroyed = "destroyed",
    /// A replacement certificate is refused (R-CERT-REPLACEMENT).
    ReplacementRefused = "replacement_refused",
    // Verifiers.
    /// No result matches the lookup.
    LookupNoMatch = "lookup_no_match",
    /// None of the chosen results is shared with the organisation.
    NothingShared = "nothing_shared",
    /// The data-file template does not exist.
    TemplateNotFound = "template_not_found",
    /// A bulk verification list was refused (R-BULK-VERIFY); its rows say why.
    InvalidBulkFile = "invalid_bulk_file",
    /// A bulk verification list is neither CSV text nor an XLSX workbook.
    BulkFileUnreadable = "bulk_file_unreadable",
    /// A bulk verification list has no rows.
    BulkEmpty = "bulk_empty",
    /// A bulk verification list has more rows than one list may.
    BulkTooManyRows = "bulk_too_many_rows",
    /// The organisation's daily bulk verification rows are used up.
    BulkQuotaExceeded = "bulk_quota_exceeded",
    /// The bulk verification's report is not ready yet.
    BulkNotFinished = "bulk_not_finished",
    /// The API token expired (R-API).
    ApiTokenExpired = "api_token_expired",
    /// The organisation has no approved API access (R-API).
    ApiAccessNotApproved = "api_access_not_approved",
    /// The organisation asked for API access already.
    ApiAccessRequested = "api_access_requested",
    /// No approved organisation has this code (R-ORG-JOIN).
    JoinUnknownOrganisation = "join_unknown_organisation",
    /// A request to join with this email is waiting already (R-ORG-JOIN).
    JoinPending = "join_pending",
    // Stored data.
    /// A user with this login exists.
    ConflictLogin = "conflict_login",
    /// The candidate has an account already.
    ConflictAccount = "conflict_account",
    /// A tenant with this code exists.
    ConflictTenantCode = "conflict_tenant_code",
    /// Too many organisations share this name.
    ConflictOrganisationName = "conflict_organisation_name",
    /// The sign-up was decided already.
    ConflictAlreadyDecided = "conflict_already_decided",
    /// Only admin users can be removed.
    ConflictNotAdmin = "conflict_not_admin",
    /// The new primary user must be an admin with a password.
    ConflictPrimary = "conflict_primary",
    /// The target database holds data already.
    ConflictTargetNotEmpty = "conflict_target_not_empty",
    /// A copied table's row count differs.
    ConflictRowCount = "conflict_row_count",
    /// The tenant's status changed meanwhile (someone else suspended or reactivated it).
    ConflictTenantStatus = "conflict_tenant_status",
    /// The installation's own tenant cannot be suspended: its admins would be locked out.
    InstallationTenant = "installation_tenant",
    /// The email is not waiting to be tried again: it is being sent, or was sent.
    JobNotWaiting = "job_not_waiting",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A named parameter of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is (a value the person typed, a number, a date).
    Text(String),
    /// A field key, shown by its translated label.
    Field(String),
    /// A catalogue key (e.g. `reason.replacement_too_old`), shown translated.
    Term(String),
    /// Catalogue keys, shown translated and joined with commas.
    Terms(Vec<String>),
}

/// A refusal: what rule an input broke (`code`), the values the message needs (`args`) and the
/// input at fault (`field`, a key such as `late_entry_deadline`, shown to people by its label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    /// The stable code.
    pub code: ErrorCode,
    /// The input that broke the rule (a form field, a CLI flag, a config key), if any.
    pub field: Option<String>,
    /// Named values for the message template.
    pub args: Vec<(&'static str, Arg)>,
    /// A message written by the caller instead of the template (older call sites; English).
    pub detail: Option<String>,
}

/// At most this many characters of an input are quoted back in a message.
pub const QUOTED_CHARS: usize = 40;

/// `value` in backticks for a message, cut to [`QUOTED_CHARS`] characters with an ellipsis: a
/// refusal never echoes a whole hostile input (a 5 MB cell, a script) back to its sender.
pub fn quote(value: &str) -> String {
    format!("`{}`", bounded(value))
}

/// `value` cut to [`QUOTED_CHARS`] characters with an ellipsis, for a message template that
/// puts the backticks itself (`` `{value}` ``).
pub fn bounded(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(QUOTED_CHARS).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

impl DomainError {
    /// A refusal with `code` and no parameters yet.
    pub fn new(code: ErrorCode) -> Self {
        Self { code, field: None, args: Vec::new(), detail: None }
    }

    /// About the input `field`.
    pub fn on(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// With the parameter `{name}` shown as `value`.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// With the parameter `{name}` naming the field `key` by its label.
    pub fn arg_field(mut self, name: &'static str, key: impl Into<String>) -> Self {
        self.args.push((name, Arg::Field(key.into())));
        self
    }

    /// Named by `label` instead of the catalogue's label of its field: for inputs the catalogue
    /// cannot know, such as a plugin's settings, labelled by the plugin in the reader's language.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.args.push(("field", Arg::Text(label.into())));
        self
    }

    /// The text of the parameter `name`, if given as text.
    pub fn text_arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find_map(|(n, a)| match a {
            Arg::Text(s) if *n == name => Some(s.as_str()),
            _ => None,
        })
    }

    /// With the parameter `{name}` shown as the catalogue text `key`, translated.
    pub fn arg_term(mut self, name: &'static str, key: impl Into<String>) -> Self {
        self.args.push((name, Arg::Term(key.into())));
        self
    }

    /// With the parameter `{name}` shown as the catalogue texts `keys`, translated, joined by commas.
    pub fn arg_terms(mut self, name: &'static str, keys: impl IntoIterator<Item = String>) -> Self {
        self.args.push((name, Arg::Terms(keys.into_iter().collect())));
        self
    }

    /// An error about one named input, with a message written by the caller. Prefer a code.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { detail: Some(message.into()), ..Self::new(ErrorCode::InvalidInput).on(field) }
    }

    /// An error that is not about one input, with a message written by the caller. Prefer a code.
    pub fn rule(message: impl Into<String>) -> Self {
        Self { detail: Some(message.into()), ..Self::new(ErrorCode::InvalidInput) }
    }

    /// The message for a person reading `locale`, with the field named by its label.
    pub fn message(&self, locale: Locale) -> String {
        let cat = catalogue();
        if let Some(detail) = &self.detail {
            return match &self.field {
                Some(f) => {
                    format!("{}: {detail}", self.text_arg("field").map_or_else(|| cat.label(locale, f), str::to_owned))
                }
                None => detail.clone(),
            };
        }
        let mut text = cat.text(locale, &format!("error.{}", self.code.as_str())).to_owned();
        // A field labelled by its caller (a plugin's setting) keeps that label.
        if let Some(f) = &self.field
            && self.text_arg("field").is_none()
        {
            text = text.replace("{field}", &cat.label(locale, f));
        }
        for (name, arg) in &self.args {
            let value = match arg {
                Arg::Text(s) => s.clone(),
                Arg::Field(k) => cat.label(locale, k),
                Arg::Term(k) => cat.text(locale, k).to_owned(),
                Arg::Terms(keys) => keys.iter().map(|k| cat.text(locale, k)).collect::<Vec<_>>().join(", "),
            };
            text = text.replace(&format!("{{{name}}}"), &value);
        }
        text
    }
}

impl From<ErrorCode> for DomainError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

/// A conflict described in words by older code (storage's `Conflict("...".into())`).
impl From<String> for DomainError {
    fn from(detail: String) -> Self {
        Self { detail: Some(detail), ..Self::new(ErrorCode::Conflict) }
    }
}

impl From<&str> for DomainError {
    fn from(detail: &str) -> Self {
        detail.to_owned().into()
    }
}

impl std::fmt::Display for DomainError {
    /// The English message (logs and the CLI).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Locale::En))
    }
}

impl std::error::Error for DomainError {}

/// The label of the field `key` in `locale`, e.g. `late_entry_deadline` -> "Late entry deadline".
pub fn field_label(locale: Locale, key: &str) -> String {
    catalogue().label(locale, key)
}

/// The key under `[field]` naming the input `key`: indexed keys (`timetable[2].starts_at`) use
/// their list's label, generated ones (`order_family_name`) their family's.
pub fn label_key(key: &str) -> String {
    let base = key.split(['[', '.']).next().unwrap_or(key);
    let base = if base.starts_with("order_") { "order" } else { base };
    format!("field.{base}")
}

/// The catalogue sources: one TOML file per language with `[error]` and `[field]` tables.
pub const CATALOGUE_SOURCES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../locales/en.toml")),
    (Locale::Pl, include_str!("../locales/pl.toml")),
    (Locale::Hu, include_str!("../locales/hu.toml")),
    (Locale::It, include_str!("../locales/it.toml")),
];

/// Error messages and field labels by language, flattened to `error.<code>` / `field.<key>`.
#[derive(Debug)]
pub struct Catalogue {
    texts: crate::catalogue::TextCatalogue,
}

impl Catalogue {
    fn parse() -> Result<Self, String> {
        Ok(Self { texts: crate::catalogue::TextCatalogue::parse(&CATALOGUE_SOURCES)? })
    }

    /// Every `(key, text)` of `locale`.
    pub fn entries(&self, locale: Locale) -> impl Iterator<Item = (&str, &str)> {
        self.texts.texts(locale).into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The text for `key` in `locale`, else in English, else the key itself.
    pub fn text<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        self.texts.text(locale, key)
    }

    /// Whether `key` has a text in `locale` itself (no fallback).
    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.texts.has(locale, key)
    }

    fn label(&self, locale: Locale, field: &str) -> String {
        let key = label_key(field);
        let text = self.text(locale, &key);
        // A field without a label is a defect caught by tests; the raw key is the last resort.
        if text == key { field.to_owned() } else { text.to_owned() }
    }
}

/// The embedded catalogue, parsed once.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue::parse().expect("the embedded error catalogue parses (checked by tests)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<String> {
        let mut v: Vec<String> =
            s.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(n, _)| n.to_owned())).collect();
        v.sort();
        v
    }

    #[test]
    fn every_code_has_a_message_in_every_language() {
        let cat = Catalogue::parse().unwrap();
        let mut missing = Vec::new();
        for code in ErrorCode::ALL {
            for locale in Locale::ALL {
                if !cat.has(locale, &format!("error.{code}")) {
                    missing.push(format!("{locale}: error.{code}"));
                }
            }
        }
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
    }

    #[test]
    fn every_label_and_message_exists_in_every_language_with_the_same_placeholders() {
        let cat = Catalogue::parse().unwrap();
        for (key, english) in cat.entries(Locale::En) {
            if let Some(code) = key.strip_prefix("error.") {
                assert!(code.parse::<ErrorCode>().is_ok(), "{key} names no code");
            }
            for locale in [Locale::Pl, Locale::Hu, Locale::It] {
                assert!(cat.has(locale, key), "{locale} lacks {key}");
                assert_eq!(placeholders(cat.text(locale, key)), placeholders(english), "{locale} {key}");
                assert_ne!(cat.text(locale, key), "", "{locale} {key}");
            }
        }
    }

    #[test]
    fn codes_are_snake_case_on_the_wire() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
        }
    }

    #[test]
    fn a_message_names_its_field_by_label_in_the_readers_language() {
        let e =
            DomainError::new(ErrorCode::DateOrder).on("late_entry_deadline").arg_field("other", "registration_closes");
        assert_eq!(e.message(Locale::En), "Late entry deadline must not be before Registration closes.");
        let pl = e.message(Locale::Pl);
        assert!(pl.contains("Termin zgłoszeń spóźnionych") && !pl.contains("late_entry_deadline"), "{pl}");
        assert!(!e.message(Locale::It).contains("registration_closes"));
        assert_eq!(label_key("timetable[2].starts_at"), "field.timetable");
        assert_eq!(label_key("order_family_name"), "field.order");
    }

    #[test]
    fn older_call_sites_keep_their_words() {
        let e = DomainError::field("email", "is odd");
        assert_eq!((e.code, e.message(Locale::En)), (ErrorCode::InvalidInput, "Email address: is odd".to_owned()));
        let c: DomainError = "taken".into();
        assert_eq!((c.code, c.to_string()), (ErrorCode::Conflict, "taken".to_owned()));
    }

    #[test]
    fn quote_bounds_what_is_echoed() {
        assert_eq!(quote("ZZ"), "`ZZ`");
        assert_eq!(quote(&"é".repeat(40)), format!("`{}`", "é".repeat(40)));
        assert_eq!(quote(&"x".repeat(5_000_000)), format!("`{}…`", "x".repeat(40)));
    }
}
