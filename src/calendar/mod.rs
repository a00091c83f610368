//! iCalendar (RFC 5545) for meetings: iTIP invitations (RFC 5546 `REQUEST` and `CANCEL`) and
//! the per-user subscription feed. Pure functions of stored data; no I/O, no clock (`dtstamp`
//! is passed in).
//!
//! - **Times are UTC** (`DTSTART:20261203T090000Z`), never a `TZID`: no `VTIMEZONE` is needed,
//!   and a calendar client shows the right local hour whatever its own zone (ADR 6). The
//!   meeting's own zone appears in the DESCRIPTION, with the local time written out.
//! - **One VEVENT** per meeting, with a stable `UID` and the meeting's `SEQUENCE`; this module
//!   always sets `UID` and `DTSTAMP` itself (the `icalendar` crate would otherwise invent them).
//! - **User text cannot inject anything.** TEXT values (SUMMARY, LOCATION, DESCRIPTION) are
//!   escaped by the crate (`\` `;` `,` newline); carriage returns and other control characters,
//!   which it leaves alone, are removed here first ([`clean_text`]). Parameter values (`CN`) lose
//!   control characters, double quotes, `\` and `^` ([`clean_param`]: a backslash is no escape
//!   in a parameter, and RFC 6868 decoders turn `^n` into a line break) and are quoted by the
//!   crate when they hold `:` `;` `,`; a name left empty falls back to the address. URIs
//!   (`mailto:`, the video link) come from parsed addresses and URLs.
//! - **Lines are folded here** ([`fold`]), at 75 octets and never inside a UTF-8 character: the
//!   crate's own folding writes a 76-octet line when exactly 75 octets remain.
//! - **The organizer is not asked to answer**: the CHAIR has `RSVP=FALSE`, and the organizer's
//!   own copy is a `METHOD:PUBLISH` object without attendees (RFC 5546 §3.2.1), which calendars
//!   file without offering to accept one's own meeting.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use serde::{Deserialize, Serialize};

use crate::domain::Locale;

/// The PRODID of everything Amont writes.
pub const PRODID: &str = "-//Amont//Amont concertation//FR";

/// An iTIP method (RFC 5546) for the invitations sent by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
    /// The organizer's copy: the event as it stands (cancelled or not), nobody to answer.
    Publish,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// A calendar user: the organizer or an attendee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub email: String,
    pub name: String,
    pub organization: String,
}

impl Person {
    /// `Name (Organization)`, as CN and in the emails.
    pub fn label(&self) -> String {
        let name = self.name.trim();
        let organization = self.organization.trim();
        match (name.is_empty(), organization.is_empty()) {
            (true, _) => self.email.clone(),
            (false, true) => name.to_owned(),
            (false, false) => format!("{name} ({organization})"),
        }
    }
}

/// An attendee line: who, their role (`CHAIR`, `REQ-PARTICIPANT`) and their PARTSTAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub person: Person,
    pub role: String,
    pub partstat: String,
}

/// An agenda item as convened: frozen in the meeting at convocation, written in DESCRIPTION.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaLine {
    pub title: String,
    pub duration_min: u32,
    /// The leading organization's name.
    pub lead: Option<String>,
    pub notes: String,
}

/// Everything an invitation says about one meeting.
#[derive(Debug, Clone)]
pub struct MeetingEvent {
    pub uid: String,
    pub sequence: u32,
    pub title: String,
    pub project_title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: Tz,
    pub location: Option<String>,
    pub video_url: Option<String>,
    pub agenda: Vec<AgendaLine>,
    pub organizer: Person,
    pub attendees: Vec<Attendee>,
    pub cancelled: bool,
    /// When this iCalendar object is produced (DTSTAMP).
    pub dtstamp: DateTime<Utc>,
    /// The language of DESCRIPTION.
    pub locale: Locale,
}

