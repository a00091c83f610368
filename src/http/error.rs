//! The one error type of the API: a stable snake_case code, a real status, a human message.
//!
//! Internal causes are logged with their whole chain and never sent to the client: a 500 says
//! only that something went wrong on the server.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value};

use crate::db::{DbError, QueryError};
use crate::http::views::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    InvalidInput {
        message: String,
        field: Option<String>,
    },
    /// A link's token that cannot be used: 400 `invalid_input` on `token`, with a `reason`
    /// (`unknown`, `used`, `expired`, `revoked`, `consultation_over`) the page explains.
    #[error("{message}")]
    TokenRefused {
        reason: &'static str,
        message: String,
    },
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// A 409 with its own code and extra members (the gate's `unmet` list, for instance).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        extra: Map<String, Value>,
    },
    #[error("request too large")]
    TooLarge,
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// A 429 that says which limit was reached (the update rounds of a meeting, say).
    #[error("{message}")]
    LimitReached {
        retry_after_secs: u64,
        message: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            message: message.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// Adds a member to a 409's body (the current status, the current hash, …).
    pub fn with(mut self, key: &str, value: Value) -> Self {
        if let ApiError::Conflict { extra, .. } = &mut self {
            extra.insert(key.to_owned(), value);
        }
        self
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidInput { .. } | ApiError::TokenRefused { .. } => "invalid_input",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Conflict { code, .. } => code,
            ApiError::TooLarge => "too_large",
            ApiError::RateLimited { .. } | ApiError::LimitReached { .. } => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<crate::domain::input::InputError> for ApiError {
    fn from(err: crate::domain::input::InputError) -> Self {
        ApiError::InvalidInput {
            message: err.message,
            field: Some(err.field.to_owned()),
        }
    }
}

impl From<crate::auth::RateLimited> for ApiError {
    fn from(limited: crate::auth::RateLimited) -> Self {
        ApiError::RateLimited {
            retry_after_secs: limited.retry_after_secs,
        }
    }
}

impl From<crate::auth::AccessError> for ApiError {
    fn from(error: crate::auth::AccessError) -> Self {
        use crate::auth::AccessError;
        match error {
            AccessError::NotFound => ApiError::NotFound,
            AccessError::Forbidden(message) => ApiError::Forbidden(message),
            AccessError::Database(error) => error.into(),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Query(QueryError::NotFound) => ApiError::NotFound,
            DbError::Query(ref query)
                if matches!(
                    crate::document::document_error(query),
                    Some(crate::document::DocumentError::TooLarge { .. })
                ) =>
            {
                ApiError::TooLarge
            }
            DbError::Pool(_) => ApiError::Unavailable("database unavailable".into()),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(err: QueryError) -> Self {
        ApiError::from(DbError::Query(err))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidInput { .. } | ApiError::TokenRefused { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } | ApiError::LimitReached { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                "Something went wrong on the server; it has been logged.".to_owned()
            }
            ApiError::Unavailable(reason) => {
                tracing::warn!(reason, "service unavailable");
                "The service is temporarily unavailable; try again shortly.".to_owned()
            }
            other => other.to_string(),
        };
        let mut body = ErrorBody::new(self.code(), message);
        match self {
            ApiError::InvalidInput {
                field: Some(field), ..
            } => body.field = Some(field.clone()),
            ApiError::TokenRefused { reason, .. } => {
                body.field = Some("token".into());
                body.reason = Some(reason);
            }
            ApiError::Conflict { extra, .. } => body.extra = extra.clone(),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::RateLimited { retry_after_secs }
        | ApiError::LimitReached {
            retry_after_secs, ..
        } = self
        {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(*retry_after_secs)));
        }
        response.json(body)
    }
}

/// Turns actix's extractor errors (bad JSON, bad path, bad query) into `invalid_input`.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::TooLarge.into(),
        E::ContentType => {
            ApiError::invalid("expected a JSON body (Content-Type: application/json)").into()
        }
        E::Deserialize(e) => {
            let message = format!("invalid JSON body: {e}");
            match field_named_by(&e) {
                Some(field) => ApiError::invalid_field(&field, message).into(),
                None => ApiError::invalid(message).into(),
            }
        }
        other => ApiError::invalid(format!("invalid JSON body: {other}")).into(),
    }
}

/// A JSON body parsed by the handler itself, once it has checked the caller may act on what the
/// path names (a stranger learns nothing from a 400 about the body): the refusals of the
/// `web::Json` extractor, as [`json_error`] words them.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    request: &actix_web::HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    use actix_web::HttpMessage;
    let json = request.mime_type().ok().flatten().is_some_and(|mime| {
        mime.subtype() == actix_web::mime::JSON || mime.suffix() == Some(actix_web::mime::JSON)
    });
    if !json {
        return Err(ApiError::invalid(
            "expected a JSON body (Content-Type: application/json)",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        let message = format!("invalid JSON body: {e}");
        match field_named_by(&e) {
            Some(field) => ApiError::invalid_field(&field, message),
            None => ApiError::invalid(message),
        }
    })
}

/// The field serde names in its message (`missing field `title``, `unknown field …`,
/// `duplicate field …`): serde_json keeps no path, but these messages name the field at fault.
fn field_named_by(error: &serde_json::Error) -> Option<String> {
    if !error.is_data() {
        return None;
    }
    let message = error.to_string();
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field.to_owned())
}

pub fn path_error(
    err: actix_web::error::PathError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::NotFound.into_with_log(&err)
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::invalid(format!("invalid query string: {err}")).into()
}

impl ApiError {
    fn into_with_log(self, cause: &dyn std::fmt::Display) -> actix_web::Error {
        tracing::debug!(%cause, "path did not parse");
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        size: Option<u32>,
    }

    fn field(json: &str) -> Option<String> {
        field_named_by(&serde_json::from_str::<Body>(json).unwrap_err())
    }

    #[test]
    fn serde_messages_name_the_field_at_fault() {
        assert_eq!(field(r#"{"size": 2}"#).as_deref(), Some("title"));
        assert_eq!(field(r#"{"title": "a", "x": 1}"#).as_deref(), Some("x"));
        assert_eq!(
            field(r#"{"title": "a", "title": "b"}"#).as_deref(),
            Some("title")
        );
        // Type errors carry no field name in serde_json's message; syntax errors neither.
        assert_eq!(field(r#"{"title": 3}"#), None);
        assert_eq!(field(r#"{"title": "#), None);
    }
}
