//! Snapshots of the iTIP objects, a round trip of each through the `icalendar` crate's own
//! parser, times in every zone we serve, and the escaping of hostile user text.

use chrono::TimeZone;
use icalendar::{CalendarDateTime, DatePerhapsTime};

use super::*;

fn person(email: &str, name: &str, organization: &str) -> Person {
    Person {
        email: email.into(),
        name: name.into(),
        organization: organization.into(),
    }
}

fn example() -> MeetingEvent {
    let starts_at = chrono_tz::Europe::Paris
        .with_ymd_and_hms(2026, 12, 3, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    MeetingEvent {
        uid: "4b8e2f4e-1d5c-4c8a-9d3e-2f1a0b9c8d7e@amont.example.org".into(),
        sequence: 0,
        title: "Comité de pilotage — Été des jeunes".into(),
        project_title: "Été des jeunes 2027".into(),
        starts_at,
        ends_at: starts_at + chrono::Duration::minutes(90),
        timezone: chrono_tz::Europe::Paris,
        location: Some("Salle du conseil, 2 place de la Mairie, Villeneuve".into()),
        video_url: Some("https://visio.example.org/ete-2027".into()),
        agenda: vec![
            AgendaLine {
                title: "Tour de table".into(),
                duration_min: 15,
                lead: Some("MJC des Quatre Vents".into()),
                notes: String::new(),
            },
            AgendaLine {
                title: "Budget, calendrier; partenaires".into(),
                duration_min: 45,
                lead: Some("CAF du Rhône".into()),
                notes: "Chiffres 2026\nProposition 2027".into(),
            },
        ],
        organizer: person("ines@mjc.example", "Inès Martin", "MJC des Quatre Vents"),
        attendees: vec![
            Attendee {
                person: person("ines@mjc.example", "Inès Martin", "MJC des Quatre Vents"),
                role: "CHAIR".into(),
                partstat: "ACCEPTED".into(),
            },
            Attendee {
                person: person("claire@caf.example", "Claire Dubois", "CAF du Rhône"),
                role: "REQ-PARTICIPANT".into(),
                partstat: "NEEDS-ACTION".into(),
            },
        ],
        cancelled: false,
        dtstamp: Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
        locale: Locale::Fr,
    }
}

/// The object with UID and DTSTAMP redacted, line folding kept, CRLF shown as newlines.
fn redacted(ics: &str) -> String {
    ics.split("\r\n")
        .map(|line| {
            if line.starts_with("UID:") {
                "UID:[uid]".to_owned()
            } else if line.starts_with("DTSTAMP:") {
                "DTSTAMP:[dtstamp]".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse(ics: &str) -> icalendar::Calendar {
    ics.parse::<icalendar::Calendar>()
        .expect("the object parses back")
}

fn only_event(calendar: &icalendar::Calendar) -> &icalendar::Event {
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 1, "one VEVENT");
    assert_eq!(calendar.components.len(), 1, "nothing but the VEVENT");
    events[0]
}

fn utc_start(event: &icalendar::Event) -> DateTime<Utc> {
    match event.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(at))) => at,
        other => panic!("DTSTART is not a UTC date-time: {other:?}"),
    }
}

#[test]
fn request_snapshot() {
    insta::assert_snapshot!(redacted(&itip(Method::Request, &example())));
}

#[test]
fn update_snapshot() {
    let mut m = example();
    m.sequence = 1;
    m.starts_at += chrono::Duration::days(1);
    m.ends_at += chrono::Duration::days(1);
    m.attendees[1].partstat = "TENTATIVE".into();
    insta::assert_snapshot!(redacted(&itip(Method::Request, &m)));
}

#[test]
fn cancel_snapshot() {
    let mut m = example();
    m.sequence = 2;
    m.cancelled = true;
    m.locale = Locale::En;
    insta::assert_snapshot!(redacted(&itip(Method::Cancel, &m)));
}

#[test]
fn request_update_and_cancel_round_trip() {
    let mut m = example();
    for (method, sequence, cancelled) in [
        (Method::Request, 0, false),
        (Method::Request, 1, false),
        (Method::Cancel, 2, true),
    ] {
        m.sequence = sequence;
        m.cancelled = cancelled;
        let ics = itip(method, &m);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(
            ics.split("\r\n").all(|line| line.len() <= 75),
            "folded lines"
        );
        let calendar = parse(&ics);
        assert_eq!(calendar.property_value("METHOD"), Some(method.as_str()));
        assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
        let event = only_event(&calendar);
        assert_eq!(event.get_uid(), Some(m.uid.as_str()));
        assert_eq!(event.get_sequence(), Some(sequence));
        assert_eq!(event.get_timestamp(), Some(m.dtstamp));
        assert_eq!(utc_start(event), m.starts_at);
        assert_eq!(event.get_summary(), Some(m.title.as_str()));
        assert_eq!(
            event.property_value("STATUS"),
            Some(if cancelled { "CANCELLED" } else { "CONFIRMED" })
        );
        let attendees = event.get_attendees();
        assert_eq!(attendees.len(), 2);
        assert_eq!(
            attendees[1].cn.as_deref(),
            Some("Claire Dubois (CAF du Rhône)")
        );
        let organizer = event.properties().get("ORGANIZER").unwrap();
        assert_eq!(organizer.value(), "mailto:ines@mjc.example");
        let description = event.get_description().unwrap();
        assert!(
            description
                .contains("2. Budget, calendrier; partenaires (45 min) — animé par CAF du Rhône"),
            "{description}"
        );
        assert!(
            description.contains("jeudi 3 décembre 2026, 10:00–11:30 (Europe/Paris, UTC+01:00)")
        );
    }
}

#[test]
fn no_tzid_and_no_timezone_component() {
    let ics = itip(Method::Request, &example());
    assert!(!ics.contains("TZID"), "{ics}");
    assert!(!ics.contains("VTIMEZONE"), "{ics}");
    assert!(ics.contains("\r\nDTSTART:20261203T090000Z\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND:20261203T103000Z\r\n"), "{ics}");
    // Exactly one UID and one DTSTAMP: the crate adds none of its own.
    assert_eq!(ics.matches("\r\nUID:").count(), 1);
    assert_eq!(ics.matches("\r\nDTSTAMP:").count(), 1);
}

/// The chosen instant survives in every zone, on both sides of both DST changes: the expected
/// UTC strings are written out here, not computed by the code under test.
#[test]
fn start_times_are_right_in_every_zone() {
    use chrono_tz::{America::Cayenne, Europe::Paris, Indian::Reunion, Pacific::Noumea};
    /// A zone, a local date and hour, the expected UTC DTSTART, the expected offset.
    type Case = (Tz, (i32, u32, u32, u32), &'static str, &'static str);
    let cases: [Case; 8] = [
        (Paris, (2027, 3, 27, 10), "20270327T090000Z", "UTC+01:00"),
        (Paris, (2027, 3, 28, 10), "20270328T080000Z", "UTC+02:00"),
        (Paris, (2027, 3, 28, 1), "20270328T000000Z", "UTC+01:00"),
        (Paris, (2027, 10, 30, 10), "20271030T080000Z", "UTC+02:00"),
        (Paris, (2027, 10, 31, 10), "20271031T090000Z", "UTC+01:00"),
        (Cayenne, (2027, 3, 28, 10), "20270328T130000Z", "UTC-03:00"),
        (Reunion, (2027, 10, 31, 10), "20271031T060000Z", "UTC+04:00"),
        (Noumea, (2027, 3, 28, 10), "20270327T230000Z", "UTC+11:00"),
    ];
    for (zone, (y, mo, d, h), expected, offset) in cases {
        let local = zone.with_ymd_and_hms(y, mo, d, h, 0, 0).single().unwrap();
        let mut m = example();
        m.timezone = zone;
        m.starts_at = local.with_timezone(&Utc);
        m.ends_at = m.starts_at + chrono::Duration::hours(1);
        let ics = itip(Method::Request, &m);
        assert!(
            ics.contains(&format!("\r\nDTSTART:{expected}\r\n")),
            "{zone}: {ics}"
        );
        let event = parse(&ics).events().next().cloned().unwrap();
        assert_eq!(utc_start(&event), m.starts_at, "{zone}");
        let description = event.get_description().unwrap();
        if (y, mo, d, h) == (2027, 3, 28, 1) && zone == Paris {
            // From 01:00 for an hour: the clocks go from 02:00 to 03:00 meanwhile.
            assert!(
                description.contains(", 01:00 (UTC+01:00)–03:00 (UTC+02:00), Europe/Paris"),
                "{description}"
            );
            continue;
        }
        assert!(
            description.contains(&format!(", {h:02}:00–")),
            "{zone}: {description}"
        );
        assert!(
            description.contains(&format!(" ({}, {offset})", zone.name())),
            "{zone}: {description}"
        );
    }
}

#[test]
fn hostile_text_cannot_inject_properties_or_components() {
    let hostile =
        "Réunion\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT; a, b \\ c\"";
    let mut m = example();
    m.title = hostile.into();
    m.project_title = hostile.into();
    m.location = Some(hostile.into());
    m.agenda[0].title = hostile.into();
    m.agenda[0].notes = hostile.into();
    m.agenda[0].lead = Some(hostile.into());
    m.organizer.name = hostile.into();
    m.attendees[1].person.name = hostile.into();
    m.attendees[1].person.organization = "CAF\nROLE=CHAIR:x;y".into();
    let ics = itip(Method::Request, &m);

    // Every physical line is a continuation or a property we wrote.
    for line in ics.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(!line.contains('\r') && !line.contains('\n'), "{line:?}");
    }
    assert_eq!(ics.matches("\r\nBEGIN:VEVENT").count(), 1, "{ics}");
    assert_eq!(ics.matches("\r\nEND:VEVENT").count(), 1, "{ics}");
    assert_eq!(ics.matches("\r\nATTENDEE").count(), 2, "{ics}");
    let calendar = parse(&ics);
    let event = only_event(&calendar);
    assert_eq!(event.get_attendees().len(), 2, "no injected attendee");
    assert!(
        event
            .get_attendees()
            .iter()
            .all(|a| !a.cal_address.contains("evil")),
        "{ics}"
    );
    // The text comes back as written, line breaks aside.
    let summary = event.get_summary().unwrap();
    assert_eq!(
        summary,
        "Réunion ATTENDEE:mailto:evil@example.org END:VEVENT BEGIN:VEVENT; a, b \\ c\""
    );
    let cn = event.get_attendees()[1].cn.clone().unwrap();
    assert!(!cn.contains('"') && !cn.contains('\n'), "{cn}");
}

