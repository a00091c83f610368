//! What the server says about itself and about what went wrong: `Health`, and the body of every
//! error (`Error` of the OpenAPI document).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// `Health`: `ok`, or `degraded` with why the database does not answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthView {
    pub status: &'static str,
    /// `ok`, or why not (`unreachable`, `query failed`, `check cancelled`).
    pub database: &'static str,
}

/// The body of every error: a stable code, a human message, and what some errors add (the
/// field at fault, a refused link's reason, a 409's own members). The 409s' members are open
/// (the gate's `unmet`, a `status`, a `content_hash`, …), which is why the document's `Error`
/// is not checked against this type member by member.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ErrorBody {
    pub fn new(error: &'static str, message: impl Into<String>) -> Self {
        ErrorBody {
            error,
            message: message.into(),
            field: None,
            reason: None,
            extra: Map::new(),
        }
    }
}
