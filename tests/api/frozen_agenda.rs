//! The convened agenda is frozen (API.md, "Concertation and convocation"): edits after the
//! convocation change only the live agenda; the meeting says so, and says when and to how many
//! people the convocation went; `PATCH {"agenda": "current"}` sends the live agenda only once
//! the partners among the attendees agreed to it, as an update whose email and `.ics` carry it;
//! a convened meeting is not held to the gate again. Emails are read from the real SMTP server.

use std::time::Duration;

use icalendar::Component;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::{Scene, rules, settle};
use crate::smtp::Received;

/// The decoded parts of `mimetype` in an email.
fn parts_of(mail: &Received, mimetype: &str) -> Vec<String> {
    fn walk(part: &mailparse::ParsedMail<'_>, mimetype: &str, out: &mut Vec<String>) {
        if part.ctype.mimetype == mimetype {
            out.push(part.get_body().unwrap());
        }
        for sub in &part.subparts {
            walk(sub, mimetype, out);
        }
    }
    let parsed = mailparse::parse_mail(&mail.raw).unwrap();
    let mut out = Vec::new();
    walk(&parsed, mimetype, &mut out);
    out
}

/// The email's plain text.
fn text_of(mail: &Received) -> String {
    mail.text
        .clone()
        .unwrap_or_else(|| parts_of(mail, "text/plain").remove(0))
}

/// The email's inline iCalendar object, parsed back: (SEQUENCE, DESCRIPTION).
fn event_of(mail: &Received) -> (String, String) {
    let ics = parts_of(mail, "text/calendar")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no text/calendar part in {}", mail.subject));
    let calendar: icalendar::Calendar = ics.parse().unwrap();
    let event = calendar.events().next().unwrap();
    (
        event.property_value("SEQUENCE").unwrap().to_owned(),
        event.get_description().unwrap_or_default().to_owned(),
    )
}

/// The `.ics` attachment of an email, as sent (unfolded).
fn attachment_of(mail: &Received) -> String {
    let parsed = mailparse::parse_mail(&mail.raw).unwrap();
    fn find(part: &mailparse::ParsedMail<'_>) -> Option<String> {
        let disposition = part.get_content_disposition();
        if disposition.params.get("filename").map(String::as_str) == Some("invite.ics") {
            return Some(String::from_utf8(part.get_body_raw().unwrap()).unwrap());
        }
        part.subparts.iter().find_map(find)
    }
    find(&parsed)
        .expect("an invite.ics attachment")
        .replace("\r\n ", "")
}

async fn patch(actor: &Actor, meeting: Uuid, body: Value) -> (u16, Value) {
    status_and_body(actor.patch(&format!("/api/meetings/{meeting}"), body).await).await
}