#[test]
fn feeds_have_no_method_and_show_cancellations() {
    let live = example();
    let mut cancelled = example();
    cancelled.uid = "other@amont.example.org".into();
    cancelled.cancelled = true;
    cancelled.sequence = 3;
    let ics = feed("Amont — Inès", &[live, cancelled]);
    let calendar = parse(&ics);
    assert_eq!(calendar.property_value("METHOD"), None);
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(events[1].get_sequence(), Some(3));
}

#[test]
fn local_times_in_english_and_across_midnight() {
    let start = Utc.with_ymd_and_hms(2026, 12, 3, 22, 0, 0).unwrap();
    assert_eq!(
        local_time(
            start,
            start + chrono::Duration::hours(2),
            chrono_tz::Europe::Paris,
            Locale::En
        ),
        "Thursday 3 December 2026, 23:00–2026-12-04 01:00 (Europe/Paris, UTC+01:00)"
    );
}

#[test]
fn text_and_params_are_cleaned() {
    assert_eq!(clean_text("a\r\nb\rc\u{7}d\te", false), "a\nb\ncd e");
    assert_eq!(clean_text("a\r\nb", true), "a b");
    assert_eq!(clean_param("Anne \"A\"\r\nB"), "Anne A B");
}

/// Every physical line of `ics`: at most 75 octets, never ending with a space, and a
/// continuation line starts with exactly one space.
fn assert_folded(ics: &str, what: &str) {
    assert!(ics.ends_with("\r\n"), "{what}");
    for line in ics.split_terminator("\r\n") {
        assert!(
            line.len() <= 75,
            "{what}: a line of {} octets: {line:?}",
            line.len()
        );
        assert!(!line.is_empty(), "{what}: an empty line");
        assert!(
            !line.ends_with(' '),
            "{what}: folded after a space: {line:?}"
        );
        assert!(
            !line.starts_with("  "),
            "{what}: folded before a space: {line:?}"
        );
    }
}

