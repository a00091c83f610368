//! Convocations (`/api/meetings/{id}/convocation`, `…/cancel`, `…/invite.ics`): sending the
//! convocation behind the gate, cancelling, and the current iTIP object. Changes after the
//! convocation go through `PATCH /api/meetings/{id}` (`meetings.rs`); the answers are in
//! `rsvp.rs`, the per-user feed in `calendar_feed.rs`. Why no convocation goes out early or
//! twice, and how SEQUENCE and update rounds work, is told in `workflow::convocation`.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::calendar::{self, Method};
use crate::domain::Locale;
use crate::http::perform::for_caller;
use crate::http::views::{ConvocationResult, MeetingView};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::convocation;

/// `POST /api/meetings/{id}/convocation`: the gate, re-checked under locks, then one email per
/// attendee, all in one transaction.
pub async fn convene(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let (meeting, recipients) =
        for_caller(&state, &current, path, move |conn, actor, meeting_id| {
            convocation::convene(conn, &settings, actor, meeting_id)
        })
        .await?;
    state.mailer.wake();
    Ok(HttpResponse::Created().json(ConvocationResult::new(&meeting, recipients)))
}

/// `POST /api/meetings/{id}/cancel`: a convened meeting gets `METHOD:CANCEL` sent to every
/// attendee (SEQUENCE + 1); a meeting still being planned is cancelled without any email.
pub async fn cancel(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let meeting = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        convocation::cancel(conn, &settings, actor, meeting_id)
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

/// An iCalendar answer, never cached; `method` for an iTIP object, none for a feed.
pub fn ics_response(body: String, method: Option<Method>) -> HttpResponse {
    let content_type = match method {
        Some(method) => format!("text/calendar; charset=utf-8; method={}", method.as_str()),
        None => "text/calendar; charset=utf-8".to_owned(),
    };
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, content_type))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `GET /api/meetings/{id}/invite.ics`: the current iTIP object (REQUEST, or CANCEL).
pub async fn invite_ics(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let locale = Locale::parse(&current.user.locale).unwrap_or_default();
    let (event, method) = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        convocation::current_invitation(conn, actor, meeting_id, locale)
    })
    .await?;
    Ok(ics_response(calendar::itip(method, &event), Some(method)))
}
