//! The span of each request in the logs, without the secrets some requests carry.
//!
//! `tracing-actix-web`'s default span records the raw target (`/rsvp/<token>`,
//! `/login?token=…`, `/ws/projects/{id}?token=<api token>`) and the client address as the
//! request claims it (`X-Forwarded-For` believed from anyone). This one records the target as
//! [`crate::telemetry::redact_target`] shows it, and the client as `http::client_ip` resolves
//! it behind the trusted proxies; every event logged while a request is served carries them.
//! A debug event says how each request ended.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage, web};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::http::{AppState, client_ip};
use crate::telemetry::redact_target;

pub struct RedactedSpan;

impl RootSpanBuilder for RedactedSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let target = request
            .uri()
            .path_and_query()
            .map(|p| redact_target(p.as_str()))
            .unwrap_or_default();
        let client = request.peer_addr().map(|peer| {
            let trusted = request
                .app_data::<web::Data<AppState>>()
                .map(|state| state.settings.trusted_proxies.as_slice())
                .unwrap_or_default();
            client_ip::resolve(peer.ip(), request.headers(), trusted)
        });
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %target,
            http.client_ip = %client.map(|ip| ip.to_string()).unwrap_or_default(),
            http.status_code = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("http.status_code", status.as_u16());
        span.in_scope(|| tracing::debug!(status = status.as_u16(), "request served"));
    }
}
