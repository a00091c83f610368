//! Nothing a participant sends can break a project or the instance (issue 12, the edges). Each
//! test is an attack written out: a mail scanner opening every RSVP link, a feed address minted
//! by a GET, an office behind one NAT address, an initiator mailing attendees in a loop, a page
//! framed by another site, a body without its required field, instances migrating together.

use std::time::Duration;

use amont::db::schema::{audit_events, calendar_feeds, memberships};
use base64::Engine;
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::Scene;
use crate::smtp::Received;
use crate::support::TestApp;

/// A convened meeting (Inès organizes, Claire attends); the consultation and both convocations
/// have reached the SMTP server.
async fn convened() -> (Scene, Uuid) {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    assert_eq!(scene.record(meeting).await.0, 201);
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    scene.app.wait_for_mail(3, Duration::from_secs(20)).await;
    (scene, meeting)
}

/// The decoded body of the first part of `mail` with that MIME type.
fn part(mail: &Received, mimetype: &str) -> Option<String> {
    fn walk<'a>(mail: &'a mailparse::ParsedMail<'a>, out: &mut Vec<&'a mailparse::ParsedMail<'a>>) {
        out.push(mail);
        for part in &mail.subparts {
            walk(part, out);
        }
    }
    let parsed = mailparse::parse_mail(&mail.raw).unwrap();
    let mut all = Vec::new();
    walk(&parsed, &mut all);
    all.iter()
        .find(|p| p.ctype.mimetype == mimetype)
        .map(|p| p.get_body().unwrap())
}

fn mails_to(app: &TestApp, email: &str) -> Vec<Received> {
    app.smtp
        .messages()
        .into_iter()
        .filter(|m| m.envelope_to == email)
        .collect()
}

/// The path and query of the RSVP link for `answer` in an invitation's text.
fn rsvp_link(mail: &Received, answer: &str) -> String {
    let text = part(mail, "text/plain").expect("a text part");
    let line = text
        .lines()
        .find(|l| l.contains("/rsvp/") && l.contains(&format!("answer={answer}")))
        .unwrap_or_else(|| panic!("no {answer} RSVP link in {text}"));
    let url = line[line.find("http").unwrap()..].trim();
    url[url.find("/rsvp/").unwrap()..].to_owned()
}

