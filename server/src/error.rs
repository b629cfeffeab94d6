//! The API's error type: every failure leaves the server as `{"error": {code, message, field}}`.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roster_model::{ApiError, ErrorBody, ErrorCode};

use crate::store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub error: ApiError,
    /// Seconds the client should wait before trying again (`Retry-After`).
    pub retry_after: Option<i64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::from(ApiError::new(code, message))
    }

    /// A request whose `field` does not match the contract (400): a query parameter of the wrong
    /// shape, say.
    pub fn malformed(field: &str, message: impl Into<String>) -> Self {
        AppError::from(ApiError::new(ErrorCode::BadRequest, message).with_field(field))
    }

    /// A well-formed request whose `field` breaks a rule (422).
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::from(ApiError::new(ErrorCode::InvalidValue, message).with_field(field))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::new(ErrorCode::NotFound, message)
    }

    /// The answer when the server is too busy to take the request now.
    pub fn busy(retry_after: i64) -> Self {
        AppError::new(
            ErrorCode::Unavailable,
            "The server is busy. Try again in a moment.",
        )
        .retry_after(retry_after)
    }

    pub fn retry_after(mut self, seconds: i64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> Self {
        AppError {
            error,
            retry_after: None,
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::new(
                ErrorCode::PayloadTooLarge,
                "The request is larger than the API accepts. Send fewer items at a time.",
            );
        }
        AppError::new(ErrorCode::BadRequest, rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::new(ErrorCode::BadRequest, rejection.body_text())
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Busy => {
                // Another writer held the database past the busy timeout: a retry will likely pass.
                tracing::warn!("database busy; answered 503");
                return AppError::busy(1);
            }
            StoreError::NoLongerActs => {
                return AppError::new(ErrorCode::Forbidden, crate::store::NO_LONGER_ACTS);
            }
            _ => {}
        }
        // The details stay in the server log; clients get a stable code and no internals.
        tracing::error!(%error, "store failure");
        AppError::new(
            ErrorCode::Internal,
            "Something went wrong on the server. Try again in a moment.",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(ErrorBody { error: self.error })).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
