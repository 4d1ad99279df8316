//! One error type for every handler. API callers get one JSON shape with a stable code; people
//! get a page in their language.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tessera_domain::DomainError;
use tessera_storage::StorageError;

/// An error a handler returns.
#[derive(Debug, Clone)]
pub struct AppError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code, e.g. `not_found`, `invalid_input`.
    pub code: &'static str,
    /// A message for a person.
    pub message: String,
    /// The input at fault, when there is one.
    pub field: Option<String>,
    /// Seconds to wait before retrying (429 and 503).
    pub retry_after: Option<u64>,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The input at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, retry_after: None }
    }

    /// 404: the resource does not exist for this caller (also what other tenants' data looks like).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "There is nothing here.")
    }

    /// 400: a bad input.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }

    /// 401: sign in first.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Please sign in.")
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "You are not allowed to do this.")
    }

    /// 403: the form's anti-forgery token is missing or wrong.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "This form has expired or did not come from Tessera. Reload the page and try again.",
        )
    }

    /// 409: conflicts with existing data.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 429: too many attempts.
    pub fn too_many(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many attempts. Please wait and try again.")
        }
    }

    /// 503: the server is saturated right now.
    pub fn busy(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "The server is busy. Please try again in a moment.")
        }
    }

    /// 500: our fault; the cause goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
    }

    /// With a different status and code, keeping the message.
    pub fn with(mut self, status: StatusCode, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }

    /// Whether this is a refusal of the input (a 4xx other than "not found"): pages show the
    /// form again with the message instead of an error page.
    pub fn is_refusal(&self) -> bool {
        self.status.is_client_error() && self.code != "not_found"
    }

    /// With another message, keeping status and code.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail { code: self.code.to_owned(), message: self.message.clone(), field: self.field.clone() },
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let message = match &e.field {
            Some(f) => format!("{f}: {}", e.message),
            None => e.message.clone(),
        };
        Self { field: e.field, ..Self::new(StatusCode::BAD_REQUEST, "invalid_input", message) }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found(),
            StorageError::Conflict(m) => Self::conflict(m),
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
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl IntoResponse for AppError {
    /// The JSON shape; pages turn errors into HTML themselves (see `routes::pages::page_error`).
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body())).into_response();
        // Page routes turn this into an HTML page (see `routes::pages::html_errors`).
        res.extensions_mut().insert(self.clone());
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// A handler result.
pub type AppResult<T> = Result<T, AppError>;