async fn partstat_of(scene: &Scene, meeting: Uuid, email: &str) -> String {
    let attendees = scene
        .ines
        .read(&format!("/api/meetings/{meeting}/attendees"))
        .await;
    attendees
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == email)
        .unwrap_or_else(|| panic!("{email} is no attendee: {attendees}"))["partstat"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn audited(scene: &Scene, action: &str) -> i64 {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .count()
        .get_result(&mut scene.app.db.connect())
        .unwrap()
}

async fn post_form(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn opening_rsvp_links_changes_nothing_and_the_form_records_the_answer() {
    let (s, meeting) = convened().await;
    let invitation = &mails_to(&s.app, "claire@caf.example")[0];
    let declined = rsvp_link(invitation, "declined");
    let token_path = declined.split('?').next().unwrap().to_owned();

    // A mail scanner opens every link of the message, in any order, several times.
    for answer in ["declined", "accepted", "tentative", "accepted"] {
        let response = s.app.get(&rsvp_link(invitation, answer)).await;
        assert_eq!(response.status(), 200, "{answer}");
    }
    assert_eq!(
        partstat_of(&s, meeting, "claire@caf.example").await,
        "NEEDS-ACTION"
    );
    assert_eq!(audited(&s, "rsvp.answered"), 0);

    // The page shows the meeting and the answer chosen in the email, ready to be sent.
    let page = s.app.get(&declined).await.text().await.unwrap();
    assert!(page.contains("Comité de pilotage"), "{page}");
    assert!(page.contains("Salle du conseil"), "{page}");
    let meeting_row = s.ines.read(&format!("/api/meetings/{meeting}")).await;
    let starts_at: chrono::DateTime<chrono::Utc> =
        meeting_row["starts_at"].as_str().unwrap().parse().unwrap();
    let ends_at: chrono::DateTime<chrono::Utc> =
        meeting_row["ends_at"].as_str().unwrap().parse().unwrap();
    let when = amont::calendar::local_time(
        starts_at,
        ends_at,
        chrono_tz::Europe::Paris,
        amont::domain::Locale::Fr,
    );
    assert!(
        page.contains(&when),
        "the time in the meeting's zone: {page}"
    );
    assert!(page.contains("method=\"post\""), "{page}");
    assert!(
        page.contains("value=\"declined\" checked"),
        "the answer of the link is preselected: {page}"
    );

    // Sending the form records it.
    let response = post_form(&s.app, &token_path, "answer=declined").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Réponse enregistrée"), "{page}");
    assert_eq!(
        partstat_of(&s, meeting, "claire@caf.example").await,
        "DECLINED"
    );
    assert_eq!(audited(&s, "rsvp.answered"), 1);
    // Opening a link again still changes nothing, and shows the answer on record.
    let page = s
        .app
        .get(&rsvp_link(invitation, "accepted"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        partstat_of(&s, meeting, "claire@caf.example").await,
        "DECLINED"
    );
    assert!(
        page.contains("Votre réponse actuelle : Je ne viendrai pas"),
        "{page}"
    );

    // A form without a valid answer is refused; an unknown token is unknown.
    for body in ["", "answer=yes", "answer=NEEDS-ACTION"] {
        let response = post_form(&s.app, &token_path, body).await;
        assert_eq!(response.status(), 400, "{body:?}");
    }
    let unknown = format!("/rsvp/{}", "0".repeat(64));
    assert_eq!(
        post_form(&s.app, &unknown, "answer=accepted")
            .await
            .status(),
        404
    );
    assert_eq!(
        partstat_of(&s, meeting, "claire@caf.example").await,
        "DECLINED"
    );

    // Once cancelled, the link says so and records nothing.
    let response = s
        .ines
        .post(&format!("/api/meetings/{meeting}/cancel"), json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let response = post_form(&s.app, &token_path, "answer=accepted").await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("annulée"));
    assert_eq!(audited(&s, "rsvp.answered"), 1);
}

#[actix_web::test]
async fn an_attendee_answers_in_the_app_exactly_as_the_link_does() {
    let (s, meeting) = convened().await;
    let path = format!("/api/meetings/{meeting}/rsvp");
    let (status, body) =
        status_and_body(s.claire.put(&path, json!({"answer": "tentative"})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["partstat"], "TENTATIVE");
    assert_eq!(body["email"], "claire@caf.example");
    assert_eq!(
        partstat_of(&s, meeting, "claire@caf.example").await,
        "TENTATIVE"
    );
    let ics = s
        .claire
        .get(&format!("/api/meetings/{meeting}/invite.ics"))
        .await
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        ics.contains("PARTSTAT=TENTATIVE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:claire@caf.example"),
        "{ics}"
    );
    assert_eq!(audited(&s, "rsvp.answered"), 1);

    let (status, body) =
        status_and_body(s.claire.put(&path, json!({"answer": "maybe"})).await).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("answer")));

    // Someone who may see the meeting but was not convened has nothing to answer.
    let paul = Actor::new(&s.app, "paul@mjc.example", "Paul");
    paul.join(&s.app, s.mjc, "member");
    let response = paul.put(&path, json!({"answer": "accepted"})).await;
    assert_eq!(response.status(), 403);
    // A stranger does not see the meeting at all.
    let stranger = Actor::new(&s.app, "x@elsewhere.example", "X");
    let response = stranger.put(&path, json!({"answer": "accepted"})).await;
    assert_eq!(response.status(), 404);

    let response = s
        .ines
        .post(&format!("/api/meetings/{meeting}/cancel"), json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let (status, body) =
        status_and_body(s.claire.put(&path, json!({"answer": "accepted"})).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("not_convened"))
    );
    assert_eq!(
        partstat_of(&s, meeting, "claire@caf.example").await,
        "TENTATIVE"
    );
}

fn feeds(scene: &Scene) -> i64 {
    calendar_feeds::table
        .count()
        .get_result(&mut scene.app.db.connect())
        .unwrap()
}

#[actix_web::test]
async fn a_feed_address_is_made_by_post_and_shows_only_projects_one_still_takes_part_in() {
    let (s, _) = convened().await;
    // Reading mints nothing (the address cannot be shown again: only its hash is kept).
    for _ in 0..3 {
        let body = s.claire.read("/api/me/calendar-feed").await;
        assert_eq!(body["url"], Value::Null, "{body}");
        assert_eq!(body["active_feeds"], 0, "{body}");
    }
    assert_eq!(feeds(&s), 0);

    let (status, body) =
        status_and_body(s.claire.post("/api/me/calendar-feed", json!({})).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(feeds(&s), 1);
    assert_eq!(
        s.claire.read("/api/me/calendar-feed").await["active_feeds"],
        1
    );
    let url = body["url"].as_str().unwrap();
    let feed_path = &url[url.find("/calendar/").unwrap()..];
    let listed = s.app.get(feed_path).await.text().await.unwrap();
    assert_eq!(listed.matches("BEGIN:VEVENT").count(), 1, "{listed}");
    assert!(listed.contains("SUMMARY:Comité de pilotage"), "{listed}");

    // Claire leaves the CAF: the feed still answers, without that project's meetings.
    diesel::delete(
        memberships::table
            .filter(memberships::user_id.eq(s.claire.user_id))
            .filter(memberships::organization_id.eq(s.caf)),
    )
    .execute(&mut s.app.db.connect())
    .unwrap();
    let response = s.app.get(feed_path).await;
    assert_eq!(response.status(), 200);
    let listed = response.text().await.unwrap();
    assert!(listed.starts_with("BEGIN:VCALENDAR"), "{listed}");
    assert_eq!(listed.matches("BEGIN:VEVENT").count(), 0, "{listed}");
}

#[actix_web::test]
async fn the_organizer_gets_a_copy_for_the_calendar_and_the_chair_is_asked_nothing() {
    let (s, meeting) = convened().await;
    let to_ines = &mails_to(&s.app, "ines@mjc.example")[0];
    let copy = part(to_ines, "text/calendar").expect("a calendar part");
    assert!(copy.contains("\r\nMETHOD:PUBLISH\r\n"), "{copy}");
    assert!(
        !copy.contains("ATTENDEE"),
        "a PUBLISH has no attendees: {copy}"
    );
    assert!(!copy.contains("RSVP=TRUE"), "{copy}");
    let text = part(to_ines, "text/plain").unwrap();
    assert!(
        !text.contains("/rsvp/"),
        "no RSVP links for the organizer: {text}"
    );
    let content_type = to_ines.raw.clone();
    assert!(
        String::from_utf8_lossy(&content_type).contains("method=PUBLISH"),
        "the MIME part says PUBLISH too"
    );

    let to_claire = &mails_to(&s.app, "claire@caf.example")[0];
    let request = part(to_claire, "text/calendar")
        .unwrap()
        .replace("\r\n ", "");
    assert!(request.contains("\r\nMETHOD:REQUEST\r\n"), "{request}");
    let chair = request
        .split("\r\n")
        .find(|l| l.starts_with("ATTENDEE") && l.contains("ROLE=CHAIR"))
        .expect("the organizer is the CHAIR");
    assert!(chair.contains("RSVP=FALSE"), "{chair}");
    let claire = request
        .split("\r\n")
        .find(|l| l.starts_with("ATTENDEE") && l.contains("claire@caf.example"))
        .unwrap();
    assert!(claire.contains("RSVP=TRUE"), "{claire}");

    // Updates keep the same split.
    let response = s
        .ines
        .patch(
            &format!("/api/meetings/{meeting}"),
            json!({"location": "Mairie annexe"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    s.app.wait_for_mail(5, Duration::from_secs(20)).await;
    let update = part(&mails_to(&s.app, "ines@mjc.example")[1], "text/calendar").unwrap();
    assert!(update.contains("\r\nMETHOD:PUBLISH\r\n"), "{update}");
    assert!(update.contains("\r\nSEQUENCE:1\r\n"), "{update}");
}

#[actix_web::test]
async fn a_meeting_sends_at_most_five_update_rounds_a_day() {
    let (s, meeting) = convened().await;
    let path = format!("/api/meetings/{meeting}");
    let patch = |location: String| s.ines.patch(&path, json!({ "location": location }));
    for round in 1..=5 {
        let (status, body) = status_and_body(patch(format!("Salle {round}")).await).await;
        assert_eq!(
            (status, body["sequence"].as_i64()),
            (200, Some(round)),
            "{body}"
        );
    }
    let response = patch("Salle 6".into()).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (23 * 3600..=24 * 3600).contains(&retry_after),
        "{retry_after}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert!(
        body["message"].as_str().unwrap().contains("5 updates"),
        "{body}"
    );
    let meeting_row = s.ines.read(&format!("/api/meetings/{meeting}")).await;
    assert_eq!(meeting_row["location"], "Salle 5");
    assert_eq!(meeting_row["sequence"], 5);
    // A PATCH that changes nothing sends nothing, and is not refused.
    let (status, _) = status_and_body(patch("Salle 5".into()).await).await;
    assert_eq!(status, 200);

    s.app.wait_for_mail(13, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(s.app.smtp.messages().len(), 13, "1 + 2 + 5 rounds × 2");
}

const HEADERS: [(&str, &str); 2] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

fn check_security_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    for (name, value) in HEADERS {
        assert_eq!(
            headers.get(name).map(|v| v.to_str().unwrap()),
            Some(value),
            "{what}: {name}"
        );
    }
}

#[actix_web::test]
async fn every_page_and_answer_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let unknown = "0".repeat(64);
    let paths = [
        "/".to_owned(),
        "/projects/42".to_owned(),
        "/assets/app.js".to_owned(),
        "/healthz".to_owned(),
        "/metrics".to_owned(),
        "/api/me".to_owned(),
        "/api/openapi.json".to_owned(),
        "/api/nothing-here".to_owned(),
        format!("/rsvp/{unknown}?answer=accepted"),
        format!("/calendar/{unknown}.ics"),
    ];
    for path in &paths {
        let response = app.get(path).await;
        check_security_headers(&response, path);
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{path}: no HSTS over plain http"
        );
    }
    let response = app
        .client
        .post(app.url("/api/auth/session"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    check_security_headers(&response, "an error of the API");

    let secure = TestApp::spawn_with(|settings| {
        settings.base_url = url::Url::parse("https://amont.example.org").unwrap();
    })
    .await;
    for path in ["/", "/api/me", "/healthz"] {
        let response = secure.get(path).await;
        check_security_headers(&response, path);
        let hsts = response.headers()["strict-transport-security"]
            .to_str()
            .unwrap();
        assert!(hsts.starts_with("max-age="), "{hsts}");
    }
}

/// Every inline `<style>` of `page` is allowed by its policy (by hash), and nothing else inline
/// is there for the policy to block.
fn allowed_by_its_policy(response: reqwest::Response, what: &str) -> impl Future<Output = ()> {
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    async move {
        let page = response.text().await.unwrap();
        let mut rest = page.as_str();
        let mut styles = 0;
        while let Some(at) = rest.find("<style>") {
            let css = &rest[at + "<style>".len()..];
            let end = css.find("</style>").unwrap();
            let digest = Sha256::digest(&css.as_bytes()[..end]);
            let hash = base64::engine::general_purpose::STANDARD.encode(digest);
            assert!(
                csp.contains(&format!("'sha256-{hash}'")),
                "{what}: the inline style is not allowed by {csp}"
            );
            styles += 1;
            rest = &css[end..];
        }
        assert!(styles > 0, "{what} has its style inline");
        assert!(!page.contains(" style=\""), "{what}: a style attribute");
        assert!(!page.contains("<script"), "{what}: a script");
    }
}

#[actix_web::test]
async fn server_rendered_pages_are_allowed_exactly_what_they_need() {
    let (s, _) = convened().await;
    let sheet = s
        .ines
        .get(&format!("/api/projects/{}/sheet?format=html", s.project))
        .await;
    assert_eq!(sheet.status(), 200);
    allowed_by_its_policy(sheet, "the sheet").await;
    let invitation = &mails_to(&s.app, "claire@caf.example")[0];
    let page = s.app.get(&rsvp_link(invitation, "accepted")).await;
    allowed_by_its_policy(page, "the RSVP page").await;
    let missing = s.app.get(&format!("/rsvp/{}", "0".repeat(64))).await;
    assert_eq!(missing.status(), 404);
    allowed_by_its_policy(missing, "the unknown-link page").await;
    // The public verification page of an attestation, and its "unknown link" page.
    let response = s
        .ines
        .post(
            &format!("/api/projects/{}/attestations", s.project),
            json!({}),
        )
        .await;
    let (status, created) = status_and_body(response).await;
    assert_eq!(status, 201, "{created}");
    let path = url::Url::parse(created["url"].as_str().unwrap())
        .unwrap()
        .path()
        .to_owned();
    let verify = s.app.get(&path).await;
    assert_eq!(verify.status(), 200);
    allowed_by_its_policy(verify, "the verification page").await;
    let unknown = s.app.get("/verify/unknown-token-000000000").await;
    assert_eq!(unknown.status(), 404);
    allowed_by_its_policy(unknown, "the unknown attestation page").await;
}

#[actix_web::test]
async fn a_missing_field_is_named_in_the_error() {
    let s = Scene::new().await;
    for (path, body, field) in [
        (
            format!("/api/projects/{}/meetings", s.project),
            json!({"duration_minutes": 60, "timezone": "Europe/Paris"}),
            "title",
        ),
        ("/api/organizations".to_owned(), json!({}), "name"),
        (
            format!("/api/projects/{}/partners/{}/answer", s.project, s.caf),
            json!({"comment": "oui"}),
            "decision",
        ),
    ] {
        let (status, body) = status_and_body(s.ines.post(&path, body).await).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "invalid_input", "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
    }
}

async fn ask_link(app: &TestApp, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/auth/magic-link"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap()
}

/// An institution behind one address: sixty people may ask for a link within fifteen minutes,
/// and asking for links does not use up the budget of following them.
#[actix_web::test]
async fn one_office_behind_one_address_is_not_locked_out() {
    let app = TestApp::spawn().await;
    for n in 0..60 {
        let response = ask_link(&app, &format!("agent{n}@mairie.example")).await;
        assert_eq!(response.status(), 202, "request {n}");
    }
    // The budget refills by one every 15 s: a slow machine may get one or two more through.
    let mut n = 60;
    let refused = loop {
        let response = ask_link(&app, &format!("agent{n}@mairie.example")).await;
        if response.status() != 202 {
            break response;
        }
        n += 1;
        assert!(n < 70, "never refused");
    };
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    // Logging in has its own budget.
    let response = reqwest::Client::new()
        .post(app.url("/api/auth/session"))
        .json(&json!({"token": "0".repeat(64)}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        400,
        "the session endpoint is not rate limited yet"
    );
}

async fn ask_link_from(app: &TestApp, forwarded_for: &str, n: usize) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/auth/magic-link"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "email": format!("person{n}@example.org") }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget() {
    let app = TestApp::spawn_with(|settings| {
        settings.login_limit_per_ip = 2;
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let mut n = 0;
    let mut from = |address: &'static str| {
        n += 1;
        ask_link_from(&app, address, n)
    };
    assert_eq!(from("203.0.113.7").await, 202);
    assert_eq!(from("203.0.113.7").await, 202);
    assert_eq!(from("203.0.113.7").await, 429);
    // Another client behind the same proxy.
    assert_eq!(from("203.0.113.8").await, 202);
    // What a client writes itself is left of what the proxy appended: the proxy's is believed.
    assert_eq!(from("198.51.100.1, 203.0.113.7").await, 429);
    // IPv6 clients are counted per /64: one household or office, whatever its interface ids.
    assert_eq!(from("2001:db8:1:2::1").await, 202);
    assert_eq!(from("2001:db8:1:2:abcd::9").await, 202);
    assert_eq!(from("2001:db8:1:2:ffff:ffff:ffff:ffff").await, 429);
    assert_eq!(from("2001:db8:1:3::1").await, 202);
}

#[actix_web::test]
async fn an_untrusted_peer_cannot_pick_its_address() {
    let app = TestApp::spawn_with(|settings| settings.login_limit_per_ip = 2).await;
    assert_eq!(ask_link_from(&app, "203.0.113.1", 1).await, 202);
    assert_eq!(ask_link_from(&app, "203.0.113.2", 2).await, 202);
    assert_eq!(ask_link_from(&app, "203.0.113.3", 3).await, 429);
}

/// Two (or four) instances of a rolling deploy start together on a fresh database: every one
/// of them must come up, and the schema be migrated once.
#[test]
fn instances_starting_together_migrate_once() {
    use diesel::Connection;
    for round in 0..3 {
        let name = format!("amont_race_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(crate::support::admin_url().as_str()).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        let mut url = crate::support::admin_url().clone();
        url.set_path(&name);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut conn = PgConnection::establish(url.as_str()).unwrap();
                    barrier.wait();
                    amont::db::migrate(&mut conn).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        let results: Vec<Result<Vec<String>, String>> =
            starts.into_iter().map(|t| t.join().unwrap()).collect();
        let applied: usize = results
            .iter()
            .map(|r| r.as_ref().map(Vec::len).unwrap_or(0))
            .sum();
        let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
        assert!(failures.is_empty(), "round {round}: {failures:?}");
        let expected = {
            use diesel::migration::MigrationSource;
            MigrationSource::<diesel::pg::Pg>::migrations(&amont::db::MIGRATIONS)
                .unwrap()
                .len()
        };
        assert_eq!(
            applied, expected,
            "round {round}: each migration applied once"
        );
    }
}
