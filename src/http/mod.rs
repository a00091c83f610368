//! The HTTP layer: routes, shared state, and the server itself.
//!
//! Handlers are thin: parse the input, authorize, call the domain, store, answer. Everything a
//! handler needs lives in [`AppState`].

pub mod agenda;
pub mod asking;
pub mod auth;
pub mod calendar_feed;
pub mod client_ip;
pub mod concertation;
pub mod convocation;
pub mod decisions;
pub mod error;
pub mod events;
pub mod extract;
pub mod health;
pub mod live;
pub mod meetings;
pub mod metrics;
pub mod openapi;
pub mod organizations;
pub mod partners;
pub mod perform;
pub mod poll;
pub mod projects;
pub mod proof;
pub mod register_csv;
pub mod request_log;
pub mod rsvp;
pub mod security;
pub mod sheet;
pub mod time;
pub mod todo;
pub mod verify;
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
pub use extract::CurrentUser;
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
        .route("/rsvp/{token}", web::get().to(rsvp::page))
        .route("/rsvp/{token}", web::post().to(rsvp::answer))
        .route("/calendar/{file}", web::get().to(calendar_feed::feed))
        .route("/ws/projects/{project_id}", web::get().to(live::connect))
        .route("/.well-known/jwks.json", web::get().to(proof::jwks))
        .route("/verify/{token}", web::get().to(verify::verify))
        .service(
            web::scope("/api")
                .configure(api_routes)
                .default_service(web::to(api_not_found)),
        );
    mount_front_end(cfg, static_dir);
}

/// The JSON API of API.md.
fn api_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put};
    cfg.route("/auth/magic-link", post().to(auth::request_link))
        .route("/openapi.json", get().to(openapi::document))
        .route("/auth/session", post().to(auth::create_session))
        .route("/auth/logout", post().to(auth::logout))
        .route("/me", get().to(auth::me))
        .route("/me", patch().to(auth::update_me))
        .route("/me/notifications", get().to(asking::preferences))
        .route("/me/notifications", put().to(asking::set_preferences))
        .route("/organizations", post().to(organizations::create))
        .route("/organizations/{id}", get().to(organizations::get))
        .route(
            "/organizations/{id}/members",
            get().to(organizations::members),
        )
        .route("/organizations/{id}/join", post().to(organizations::join))
        .route(
            "/organizations/{id}/members/{user_id}/approve",
            post().to(organizations::approve),
        )
        .route(
            "/organizations/{id}/members/{user_id}/refuse",
            post().to(organizations::refuse),
        )
        .route(
            "/organizations/{id}/members/{user_id}",
            patch().to(organizations::change_role),
        )
        .route(
            "/organizations/{id}/members/{user_id}",
            delete().to(organizations::remove),
        )
        .route(
            "/organizations/{id}/domains",
            put().to(organizations::put_domains),
        )
        .route(
            "/organizations/{id}/invitations",
            post().to(organizations::invite),
        )
        .route(
            "/consultations/{project_id}/{organization_id}",
            get().to(organizations::consultation),
        )
        .route("/projects", post().to(projects::create))
        .route("/projects", get().to(projects::list))
        .route("/projects/{id}", get().to(projects::get))
        .route("/projects/{id}", patch().to(projects::patch))
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
        .route("/projects/{id}/audit", get().to(sheet::audit))
        .route("/projects/{id}/close", post().to(projects::close))
        .configure(meeting_routes)
        .configure(follow_up_routes)
        .configure(proof_routes);
}

/// Proof of consent: attestations (the public page and the keys are mounted at the root).
fn proof_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, post};
    cfg.route("/projects/{id}/attestations", post().to(proof::create))
        .route("/projects/{id}/attestations", get().to(proof::list))
        .route("/attestations/{id}", delete().to(proof::revoke));
}

/// Decisions and follow-up.
fn follow_up_routes(cfg: &mut web::ServiceConfig) {
    use web::{get, patch, post};
    cfg.route("/meetings/{id}/held", post().to(decisions::mark_held))
        .route("/meetings/{id}/decisions", post().to(decisions::create))
        .route("/projects/{id}/decisions", get().to(decisions::list))
        .route("/projects/{id}/decisions.csv", get().to(decisions::csv))
        .route(
            "/decisions/{id}/actions",
            post().to(decisions::create_action),
        )
        .route("/actions/{id}", patch().to(decisions::patch_action))
        .route("/projects/{id}/actions", get().to(decisions::list_actions))
        .route("/me/actions", get().to(decisions::my_actions))
        .route("/me/todo", get().to(todo::mine))
        .route("/me/events", get().to(events::stream));
}

