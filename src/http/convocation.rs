//! Convocations and what follows them: sending the convocation (behind the gate), updates and
//! cancellation, the current `invite.ics`, RSVP links, and the per-user calendar feed.
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
//! stored hashed, so a new email means new links; the latest ones are valid).

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use lettre::message::Mailbox;
use maud::{DOCTYPE, html};
use serde::Deserialize;
use serde_json::json;
use url::Url;
use uuid::Uuid;

use crate::auth::{CurrentUser, ProjectAccess, tokens};
use crate::calendar::{self, AgendaLine, MeetingEvent, Method, Person};
use crate::config::Settings;
use crate::db::models::{Meeting, MeetingAttendee, User};
use crate::db::schema::{calendar_feeds, meeting_attendees, meetings, projects, users};
use crate::db::{self, meetings as queries};
use crate::domain::Locale;
use crate::domain::gate;
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
        cancelled: meeting.status == "cancelled",
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
    let method = match kind {
        ConvocationKind::Cancel => Method::Cancel,
        _ => Method::Request,
    };
    let mut recipients = Vec::new();
    for attendee in queries::attendees(conn, meeting.id)? {
        let links = if kind == ConvocationKind::Cancel {
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
    let sequence = meeting.sequence + i32::from(convened);
    let updated: Meeting = diesel::update(
        meetings::table
            .find(meeting.id)
            .filter(meetings::status.eq(&meeting.status))
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
        }),
    )?;
    Ok((updated, convened))
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
        let convened = meeting.status == "convened";
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

fn ics_response(body: String, method: Option<Method>) -> HttpResponse {
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
            if meeting.status == "planning" || meeting.organizer_user_id.is_none() {
                return Err(ApiError::conflict(
                    "not_convened",
                    "the meeting is not convened yet",
                ));
            }
            let method = if meeting.status == "cancelled" {
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

#[derive(Deserialize)]
pub struct RsvpQuery {
    answer: String,
}

/// What an RSVP link did, for the page that says so.
enum RsvpOutcome {
    Recorded {
        title: String,
        partstat: &'static str,
    },
    Cancelled {
        title: String,
    },
}

/// `GET /rsvp/{token}?answer=accepted|declined|tentative`: records PARTSTAT, shows a page in
/// the attendee's language. The token is the secret; no session is needed.
pub async fn rsvp(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<RsvpQuery>,
) -> HttpResponse {
    let partstat = match query.answer.as_str() {
        "accepted" => Some("ACCEPTED"),
        "declined" => Some("DECLINED"),
        "tentative" => Some("TENTATIVE"),
        _ => None,
    };
    let hash = tokens::hash(&path.into_inner());
    let found = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| record_rsvp(conn, &hash, partstat))
    })
    .await;
    match found {
        Ok(Some((locale, outcome))) => rsvp_page(200, locale, Some(outcome)),
        Ok(None) => rsvp_page(404, Locale::default(), None),
        Err(ApiError::InvalidInput { .. }) => rsvp_page(400, Locale::default(), None),
        Err(error) => actix_web::ResponseError::error_response(&error),
    }
}