/// A convened meeting (agenda "Tour de table", "Budget 2027"); the mails so far: the
/// consultation and the two convocations.
async fn convened() -> (Scene, Uuid) {
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    let (status, body) = s.record(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = s.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    s.app.wait_for_mail(3, Duration::from_secs(20)).await;
    (s, meeting)
}

#[actix_web::test]
async fn the_agenda_edited_after_the_convocation_reaches_attendees_only_once_agreed_and_sent() {
    let (s, meeting) = convened().await;
    let path = format!("/api/meetings/{meeting}");

    // The meeting says when and to how many people it was sent, and what agenda.
    let view = s.claire.read(&path).await;
    assert_eq!(view["status"], "convened");
    assert!(view["convened_at"].is_string(), "{view}");
    assert_eq!(view["recipients_count"], 2);
    assert_eq!(view["agenda_changed_since_convocation"], false);
    assert_eq!(view["convened_agenda"][1]["title"], "Budget 2027");
    assert_eq!(view["convened_agenda"][1]["lead"], "CAF du Rhône");
    assert_eq!(view["convened_agenda"][1]["notes"], "Chiffres 2026");
    let readiness = s.ines.read(&format!("{path}/readiness")).await;
    assert_eq!(
        readiness["agenda_update"],
        json!({"changed_since_convocation": false, "ready": true, "unmet": []})
    );

    // Claire edits the agenda: only the live one changes; the meeting is not red again.
    let new_hash = s.write_agenda(meeting, "Budget 2028").await;
    let view = s.ines.read(&path).await;
    assert_eq!(view["agenda_changed_since_convocation"], true);
    assert_eq!(view["convened_agenda"][1]["title"], "Budget 2027");
    let readiness = s.ines.read(&format!("{path}/readiness")).await;
    assert_eq!(readiness["ready"], true, "{readiness}");
    assert_eq!(readiness["unmet"], json!([]));
    assert_eq!(
        readiness["agenda_update"]["changed_since_convocation"],
        true
    );
    assert_eq!(readiness["agenda_update"]["ready"], false);
    assert_eq!(
        rules(&readiness["agenda_update"]),
        vec![
            ("agenda_not_agreed".into(), Some(s.mjc)),
            ("agenda_not_agreed".into(), Some(s.caf)),
        ]
    );

    // A change of place meanwhile carries the agenda as convened, never the unagreed edit.
    let (status, body) = patch(&s.ines, meeting, json!({"location": "Mairie annexe"})).await;
    assert_eq!(
        (status, body["sequence"].as_i64()),
        (200, Some(1)),
        "{body}"
    );
    assert_eq!(body["agenda_changed_since_convocation"], true);
    let mails = s.app.wait_for_mail(5, Duration::from_secs(20)).await;
    for mail in &mails[3..5] {
        let (sequence, description) = event_of(mail);
        assert_eq!(sequence, "1");
        assert!(description.contains("Budget 2027"), "{description}");
        assert!(!description.contains("Budget 2028"), "{description}");
        assert!(!text_of(mail).contains("Budget 2028"));
    }

    // Sending the live agenda waits for the attendees' agreements: 409 with the rules, no mail.
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "current"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("concertation_incomplete")),
        "{body}"
    );
    assert_eq!(
        rules(&body),
        vec![
            ("agenda_not_agreed".into(), Some(s.mjc)),
            ("agenda_not_agreed".into(), Some(s.caf)),
        ]
    );
    // One partner agreeing is not enough.
    crate::meetings::agree(&s.claire, &format!("{path}/agenda/agreement"), &new_hash).await;
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "current"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        rules(&body),
        vec![("agenda_not_agreed".into(), Some(s.mjc))]
    );
    settle().await;
    assert_eq!(s.app.smtp.messages().len(), 5, "nothing sent while refused");

    // Both agreed: the update goes to every attendee with the new agenda, text and .ics.
    crate::meetings::agree(&s.ines, &format!("{path}/agenda/agreement"), &new_hash).await;
    let readiness = s.ines.read(&format!("{path}/readiness")).await;
    assert_eq!(readiness["agenda_update"]["ready"], true, "{readiness}");
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "current"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sequence"], 2);
    assert_eq!(body["agenda_changed_since_convocation"], false);
    assert_eq!(body["convened_agenda"][1]["title"], "Budget 2028");
    assert_eq!(body["recipients_count"], 2, "the convocation's count stays");
    let mails = s.app.wait_for_mail(7, Duration::from_secs(20)).await;
    let mut to: Vec<&str> = mails[5..7].iter().map(|m| m.envelope_to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["claire@caf.example", "ines@mjc.example"]);
    for mail in &mails[5..7] {
        let (sequence, description) = event_of(mail);
        assert_eq!(sequence, "2");
        assert!(description.contains("Budget 2028"), "{description}");
        assert!(!description.contains("Budget 2027"), "{description}");
        let text = text_of(mail);
        assert!(text.contains("Budget 2028"), "{text}");
        assert!(!text.contains("Budget 2027"), "{text}");
        let attached = attachment_of(mail);
        assert!(attached.contains("Budget 2028"), "{attached}");
        assert!(attached.contains("SEQUENCE:2"), "{attached}");
    }
    let to_claire = mails[5..7]
        .iter()
        .find(|m| m.envelope_to == "claire@caf.example")
        .unwrap();
    assert!(
        parts_of(to_claire, "text/calendar")[0].contains("METHOD:REQUEST"),
        "an attendee is asked again"
    );

    // Sending it again changes nothing and sends nothing.
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "current"})).await;
    assert_eq!(
        (status, body["sequence"].as_i64()),
        (200, Some(2)),
        "{body}"
    );
    settle().await;
    assert_eq!(s.app.smtp.messages().len(), 7);

    // The current invitation and a later update carry the agenda as sent.
    let ics = s
        .claire
        .get(&format!("{path}/invite.ics"))
        .await
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(ics.contains("Budget 2028"), "{ics}");
    let (status, _) = patch(&s.ines, meeting, json!({"title": "Comité de pilotage n°2"})).await;
    assert_eq!(status, 200);
    let mails = s.app.wait_for_mail(9, Duration::from_secs(20)).await;
    for mail in &mails[7..9] {
        let (sequence, description) = event_of(mail);
        assert_eq!(sequence, "3");
        assert!(description.contains("Budget 2028"), "{description}");
    }

    // The trail says the agenda was sent.
    let audit = s
        .ines
        .read(&format!("/api/projects/{}/audit", s.project))
        .await;
    let sent = audit
        .as_array()
        .or_else(|| audit["entries"].as_array())
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|e| e["action"] == "meeting.updated" && e["details"]["agenda_sent"] == true)
        .count();
    assert_eq!(sent, 1, "{audit}");
}

