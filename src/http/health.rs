//! `GET /healthz`: the process answers and the database is reachable.

use std::time::Duration;

use actix_web::{HttpResponse, web};

use crate::db::{self, DbError};
use crate::http::AppState;
use crate::http::views::HealthView;

/// How long the probe waits for a connection: a load balancer wants an answer, not a hang.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let probe = web::block(move || db::health::probe(&pool, PROBE_TIMEOUT))
        .await
        .unwrap_or(Err(DbError::Cancelled));
    match probe {
        Ok(()) => HttpResponse::Ok().json(HealthView {
            status: "ok",
            database: "ok",
        }),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            let reason = match err {
                DbError::Pool(_) => "unreachable",
                DbError::Query(_) => "query failed",
                DbError::Cancelled => "check cancelled",
            };
            HttpResponse::ServiceUnavailable().json(HealthView {
                status: "degraded",
                database: reason,
            })
        }
    }
}
