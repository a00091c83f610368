//! What a person has to do (`GET /api/me/todo`).

use schemars::JsonSchema;
use serde::Serialize;

use crate::domain::todo::TodoItem;

/// `Todo`: the caller's things to do, in the order to see them.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Todo")]
pub struct TodoView {
    pub items: Vec<TodoItem>,
}
