//! `GET /api/openapi.json`: the contract of API.md as OpenAPI 3.1.
//!
//! The document (`openapi.json`, next to this file) is maintained by hand as the contract and
//! compiled into the binary. `tests/api/openapi.rs` keeps it honest: every documented `/api`
//! operation must reach a real route, and every route of `mod.rs` must be documented.

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentType};

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// Public: no authentication, so that tools can read the contract before logging in.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(DOCUMENT)
}