#[actix_web::test]
async fn a_partner_consulted_after_the_convocation_is_not_missing_from_it() {
    let (s, meeting) = convened().await;
    let path = format!("/api/meetings/{meeting}");
    let (status, body) = status_and_body(
        s.ines
            .post(
                &format!("/api/projects/{}/partners", s.project),
                json!({"organization_name": "Centre social Bellevue", "contact_email": "direction@cs.example"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let centre: Uuid = body["organization_id"].as_str().unwrap().parse().unwrap();
    // Invited and not answered: the convened meeting is not held up by it.
    let readiness = s.ines.read(&format!("{path}/readiness")).await;
    assert_eq!(
        (readiness["ready"].clone(), readiness["unmet"].clone()),
        (json!(true), json!([])),
        "{readiness}"
    );

    // Accepted without any agreement: still not missing (from the gate or the poll), and not
    // asked about the agenda.
    let nadia = Actor::new(&s.app, "nadia@cs.example", "Nadia Benali");
    nadia.join(&s.app, centre, "admin");
    let response = nadia
        .post(
            &format!("/api/projects/{}/partners/{centre}/answer", s.project),
            json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let poll = s.ines.read(&format!("{path}/poll")).await;
    for slot in poll["slots"].as_array().unwrap() {
        let missing = slot["missing_organizations"].as_array().unwrap();
        // Nobody answered the poll in this scene: the two convened partners are missing.
        assert_eq!(missing.len(), 2, "{poll}");
        assert!(
            !missing
                .iter()
                .any(|m| m["organization_id"] == json!(centre)),
            "{poll}"
        );
    }
    let hash = s.write_agenda(meeting, "Budget 2028").await;
    s.agree_agenda(meeting, &hash).await;
    let readiness = s.ines.read(&format!("{path}/readiness")).await;
    assert_eq!(readiness["unmet"], json!([]), "{readiness}");
    assert_eq!(
        readiness["agenda_update"],
        json!({"changed_since_convocation": true, "ready": true, "unmet": []})
    );
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "current"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sequence"], 1);
    // The attendees get the update; the new partner was never convened to this meeting.
    let updates = |messages: Vec<Received>| -> Vec<String> {
        let mut to: Vec<String> = messages
            .into_iter()
            .filter(|m| !parts_of(m, "text/calendar").is_empty() && event_of(m).0 == "1")
            .map(|m| m.envelope_to)
            .collect();
        to.sort();
        to
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while updates(s.app.smtp.messages()).len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    settle().await;
    assert_eq!(
        updates(s.app.smtp.messages()),
        ["claire@caf.example", "ines@mjc.example"]
    );
    assert!(
        !s.app
            .smtp
            .messages()
            .iter()
            .any(|m| m.envelope_to == "nadia@cs.example"),
        "nothing about this meeting reaches the new partner"
    );
}

#[actix_web::test]
async fn only_the_initiator_sends_a_convened_meetings_agenda() {
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    // Before the convocation there is nothing to update: the convocation sends the agenda.
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "current"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("not_convened")),
        "{body}"
    );
    let view = s.ines.read(&format!("/api/meetings/{meeting}")).await;
    assert_eq!(view["convened_agenda"], Value::Null);
    assert_eq!(view["recipients_count"], Value::Null);
    assert_eq!(view["agenda_changed_since_convocation"], false);
    let readiness = s
        .ines
        .read(&format!("/api/meetings/{meeting}/readiness"))
        .await;
    assert_eq!(readiness["agenda_update"], Value::Null);

    let (status, body) = s.record(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = s.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["meeting"]["recipients_count"], 2);
    assert_eq!(
        body["meeting"]["convened_agenda"][0]["title"],
        "Tour de table"
    );
    // A partner may edit and agree, but not send.
    let (status, body) = patch(&s.claire, meeting, json!({"agenda": "current"})).await;
    assert_eq!(status, 403, "{body}");
    // Only the current agenda can be sent.
    let (status, body) = patch(&s.ines, meeting, json!({"agenda": "convened"})).await;
    assert_eq!(status, 400, "{body}");
}

#[actix_web::test]
async fn a_meeting_convened_before_the_hash_was_kept_is_compared_by_its_lines() {
    use amont::db::schema::meetings;
    use diesel::prelude::*;

    let (s, meeting) = convened().await;
    let path = format!("/api/meetings/{meeting}");
    // As the migration leaves a meeting convened before it: the lines sent, no hash.
    diesel::update(meetings::table.find(meeting))
        .set(meetings::convened_agenda_hash.eq(None::<String>))
        .execute(&mut s.app.db.connect())
        .unwrap();
    let view = s.ines.read(&path).await;
    assert_eq!(view["agenda_changed_since_convocation"], false, "{view}");
    assert_eq!(view["recipients_count"], 2);
    s.write_agenda(meeting, "Budget 2028").await;
    let view = s.ines.read(&path).await;
    assert_eq!(view["agenda_changed_since_convocation"], true, "{view}");
    // Written back as it was sent: the same lines, nothing to send.
    s.write_agenda(meeting, "Budget 2027").await;
    let view = s.ines.read(&path).await;
    assert_eq!(view["agenda_changed_since_convocation"], false, "{view}");
    let readiness = s.ines.read(&format!("{path}/readiness")).await;
    assert_eq!(
        readiness["agenda_update"]["changed_since_convocation"], false,
        "{readiness}"
    );
}
