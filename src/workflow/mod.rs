//! Use cases: what a person does in Amont, between the HTTP layer and the database.
//!
//! Each use case takes a connection and the acting user, runs its own checks and writes (in the
//! caller's transaction), and returns its result or a [`Refusal`] — never an HTTP type. The HTTP
//! layer parses the input, calls one use case inside a transaction, and shapes the answer.

pub mod agenda;
pub mod asking;
pub mod attestations;
pub mod calendar_feed;
pub mod concertation;
pub mod consent;
pub mod convocation;
pub mod follow_up;
pub mod invitations;
pub mod meetings;
pub mod membership;
pub mod partnerships;
pub mod poll;
pub mod projects;
pub mod receipts;
pub mod rsvp;
pub mod sessions;
pub mod sheet;
pub mod signing;
pub mod time;
pub mod todo;
pub mod verification;

use serde_json::{Map, Value};

use crate::domain::input::InputError;

/// Why a use case did not do what was asked, in words the HTTP layer maps to its statuses.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The thing does not exist for this person (it may exist for others: we do not say).
    #[error("not found")]
    NotFound,
    /// The person sees the thing but may not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// The current state does not allow it; `code` is the contract's stable code.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        extra: Map<String, Value>,
    },
    #[error(transparent)]
    Invalid(#[from] InputError),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// The database cannot be reached now (no connection available).
    #[error("the database is unavailable")]
    Unavailable,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::auth::AccessError> for Refusal {
    fn from(error: crate::auth::AccessError) -> Self {
        use crate::auth::AccessError;
        match error {
            AccessError::NotFound => Refusal::NotFound,
            AccessError::Forbidden(message) => Refusal::Forbidden(message),
            AccessError::Database(error) => Refusal::Database(error),
        }
    }
}

impl From<crate::db::DbError> for Refusal {
    fn from(error: crate::db::DbError) -> Self {
        use crate::db::DbError;
        match error {
            DbError::Query(error) => Refusal::Database(error),
            DbError::Pool(_) => Refusal::Unavailable,
            other => Refusal::Internal(other.into()),
        }
    }
}

impl From<crate::auth::RateLimited> for Refusal {
    fn from(limited: crate::auth::RateLimited) -> Self {
        Refusal::RateLimited {
            retry_after_secs: limited.retry_after_secs,
        }
    }
}

impl Refusal {
    pub fn forbidden(message: impl Into<String>) -> Self {
        Refusal::Forbidden(message.into())
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Refusal::Conflict {
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// Adds a member to a conflict's body.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        if let Refusal::Conflict { extra, .. } = &mut self {
            extra.insert(key.to_owned(), value);
        }
        self
    }
}
