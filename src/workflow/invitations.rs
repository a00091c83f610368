//! The iTIP messages of a meeting (RFC 5546): what an invitation says about it, and the emails
//! that carry it to every attendee.
//!
//! A meeting's facts — its project's title, its organizer, its attendees and their
//! organizations, the agenda as convened — are read once ([`MeetingFacts::load`]); each
//! attendee's message is then that event in their language, with their own RSVP links.

use chrono::Utc;
use lettre::message::Mailbox;
use uuid::Uuid;

use super::Refusal;
use crate::auth::tokens;
use crate::calendar::{self, AgendaLine, MeetingEvent, Method, Person};
use crate::config::Settings;
use crate::db::models::{Meeting, MeetingAttendee};
use crate::db::{Conn, convocations, meetings as queries};
use crate::domain::Locale;
use crate::domain::meeting::MeetingStatus;
use crate::mail::templates::{self, ConvocationKind, RsvpLinks};
use crate::mail::{self, CalendarPart, Outgoing};

/// Everything an invitation says about one meeting, whoever it goes to.
pub struct MeetingFacts {
    /// The attendees as stored, in the order they were invited.
    pub attendees: Vec<MeetingAttendee>,
    /// The event without its language and stamp (see [`MeetingFacts::event`]).
    event: MeetingEvent,
}

impl MeetingFacts {
    /// Reads the meeting's project, organizer and attendees once. Refused when the meeting has
    /// no time yet.
    pub fn load(conn: &mut Conn, meeting: &Meeting) -> Result<Self, Refusal> {
        let (Some(starts_at), Some(ends_at)) = (meeting.starts_at, meeting.ends_at) else {
            return Err(Refusal::conflict(
                "not_convened",
                "the meeting has no time yet",
            ));
        };
        let project_title = queries::project_title(conn, meeting.project_id)?;
        let attendees = queries::attendees(conn, meeting.id)?;
        let ids: Vec<Uuid> = attendees.iter().map(|a| a.organization_id).collect();
        let names = queries::organization_names(conn, &ids)?;
        let people = attendees
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
        let event = MeetingEvent {
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
            attendees: people,
            cancelled: meeting.status == MeetingStatus::Cancelled,
            dtstamp: Utc::now(),
            locale: Locale::default(),
        };
        Ok(MeetingFacts { attendees, event })
    }

    /// The meeting as an iCalendar event in `locale`, stamped now.
    pub fn event(&self, locale: Locale) -> MeetingEvent {
        MeetingEvent {
            dtstamp: Utc::now(),
            locale,
            ..self.event.clone()
        }
    }
}

/// The meeting as an iCalendar event, in `locale`, with every attendee.
pub fn meeting_event(
    conn: &mut Conn,
    meeting: &Meeting,
    locale: Locale,
) -> Result<MeetingEvent, Refusal> {
    Ok(MeetingFacts::load(conn, meeting)?.event(locale))
}

/// The organizer as a calendar user.
fn organizer(conn: &mut Conn, meeting: &Meeting) -> Result<Person, Refusal> {
    let user_id = meeting
        .organizer_user_id
        .ok_or_else(|| anyhow::anyhow!("convened meeting {} has no organizer", meeting.id))?;
    let user = crate::db::users::by_id(conn, user_id)?.ok_or(Refusal::NotFound)?;
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

/// Queues one email per attendee (each with its own iTIP object in their language and, unless
/// it is a cancellation, fresh personal RSVP links); returns the recipients. The organizer gets
/// a `METHOD:PUBLISH` copy without links: nobody answers their own meeting.
pub fn queue(
    conn: &mut Conn,
    settings: &Settings,
    meeting: &Meeting,
    kind: ConvocationKind,
) -> Result<Vec<String>, Refusal> {
    let facts = MeetingFacts::load(conn, meeting)?;
    let mut recipients = Vec::new();
    for attendee in &facts.attendees {
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
            convocations::set_rsvp_token(conn, meeting.id, &attendee.email, tokens::hash(&token))?;
            Some(rsvp_links(settings, &token))
        };
        let locale = Locale::parse(&attendee.locale).unwrap_or_default();
        let event = facts.event(locale);
        mail::enqueue(
            conn,
            settings,
            message(attendee, &event, kind, method, links.as_ref())?,
        )?;
        recipients.push(attendee.email.clone());
    }
    Ok(recipients)
}

/// One attendee's email: the convocation in their language, with the iTIP object attached.
fn message(
    attendee: &MeetingAttendee,
    event: &MeetingEvent,
    kind: ConvocationKind,
    method: Method,
    links: Option<&RsvpLinks>,
) -> Result<Outgoing, Refusal> {
    let locale = event.locale;
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
            rsvp: links,
        },
    );
    Ok(Outgoing {
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
            ics: calendar::itip(method, event),
        }),
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

fn mailbox(name: &str, email: &str) -> Result<Mailbox, Refusal> {
    let address = email
        .parse::<lettre::Address>()
        .map_err(|e| anyhow::anyhow!("attendee address {email} is not deliverable: {e}"))?;
    Ok(Mailbox::new(Some(name.to_owned()), address))
}
