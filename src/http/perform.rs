//! Runs a use case (`crate::workflow`) in one transaction on the blocking pool, and maps its
//! refusal to the API's error.

use actix_web::web;

use crate::db::models::User;
use crate::db::{self, Conn};
use crate::http::{ApiError, AppState, CurrentUser};
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

/// Runs `use_case` for the caller on what the path names (an id, or a small path struct such as
/// a project and one of its partners): the shape of most routes below `/api/`.
pub async fn for_caller<P, T, F>(
    state: &AppState,
    current: &CurrentUser,
    path: web::Path<P>,
    use_case: F,
) -> Result<T, ApiError>
where
    P: Send + 'static,
    F: FnOnce(&mut Conn, &User, P) -> Result<T, Refusal> + Send + 'static,
    T: Send + 'static,
{
    let target = path.into_inner();
    let actor = current.user.clone();
    perform(state, move |conn| use_case(conn, &actor, target)).await
}

/// Runs `use_case` for the caller, on nothing named by the path (what they create or list).
pub async fn as_caller<T, F>(
    state: &AppState,
    current: &CurrentUser,
    use_case: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn, &User) -> Result<T, Refusal> + Send + 'static,
    T: Send + 'static,
{
    let actor = current.user.clone();
    perform(state, move |conn| use_case(conn, &actor)).await
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
