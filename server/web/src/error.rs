//! The HTTP face of the workflows' error ([`AppError`]): its status, the API's JSON shape with a
//! stable code and a message in the caller's language, and the headers that go with it. Pages
//! show the message beside the field at fault (see `routes::pages::html_errors`).

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::{Arc, OnceLock};
pub use tessera_app::error::{AppError, PageError, status_of};
use tessera_domain::{ErrorCode, Locale};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// What a handler returns when it refuses: a workflow's [`AppError`], answered over HTTP.
#[derive(Debug, Clone)]
pub struct HttpError(pub AppError);

impl std::ops::Deref for HttpError {
    type Target = AppError;
    fn deref(&self) -> &AppError {
        &self.0
    }
}

impl From<AppError> for HttpError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl From<tessera_domain::DomainError> for HttpError {
    fn from(e: tessera_domain::DomainError) -> Self {
        Self(e.into())
    }
}

impl From<ErrorCode> for HttpError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

/// The constructors handlers use, as on [`AppError`].
impl HttpError {
    /// An error with `code`.
    pub fn new(code: ErrorCode) -> Self {
        Self(AppError::new(code))
    }
    /// A refusal with `code` about the input `field`.
    pub fn at(code: ErrorCode, field: impl Into<String>) -> Self {
        Self(AppError::at(code, field))
    }
    /// 404.
    pub fn not_found() -> Self {
        Self(AppError::not_found())
    }
    /// 500: the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self(AppError::internal(cause))
    }
    /// 400 described by the caller. Prefer a code.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self(AppError::bad_request(message))
    }
    /// 401.
    pub fn unauthenticated() -> Self {
        Self(AppError::unauthenticated())
    }
    /// 403.
    pub fn forbidden() -> Self {
        Self(AppError::forbidden())
    }
    /// 403: bad anti-forgery token.
    pub fn csrf() -> Self {
        Self(AppError::csrf())
    }
    /// 429.
    pub fn too_many(retry_after: u64) -> Self {
        Self(AppError::too_many(retry_after))
    }
    /// 503.
    pub fn busy(retry_after: u64) -> Self {
        Self(AppError::busy(retry_after))
    }
    /// 400, or 413 above `limit_bytes`: an unreadable body rejected with `status`.
    pub fn unreadable(status: axum::http::StatusCode, limit_bytes: usize) -> Self {
        Self(AppError::unreadable(status, limit_bytes))
    }
    /// About the input `field`.
    pub fn on(self, field: impl Into<String>) -> Self {
        Self(self.0.on(field))
    }
    /// With the message parameter `{name}`.
    pub fn arg(self, name: &'static str, value: impl std::fmt::Display) -> Self {
        Self(self.0.arg(name, value))
    }
    /// With another code (named as on the wire), keeping the message (see [`AppError::with`]).
    pub fn with(self, status: axum::http::StatusCode, code: &'static str) -> Self {
        Self(self.0.with(status, code))
    }
    /// With a message written by the caller (see [`AppError::message`]).
    pub fn message(self, message: impl Into<String>) -> Self {
        Self(self.0.message(message))
    }
    /// The JSON body, with the message in `locale`.
    pub fn body(&self, locale: Locale) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail { code: self.error.code, message: self.text(locale), field: self.error.field.clone() },
        }
    }
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
    /// Stable machine-readable code (see the manual, docs/src/api.md, for the list).
    #[schema(schema_with = error_code_schema)]
    pub code: ErrorCode,
    /// The message for a person, in the caller's language (`Accept-Language`, else the language
    /// of the signed-in user's centre or organisation, else English).
    pub message: String,
    /// The input at fault, if any (its key, e.g. `late_entry_deadline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `code` as an enum of every code in the OpenAPI document.
fn error_code_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .description(Some("Stable machine-readable error code."))
}

impl IntoResponse for HttpError {
    /// The JSON shape in English; [`localise_errors`] answers in the caller's language, and pages
    /// turn errors into HTML themselves (see `routes::pages::html_errors`).
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body(Locale::En))).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(self);
        res
    }
}

/// The language of the signed-in caller, noted by the user extractors while the request runs so
/// that an error answered later can be written in it.
#[derive(Debug, Clone, Default)]
pub struct CallerLocale(Arc<OnceLock<Locale>>);

impl CallerLocale {
    /// Notes the caller's language (the first note wins).
    pub fn note(&self, locale: Locale) {
        let _ = self.0.set(locale);
    }

    /// The noted language, if any.
    pub fn get(&self) -> Option<Locale> {
        self.0.get().copied()
    }
}

/// The first supported language of `Accept-Language`, if any.
pub fn accept_language(headers: &axum::http::HeaderMap) -> Option<Locale> {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(|v| {
        v.split(',').find_map(|part| part.split(';').next().and_then(|tag| tag.trim().parse::<Locale>().ok()))
    })
}

/// Middleware for the API: rewrites an error's body in the caller's language (`Accept-Language`,
/// else the signed-in user's centre or organisation, else English).
pub async fn localise_errors(mut req: Request, next: Next) -> Response {
    let asked = accept_language(req.headers());
    let caller = CallerLocale::default();
    req.extensions_mut().insert(caller.clone());
    let res = next.run(req).await;
    let Some(err) = res.extensions().get::<HttpError>() else { return res };
    let locale = asked.or_else(|| caller.get()).unwrap_or(Locale::En);
    if locale == Locale::En {
        return res;
    }
    let body = err.body(locale);
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = serde_json::to_vec(&body).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(json))
}

/// A handler result.
pub type AppResult<T> = Result<T, HttpError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_keeps_its_shape_in_the_callers_language() {
        let e = HttpError::at(ErrorCode::InvalidAmount, "amount").arg("value", "abc");
        let v = serde_json::to_value(e.body(Locale::It)).unwrap();
        assert_eq!(v["error"]["code"], "invalid_amount");
        assert_eq!(v["error"]["field"], "amount");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("Importo") && !msg.contains("amount"), "{msg}");
    }
}
