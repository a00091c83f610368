//! Convocations and what follows them: sending the convocation (behind the gate), updates and
//! cancellation, and the current `invite.ics`. The answers to it are in `rsvp.rs`, the
//! per-user feed in `calendar_feed.rs`.
//!
//! **No early or double convocation.** `POST …/convocation` locks the meeting row
//! (`FOR UPDATE`), the project document's row (as every agreement and every replacement of a
//! section does) and the project's partnerships (`FOR SHARE`), evaluates the whole gate, then —
//! in the same transaction — moves the meeting from `planning` to `convened` with a conditional
//! update, stores the attendees and queues one email per attendee in the outbox. An edit, an
//! agreement or an answer either commits before (and the gate sees it) or waits until after
//! (and the convocation carries the agenda as it was checked); a second convocation waits for
//! the first and then finds the meeting convened.
//!
//! **SEQUENCE** changes only here: +1 on an update of time, place or title after the
//! convocation, +1 on cancellation. Each email carries fresh personal RSVP links (tokens are
//! stored hashed, so a new email means new links; the latest ones are valid). The organizer is
//! sent a `METHOD:PUBLISH` copy for their calendar, without RSVP links: nobody answers their own
//! meeting.
//!
//! **Update rounds are bounded**: each update after the convocation emails every attendee, so
//! a meeting sends at most [`UPDATE_ROUNDS_PER_DAY`] of them in any 24 hours; beyond, the change
//! is refused (429, with when the next one is possible) rather than flooding mailboxes.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use lettre::message::Mailbox;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{ProjectAccess, tokens};
use crate::calendar::{self, AgendaLine, MeetingEvent, Method, Person};
use crate::config::Settings;
use crate::db::meetings as queries;
use crate::db::models::{Meeting, MeetingAttendee, User};
use crate::db::schema::{meeting_attendees, meetings, projects, users};
use crate::domain::Locale;
use crate::domain::gate;
use crate::domain::meeting::MeetingStatus;
use crate::http::CurrentUser;
use crate::http::meetings::{
    audit, in_meeting, incomplete, lock_for_gate, require_planning, reset_partstats,
};
use crate::http::projects::acting_organization;
use crate::http::views::MeetingView;
use crate::http::{ApiError, AppState};
use crate::mail::templates::{self, ConvocationKind, RsvpLinks};
use crate::mail::{self, CalendarPart, Outgoing};

/// `POST /api/meetings/{id}/convocation`: the gate, re-checked under locks, then one email per
/// attendee, all in one transaction.
pub async fn convene(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let (meeting, recipients) = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        move |conn, m, access| {
            let (meeting, doc, gate_state) = lock_for_gate(conn, m.id, &access)?;
            let initiator = access.project.initiator_organization_id;
            let unmet = gate::unmet(&gate_state);
            if !unmet.is_empty() {
                return Err(incomplete(unmet));
            }
            let agenda = queries::agenda_lines(conn, &doc.agenda(meeting.id))?;
            let convened = mark_convened(conn, &meeting, &access, &agenda)?;
            add_attendees(conn, &convened, initiator)?;
            let recipients =
                queue_invitations(conn, &settings, &convened, ConvocationKind::Request)?;
            audit(
                conn,
                &access,
                "meeting.convened",
                Some(initiator),
                json!({
                    "meeting_id": convened.id, "sequence": convened.sequence,
                    "starts_at": convened.starts_at, "recipients": recipients,
                }),
            )?;
            Ok((convened, recipients))
        },
    )
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Created().json(json!({
        "sequence": meeting.sequence,
        "recipients": recipients,
        "meeting": MeetingView::from(&meeting),
    })))
}

/// `planning` → `convened`, conditionally; the organizer and the agenda as convened frozen.
fn mark_convened(
    conn: &mut PgConnection,
    meeting: &Meeting,
    access: &ProjectAccess,
    agenda: &[AgendaLine],
) -> Result<Meeting, ApiError> {
    let organizer_org = acting_organization(access, access.project.initiator_organization_id);
    crate::http::projects::advance(
        conn,
        access.project.id,
        access.user_id,
        crate::domain::project::ProjectEvent::Convened,
    )?;
    diesel::update(
        meetings::table
            .find(meeting.id)
            .filter(meetings::status.eq("planning")),
    )
    .set((
        meetings::status.eq("convened"),
        meetings::organizer_user_id.eq(access.user_id),
        meetings::organizer_organization_id.eq(organizer_org),
        meetings::convened_agenda.eq(serde_json::to_value(agenda).map_err(anyhow::Error::from)?),
        meetings::convened_at.eq(Utc::now()),
    ))
    .returning(Meeting::as_returning())
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::conflict("not_planning", "the meeting is no longer being planned"))
}

