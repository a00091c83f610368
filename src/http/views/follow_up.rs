//! The follow-up's JSON shapes (`Decision`, `Position`, `Action` of the OpenAPI document). They
//! are the register's entries exactly as `db::follow_up` reads them for the API (the CSV, the
//! sheet and the digest read the same entries), so they are named here rather than copied.

pub use crate::db::follow_up::{ActionView, DecisionView, PositionView};
