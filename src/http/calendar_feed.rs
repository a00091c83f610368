//! The per-user calendar feed (`/api/me/calendar-feed`, `/calendar/{token}.ics`): a secret
//! address a calendar subscribes to, listing the user's convened (and cancelled) meetings of
//! the projects they still take part in. What it lists, and why, is told in
//! `workflow::calendar_feed`.
//!
//! Only a hash of each address's token is kept, so an address cannot be shown twice: it is
//! made by `POST /api/me/calendar-feed` (each call makes another one; all stay valid until
//! `DELETE` revokes them). `GET` makes nothing — a GET never changes state: browsers prefetch,
//! proxies retry, link scanners follow — and says how many addresses are live, with `url` null.

use actix_web::{HttpResponse, web};

use crate::http::convocation::ics_response;
use crate::http::perform::{as_caller, perform};
use crate::http::views::{CalendarFeed, CalendarFeedStatus};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::calendar_feed;

/// `POST /api/me/calendar-feed` → 201 `{"url"}`: a new secret feed address.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let token = as_caller(&state, &current, calendar_feed::create).await?;
    let url = state.settings.link(&format!("/calendar/{token}.ics"));
    Ok(HttpResponse::Created().json(CalendarFeed {
        url: url.as_str().to_owned(),
    }))
}

/// `GET /api/me/calendar-feed` → `{"url": null, "active_feeds": n}`: how many addresses of the
/// caller are live. Makes nothing; an address is shown once, by `POST`.
pub async fn status(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let active_feeds = as_caller(&state, &current, calendar_feed::active).await?;
    Ok(HttpResponse::Ok().json(CalendarFeedStatus {
        url: (),
        active_feeds,
    }))
}

/// `DELETE /api/me/calendar-feed`: revokes every feed address of the caller.
pub async fn revoke(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    as_caller(&state, &current, calendar_feed::revoke).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /calendar/{token}.ics`: the feed of the user's convened (and cancelled) meetings, in
/// the projects they still take part in.
pub async fn feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let token = file
        .strip_suffix(".ics")
        .ok_or(ApiError::NotFound)?
        .to_owned();
    let body = perform(&state, move |conn| calendar_feed::feed(conn, &token)).await?;
    Ok(ics_response(body, None))
}