fn record_rsvp(
    conn: &mut PgConnection,
    hash: &[u8],
    partstat: Option<&'static str>,
) -> Result<Option<(Locale, RsvpOutcome)>, ApiError> {
    let found: Option<(MeetingAttendee, Meeting)> = meeting_attendees::table
        .inner_join(meetings::table)
        .filter(meeting_attendees::rsvp_token_hash.eq(hash))
        .select((MeetingAttendee::as_select(), Meeting::as_select()))
        .first(conn)
        .optional()?;
    let Some((attendee, meeting)) = found else {
        return Ok(None);
    };
    let locale = Locale::parse(&attendee.locale).unwrap_or_default();
    let partstat = partstat
        .ok_or_else(|| ApiError::invalid_field("answer", "accepted, declined or tentative"))?;
    if meeting.status != "convened" {
        return Ok(Some((
            locale,
            RsvpOutcome::Cancelled {
                title: meeting.title,
            },
        )));
    }
    diesel::update(
        meeting_attendees::table
            .find((meeting.id, &attendee.email))
            .filter(meeting_attendees::rsvp_token_hash.eq(hash)),
    )
    .set((
        meeting_attendees::partstat.eq(partstat),
        meeting_attendees::responded_at.eq(Some(Utc::now())),
    ))
    .execute(conn)?;
    crate::db::models::NewAuditEvent {
        project_id: Some(meeting.project_id),
        actor_user_id: attendee.user_id,
        actor_organization_id: Some(attendee.organization_id),
        action: "rsvp.answered",
        organization_id: Some(attendee.organization_id),
        details: json!({"meeting_id": meeting.id, "email": attendee.email, "partstat": partstat}),
    }
    .record(conn)?;
    Ok(Some((
        locale,
        RsvpOutcome::Recorded {
            title: meeting.title,
            partstat,
        },
    )))
}

fn rsvp_page(status: u16, locale: Locale, outcome: Option<RsvpOutcome>) -> HttpResponse {
    let fr = locale == Locale::Fr;
    let (heading, message) = match &outcome {
        Some(RsvpOutcome::Recorded { title, partstat }) => {
            let answer = match (*partstat, fr) {
                ("ACCEPTED", true) => "vous viendrez",
                ("DECLINED", true) => "vous ne viendrez pas",
                (_, true) => "vous viendrez peut-être",
                ("ACCEPTED", false) => "you will come",
                ("DECLINED", false) => "you will not come",
                (_, false) => "you may come",
            };
            if fr {
                ("Réponse enregistrée".to_owned(), format!("C’est noté pour « {title} » : {answer}. Vous pouvez changer d’avis avec un autre lien du message."))
            } else {
                ("Answer recorded".to_owned(), format!("Noted for “{title}”: {answer}. You can change your mind with another link of the email."))
            }
        }
        Some(RsvpOutcome::Cancelled { title }) if fr => ("Réunion annulée".to_owned(), format!("La réunion « {title} » n’a plus lieu : aucune réponse n’est attendue.")),
        Some(RsvpOutcome::Cancelled { title }) => ("Meeting cancelled".to_owned(), format!("The meeting “{title}” is not taking place: no answer is needed.")),
        None if status == 400 => ("Lien incomplet / Incomplete link".to_owned(), "Utilisez un des liens du message. / Use one of the links of the email.".to_owned()),
        None => ("Lien inconnu / Unknown link".to_owned(), "Ce lien n’est pas (ou plus) valable : utilisez celui du dernier message reçu. / This link is not (or no longer) valid: use the one in the latest email.".to_owned()),
    };
    let page = html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width";
                title { (heading) " — Amont" }
            }
            body style="font-family:Arial,Helvetica,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#1f2933;" {
                h1 style="font-size:22px;" { (heading) }
                p { (message) }
            }
        }
    };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .content_type(ContentType::html())
        .body(page.into_string())
}

/// `GET /api/me/calendar-feed`: a secret feed URL. Only its hash is stored, so each call issues
/// a new URL; every URL issued stays valid until `DELETE /api/me/calendar-feed` revokes them all.
pub async fn feed_url(
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
    Ok(HttpResponse::Ok().json(json!({"url": url.as_str()})))
}

/// `DELETE /api/me/calendar-feed`: revokes every feed URL of the caller.
pub async fn revoke_feed(
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

/// `GET /calendar/{token}.ics`: the feed of the user's convened (and cancelled) meetings.
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
        let events = found
            .iter()
            .map(|m| meeting_event(conn, m, locale))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, ApiError>(calendar::feed(
            &format!("Amont — {}", user.display_name),
            &events,
        ))
    })
    .await?;
    Ok(ics_response(body, None))
}
