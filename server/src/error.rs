//! The API's error type: every failure leaves the server as `{"error": {code, message, field}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use roster_model::{ApiError, ErrorBody, ErrorCode};

use crate::store::StoreError;

#[derive(Debug)]
pub struct AppError(pub ApiError);

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError(ApiError::new(code, message))
    }

    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        AppError(ApiError::new(ErrorCode::BadRequest, message).with_field(field))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::new(ErrorCode::NotFound, message)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
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
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { error: self.0 })).into_response()
    }
}
