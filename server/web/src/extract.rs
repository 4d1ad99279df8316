//! axum's extractors with their rejections in the error shape: bad JSON, a wrong content type,
//! a body over the limit or a bad path parameter answer `{"error": {code, message, field}}` on
//! the API and an error page on pages, never axum's plain text. Handlers import `Json`, `Path`
//! and `Query` from here; `CsrfForm` and multipart uploads convert their rejections the same way.

use crate::error::HttpError;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON body (request) or JSON answer (response).
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(HttpError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(HttpError))]
pub struct Path<T>(pub T);

/// The query string.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(HttpError))]
pub struct Query<T>(pub T);

/// A `multipart/form-data` body (uploads); its errors convert to `HttpError` with `?`.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = HttpError;
    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        Ok(Self(axum::extract::Multipart::from_request(req, state).await?))
    }
}

impl Multipart {
    /// The next part, if any.
    pub async fn next_field(&mut self) -> Result<Option<axum::extract::multipart::Field<'_>>, HttpError> {
        Ok(self.0.next_field().await?)
    }
}

/// A whole body as bytes (a file posted as it is).
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = HttpError;
    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        Ok(Self(axum::body::Bytes::from_request(req, state).await?))
    }
}

/// The error for a rejected request: the status axum chose, a stable code for it.
fn rejected(status: StatusCode, message: String, field: Option<String>, syntax_code: &'static str) -> HttpError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => return HttpError::internal(message),
        _ => syntax_code,
    };
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is larger than this server accepts.".to_owned(),
        _ => message,
    };
    let error = HttpError::bad_request(message).with(status, code);
    match field {
        Some(f) => error.on(f),
        None => error,
    }
}

/// The input a deserialisation message names: `missing field `x``, or the path before the
/// first `: ` of a serde_path_to_error message (`limit: invalid digit found in string`).
fn field_of(message: &str) -> Option<String> {
    if let Some(rest) = message.split("missing field `").nth(1) {
        return rest.split('`').next().map(str::to_owned);
    }
    if let Some(rest) = message.split("unknown field `").nth(1) {
        return rest.split('`').next().map(str::to_owned);
    }
    // axum prefixes its own sentence ("Failed to deserialize ...: "), then the path, then the cause.
    let (_, detail) = message.split_once(": ")?;
    let (path, _) = detail.split_once(": ")?;
    let is_path = !path.is_empty()
        && path != "."
        && path.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-'));
    is_path.then(|| path.to_owned())
}

impl From<JsonRejection> for HttpError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        let (code, field) = match &r {
            JsonRejection::JsonDataError(_) => ("invalid_input", field_of(&text)),
            _ => ("invalid_json", None),
        };
        rejected(r.status(), text, field, code)
    }
}

impl From<FormRejection> for HttpError {
    fn from(r: FormRejection) -> Self {
        let text = r.body_text();
        let field = field_of(&text);
        // A form that does not deserialise is malformed (400), as pages have always answered.
        let status = match r.status() {
            s @ (StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE) => s,
            s if s.is_server_error() => s,
            _ => StatusCode::BAD_REQUEST,
        };
        rejected(status, text, field, "invalid_input")
    }
}

impl From<QueryRejection> for HttpError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let field = field_of(&text);
        rejected(StatusCode::BAD_REQUEST, text, field, "invalid_input")
    }
}

impl From<PathRejection> for HttpError {
    fn from(r: PathRejection) -> Self {
        let field = match &r {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::ParseErrorAtKey { key, .. }
                | ErrorKind::InvalidUtf8InPathParam { key }
                | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
                _ => None,
            },
            _ => None,
        };
        rejected(r.status(), r.body_text(), field, "invalid_input")
    }
}

impl From<BytesRejection> for HttpError {
    fn from(r: BytesRejection) -> Self {
        rejected(r.status(), r.body_text(), None, "invalid_input")
    }
}

impl From<MultipartRejection> for HttpError {
    fn from(r: MultipartRejection) -> Self {
        rejected(r.status(), r.body_text(), None, "invalid_input")
    }
}

impl From<MultipartError> for HttpError {
    fn from(e: MultipartError) -> Self {
        rejected(e.status(), e.body_text(), None, "invalid_input")
    }
}

/// Refuses a request whose declared length is above the body limit before any handler runs, so
/// that a route which reads no body answers 413 like one that does.
///
/// Every 413 (this one or an extractor's) says `Connection: close`: the rest of the body was
/// never read, so the connection cannot carry another request, and a client that pooled it
/// would see its next request fail half-way.
pub(crate) async fn refuse_oversized(
    axum::extract::State(limit): axum::extract::State<usize>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut res = if declared.is_some_and(|n| n > limit as u64) {
        rejected(StatusCode::PAYLOAD_TOO_LARGE, String::new(), None, "invalid_input").into_response()
    } else {
        next.run(req).await
    };
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        res.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    res
}

/// The error shape for a response the framework made itself (an unknown route, a method the
/// route does not have, a rejection from an extractor not wrapped here).
pub(crate) fn framework_error(status: StatusCode) -> HttpError {
    match status {
        StatusCode::NOT_FOUND => HttpError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => {
            HttpError::bad_request("This address does not accept this method.").with(status, "method_not_allowed")
        }
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            rejected(status, "The request body was refused.".into(), None, "invalid_input")
        }
        s if s.is_server_error() => HttpError::internal(format!("framework answered {s}")),
        s => HttpError::bad_request("The request was refused.").with(s, "invalid_input"),
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn names_the_field_of_a_deserialisation_message() {
        assert_eq!(
            field_of("Failed to deserialize query string: limit: invalid digit found in string").as_deref(),
            Some("limit")
        );
        assert_eq!(
            field_of("Failed to deserialize the JSON body into the target type: missing field `password` at line 1")
                .as_deref(),
            Some("password")
        );
        assert_eq!(
            field_of("Failed to deserialize the JSON body into the target type: items[0].amount: invalid type")
                .as_deref(),
            Some("items[0].amount")
        );
        assert_eq!(field_of("Expected request with `Content-Type: application/json`"), None);
    }
}