/// RFC 5545 §3.1: lines of at most 75 octets, never folded inside a UTF-8 character, and every
/// text comes back unfolded as written — for every length from 1 to 400, in scripts of 1 to 4
/// octets per character.
#[test]
fn lines_are_folded_at_75_octets_for_every_length() {
    let alphabets = [
        "a",
        "é",
        "€",
        "😀",
        "aé€😀",
        "é€a",
        "😀a",
        "a b",
        "é €😀 ",
        "ab  c",
    ];
    for alphabet in alphabets {
        let chars: Vec<char> = alphabet.chars().collect();
        for length in 1..=400 {
            let title: String = (0..length).map(|i| chars[i % chars.len()]).collect();
            // SUMMARY and LOCATION are trimmed, and one line: the same text, as written back.
            let title = title.trim().to_owned();
            if title.is_empty() {
                continue;
            }
            let mut m = example();
            m.title = title.clone();
            m.location = Some(title.clone());
            m.attendees[1].person.name = title.clone();
            let ics = itip(Method::Request, &m);
            let what = format!("{alphabet} × {length}");
            assert_folded(&ics, &what);
            let event = parse(&ics).events().next().cloned().unwrap();
            assert_eq!(event.get_summary(), Some(title.as_str()), "{what}");
            assert_eq!(event.get_location(), Some(title.as_str()), "{what}");
        }
    }
}

