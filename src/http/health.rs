//! `GET /healthz`: the process answers and the database is reachable.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::db::DbError;
use crate::http::AppState;

/// How long the probe waits for a connection: a load balancer wants an answer, not a hang.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let probe = web::block(move || -> Result<(), DbError> {
        let mut conn = pool.get_timeout(PROBE_TIMEOUT)?;
        diesel::sql_query("SELECT 1").execute(&mut conn)?;
        Ok(())
    })
    .await
    .unwrap_or(Err(DbError::Cancelled));
    match probe {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            let reason = match err {
                DbError::Pool(_) => "unreachable",
                DbError::Query(_) => "query failed",
                DbError::Cancelled => "check cancelled",
            };
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "degraded", "database": reason}))
        }
    }
}
