//! Storage: the connection pool, the embedded migrations, the diesel schema and queries.
//!
//! Diesel is synchronous; every query runs on actix's blocking thread pool through [`run`], so a
//! slow query never stalls an actix worker. Query functions take `&mut PgConnection` so that they
//! compose inside one transaction.

pub mod embedded;
pub mod follow_up;
pub mod meetings;
pub mod models;
pub mod organizations;
pub mod proof;
pub mod schema;
pub mod users;

use std::time::Duration;

use anyhow::{Context, Result};
use diesel::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use url::Url;

use crate::config::redacted;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

/// Opens a pool, failing fast (with the URL, password hidden) when the server is unreachable.
pub fn connect(url: &Url, max_size: u32) -> Result<DbPool> {
    // One direct attempt first: it fails at once with the server's own reason, where the pool
    // would retry until its timeout and then report only that it timed out.
    use diesel::Connection;
    PgConnection::establish(url.as_str())
        .with_context(|| format!("cannot connect to the database at {}", redacted(url)))?;
    let manager = ConnectionManager::<PgConnection>::new(url.as_str());
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .with_context(|| format!("cannot connect to the database at {}", redacted(url)))
}

/// Applies the migrations that are not applied yet; returns their names.
pub fn migrate(conn: &mut PgConnection) -> Result<Vec<String>> {
    let applied: Vec<String> = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
        .iter()
        .map(|v| v.to_string())
        .collect();
    organizations::backfill_name_keys(conn).context("cannot fill organizations' name keys")?;
    Ok(applied)
}

/// Why a database call failed, as the HTTP layer needs to know it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("the database task was cancelled")]
    Cancelled,
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn run<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(|e| E::from(DbError::Pool(e)))?;
        f(&mut conn)
    })
    .await
    .map_err(|_| E::from(DbError::Cancelled))?
}