#[test]
fn feeds_are_folded_too() {
    let mut m = example();
    m.title = "é".repeat(150);
    assert_folded(&feed(&"€".repeat(100), &[m]), "feed");
}

/// RFC 6868 decoders read `^n` as a line break and `^'` as a quote, and a backslash is not an
/// escape in a parameter value (`\,` would lose it): neither reaches a CN. A name left empty by
/// the cleaning falls back to the address.
#[test]
fn attendee_names_lose_carets_and_backslashes_and_never_go_empty() {
    let mut m = example();
    m.attendees[1].person.name = r"Claire ^n\, Dubois".into();
    m.attendees[1].person.organization = r"CAF \ du ^^Rhône".into();
    m.organizer.name = "^^\\\"".into();
    m.organizer.organization = String::new();
    let ics = itip(Method::Request, &m).replace("\r\n ", "");
    let cns: Vec<&str> = ics
        .split("\r\n")
        .filter(|l| l.starts_with("ATTENDEE") || l.starts_with("ORGANIZER"))
        .map(|l| {
            let at = l.find("CN=").unwrap() + 3;
            let rest = &l[at..];
            let end = if let Some(quoted) = rest.strip_prefix('"') {
                quoted.find('"').unwrap() + 2
            } else {
                rest.find([';', ':']).unwrap()
            };
            &rest[..end]
        })
        .collect();
    for cn in &cns {
        assert!(!cn.contains('^') && !cn.contains('\\'), "{cn}: {ics}");
        assert!(
            !cn.trim_matches('"').trim().is_empty(),
            "an empty CN: {ics}"
        );
    }
    assert!(
        cns.contains(&"\"Claire n, Dubois (CAF du Rhône)\""),
        "{cns:?}"
    );
    assert!(cns.contains(&"ines@mjc.example"), "{cns:?}");
    let event = parse(&ics).events().next().cloned().unwrap();
    assert_eq!(
        event.get_attendees()[1].cn.as_deref(),
        Some("Claire n, Dubois (CAF du Rhône)")
    );
}

/// The organizer is the CHAIR: nobody asks them to answer their own meeting.
#[test]
fn the_chair_is_not_asked_to_answer() {
    let ics = itip(Method::Request, &example()).replace("\r\n ", "");
    let chair = ics
        .split("\r\n")
        .find(|l| l.contains("ROLE=CHAIR"))
        .unwrap();
    assert!(chair.contains("RSVP=FALSE"), "{chair}");
    let claire = ics
        .split("\r\n")
        .find(|l| l.contains("claire@caf.example"))
        .unwrap();
    assert!(claire.contains("RSVP=TRUE"), "{claire}");
}

/// A meeting across a change of the clocks says both offsets, not only the start's.
#[test]
fn a_meeting_across_a_clock_change_shows_both_offsets() {
    use chrono_tz::Europe::Paris;
    // 25 October 2026: 03:00 CEST becomes 02:00 CET. From 01:30 (UTC+02:00) for two hours.
    let start = Paris
        .with_ymd_and_hms(2026, 10, 25, 1, 30, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc);
    let end = start + chrono::Duration::hours(2);
    let fr = local_time(start, end, Paris, Locale::Fr);
    assert_eq!(
        fr,
        "dimanche 25 octobre 2026, 01:30 (UTC+02:00)–02:30 (UTC+01:00), Europe/Paris"
    );
    let en = local_time(start, end, Paris, Locale::En);
    assert_eq!(
        en,
        "Sunday 25 October 2026, 01:30 (UTC+02:00)–02:30 (UTC+01:00), Europe/Paris"
    );
    // A meeting within one offset is written as before.
    let calm = local_time(
        start - chrono::Duration::days(1),
        end - chrono::Duration::days(1),
        Paris,
        Locale::Fr,
    );
    assert_eq!(
        calm,
        "samedi 24 octobre 2026, 01:30–03:30 (Europe/Paris, UTC+02:00)"
    );
}

#[test]
fn a_calendar_day_is_written_out_in_the_reader_s_language() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    assert_eq!(long_date(day, Locale::Fr), "5 décembre 2026");
    assert_eq!(long_date(day, Locale::En), "5 December 2026");
}
