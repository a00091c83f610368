//! Meetings (`/api/projects/{id}/meetings`, `/api/meetings/{id}`): creating one, listing,
//! reading, changing it, and proposing slots. The poll is in `poll.rs`, the agenda in
//! `agenda.rs`, readiness and the concertation record in `concertation.rs`, the convocation in
//! `convocation.rs`. The rules are in `workflow::meetings`; these handlers parse, call one use
//! case, and shape the answer.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use crate::db;
use crate::domain::input::{InputError, line, optional_line};
use crate::http::error::parse_json;
use crate::http::perform::{for_caller, perform};
use crate::http::views::{MeetingView, Slot};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::asking;
use crate::workflow::convocation::ChangeRefusal;
use crate::workflow::meetings::{self as meetings, MeetingChange, MeetingInput};

fn invalid(field: &'static str, message: &str) -> InputError {
    InputError {
        field,
        message: message.to_owned(),
    }
}

/// An IANA time zone, by its canonical name.
fn timezone(raw: &str) -> Result<String, InputError> {
    raw.trim()
        .parse::<Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| invalid("timezone", "an IANA time zone, e.g. Europe/Paris"))
}

fn duration(minutes: i64) -> Result<i32, InputError> {
    i32::try_from(minutes)
        .ok()
        .filter(|m| (5..=1440).contains(m))
        .ok_or_else(|| invalid("duration_minutes", "between 5 and 1440"))
}

/// An optional web link (`http` or `https`), as the calendar's URL property will carry it.
fn video_url(raw: Option<&str>) -> Result<Option<String>, InputError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => url::Url::parse(raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && raw.len() <= 2000)
            .map(|u| Some(u.to_string()))
            .ok_or_else(|| invalid("video_url", "an http(s) link")),
    }
}

#[derive(Deserialize)]
pub struct NewMeeting {
    title: String,
    duration_minutes: i64,
    timezone: String,
    location: Option<String>,
    video_url: Option<String>,
}

impl NewMeeting {
    fn parse(self) -> Result<MeetingInput, InputError> {
        Ok(MeetingInput {
            title: line("title", &self.title, 300)?,
            duration_minutes: duration(self.duration_minutes)?,
            timezone: timezone(&self.timezone)?,
            location: optional_line("location", self.location.as_deref(), 500)?,
            video_url: video_url(self.video_url.as_deref())?,
        })
    }
}

/// `POST /api/projects/{id}/meetings`: only the initiator's members, in an open project. The
/// project's open actions are carried over to the new meeting's agenda.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewMeeting>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let input = body.into_inner().parse()?;
    let host = state
        .settings
        .base_url
        .host_str()
        .unwrap_or("amont")
        .to_owned();
    let max_bytes = state.settings.doc_max_bytes;
    let actor = current.user.clone();
    let meeting = perform(&state, move |conn| {
        meetings::create(conn, &actor, project_id, input, &host, max_bytes)
    })
    .await?;
    Ok(HttpResponse::Created().json(MeetingView::from(&meeting)))
}

/// `GET /api/projects/{id}/meetings`: the project's meetings, oldest first.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let actor = current.user.clone();
    let found = perform(&state, move |conn| meetings::list(conn, &actor, project_id)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(MeetingView::from).collect::<Vec<_>>()))
}

/// `GET /api/meetings/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let meeting = for_caller(&state, &current, path, meetings::get).await?;
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

#[derive(Deserialize)]
pub struct MeetingChangeBody {
    title: Option<String>,
    duration_minutes: Option<i64>,
    timezone: Option<String>,
    /// An empty string clears it.
    location: Option<String>,
    /// An empty string clears it.
    video_url: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    /// `"current"`: send a convened meeting's attendees its current agenda.
    agenda: Option<AgendaChoice>,
    /// A date; `null` clears it. Only before the convocation.
    #[serde(default, deserialize_with = "present")]
    respond_by: Option<Option<NaiveDate>>,
}

/// Which agenda a convened meeting's attendees are sent; only the current one can be.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaChoice {
    Current,
}

/// A member that is present, even as `null` (`Some(None)`), apart from one that is absent.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<NaiveDate>>, D::Error> {
    Option::<NaiveDate>::deserialize(deserializer).map(Some)
}

impl MeetingChangeBody {
    fn parse(self) -> Result<MeetingChange, InputError> {
        Ok(MeetingChange {
            title: self.title.map(|t| line("title", &t, 300)).transpose()?,
            duration_minutes: self.duration_minutes.map(duration).transpose()?,
            timezone: self.timezone.map(|tz| timezone(&tz)).transpose()?,
            location: self
                .location
                .map(|l| optional_line("location", Some(&l), 500))
                .transpose()?,
            video_url: self.video_url.map(|v| video_url(Some(&v))).transpose()?,
            starts_at: self.starts_at,
            send_current_agenda: matches!(self.agenda, Some(AgendaChoice::Current)),
        })
    }
}

/// `PATCH /api/meetings/{id}`: title, place, time (and duration, zone), and `{"agenda":
/// "current"}` to send a convened meeting's current agenda once its attendee partners agreed to
/// it (409 `concertation_incomplete` with the unmet rules otherwise). After the convocation, a
/// real change sends every attendee an update (same UID, SEQUENCE + 1), at most
/// `UPDATE_ROUNDS_PER_DAY` a day (429 beyond). The body is read once the caller is known to
/// see the meeting: someone outside the project gets 404, whatever they sent.
pub async fn patch(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let meeting_id = *path;
    for_caller(&state, &current, path, meetings::get).await?;
    let body: MeetingChangeBody = parse_json(&request, &body)?;
    let respond_by = body.respond_by;
    let change = body.parse()?;
    let settings = state.settings.clone();
    let actor = current.user.clone();
    let (meeting, queued) = db::transaction(&state.pool, move |conn| {
        if let Some(respond_by) = respond_by {
            asking::set_respond_by(conn, &actor, meeting_id, respond_by)?;
        }
        meetings::change(conn, &settings, &actor, meeting_id, change)
    })
    .await
    .map_err(ApiError::from)?;
    if queued {
        state.mailer.wake();
    }
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

#[derive(Deserialize)]
pub struct NewSlot {
    starts_at: DateTime<Utc>,
}

/// `POST /api/meetings/{id}/slots`: a candidate slot, in the future.
pub async fn add_slot(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewSlot>,
) -> Result<HttpResponse, ApiError> {
    let starts_at = body.starts_at;
    if starts_at <= Utc::now() {
        return Err(invalid("starts_at", "must be in the future").into());
    }
    let slot = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        meetings::add_slot(conn, actor, meeting_id, starts_at)
    })
    .await?;
    Ok(HttpResponse::Created().json(Slot::from(&slot)))
}

impl From<ChangeRefusal> for ApiError {
    fn from(refused: ChangeRefusal) -> Self {
        match refused {
            ChangeRefusal::Refused(refusal) => refusal.into(),
            ChangeRefusal::TooManyUpdates {
                retry_after_secs,
                message,
            } => ApiError::LimitReached {
                retry_after_secs,
                message,
            },
        }
    }
}

/// `DELETE /api/meetings/{id}` (initiator, while planning) → 204.
pub async fn delete(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    for_caller(&state, &current, path, meetings::delete).await?;
    Ok(HttpResponse::NoContent().finish())
}
