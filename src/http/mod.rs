//! The HTTP layer: routes, shared state, and the server itself.
//!
//! Handlers are thin: parse the input, authorize, call the domain, store, answer. Everything a
//! handler needs lives in [`AppState`].

pub mod auth;
pub mod error;
pub mod health;
pub mod live;
pub mod metrics;
pub mod organizations;
pub mod partners;
pub mod projects;
pub mod sheet;
pub mod views;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_files::{Files, NamedFile};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse, fn_service};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpServer, web};

use crate::config::Settings;
use crate::db::DbPool;
pub use error::ApiError;
use metrics::Metrics;

/// What every handler can reach.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub metrics: Metrics,
    pub limits: crate::auth::RateLimits,
    /// Wakes the outbox worker after a commit that enqueued mail.
    pub mailer: crate::mail::MailerHandle,
    /// The open live documents of this instance (websocket co-editing).
    pub live: crate::live::Live,
}

/// Mounts every route on `cfg`. Used by the server and by tests alike.
pub fn routes(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/metrics", web::get().to(metrics::expose))
        .route("/ws/projects/{project_id}", web::get().to(live::connect))
        .service(
            web::scope("/api")
                .configure(api_routes)
                .default_service(web::to(api_not_found)),
        );
    mount_front_end(cfg, static_dir);
}

/// The JSON API of API.md.
fn api_routes(cfg: &mut web::ServiceConfig) {
    use web::{get, patch, post, put};
    cfg.route("/auth/magic-link", post().to(auth::request_link))
        .route("/auth/session", post().to(auth::create_session))
        .route("/auth/logout", post().to(auth::logout))
        .route("/me", get().to(auth::me))
        .route("/me", patch().to(auth::update_me))
        .route("/organizations", post().to(organizations::create))
        .route("/organizations/{id}", get().to(organizations::get))
        .route("/projects", post().to(projects::create))
        .route("/projects", get().to(projects::list))
        .route("/projects/{id}", get().to(projects::get))
        .route("/projects/{id}/brief", get().to(projects::get_brief))
        .route("/projects/{id}/brief", put().to(projects::put_brief))
        .route(
            "/projects/{id}/missions/{organization_id}",
            get().to(projects::get_mission),
        )
        .route(
            "/projects/{id}/missions/{organization_id}",
            put().to(projects::put_mission),
        )
        .route(
            "/projects/{id}/missions/{organization_id}/agreement",
            post().to(projects::agree_mission),
        )
        .route("/projects/{id}/partners", post().to(partners::invite))
        .route("/projects/{id}/partners", get().to(partners::list))
        .route(
            "/projects/{id}/partners/{organization_id}/answer",
            post().to(partners::answer),
        )
        .route(
            "/projects/{id}/partners/{organization_id}/withdraw",
            post().to(partners::withdraw),
        )
        .route("/projects/{id}/sheet", get().to(sheet::sheet))
        .route("/projects/{id}/audit", get().to(sheet::audit));
}

/// Serves the built front end at `/`, with `index.html` for client-side routes.
fn mount_front_end(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    let index = static_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(
            dir = %static_dir.display(),
            "front end not built (no index.html): run `npm run build` in frontend/"
        );
    }
    cfg.service(
        Files::new("/", static_dir)
            .index_file("index.html")
            .default_handler(fn_service(move |req: ServiceRequest| {
                let index = index.clone();
                async move {
                    let (req, _) = req.into_parts();
                    let response = match NamedFile::open(&index) {
                        Ok(file) if req.method() == actix_web::http::Method::GET => {
                            file.into_response(&req)
                        }
                        _ => actix_web::ResponseError::error_response(&ApiError::NotFound),
                    };
                    Ok(ServiceResponse::new(req, response))
                }
            })),
    );
}

async fn api_not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    tracing::debug!(path = req.path(), "unknown API route");
    Err(ApiError::NotFound)
}

/// Starts the HTTP server on an already-bound listener (port 0 in tests).
pub fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let static_dir = state.settings.static_dir.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(1 << 20)
                    .error_handler(error::json_error),
            )
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .wrap(from_fn(metrics::record))
            .wrap(tracing_actix_web::TracingLogger::default())
            .configure(|cfg| routes(cfg, &static_dir))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}