/// Every member of every accepted partner becomes an attendee; the organizer is the CHAIR.
fn add_attendees(conn: &mut PgConnection, meeting: &Meeting, initiator: Uuid) -> QueryResult<()> {
    let now = Utc::now();
    for invitee in queries::invitees(conn, meeting.project_id, initiator)? {
        let chair = Some(invitee.user_id) == meeting.organizer_user_id;
        diesel::insert_into(meeting_attendees::table)
            .values(MeetingAttendee {
                meeting_id: meeting.id,
                email: invitee.email,
                user_id: Some(invitee.user_id),
                organization_id: invitee.organization_id,
                display_name: invitee.display_name,
                locale: invitee.locale,
                role: if chair { "CHAIR" } else { "REQ-PARTICIPANT" }.into(),
                partstat: if chair { "ACCEPTED" } else { "NEEDS-ACTION" }.into(),
                rsvp_token_hash: tokens::hash(&tokens::generate()),
                responded_at: None,
                created_at: now,
            })
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(())
}

/// The organizer as a calendar user.
fn organizer(conn: &mut PgConnection, meeting: &Meeting) -> Result<Person, ApiError> {
    let user_id = meeting
        .organizer_user_id
        .ok_or_else(|| anyhow::anyhow!("convened meeting {} has no organizer", meeting.id))?;
    let user: User = users::table
        .find(user_id)
        .select(User::as_select())
        .first(conn)?;
    let organization = match meeting.organizer_organization_id {
        Some(id) => queries::organization_names(conn, &[id])?
            .remove(&id)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Person {
        email: user.email,
        name: user.display_name,
        organization,
    })
}

/// The meeting as an iCalendar event, in `locale`, with every attendee.
pub fn meeting_event(
    conn: &mut PgConnection,
    meeting: &Meeting,
    locale: Locale,
) -> Result<MeetingEvent, ApiError> {
    let (Some(starts_at), Some(ends_at)) = (meeting.starts_at, meeting.ends_at) else {
        return Err(ApiError::conflict(
            "not_convened",
            "the meeting has no time yet",
        ));
    };
    let project_title: String = projects::table
        .find(meeting.project_id)
        .select(projects::title)
        .first(conn)?;
    let rows = queries::attendees(conn, meeting.id)?;
    let ids: Vec<Uuid> = rows.iter().map(|a| a.organization_id).collect();
    let names = queries::organization_names(conn, &ids)?;
    let attendees = rows
        .iter()
        .map(|a| calendar::Attendee {
            person: Person {
                email: a.email.clone(),
                name: a.display_name.clone(),
                organization: names.get(&a.organization_id).cloned().unwrap_or_default(),
            },
            role: a.role.clone(),
            partstat: a.partstat.clone(),
        })
        .collect();
    let agenda: Vec<AgendaLine> = match &meeting.convened_agenda {
        Some(value) => serde_json::from_value(value.clone()).map_err(anyhow::Error::from)?,
        None => Vec::new(),
    };
    Ok(MeetingEvent {
        uid: meeting.uid.clone(),
        sequence: u32::try_from(meeting.sequence).unwrap_or_default(),
        title: meeting.title.clone(),
        project_title,
        starts_at,
        ends_at,
        timezone: meeting.timezone.parse().unwrap_or(chrono_tz::UTC),
        location: meeting.location.clone(),
        video_url: meeting.video_url.clone(),
        agenda,
        organizer: organizer(conn, meeting)?,
        attendees,
        cancelled: meeting.status == MeetingStatus::Cancelled,
        dtstamp: Utc::now(),
        locale,
    })
}

fn rsvp_links(settings: &Settings, token: &str) -> RsvpLinks {
    let link = |answer: &str| settings.link(&format!("/rsvp/{token}?answer={answer}"));
    RsvpLinks {
        accepted: link("accepted"),
        tentative: link("tentative"),
        declined: link("declined"),
    }
}

fn mailbox(name: &str, email: &str) -> Result<Mailbox, ApiError> {
    let address = email
        .parse::<lettre::Address>()
        .map_err(|e| anyhow::anyhow!("attendee address {email} is not deliverable: {e}"))?;
    Ok(Mailbox::new(Some(name.to_owned()), address))
}

/// Queues one email per attendee (each with its own iTIP object in their language and, unless
/// it is a cancellation, fresh personal RSVP links); returns the recipients.
pub fn queue_invitations(
    conn: &mut PgConnection,
    settings: &Settings,
    meeting: &Meeting,
    kind: ConvocationKind,
) -> Result<Vec<String>, ApiError> {
    let mut recipients = Vec::new();
    for attendee in queries::attendees(conn, meeting.id)? {
        let organizer = attendee.user_id.is_some() && attendee.user_id == meeting.organizer_user_id;
        let method = match kind {
            _ if organizer => Method::Publish,
            ConvocationKind::Cancel => Method::Cancel,
            ConvocationKind::Request | ConvocationKind::Update => Method::Request,
        };
        let links = if kind == ConvocationKind::Cancel || organizer {
            None
        } else {
            let token = tokens::generate();
            diesel::update(meeting_attendees::table.find((meeting.id, &attendee.email)))
                .set(meeting_attendees::rsvp_token_hash.eq(tokens::hash(&token)))
                .execute(conn)?;
            Some(rsvp_links(settings, &token))
        };
        let locale = Locale::parse(&attendee.locale).unwrap_or_default();
        let event = meeting_event(conn, meeting, locale)?;
        let when = calendar::local_time(event.starts_at, event.ends_at, event.timezone, locale);
        let organizer = event.organizer.label();
        let rendered = templates::convocation(
            locale,
            &templates::Convocation {
                kind,
                meeting_title: &event.title,
                project_title: &event.project_title,
                organizer: &organizer,
                when: &when,
                location: event.location.as_deref(),
                video_url: event.video_url.as_deref(),
                agenda: &event.agenda,
                rsvp: links.as_ref(),
            },
        );
        mail::enqueue(
            conn,
            settings,
            Outgoing {
                kind: match kind {
                    ConvocationKind::Request => "convocation",
                    ConvocationKind::Update => "convocation_update",
                    ConvocationKind::Cancel => "convocation_cancel",
                },
                to: mailbox(&attendee.display_name, &attendee.email)?,
                reply_to: mailbox(&organizer, &event.organizer.email).ok(),
                rendered,
                calendar: Some(CalendarPart {
                    method: method.as_str(),
                    ics: calendar::itip(method, &event),
                }),
            },
        )?;
        recipients.push(attendee.email);
    }
    Ok(recipients)
}

/// Stores a change of a meeting (see `PATCH /api/meetings/{id}`); after the convocation, a
/// real change bumps SEQUENCE and queues an update to every attendee. Returns the meeting and
/// whether emails were queued.
pub fn apply_change(
    conn: &mut PgConnection,
    settings: &Settings,
    access: &ProjectAccess,
    meeting: &Meeting,
    next: Meeting,
) -> Result<(Meeting, bool), ApiError> {
    let time_changed = next.starts_at != meeting.starts_at || next.ends_at != meeting.ends_at;
    let changed = time_changed
        || next.title != meeting.title
        || next.location != meeting.location
        || next.video_url != meeting.video_url
        || next.timezone != meeting.timezone;
    if time_changed && next.starts_at.is_some_and(|s| s <= Utc::now()) {
        return Err(ApiError::invalid_field(
            "starts_at",
            "must be in the future",
        ));
    }
    let convened = match meeting.status.as_str() {
        "planning" => false,
        "convened" if !changed => return Ok((meeting.clone(), false)),
        "convened" => true,
        _ => {
            return Err(require_planning(meeting)
                .err()
                .unwrap_or(ApiError::NotFound));
        }
    };
    if convened {
        check_update_rounds(conn, meeting)?;
    }
    let sequence = meeting.sequence + i32::from(convened);
    let updated: Meeting = diesel::update(
        meetings::table
            .find(meeting.id)
            .filter(meetings::status.eq(meeting.status.as_str()))
            .filter(meetings::sequence.eq(meeting.sequence)),
    )
    .set((
        meetings::title.eq(&next.title),
        meetings::duration_minutes.eq(next.duration_minutes),
        meetings::timezone.eq(&next.timezone),
        meetings::location.eq(&next.location),
        meetings::video_url.eq(&next.video_url),
        meetings::starts_at.eq(next.starts_at),
        meetings::ends_at.eq(next.ends_at),
        meetings::sequence.eq(sequence),
    ))
    .returning(Meeting::as_returning())
    .get_result(conn)
    .optional()?
    .ok_or_else(|| {
        ApiError::conflict(
            "meeting_changed",
            "the meeting changed meanwhile; read it again",
        )
    })?;
    if convened {
        if time_changed {
            reset_partstats(conn, &updated)?;
        }
        queue_invitations(conn, settings, &updated, ConvocationKind::Update)?;
    }
    audit(
        conn,
        access,
        "meeting.updated",
        None,
        json!({
            "meeting_id": updated.id, "sequence": updated.sequence, "time_changed": time_changed,
            "title": updated.title, "starts_at": updated.starts_at, "location": updated.location,
            "notified": convened,
        }),
    )?;
    Ok((updated, convened))
}

/// Update rounds (an email to every attendee each) a meeting may send in any 24 hours. A
/// coordinator fixing a time, then a room, then a typo stays well under it; a script, or an
/// initiator using attendees' mailboxes as a chat, does not.
pub const UPDATE_ROUNDS_PER_DAY: i64 = 5;

/// Refuses one more update round of `meeting` when [`UPDATE_ROUNDS_PER_DAY`] were sent in the
/// last 24 hours, saying when the next is possible. The rounds are counted from the audit rows
/// of the updates that notified attendees; the caller holds the meeting's row lock, so two
/// concurrent changes cannot both pass the count.
fn check_update_rounds(conn: &mut PgConnection, meeting: &Meeting) -> Result<(), ApiError> {
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    #[derive(QueryableByName)]
    struct Rounds {
        #[diesel(sql_type = BigInt)]
        sent: i64,
        #[diesel(sql_type = Nullable<Timestamptz>)]
        oldest: Option<DateTime<Utc>>,
        #[diesel(sql_type = Timestamptz)]
        now: DateTime<Utc>,
    }
    let rounds: Rounds = diesel::sql_query(
        "SELECT count(*) AS sent, min(created_at) AS oldest, now() AS now FROM audit_events \
         WHERE project_id = $1 AND action = 'meeting.updated' \
           AND details->>'meeting_id' = $2 AND details->>'notified' = 'true' \
           AND created_at > now() - interval '24 hours'",
    )
    .bind::<SqlUuid, _>(meeting.project_id)
    .bind::<Text, _>(meeting.id.to_string())
    .get_result(conn)?;
    if rounds.sent < UPDATE_ROUNDS_PER_DAY {
        return Ok(());
    }
    let next = rounds.oldest.unwrap_or(rounds.now) + chrono::Duration::hours(24);
    let wait = (next - rounds.now).num_seconds().max(1);
    Err(ApiError::LimitReached {
        retry_after_secs: u64::try_from(wait).unwrap_or(1),
        message: format!(
            "this meeting already sent {UPDATE_ROUNDS_PER_DAY} updates to its attendees in the \
             last 24 hours; the next change can be sent in {} h {:02} min",
            wait / 3600,
            (wait % 3600) / 60
        ),
    })
}

/// `POST /api/meetings/{id}/cancel`: a convened meeting gets `METHOD:CANCEL` sent to every
/// attendee (SEQUENCE + 1); a meeting still being planned is cancelled without any email.
pub async fn cancel(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let meeting = in_meeting(&state, current.id(), path.into_inner(), move |conn, m, access| {
        access.require_initiator()?;
        let meeting = queries::lock(conn, m.id)?;
        let convened = meeting.status == MeetingStatus::Convened;
        let cancelled: Meeting = diesel::update(
            meetings::table
                .find(meeting.id)
                .filter(meetings::status.eq_any(["planning", "convened"])),
        )
        .set((
            meetings::status.eq("cancelled"),
            meetings::cancelled_at.eq(Utc::now()),
            meetings::sequence.eq(meeting.sequence + i32::from(convened)),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            ApiError::conflict("not_cancellable", "the meeting is already cancelled or held")
                .with("status", json!(meeting.status))
        })?;
        let recipients = if convened {
            queue_invitations(conn, &settings, &cancelled, ConvocationKind::Cancel)?
        } else {
            Vec::new()
        };
        audit(conn, &access, "meeting.cancelled", None, json!({
            "meeting_id": cancelled.id, "sequence": cancelled.sequence, "recipients": recipients,
        }))?;
        Ok(cancelled)
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

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
    let (event, method) = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        move |conn, meeting, _| {
            if meeting.status == MeetingStatus::Planning || meeting.organizer_user_id.is_none() {
                return Err(ApiError::conflict(
                    "not_convened",
                    "the meeting is not convened yet",
                ));
            }
            let method = if meeting.status == MeetingStatus::Cancelled {
                Method::Cancel
            } else {
                Method::Request
            };
            Ok((meeting_event(conn, &meeting, locale)?, method))
        },
    )
    .await?;
    Ok(ics_response(calendar::itip(method, &event), Some(method)))
}
