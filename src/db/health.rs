//! Whether the database answers, for the health check.

use std::time::Duration;

use diesel::RunQueryDsl;

use super::{DbError, DbPool};

/// Takes a connection within `timeout` and runs the simplest query (blocking: call it from
/// the blocking pool).
pub fn probe(pool: &DbPool, timeout: Duration) -> Result<(), DbError> {
    let mut conn = pool.get_timeout(timeout)?;
    diesel::sql_query("SELECT 1").execute(&mut conn)?;
    Ok(())
}
