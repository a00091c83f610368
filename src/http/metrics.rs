//! Prometheus metrics: request counts and latency histograms by route pattern and status,
//! exposed at `GET /metrics` in the text format.
//!
//! Routes are labelled by their pattern (`/api/projects/{id}`), never by the raw path, so the
//! number of series stays bounded whatever clients request.
//!
//! With `AMONT_METRICS_BIND`, the metrics are served on that address alone ([`serve`]), for
//! deployments that do not want them public; the public address then answers 404 for them.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, ResponseError, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::http::AppState;

/// The registry and the HTTP series. Other layers register their own metrics in `registry`.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// Logged document updates that do not load and were quarantined (counted in the database
    /// at each scrape: the truth over every instance and restart).
    quarantined: IntGauge,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("amont".into()), None).expect("valid prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route pattern and status",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("registered once");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        let quarantined = IntGauge::new(
            "document_updates_quarantined",
            "Logged document updates that do not load, kept aside and skipped by every load",
        )
        .expect("valid metric");
        registry
            .register(Box::new(quarantined.clone()))
            .expect("registered once");
        Metrics {
            registry,
            requests,
            latency,
            quarantined,
        }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// The registry in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%err, "could not encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware recording every request.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        // The pattern is only known once routing has happened inside `next`.
        let route = response.request().match_pattern().unwrap_or(route);
        metrics.observe(
            &method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

/// `GET /metrics` on the public address, unless they have an address of their own.
pub async fn expose(state: web::Data<AppState>) -> HttpResponse {
    if state.settings.metrics_bind.is_some() {
        return crate::http::ApiError::NotFound.error_response();
    }
    refresh_quarantined(&state.pool, &state.metrics).await;
    text(&state.metrics)
}

/// Reads the number of quarantined document updates into its gauge — only with a connection
/// that is free at once: metrics matter most when the database is slow or down, and must not
/// wait for it (the gauge then keeps its last value).
async fn refresh_quarantined(pool: &crate::db::DbPool, metrics: &Metrics) {
    let pool = pool.clone();
    let counted = web::block(move || {
        let mut conn = pool.try_get()?;
        crate::document::quarantined_count(&mut conn).ok()
    })
    .await;
    if let Ok(Some(n)) = counted {
        metrics.quarantined.set(n);
    }
}

fn text(metrics: &Metrics) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

/// `GET /metrics` alone, on its own listener (`AMONT_METRICS_BIND`). It does not handle
/// signals: whoever starts it stops it with the main server.
pub fn serve(
    listener: TcpListener,
    metrics: Metrics,
    pool: crate::db::DbPool,
) -> std::io::Result<Server> {
    let metrics = web::Data::new(metrics);
    let pool = web::Data::new(pool);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .app_data(pool.clone())
            .route(
                "/metrics",
                web::get().to(
                    |metrics: web::Data<Metrics>, pool: web::Data<crate::db::DbPool>| async move {
                        refresh_quarantined(&pool, &metrics).await;
                        text(&metrics)
                    },
                ),
            )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}
