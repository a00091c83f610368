//! Storage: the connection pool, the embedded migrations, the diesel schema and queries.
//!
//! Diesel is synchronous; every query runs on actix's blocking thread pool through [`run`], so a
//! slow query never stalls an actix worker. Query functions take `&mut PgConnection` so that they
//! compose inside one transaction.

pub mod agreements;
pub mod asking;
pub mod audit;
pub mod convocations;
pub mod embedded;
pub mod follow_up;
pub mod health;
pub mod meetings;
pub mod models;
pub mod organizations;
pub mod partnerships;
pub mod projects;
pub mod proof;
pub mod schema;
pub mod time;
pub mod todo;
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
/// The connection every query takes (so that layers above name no diesel type).
pub type Conn = PgConnection;
/// Why a query failed (so that layers above name no diesel type).
pub type QueryError = diesel::result::Error;

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

/// The advisory lock held while migrating (any number; this one spells "amont mig").
const MIGRATION_LOCK: i64 = 0x616d_6f6e_746d_6967;

/// Applies the migrations that are not applied yet; returns their names.
///
/// Instances started together (a rolling deploy, `docker compose up --scale`) would otherwise
/// all see the same pending migrations and run them at once — the losers fail on PostgreSQL's
/// catalog (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`). A
/// session advisory lock serializes them: the first migrates, the others wait, then find
/// nothing pending. The lock belongs to this connection's session (so to this database), and
/// is released even when a migration fails.
pub fn migrate(conn: &mut PgConnection) -> Result<Vec<String>> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::BigInt;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .context("cannot take the migration lock")?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| {
            applied
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<String>>()
        })
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
        .and_then(|applied| {
            // Rows older than the name key get theirs, under the same lock.
            organizations::backfill_name_keys(conn)
                .context("cannot fill organizations' name keys")?;
            Ok(applied)
        });
    let released = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .context("cannot release the migration lock");
    let applied = applied?;
    released?;
    Ok(applied)
}

/// Runs `f` in one transaction on a pooled connection, on the blocking thread pool: committed
/// when it returns `Ok`, rolled back otherwise.
pub async fn transaction<T, E, F>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    use diesel::Connection;
    run(pool, move |conn| conn.transaction(f)).await
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
