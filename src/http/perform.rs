//! Runs a use case (`crate::workflow`) in one transaction on the blocking pool, and maps its
//! refusal to the API's error.

use diesel::prelude::*;

use crate::db;
use crate::http::{ApiError, AppState};
use crate::workflow::Refusal;

/// Runs `use_case` in a transaction: committed when it returns `Ok`, rolled back otherwise.
pub async fn perform<T, F>(state: &AppState, use_case: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, Refusal> + Send + 'static,
    T: Send + 'static,
{
    db::run(&state.pool, move |conn| {
        conn.transaction(use_case).map_err(ApiError::from)
    })
    .await
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::NotFound,
            Refusal::Forbidden(message) => ApiError::Forbidden(message),
            Refusal::Conflict {
                code,
                message,
                extra,
            } => ApiError::Conflict {
                code,
                message,
                extra,
            },
            Refusal::Invalid(input) => input.into(),
            Refusal::RateLimited { retry_after_secs } => ApiError::RateLimited { retry_after_secs },
            Refusal::Database(error) => error.into(),
            Refusal::Internal(error) => ApiError::Internal(error),
        }
    }
}
