//! The per-user calendar feed: a secret address a calendar subscribes to, listing the user's
//! convened (and cancelled) meetings of the projects they still take part in.
//!
//! Only a hash of each address's token is kept, so an address cannot be shown twice: it is
//! made by `POST /api/me/calendar-feed` (each call makes another one; all stay valid until
//! `DELETE` revokes them). `GET` makes nothing — a GET never changes state: browsers prefetch,
//! proxies retry, link scanners follow — and says how many addresses are live, with `url` null.
//!
//! The feed is read whenever the calendar polls it, so it applies the rule of the day: a
//! meeting is listed while its project lets the user in (`ProjectAccess::load`). Someone who
//! left the organization, or whose organization is no longer a partner, keeps a working
//! address that no longer shows that project.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::json;
use url::Url;
use uuid::Uuid;

use crate::auth::{ProjectAccess, tokens};
use crate::calendar;
use crate::db;
use crate::db::models::{Meeting, User};
use crate::db::schema::{calendar_feeds, meeting_attendees, meetings, users};
use crate::domain::Locale;
use crate::http::CurrentUser;
use crate::http::convocation::{ics_response, meeting_event};
use crate::http::{ApiError, AppState};

/// `POST /api/me/calendar-feed` → 201 `{"url"}`: a new secret feed address.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let token = tokens::generate();
    let hash = tokens::hash(&token);
    let user_id = current.id();
    db::run(&state.pool, move |conn| {
        diesel::insert_into(calendar_feeds::table)
            .values((
                calendar_feeds::id.eq(Uuid::new_v4()),
                calendar_feeds::user_id.eq(user_id),
                calendar_feeds::token_hash.eq(hash),
            ))
            .execute(conn)
            .map_err(ApiError::from)
    })
    .await?;
    let url: Url = state.settings.link(&format!("/calendar/{token}.ics"));
    Ok(HttpResponse::Created().json(json!({"url": url.as_str()})))
}

/// `GET /api/me/calendar-feed` → `{"url": null, "active_feeds": n}`: how many addresses of the
/// caller are live. Makes nothing; an address is shown once, by `POST`.
pub async fn status(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user_id = current.id();
    let active: i64 = db::run(&state.pool, move |conn| {
        calendar_feeds::table
            .filter(calendar_feeds::user_id.eq(user_id))
            .filter(calendar_feeds::revoked_at.is_null())
            .count()
            .get_result(conn)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"url": null, "active_feeds": active})))
}

/// `DELETE /api/me/calendar-feed`: revokes every feed address of the caller.
pub async fn revoke(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user_id = current.id();
    db::run(&state.pool, move |conn| {
        diesel::update(
            calendar_feeds::table
                .filter(calendar_feeds::user_id.eq(user_id))
                .filter(calendar_feeds::revoked_at.is_null()),
        )
        .set(calendar_feeds::revoked_at.eq(Some(Utc::now())))
        .execute(conn)
        .map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /calendar/{token}.ics`: the feed of the user's convened (and cancelled) meetings, in
/// the projects they still take part in.
pub async fn feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let token = file.strip_suffix(".ics").ok_or(ApiError::NotFound)?;
    let hash = tokens::hash(token);
    let body = db::run(&state.pool, move |conn| {
        let user: User = calendar_feeds::table
            .inner_join(users::table)
            .filter(calendar_feeds::token_hash.eq(hash))
            .filter(calendar_feeds::revoked_at.is_null())
            .select(User::as_select())
            .first(conn)
            .optional()?
            .ok_or(ApiError::NotFound)?;
        let locale = Locale::parse(&user.locale).unwrap_or_default();
        let found: Vec<Meeting> = meetings::table
            .filter(meetings::status.ne("planning"))
            .filter(meetings::organizer_user_id.is_not_null())
            .filter(
                meetings::id.eq_any(
                    meeting_attendees::table
                        .filter(
                            meeting_attendees::user_id
                                .eq(user.id)
                                .or(meeting_attendees::email.eq(&user.email)),
                        )
                        .select(meeting_attendees::meeting_id),
                ),
            )
            .order(meetings::starts_at)
            .select(Meeting::as_select())
            .load(conn)?;
        // Whether the user still takes part in each project, asked once per project.
        let mut takes_part = BTreeMap::new();
        let mut events = Vec::new();
        for meeting in &found {
            let allowed = match takes_part.get(&meeting.project_id) {
                Some(allowed) => *allowed,
                None => {
                    let allowed = match ProjectAccess::load(conn, meeting.project_id, user.id) {
                        Ok(_) => true,
                        Err(crate::auth::AccessError::NotFound) => false,
                        Err(other) => return Err(other.into()),
                    };
                    takes_part.insert(meeting.project_id, allowed);
                    allowed
                }
            };
            if allowed {
                events.push(meeting_event(conn, meeting, locale)?);
            }
        }
        Ok::<_, ApiError>(calendar::feed(
            &format!("Amont — {}", user.display_name),
            &events,
        ))
    })
    .await?;
    Ok(ics_response(body, None))
}