/// A TEXT value without control characters: CRLF and CR become LF (which the crate escapes as
/// `\n`), tabs become spaces, any other control character is dropped. `one_line` also turns
/// line breaks into spaces (for SUMMARY and LOCATION).
pub fn clean_text(text: &str, one_line: bool) -> String {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = unified
        .chars()
        .filter_map(|c| match c {
            '\n' if one_line => Some(' '),
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    kept.trim().to_owned()
}

/// A parameter value (RFC 5545 `param-value`): no control characters, no double quote, and
/// neither `\` nor `^`, which RFC 6868 decoders and naive ones read as escapes.
pub fn clean_param(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !matches!(c, '"' | '\\' | '^'))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn cal_address(key: &str, person: &Person) -> Property {
    let mut property = Property::new(key, format!("mailto:{}", person.email));
    // Cleaned before the label is made, so that a name of nothing but `^` falls back too.
    let cleaned = Person {
        email: person.email.clone(),
        name: clean_param(&person.name),
        organization: clean_param(&person.organization),
    };
    property.add_parameter("CN", &clean_param(&cleaned.label()));
    property
}

/// The VEVENT of a meeting, every property set explicitly (UID and DTSTAMP included).
pub fn event(m: &MeetingEvent) -> Event {
    let mut event = Event::new();
    event
        .uid(&m.uid)
        .timestamp(m.dtstamp)
        .sequence(m.sequence)
        .summary(&clean_text(&m.title, true))
        .description(&description(m))
        .status(if m.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    event.append_property(Property::new("DTSTART", utc(m.starts_at)));
    event.append_property(Property::new("DTEND", utc(m.ends_at)));
    if let Some(location) = m.location.as_deref().map(|l| clean_text(l, true)) {
        event.location(&location);
    } else if let Some(video) = &m.video_url {
        event.location(video);
    }
    if let Some(video) = &m.video_url {
        event.url(video);
    }
    event.append_property(cal_address("ORGANIZER", &m.organizer));
    event.done()
}

/// The VEVENT with its ATTENDEE lines: everyone but the CHAIR (the organizer) is asked to
/// answer, unless the meeting is cancelled.
fn event_with_attendees(m: &MeetingEvent) -> Event {
    let mut event = event(m);
    for attendee in &m.attendees {
        let asked = !m.cancelled && attendee.role != "CHAIR";
        let mut property = cal_address("ATTENDEE", &attendee.person);
        property
            .add_parameter("CUTYPE", "INDIVIDUAL")
            .add_parameter("ROLE", &attendee.role)
            .add_parameter("PARTSTAT", &attendee.partstat)
            .add_parameter("RSVP", if asked { "TRUE" } else { "FALSE" });
        event.append_multi_property(property);
    }
    event
}

fn calendar(method: Option<Method>) -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"));
    if let Some(method) = method {
        calendar.append_property(Property::new("METHOD", method.as_str()));
    }
    calendar
}

/// The iTIP object sent by email: `METHOD:REQUEST` (a convocation or an update),
/// `METHOD:CANCEL` (with `STATUS:CANCELLED`), or the organizer's `METHOD:PUBLISH` copy (no
/// attendees: RFC 5546 §3.2.1); one VEVENT.
pub fn itip(method: Method, m: &MeetingEvent) -> String {
    let mut calendar = calendar(Some(method));
    calendar.push(match method {
        Method::Publish => event(m),
        Method::Request | Method::Cancel => event_with_attendees(m),
    });
    write(&calendar)
}

/// A subscription feed (no METHOD: RFC 5546 objects are for scheduling, a feed only publishes).
pub fn feed(name: &str, events: &[MeetingEvent]) -> String {
    let mut calendar = calendar(None);
    calendar.append_property(Property::new("X-WR-CALNAME", clean_text(name, true)));
    for m in events {
        calendar.push(event_with_attendees(m));
    }
    write(&calendar)
}

/// The calendar as text, folded by [`fold`]. The crate's writer folds too (one octet too late
/// at times), so its output is unfolded first: no logical line holds CRLF + space, since every
/// value written is cleaned of control characters or is a parsed address or URL.
fn write(calendar: &Calendar) -> String {
    fold(&calendar.to_string().replace("\r\n ", ""))
}

/// Folds each CRLF-terminated line of `unfolded` (RFC 5545 §3.1): at most 75 octets per
/// physical line, the break (CRLF and one space) never inside a UTF-8 character. When a cut
/// would fall next to a space, it moves back into the word, if one is near: some readers trim
/// the end of a line, or every space at the start of the next, and would lose it.
pub fn fold(unfolded: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 24);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        // A continuation line starts with the space: 74 octets of content.
        let mut room = LIMIT;
        while rest.len() > room {
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let by_a_space = |at: usize| rest[..at].ends_with(' ') || rest[at..].starts_with(' ');
            let mut within_word = cut;
            while within_word > room / 2 && by_a_space(within_word) {
                within_word = rest[..within_word]
                    .char_indices()
                    .next_back()
                    .map_or(0, |(at, _)| at);
            }
            if within_word > 0 && !by_a_space(within_word) {
                cut = within_word;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            room = LIMIT - 1;
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out
}

const FR_DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A calendar day written out: `15 décembre 2026`, `15 December 2026`.
pub fn long_date(date: chrono::NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Fr => format!(
            "{} {} {}",
            date.day(),
            FR_MONTHS[date.month0() as usize],
            date.year()
        ),
        Locale::En => date.format("%-d %B %Y").to_string(),
    }
}

/// The meeting's time in its own zone, written out: `mardi 3 décembre 2026, 10:00–12:00
/// (Europe/Paris, UTC+01:00)`; across a change of the clocks, each end with its offset:
/// `dimanche 25 octobre 2026, 01:30 (UTC+02:00)–02:30 (UTC+01:00), Europe/Paris`.
pub fn local_time(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    timezone: Tz,
    locale: Locale,
) -> String {
    let start = starts_at.with_timezone(&timezone);
    let end = ends_at.with_timezone(&timezone);
    let end_shown = if end.date_naive() == start.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        end.format("%Y-%m-%d %H:%M").to_string()
    };
    let day = match locale {
        Locale::Fr => format!(
            "{} {} {} {}",
            FR_DAYS[start.weekday().num_days_from_monday() as usize],
            start.day(),
            FR_MONTHS[start.month0() as usize],
            start.year(),
        ),
        Locale::En => start.format("%A %-d %B %Y").to_string(),
    };
    let (start_offset, end_offset) = (start.format("%:z"), end.format("%:z"));
    if start_offset.to_string() == end_offset.to_string() {
        format!(
            "{day}, {}–{end_shown} ({}, UTC{start_offset})",
            start.format("%H:%M"),
            timezone.name(),
        )
    } else {
        // The clocks change during the meeting: each end with its own offset.
        format!(
            "{day}, {} (UTC{start_offset})–{end_shown} (UTC{end_offset}), {}",
            start.format("%H:%M"),
            timezone.name(),
        )
    }
}

/// The agenda as text, one numbered item per line, with duration, lead and notes.
pub fn agenda_text(agenda: &[AgendaLine], locale: Locale) -> String {
    let led_by = match locale {
        Locale::Fr => "animé par",
        Locale::En => "led by",
    };
    let mut out = String::new();
    for (n, item) in agenda.iter().enumerate() {
        out.push_str(&format!(
            "{}. {} ({} min)",
            n + 1,
            clean_text(&item.title, true),
            item.duration_min
        ));
        if let Some(lead) = item.lead.as_deref().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!(" — {led_by} {}", clean_text(lead, true)));
        }
        out.push('\n');
        for line in clean_text(&item.notes, false).lines() {
            out.push_str(&format!("   {line}\n"));
        }
    }
    out
}

