//! Meetings through the HTTP API: the poll, the agenda and its agreements, the gate, the
//! concertation record, and convocations received by a real SMTP server, parsed back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use icalendar::Component;
use mailparse::{MailHeaderMap, ParsedMail};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::smtp::Received;
use crate::support::TestApp;

/// A project with its initiator (MJC) and one invited partner (CAF), with one member each.
pub struct Scene {
    pub app: TestApp,
    pub ines: Actor,
    pub claire: Actor,
    pub mjc: Uuid,
    pub caf: Uuid,
    pub project: Uuid,
}

impl Scene {
    /// The CAF is invited (a consultation email: 1 message), and has a member, Claire. The
    /// project asks no minimum notice: these scenes are about the other rules of the gate (the
    /// notice, rule 7, is in `partners_time.rs`, with [`Scene::asking_notice`]).
    pub async fn new() -> Scene {
        let scene = Scene::asking_notice().await;
        let path = format!("/api/projects/{}", scene.project);
        let (status, body) =
            status_and_body(scene.ines.patch(&path, json!({"min_notice_days": 0})).await).await;
        assert_eq!(status, 200, "{body}");
        scene
    }

    /// The same scene with the project's default minimum notice (14 days).
    pub async fn asking_notice() -> Scene {
        let app = TestApp::spawn().await;
        let ines = Actor::new(&app, "ines@mjc.example", "Inès Martin");
        let mjc = ines.organization("MJC des Quatre Vents").await;
        let project = ines.project(mjc, "Accueil jeunes 16-25 ans").await;
        let (status, body) = status_and_body(
            ines.post(
                &format!("/api/projects/{project}/partners"),
                json!({"organization_name": "CAF du Rhône", "contact_email": "referente@caf.example"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let caf: Uuid = body["organization_id"].as_str().unwrap().parse().unwrap();
        let claire = Actor::new(&app, "claire@caf.example", "Claire Dubois");
        claire.join(&app, caf, "admin");
        Scene {
            app,
            ines,
            claire,
            mjc,
            caf,
            project,
        }
    }

    /// The initiator consults one more organization, by name; returns its id.
    pub async fn invite(&self, name: &str, contact_email: &str) -> Uuid {
        let (status, body) = status_and_body(
            self.ines
                .post(
                    &format!("/api/projects/{}/partners", self.project),
                    json!({"organization_name": name, "contact_email": contact_email}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        body["organization_id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn accept(&self) {
        let path = format!(
            "/api/projects/{}/partners/{}/answer",
            self.project, self.caf
        );
        let response = self.claire.post(&path, json!({"decision": "accept"})).await;
        assert_eq!(response.status(), 200);
    }

    /// Writes and agrees to both missions.
    pub async fn agree_missions(&self) {
        for (actor, org) in [(&self.ines, self.mjc), (&self.claire, self.caf)] {
            let path = format!("/api/projects/{}/missions/{org}", self.project);
            let body = actor
                .put(&path, json!({"text": format!("Mission de {org}")}))
                .await
                .json::<Value>()
                .await
                .unwrap();
            agree(actor, &format!("{path}/agreement"), &body["content_hash"]).await;
        }
    }

    pub async fn meeting(&self) -> Uuid {
        let (status, body) = status_and_body(
            self.ines
                .post(
                    &format!("/api/projects/{}/meetings", self.project),
                    json!({"title": "Comité de pilotage", "duration_minutes": 90,
                           "timezone": "Europe/Paris", "location": "Salle du conseil"}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["status"], "planning");
        assert_eq!(body["sequence"], 0);
        body["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn slot(&self, meeting: Uuid, starts_at: DateTime<Utc>) -> Uuid {
        let (status, body) = status_and_body(
            self.ines
                .post(
                    &format!("/api/meetings/{meeting}/slots"),
                    json!({"starts_at": starts_at}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().parse().unwrap()
    }

    pub async fn choose(&self, meeting: Uuid, slot: Uuid) {
        let (status, body) = status_and_body(
            self.ines
                .post(
                    &format!("/api/meetings/{meeting}/slot"),
                    json!({"slot_id": slot}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Writes the agenda (as Claire: partners co-edit it) and returns its hash.
    pub async fn write_agenda(&self, meeting: Uuid, title: &str) -> Value {
        let (status, body) = status_and_body(
            self.claire
                .put(
                    &format!("/api/meetings/{meeting}/agenda"),
                    json!({"items": [
                        {"title": "Tour de table", "duration_min": 15, "lead_org_id": self.mjc},
                        {"title": title, "duration_min": 45, "lead_org_id": self.caf, "notes": "Chiffres 2026"}
                    ]}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body["content_hash"].clone()
    }

    pub async fn agree_agenda(&self, meeting: Uuid, hash: &Value) {
        for actor in [&self.ines, &self.claire] {
            agree(
                actor,
                &format!("/api/meetings/{meeting}/agenda/agreement"),
                hash,
            )
            .await;
        }
    }

    /// A meeting where rules 1 to 5 hold.
    pub async fn upstream_done(&self) -> (Uuid, DateTime<Utc>) {
        self.accept().await;
        self.agree_missions().await;
        let meeting = self.meeting().await;
        let start = in_days(10);
        let slot = self.slot(meeting, start).await;
        self.choose(meeting, slot).await;
        let hash = self.write_agenda(meeting, "Budget 2027").await;
        self.agree_agenda(meeting, &hash).await;
        (meeting, start)
    }

    pub async fn record(&self, meeting: Uuid) -> (u16, Value) {
        status_and_body(
            self.ines
                .post(
                    &format!("/api/meetings/{meeting}/concertation"),
                    json!({"summary": "Deux réunions de préparation, missions et ordre du jour validés."}),
                )
                .await,
        )
        .await
    }

    pub async fn convene(&self, meeting: Uuid) -> (u16, Value) {
        status_and_body(
            self.ines
                .post(&format!("/api/meetings/{meeting}/convocation"), json!({}))
                .await,
        )
        .await
    }
}

pub async fn agree(actor: &Actor, path: &str, hash: &Value) {
    let (status, body) = status_and_body(
        actor
            .post(path, json!({"content_hash": hash, "decision": "agree"}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{path}: {body}");
}

/// A whole hour some days ahead (so that it is in the future and stable in the ICS).
pub fn in_days(days: i64) -> DateTime<Utc> {
    let at = Utc::now() + chrono::Duration::days(days);
    at.date_naive().and_hms_opt(9, 0, 0).unwrap().and_utc()
}

/// The gate's unmet rules in a 409 body, as `(rule, organization)`.
pub fn rules(body: &Value) -> Vec<(String, Option<Uuid>)> {
    body["unmet"]
        .as_array()
        .unwrap_or_else(|| panic!("no unmet list: {body}"))
        .iter()
        .map(|u| {
            (
                u["rule"].as_str().unwrap().to_owned(),
                u["organization_id"].as_str().map(|s| s.parse().unwrap()),
            )
        })
        .collect()
}

/// Every part of a message, depth first.
fn parts<'a>(mail: &'a ParsedMail<'a>, out: &mut Vec<&'a ParsedMail<'a>>) {
    out.push(mail);
    for part in &mail.subparts {
        parts(part, out);
    }
}

/// The inline `text/calendar` alternative of an email, decoded.
fn calendar_of(mail: &Received) -> Option<String> {
    let parsed = mailparse::parse_mail(&mail.raw).unwrap();
    let mut all = Vec::new();
    parts(&parsed, &mut all);
    all.iter()
        .find(|p| p.ctype.mimetype == "text/calendar")
        .map(|p| p.get_body().unwrap())
}

fn is_calendar_shaped(mail: &Received) -> bool {
    let raw = String::from_utf8_lossy(&mail.raw).to_lowercase();
    raw.contains("text/calendar") || raw.contains("application/ics") || raw.contains(".ics")
}

fn line_value(ics: &str, name: &str) -> Option<String> {
    ics.split("\r\n")
        .find(|l| l.starts_with(&format!("{name}:")))
        .map(|l| l[name.len() + 1..].to_owned())
}

/// Leaves the mail worker time to deliver what was queued.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(800)).await;
}

#[actix_web::test]
async fn the_full_path_poll_agenda_record_convene_update_rsvp_cancel() {
    let s = Scene::new().await;
    s.accept().await;
    let meeting = s.meeting().await;
    let readiness = s
        .ines
        .read(&format!("/api/meetings/{meeting}/readiness"))
        .await;
    assert_eq!(readiness["ready"], false);
    assert_eq!(
        rules(&readiness),
        vec![
            ("mission_not_agreed".into(), Some(s.mjc)),
            ("mission_not_agreed".into(), Some(s.caf)),
            ("agenda_empty".into(), None),
            ("no_slot_chosen".into(), None),
            ("concertation_not_recorded".into(), None),
        ]
    );
    assert_eq!(readiness["unmet"][1]["organization_name"], "CAF du Rhône");

    // Too early: both the record and the convocation answer 409 with the rules.
    let (status, body) = s.record(meeting).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("concertation_incomplete"))
    );
    assert_eq!(rules(&body).len(), 4, "{body}");
    let (status, body) = s.convene(meeting).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("concertation_incomplete"))
    );
    assert_eq!(rules(&body).len(), 5, "{body}");

    // The poll: a second MJC member makes the first slot the most voted, but the CAF cannot come.
    let paul = Actor::new(&s.app, "paul@mjc.example", "Paul");
    paul.join(&s.app, s.mjc, "member");
    let crowded = s.slot(meeting, in_days(9)).await;
    let everyone = s.slot(meeting, in_days(10)).await;
    for (actor, answers) in [
        (
            &s.ines,
            json!({crowded.to_string(): "yes", everyone.to_string(): "yes"}),
        ),
        (
            &paul,
            json!({crowded.to_string(): "yes", everyone.to_string(): "no"}),
        ),
        (
            &s.claire,
            json!({crowded.to_string(): "no", everyone.to_string(): "yes"}),
        ),
    ] {
        let response = actor
            .put(
                &format!("/api/meetings/{meeting}/availability"),
                json!({"answers": answers}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let poll = s.ines.read(&format!("/api/meetings/{meeting}/poll")).await;
    assert_eq!(poll["suggested_slot_id"], json!(everyone));
    assert_eq!(poll["slots"][0]["yes"], 2);
    assert_eq!(
        poll["slots"][0]["missing_organizations"][0]["organization_id"],
        json!(s.caf)
    );
    assert_eq!(poll["slots"][1]["missing_organizations"], json!([]));
    s.choose(meeting, everyone).await;

    s.agree_missions().await;
    let hash = s.write_agenda(meeting, "Budget 2027").await;
    let agenda = s
        .claire
        .read(&format!("/api/meetings/{meeting}/agenda"))
        .await;
    assert_eq!(agenda["content_hash"], hash);
    assert_eq!(agenda["items"][1]["title"], "Budget 2027");
    // A stale hash is refused.
    let stale = s
        .ines
        .post(
            &format!("/api/meetings/{meeting}/agenda/agreement"),
            json!({"content_hash": "sha256:00", "decision": "agree"}),
        )
        .await;
    assert_eq!(status_and_body(stale).await.1["error"], "stale_content");
    s.agree_agenda(meeting, &hash).await;
    let readiness = s
        .ines
        .read(&format!("/api/meetings/{meeting}/readiness"))
        .await;
    assert_eq!(
        rules(&readiness),
        vec![("concertation_not_recorded".into(), None)]
    );

    let (status, record) = s.record(meeting).await;
    assert_eq!(status, 201, "{record}");
    assert_eq!(record["evidence"]["agenda_hash"], hash);
    let readiness = s
        .ines
        .read(&format!("/api/meetings/{meeting}/readiness"))
        .await;
    assert_eq!(readiness["ready"], true, "{readiness}");

    // Nothing calendar-shaped was sent so far (the consultation only).
    settle().await;
    let before = s.app.smtp.messages();
    assert_eq!(before.len(), 1);
    assert!(!before.iter().any(is_calendar_shaped));

    let (status, body) = s.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["sequence"], 0);
    let mut recipients: Vec<String> = serde_json::from_value(body["recipients"].clone()).unwrap();
    recipients.sort();
    assert_eq!(
        recipients,
        ["claire@caf.example", "ines@mjc.example", "paul@mjc.example"]
    );
    let mails = s.app.wait_for_mail(4, Duration::from_secs(20)).await;
    let invitations: Vec<&Received> = mails.iter().filter(|m| is_calendar_shaped(m)).collect();
    assert_eq!(invitations.len(), 3);
    let mut to: Vec<String> = invitations.iter().map(|m| m.envelope_to.clone()).collect();
    to.sort();
    assert_eq!(to, recipients, "each attendee exactly once");
    let project = s.ines.read(&format!("/api/projects/{}", s.project)).await;
    assert_eq!(
        project["status"], "active",
        "a first convocation makes the project active"
    );

    let to_claire = invitations
        .iter()
        .find(|m| m.envelope_to == "claire@caf.example")
        .unwrap();
    assert!(
        to_claire.subject.contains("Comité de pilotage"),
        "{}",
        to_claire.subject
    );
    assert_eq!(to_claire.mimetype, "multipart/mixed");
    assert!(to_claire.header_values("Reply-To")[0].contains("ines@mjc.example"));
    let raw = String::from_utf8_lossy(&to_claire.raw).to_string();
    assert!(
        raw.contains("text/calendar; charset=UTF-8; method=REQUEST")
            || raw.contains("text/calendar; charset=utf-8; method=REQUEST"),
        "{raw}"
    );
    assert!(raw.contains("filename=\"invite.ics\""), "{raw}");
    let ics = calendar_of(to_claire).expect("a text/calendar part");
    assert_eq!(line_value(&ics, "METHOD").as_deref(), Some("REQUEST"));
    assert_eq!(line_value(&ics, "SEQUENCE").as_deref(), Some("0"));
    let chosen = in_days(10);
    assert_eq!(
        line_value(&ics, "DTSTART"),
        Some(chosen.format("%Y%m%dT%H%M%SZ").to_string())
    );
    let calendar: icalendar::Calendar = ics.parse().unwrap();
    let event = calendar.events().next().unwrap();
    let uid = event.get_uid().unwrap().to_owned();
    assert_eq!(event.get_attendees().len(), 3);
    assert!(event.get_description().unwrap().contains("Budget 2027"));
    assert!(
        event.properties()["ORGANIZER"]
            .value()
            .contains("ines@mjc.example")
    );

    // RSVP with Claire's personal link.
    let text = to_claire.text.clone().unwrap_or_else(|| {
        let parsed = mailparse::parse_mail(&to_claire.raw).unwrap();
        let mut all = Vec::new();
        parts(&parsed, &mut all);
        all.iter()
            .find(|p| p.ctype.mimetype == "text/plain")
            .unwrap()
            .get_body()
            .unwrap()
    });
    let link = text
        .lines()
        .find(|l| l.contains("/rsvp/") && l.contains("answer=tentative"))
        .map(|l| l[l.find("http").unwrap()..].trim().to_owned())
        .expect("an RSVP link");
    let path = &link[link.find("/rsvp/").unwrap()..];
    // Opening the link shows the answer ready to send; the button records it.
    let page = s.app.get(path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("value=\"tentative\" checked"));
    // A way back to the app: the meeting's page.
    assert!(
        html.contains(&format!(
            "/meetings/{meeting}\">Ouvrir la réunion dans Amont</a>"
        )),
        "{html}"
    );
    let form = reqwest::Client::new()
        .post(s.app.url(path.split('?').next().unwrap()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("answer=tentative")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("Peut-être"));
    let attendees = s
        .ines
        .read(&format!("/api/meetings/{meeting}/attendees"))
        .await;
    let claire_row = attendees
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "claire@caf.example")
        .unwrap();
    assert_eq!(claire_row["partstat"], "TENTATIVE");
    assert_eq!(claire_row["organization_id"], json!(s.caf));
    let ics_now = s
        .ines
        .get(&format!("/api/meetings/{meeting}/invite.ics"))
        .await
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        ics_now.contains(
            "PARTSTAT=TENTATIVE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:claire@caf.example"
        ),
        "{ics_now}"
    );

    // The feed lists the meeting.
    let (status, feed) =
        status_and_body(s.claire.post("/api/me/calendar-feed", json!({})).await).await;
    assert_eq!(status, 201, "{feed}");
    let url = feed["url"].as_str().unwrap();
    let feed_path = &url[url.find("/calendar/").unwrap()..];
    let listed = s.app.get(feed_path).await.text().await.unwrap();
    assert!(listed.contains(&uid), "{listed}");
    assert!(!listed.contains("METHOD:"), "{listed}");

    // An update: same UID, SEQUENCE + 1, to every attendee.
    let response = s
        .ines
        .patch(
            &format!("/api/meetings/{meeting}"),
            json!({"location": "Mairie annexe"}),
        )
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(
        (status, body["sequence"].as_i64()),
        (200, Some(1)),
        "{body}"
    );
    let mails = s.app.wait_for_mail(7, Duration::from_secs(20)).await;
    let updates: Vec<String> = mails[4..].iter().filter_map(calendar_of).collect();
    assert_eq!(updates.len(), 3);
    for ics in &updates {
        assert_eq!(line_value(ics, "UID"), Some(uid.clone()));
        assert_eq!(line_value(ics, "SEQUENCE").as_deref(), Some("1"));
        assert!(ics.contains("LOCATION:Mairie annexe"));
    }
    // The organizer's copy is published, the others are asked.
    let methods = |ics: &[String]| {
        let mut methods: Vec<String> = ics
            .iter()
            .map(|ics| line_value(ics, "METHOD").unwrap())
            .collect();
        methods.sort();
        methods
    };
    assert_eq!(methods(&updates), ["PUBLISH", "REQUEST", "REQUEST"]);

    // Cancellation: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE + 1.
    let response = s
        .ines
        .post(&format!("/api/meetings/{meeting}/cancel"), json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let mails = s.app.wait_for_mail(10, Duration::from_secs(20)).await;
    let cancels: Vec<String> = mails[7..].iter().filter_map(calendar_of).collect();
    assert_eq!(cancels.len(), 3);
    assert_eq!(methods(&cancels), ["CANCEL", "CANCEL", "PUBLISH"]);
    for ics in &cancels {
        assert_eq!(line_value(ics, "STATUS").as_deref(), Some("CANCELLED"));
        assert_eq!(line_value(ics, "SEQUENCE").as_deref(), Some("2"));
        assert_eq!(line_value(ics, "UID"), Some(uid.clone()));
    }
    let listed = s.app.get(feed_path).await.text().await.unwrap();
    assert!(listed.contains("STATUS:CANCELLED"), "{listed}");
    // Revoked feeds are gone.
    assert_eq!(
        s.claire
            .call(Method::DELETE, "/api/me/calendar-feed", None)
            .await
            .status(),
        204
    );
    assert_eq!(s.app.get(feed_path).await.status(), 404);
    settle().await;
    assert_eq!(s.app.smtp.messages().len(), 10, "nothing else was sent");
}

#[actix_web::test]
async fn concurrent_convocations_send_once() {
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    assert_eq!(s.record(meeting).await.0, 201);
    let attempts = (0..5).map(|_| s.convene(meeting));
    let results = futures_util::future::join_all(attempts).await;
    let won: Vec<_> = results
        .iter()
        .filter(|(status, _)| *status == 201)
        .collect();
    assert_eq!(won.len(), 1, "{results:?}");
    for (status, body) in results.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(
            (*status, body["error"].as_str()),
            (409, Some("not_planning")),
            "{body}"
        );
    }
    s.app.wait_for_mail(3, Duration::from_secs(20)).await;
    settle().await;
    let invitations: Vec<Received> = s
        .app
        .smtp
        .messages()
        .into_iter()
        .filter(is_calendar_shaped)
        .collect();
    assert_eq!(invitations.len(), 2, "one per attendee, once");
}

#[actix_web::test]
async fn an_edit_after_the_record_makes_it_stale() {
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    assert_eq!(s.record(meeting).await.0, 201);
    // The CAF's mission changes after the record.
    let response = s
        .claire
        .put(
            &format!("/api/projects/{}/missions/{}", s.project, s.caf),
            json!({"text": "Une autre mission"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (status, body) = s.convene(meeting).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        rules(&body),
        vec![
            ("mission_not_agreed".into(), Some(s.caf)),
            ("concertation_stale".into(), Some(s.caf)),
        ]
    );
    settle().await;
    assert!(!s.app.smtp.messages().iter().any(is_calendar_shaped));
}

/// An agenda edit that holds the document when the convocation arrives: the convocation waits
/// for it, then sees it, and refuses.
#[actix_web::test]
async fn an_edit_landing_during_the_convocation_is_seen_by_its_gate() {
    use diesel::Connection;
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    assert_eq!(s.record(meeting).await.0, 201);

    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let mut conn = s.app.db.connect();
    let (project, user) = (s.project, s.claire.user_id);
    let editor = std::thread::spawn(move || {
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            let items = [amont::document::AgendaItemInput {
                id: None,
                title: "Un point ajouté en douce".into(),
                duration_min: 10,
                lead_org_id: None,
                notes: String::new(),
            }];
            amont::document::replace_agenda(conn, project, meeting, user, &items, 16 << 20)?;
            locked_tx.send(()).unwrap();
            // Held long enough that the convocation, started just after, must wait for it
            // (the check below leaves 2 s of slack for a loaded machine).
            std::thread::sleep(Duration::from_millis(3000));
            Ok(())
        })
        .unwrap();
    });
    locked_rx.recv().unwrap();
    let started = std::time::Instant::now();
    let (status, body) = s.convene(meeting).await;
    let waited = started.elapsed();
    editor.join().unwrap();
    assert!(
        waited >= Duration::from_millis(1000),
        "the convocation waited for the edit"
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        rules(&body),
        vec![
            ("agenda_not_agreed".into(), Some(s.mjc)),
            ("agenda_not_agreed".into(), Some(s.caf)),
            ("concertation_stale".into(), None),
        ]
    );
    settle().await;
    assert!(!s.app.smtp.messages().iter().any(is_calendar_shaped));
}

#[actix_web::test]
async fn strangers_get_404_and_only_the_initiator_convenes() {
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    let stranger = Actor::new(&s.app, "x@elsewhere.example", "X");
    for path in [
        "",
        "/poll",
        "/readiness",
        "/agenda",
        "/attendees",
        "/invite.ics",
    ] {
        let response = stranger
            .get(&format!("/api/meetings/{meeting}{path}"))
            .await;
        assert_eq!(response.status(), 404, "{path}");
    }
    assert_eq!(
        stranger
            .post(&format!("/api/meetings/{meeting}/convocation"), json!({}))
            .await
            .status(),
        404
    );
    // A partner's member may read and agree, not convene or plan.
    for (path, body) in [
        ("/convocation", json!({})),
        ("/concertation", json!({"summary": "x"})),
        ("/slots", json!({"starts_at": in_days(3)})),
        ("/cancel", json!({})),
    ] {
        let response = s
            .claire
            .post(&format!("/api/meetings/{meeting}{path}"), body)
            .await;
        assert_eq!(response.status(), 403, "{path}");
    }
    // The record made, the convocation is still the initiator's alone.
    assert_eq!(s.record(meeting).await.0, 201);
    assert_eq!(
        s.claire
            .post(&format!("/api/meetings/{meeting}/convocation"), json!({}))
            .await
            .status(),
        403
    );
    assert_eq!(s.convene(meeting).await.0, 201);
    // Unknown RSVP tokens and feeds are 404.
    assert_eq!(
        s.app
            .get(&format!("/rsvp/{}?answer=accepted", "0".repeat(64)))
            .await
            .status(),
        404
    );
    assert_eq!(
        s.app
            .get(&format!("/calendar/{}.ics", "0".repeat(64)))
            .await
            .status(),
        404
    );
}

#[actix_web::test]
async fn hostile_titles_cannot_inject_into_the_invitation_or_the_email() {
    let s = Scene::new().await;
    let (meeting, _) = s.upstream_done().await;
    let response = s
        .ines
        .patch(
            &format!("/api/meetings/{meeting}"),
            json!({"location": "Salle; A, B \\ C"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    // A title with a line break is refused at the edge; the place's separators are escaped.
    let response = s
        .ines
        .patch(
            &format!("/api/meetings/{meeting}"),
            json!({"title": "Réunion\r\nATTENDEE:mailto:evil@example.org"}),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(s.record(meeting).await.0, 201);
    assert_eq!(s.convene(meeting).await.0, 201);
    let mails = s.app.wait_for_mail(3, Duration::from_secs(20)).await;
    let ics = calendar_of(mails.iter().find(|m| is_calendar_shaped(m)).unwrap()).unwrap();
    assert!(ics.contains("LOCATION:Salle\\; A\\, B \\\\ C\r\n"), "{ics}");
    assert!(!ics.contains("evil"), "{ics}");
    let headers = mailparse::parse_mail(&mails[1].raw).unwrap().headers;
    assert_eq!(headers.get_all_values("To").len(), 1);
}

#[actix_web::test]
async fn the_agenda_shows_each_partners_agreement_and_whether_it_still_counts() {
    let scene = Scene::new().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    let hash = scene.write_agenda(meeting, "Budget 2027").await;
    agree(
        &scene.claire,
        &format!("/api/meetings/{meeting}/agenda/agreement"),
        &hash,
    )
    .await;
    let agenda = scene
        .ines
        .read(&format!("/api/meetings/{meeting}/agenda"))
        .await;
    let by_org = |agenda: &Value, org: Uuid| {
        agenda["agreements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["organization_id"] == json!(org))
            .unwrap()["agreement"]
            .clone()
    };
    assert_eq!(by_org(&agenda, scene.caf)["current"], true);
    assert_eq!(by_org(&agenda, scene.mjc), Value::Null);
    scene.write_agenda(meeting, "Budget 2028").await;
    let agenda = scene
        .ines
        .read(&format!("/api/meetings/{meeting}/agenda"))
        .await;
    assert_eq!(by_org(&agenda, scene.caf)["current"], false);
}
