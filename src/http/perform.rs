//! Runs a use case (`crate::workflow`) in one transaction on the blocking pool, and maps its
//! refusal to the API's error.

use crate::db::{self, Conn};
use crate::http::{ApiError, AppState};
use crate::workflow::Refusal;

/// Runs `use_case` in a transaction: committed when it returns `Ok`, rolled back otherwise.
pub async fn perform<T, F>(state: &AppState, use_case: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn) -> Result<T, Refusal> + Send + 'static,
    T: Send + 'static,
{
    db::transaction(&state.pool, use_case)
        .await
        .map_err(ApiError::from)
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
            Refusal::Unavailable => ApiError::Unavailable("database unavailable".into()),
            Refusal::Database(error) => error.into(),
            Refusal::Internal(error) => ApiError::Internal(error),
        }
    }
}