/// Meetings, the poll, the agenda, the gate and convocations (API.md, "Meetings…" and
/// "Concertation and convocation").
fn meeting_routes(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put};
    cfg.route("/projects/{id}/meetings", post().to(meetings::create))
        .route("/projects/{id}/meetings", get().to(meetings::list))
        .route("/meetings/{id}", get().to(meetings::get))
        .route("/meetings/{id}", patch().to(meetings::patch))
        .route("/meetings/{id}", delete().to(meetings::delete))
        .route("/meetings/{id}/slots", post().to(meetings::add_slot))
        .route(
            "/meetings/{id}/slots/{slot_id}",
            delete().to(poll::remove_slot),
        )
        .route(
            "/meetings/{id}/availability",
            put().to(poll::put_availability),
        )
        .route("/meetings/{id}/poll", get().to(poll::poll))
        .route("/meetings/{id}/reminders", post().to(asking::remind))
        .route("/meetings/{id}/reminders", get().to(asking::reminders))
        .route("/meetings/{id}/slot", post().to(poll::choose_slot))
        .route("/meetings/{id}/agenda", get().to(agenda::get_agenda))
        .route("/meetings/{id}/agenda", put().to(agenda::put_agenda))
        .route(
            "/meetings/{id}/agenda/agreement",
            post().to(agenda::agree_agenda),
        )
        .route(
            "/meetings/{id}/readiness",
            get().to(concertation::readiness),
        )
        .route(
            "/meetings/{id}/concertation",
            post().to(concertation::record_concertation),
        )
        .route(
            "/meetings/{id}/convocation",
            post().to(convocation::convene),
        )
        .route("/meetings/{id}/cancel", post().to(convocation::cancel))
        .route(
            "/meetings/{id}/invite.ics",
            get().to(convocation::invite_ics),
        )
        .route(
            "/meetings/{id}/attendees",
            get().to(concertation::attendees),
        )
        .route("/meetings/{id}/rsvp", put().to(rsvp::answer_in_app))
        .route(
            "/meetings/{id}/short-notice/agreement",
            post().to(time::agree_short_notice),
        )
        .route(
            "/meetings/{id}/representatives",
            get().to(time::representatives),
        )
        .route(
            "/meetings/{id}/attendees/{organization_id}",
            put().to(time::choose_representatives),
        )
        .route("/meetings/{id}/attendance", get().to(time::attendance))
        .route(
            "/meetings/{id}/attendance",
            put().to(time::record_attendance),
        )
        .route(
            "/projects/{id}/partners/{organization_id}/time-budget",
            put().to(time::set_budget),
        )
        .route("/projects/{id}/time", get().to(time::project_time))
        .route("/projects/{id}/time.csv", get().to(time::project_time_csv))
        .route("/me/meetings", get().to(time::my_meetings))
        .route("/me/calendar-feed", get().to(calendar_feed::status))
        .route("/me/calendar-feed", post().to(calendar_feed::create))
        .route("/me/calendar-feed", delete().to(calendar_feed::revoke));
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
                    // Server namespaces never fall back to the app: a wrong websocket or feed
                    // URL must fail, not answer 200 with a page.
                    let reserved = ["/ws/", "/calendar/", "/rsvp/", "/verify/", "/.well-known/"]
                        .iter()
                        .any(|prefix| req.path().starts_with(prefix));
                    let response = match NamedFile::open(&index) {
                        Ok(file) if req.method() == actix_web::http::Method::GET && !reserved => {
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
    tracing::debug!(
        path = crate::telemetry::redact_target(req.path()),
        "unknown API route"
    );
    Err(ApiError::NotFound)
}

/// Starts the HTTP server on an already-bound listener (port 0 in tests).
pub fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let security = web::Data::new(security::SecurityHeaders::new(&state.settings));
    let state = web::Data::new(state);
    let static_dir = state.settings.static_dir.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(security.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(1 << 20)
                    .error_handler(error::json_error),
            )
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .wrap(from_fn(metrics::record))
            .wrap(tracing_actix_web::TracingLogger::<request_log::RedactedSpan>::new())
            .wrap(from_fn(security::headers))
            .configure(|cfg| routes(cfg, &static_dir))
    })
    // Live documents relay small frames: with Nagle's algorithm on (actix leaves the system's
    // default), a frame written while the previous one is unacknowledged waits for the client's
    // delayed ACK — up to 40 ms on Linux, which was the relay's whole p99 tail.
    .tcp_nodelay(true)
    // A connection's write buffer is written out once it holds this much (32 KiB by default):
    // small, so that a live connection's buffer stays small (`live::connection::FRAME_CHUNK`).
    .h1_write_buffer_size(2 * 1024)
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}