/// The DESCRIPTION: project, local time with the zone's name, place, link, agenda as convened.
fn description(m: &MeetingEvent) -> String {
    let (project, when, place, video, agenda, cancelled, colon) = match m.locale {
        Locale::Fr => (
            "Projet",
            "Quand",
            "Lieu",
            "Visio",
            "Ordre du jour",
            "Réunion annulée.",
            " :",
        ),
        Locale::En => (
            "Project",
            "When",
            "Where",
            "Video",
            "Agenda",
            "Meeting cancelled.",
            ":",
        ),
    };
    let mut out = String::new();
    if m.cancelled {
        out.push_str(cancelled);
        out.push_str("\n\n");
    }
    let title = clean_text(&m.project_title, true);
    out.push_str(&format!("{project}{colon} {title}\n"));
    let time = local_time(m.starts_at, m.ends_at, m.timezone, m.locale);
    out.push_str(&format!("{when}{colon} {time}\n"));
    if let Some(location) = &m.location {
        let location = clean_text(location, true);
        out.push_str(&format!("{place}{colon} {location}\n"));
    }
    if let Some(url) = &m.video_url {
        out.push_str(&format!("{video}{colon} {url}\n"));
    }
    if !m.agenda.is_empty() {
        let items = agenda_text(&m.agenda, m.locale);
        out.push_str(&format!("\n{agenda}{colon}\n{items}"));
    }
    clean_text(&out, false)
}

#[cfg(test)]
mod tests;
