//! Partners' time through the HTTP API (API.md, "Partners' time"): the minimum notice and the
//! short-notice agreements of gate rule 7, who represents each partner (the convocation goes to
//! them), time budgets and their warnings, attendance, the time each partner gives (JSON, CSV,
//! sheet) and a person's meetings across projects.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::{Scene, in_days, rules};

/// Reads a path as `actor`, expecting 200.
async fn read(actor: &Actor, path: &str) -> Value {
    actor.read(path).await
}

async fn readiness(scene: &Scene, meeting: Uuid) -> Value {
    read(&scene.ines, &format!("/api/meetings/{meeting}/readiness")).await
}

async fn agree_short_notice(actor: &Actor, meeting: Uuid, body: Value) -> (u16, Value) {
    status_and_body(
        actor
            .post(
                &format!("/api/meetings/{meeting}/short-notice/agreement"),
                body,
            )
            .await,
    )
    .await
}

/// PUT as `actor`: the status and the JSON body.
async fn put(actor: &Actor, path: &str, body: Value) -> (u16, Value) {
    status_and_body(actor.put(path, body).await).await
}

/// The payload of a compact JWS, unverified (the proof tests verify receipts).
fn payload(jws: &str) -> Value {
    let part = jws.split('.').nth(1).expect("a compact JWS");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Moves a convened meeting's start into the past (time travel for tests: nothing in the API
/// convenes a meeting that already started).
fn started(scene: &Scene, meeting: Uuid) {
    diesel::sql_query(
        "UPDATE meetings SET starts_at = now() - interval '2 hours', \
         ends_at = now() - interval '30 minutes' WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(meeting)
    .execute(&mut scene.app.db.connect())
    .unwrap();
}

#[actix_web::test]
async fn a_convocation_at_short_notice_waits_for_every_partner_then_goes() {
    let scene = Scene::asking_notice().await;
    let project = read(&scene.ines, &format!("/api/projects/{}", scene.project)).await;
    assert_eq!(project["min_notice_days"], 14, "the default notice");
    // The meeting is ten days away: four days short of the fortnight asked.
    let (meeting, _) = scene.upstream_done().await;
    let (status, body) = scene.record(meeting).await;
    assert_eq!(
        status, 201,
        "recording does not depend on the notice: {body}"
    );
    let ready = readiness(&scene, meeting).await;
    assert_eq!(ready["ready"], false);
    assert_eq!(
        rules(&ready),
        vec![
            ("notice_too_short".into(), Some(scene.mjc)),
            ("notice_too_short".into(), Some(scene.caf)),
        ]
    );
    let notice = &ready["notice"];
    assert_eq!(
        (&notice["required_days"], &notice["short"]),
        (&json!(14), &json!(true))
    );
    assert!((9..=10).contains(&notice["days_left"].as_i64().unwrap()));
    assert_eq!(notice["missing_organizations"].as_array().unwrap().len(), 2);
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("concertation_incomplete"))
    );

    // The CAF's member has it on their to-do list, dated by the meeting.
    let short_notice_todo = |todo: &Value| {
        todo["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "short_notice_agreement" && i["meeting_id"] == json!(meeting))
    };
    assert!(short_notice_todo(
        &read(&scene.claire, "/api/me/todo").await
    ));

    // The CAF agrees, bound to what it read; a stale hash is refused, the receipt says what.
    let (status, body) = agree_short_notice(
        &scene.claire,
        meeting,
        json!({"decision": "agree", "content_hash": "sha256:00"}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("stale_content")),
        "{body}"
    );
    assert_eq!(body["content_hash"], notice["content_hash"]);
    let (status, body) = agree_short_notice(
        &scene.claire,
        meeting,
        json!({"decision": "agree", "content_hash": notice["content_hash"], "comment": "Exceptionnellement."}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (
            &body["subject"],
            &body["subject_id"],
            &body["organization_id"]
        ),
        (&json!("short_notice"), &json!(meeting), &json!(scene.caf))
    );
    let claims = payload(body["receipt"].as_str().unwrap());
    assert_eq!(claims["kind"], "short_notice.agreed");
    assert_eq!(claims["content_hash"], notice["content_hash"]);
    let ready = readiness(&scene, meeting).await;
    assert_eq!(
        rules(&ready),
        vec![("notice_too_short".into(), Some(scene.mjc))]
    );
    assert!(!short_notice_todo(
        &read(&scene.claire, "/api/me/todo").await
    ));
    assert_eq!(
        ready["notice"]["agreed_organizations"][0]["organization_id"],
        json!(scene.caf)
    );

    // The initiator's own members agree too (it is a partner like the others); then it goes.
    let (status, body) =
        agree_short_notice(&scene.ines, meeting, json!({"decision": "agree"})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(readiness(&scene, meeting).await["ready"], true);
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    // An attestation carries both short-notice receipts, and says they still hold.
    let (_, token) = crate::proof::attest(&scene).await;
    let checked = crate::proof::verification_json(&scene.app, &token).await;
    let short: Vec<&Value> = checked["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "short_notice.agreed")
        .collect();
    assert_eq!(short.len(), 2, "{checked}");
    assert!(short.iter().all(|c| c["still_valid"] == true), "{checked}");
    // Once convened, the notice is no longer asked.
    let (status, body) =
        agree_short_notice(&scene.claire, meeting, json!({"decision": "object"})).await;
    assert_eq!((status, &body["error"]), (409, &json!("not_planning")));
}

#[actix_web::test]
async fn short_notice_agreements_are_refused_when_they_cannot_mean_anything() {
    let scene = Scene::asking_notice().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    let (status, body) =
        agree_short_notice(&scene.claire, meeting, json!({"decision": "agree"})).await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("no_slot_chosen")),
        "{body}"
    );
    let (status, body) =
        agree_short_notice(&scene.claire, meeting, json!({"decision": "maybe"})).await;
    assert_eq!(
        (status, &body["field"]),
        (400, &json!("decision")),
        "{body}"
    );
    // A stranger does not learn the meeting exists.
    let stranger = Actor::new(&scene.app, "x@ailleurs.example", "X");
    let (status, _) = agree_short_notice(&stranger, meeting, json!({"decision": "agree"})).await;
    assert_eq!(status, 404);
    // An objection is recorded and holds the convocation like a missing agreement.
    let slot = scene.slot(meeting, in_days(3)).await;
    scene.choose(meeting, slot).await;
    let (status, body) =
        agree_short_notice(&scene.claire, meeting, json!({"decision": "object"})).await;
    assert_eq!(status, 201, "{body}");
    let ready = readiness(&scene, meeting).await;
    assert!(
        rules(&ready).contains(&("notice_too_short".into(), Some(scene.caf))),
        "{ready}"
    );
    // Another slot is another notice: what was said of the first does not carry over.
    let (status, _) =
        agree_short_notice(&scene.claire, meeting, json!({"decision": "agree"})).await;
    assert_eq!(status, 201);
    let later = scene.slot(meeting, in_days(4)).await;
    scene.choose(meeting, later).await;
    let ready = readiness(&scene, meeting).await;
    assert!(rules(&ready).contains(&("notice_too_short".into(), Some(scene.caf))));
}

#[actix_web::test]
async fn changing_the_minimum_notice_makes_the_record_stale_and_is_bounded() {
    let scene = Scene::new().await; // no notice asked
    let (meeting, _) = scene.upstream_done().await;
    assert_eq!(scene.record(meeting).await.0, 201);
    assert_eq!(readiness(&scene, meeting).await["ready"], true);
    let path = format!("/api/projects/{}", scene.project);
    for days in [-1, 366] {
        let (status, body) = status_and_body(
            scene
                .ines
                .patch(&path, json!({"min_notice_days": days}))
                .await,
        )
        .await;
        assert_eq!((status, &body["field"]), (400, &json!("min_notice_days")));
    }
    let (status, _) = status_and_body(
        scene
            .claire
            .patch(&path, json!({"min_notice_days": 3}))
            .await,
    )
    .await;
    assert_eq!(status, 403, "only the initiator");
    let (status, body) =
        status_and_body(scene.ines.patch(&path, json!({"min_notice_days": 3})).await).await;
    assert_eq!((status, &body["min_notice_days"]), (200, &json!(3)));
    let ready = readiness(&scene, meeting).await;
    assert_eq!(
        rules(&ready),
        vec![("concertation_stale".into(), None)],
        "ten days ahead is enough for three days' notice; only the record is stale"
    );
    // Recorded again under the new notice, it may go.
    assert_eq!(scene.record(meeting).await.0, 201);
    assert_eq!(readiness(&scene, meeting).await["ready"], true);
    let trail = read(
        &scene.ines,
        &format!("/api/projects/{}/audit", scene.project),
    )
    .await;
    let changed = trail
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["action"] == "project.changed")
        .expect("audited");
    assert_eq!(
        changed["details"]["min_notice_days"],
        json!({"before": 0, "after": 3})
    );
}

/// Bob joins the CAF, which Claire accepted for.
async fn with_bob(scene: &Scene) -> Actor {
    let bob = Actor::new(&scene.app, "bob@caf.example", "Bob Durand");
    bob.join(&scene.app, scene.caf, "member");
    bob
}

fn names(representation: &Value) -> Vec<String> {
    representation["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["display_name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn each_partner_names_who_represents_it_and_the_convocation_goes_to_them() {
    let scene = Scene::new().await;
    scene.accept().await;
    let bob = with_bob(&scene).await;
    let meeting = scene.meeting().await;
    let path = format!("/api/meetings/{meeting}/representatives");
    // By default: who accepted the partnership (nobody answered the poll yet).
    let list = read(&scene.ines, &path).await;
    let caf = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organization_id"] == json!(scene.caf))
        .unwrap();
    assert_eq!(
        (names(caf), &caf["chosen"]),
        (vec!["Claire Dubois".to_owned()], &json!(false))
    );
    assert_eq!(
        caf["can_choose"], false,
        "the initiator does not choose for the CAF"
    );
    assert_eq!(caf["members"], json!([]), "nor sees its members list");
    // Who answered the poll comes first.
    let slot = scene.slot(meeting, in_days(10)).await;
    let answer = json!({"answers": {slot.to_string(): "yes"}});
    assert_eq!(
        bob.put(&format!("/api/meetings/{meeting}/availability"), answer)
            .await
            .status(),
        200
    );
    let list = read(&bob, &path).await;
    let caf = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organization_id"] == json!(scene.caf))
        .unwrap();
    assert_eq!(names(caf), ["Bob Durand"]);
    assert_eq!(
        (&caf["can_choose"], caf["members"].as_array().unwrap().len()),
        (&json!(true), 2)
    );

    // The CAF's members choose; others may not, strangers to it may not be named.
    let choose = format!("/api/meetings/{meeting}/attendees/{}", scene.caf);
    let (status, _) = put(
        &scene.ines,
        &choose,
        json!({"user_ids": [scene.ines.user_id]}),
    )
    .await;
    assert_eq!(status, 403);
    for wrong in [json!([]), json!([scene.ines.user_id])] {
        let (status, body) = put(&scene.claire, &choose, json!({"user_ids": wrong})).await;
        assert_eq!(
            (status, &body["field"]),
            (400, &json!("user_ids")),
            "{body}"
        );
    }
    let (status, body) = put(
        &scene.claire,
        &choose,
        json!({"user_ids": [bob.user_id, scene.claire.user_id, bob.user_id]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (names(&body), &body["chosen"]),
        (
            vec!["Bob Durand".to_owned(), "Claire Dubois".to_owned()],
            &json!(true)
        )
    );

    // The convocation goes to them (and the organizer), once each.
    scene.choose(meeting, slot).await;
    scene.agree_missions().await;
    let hash = scene.write_agenda(meeting, "Budget").await;
    scene.agree_agenda(meeting, &hash).await;
    assert_eq!(scene.record(meeting).await.0, 201);
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    let mut recipients: Vec<String> = serde_json::from_value(body["recipients"].clone()).unwrap();
    recipients.sort();
    assert_eq!(
        recipients,
        ["bob@caf.example", "claire@caf.example", "ines@mjc.example"]
    );
    // After the convocation the choice is closed.
    let (status, body) = put(&scene.claire, &choose, json!({"user_ids": [bob.user_id]})).await;
    assert_eq!((status, &body["error"]), (409, &json!("not_planning")));
    let trail = read(
        &scene.ines,
        &format!("/api/projects/{}/audit", scene.project),
    )
    .await;
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "representatives.chosen")
    );
}

#[actix_web::test]
async fn a_partner_with_nobody_left_to_convene_holds_the_convocation() {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    assert_eq!(scene.record(meeting).await.0, 201);
    // Claire, the CAF's only member, leaves it: nobody would be convened for the CAF.
    diesel::sql_query("DELETE FROM memberships WHERE user_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(scene.claire.user_id)
        .execute(&mut scene.app.db.connect())
        .unwrap();
    let ready = readiness(&scene, meeting).await;
    assert_eq!(
        rules(&ready),
        vec![("no_representative".into(), Some(scene.caf))]
    );
    let (status, _) = scene.convene(meeting).await;
    assert_eq!(status, 409);
}

#[actix_web::test]
async fn budgets_are_bounded_warned_about_and_counted_with_attendance() {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    let budget = format!(
        "/api/projects/{}/partners/{}/time-budget",
        scene.project, scene.caf
    );
    for (body, field) in [
        (json!({"hours_per_year": -1}), "hours_per_year"),
        (json!({"hours_per_year": 2001}), "hours_per_year"),
        (json!({"hours_per_year": 1.5}), "hours_per_year"),
        (
            json!({"hours_per_year": 10, "hourly_value_eur": 12.345}),
            "hourly_value_eur",
        ),
        (
            json!({"hours_per_year": 10, "hourly_value_eur": 1000.01}),
            "hourly_value_eur",
        ),
    ] {
        let (status, answer) = put(&scene.claire, &budget, body.clone()).await;
        assert_eq!((status, &answer["field"]), (400, &json!(field)), "{body}");
    }
    let (status, _) = put(&scene.ines, &budget, json!({"hours_per_year": 1})).await;
    assert_eq!(status, 403, "only the CAF's members set the CAF's budget");
    // One hour a year, for a meeting of ninety minutes: a warning, not a block.
    let (status, body) = put(
        &scene.claire,
        &budget,
        json!({"hours_per_year": 1, "hourly_value_eur": 40}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"organization_id": scene.caf, "hours_per_year": 1, "hourly_value_eur": 40.0})
    );
    let ready = readiness(&scene, meeting).await;
    assert_eq!(
        ready["warnings"],
        json!([{"rule": "time_budget_exceeded", "organization_id": scene.caf,
                "organization_name": "CAF du Rhône", "hours_planned": 1.5, "hours_budget": 1}])
    );
    let poll = read(&scene.ines, &format!("/api/meetings/{meeting}/poll")).await;
    assert_eq!(
        poll["slots"][0]["over_budget_organizations"][0]["organization_id"],
        json!(scene.caf)
    );
    assert_eq!(
        poll["slots"][0]["inside_notice"], false,
        "the scene asks no notice"
    );
    assert_eq!(scene.record(meeting).await.0, 201);
    assert_eq!(scene.convene(meeting).await.0, 201);

    // Attendance: not before the meeting started, only of attendees, by the initiator.
    let attendance = format!("/api/meetings/{meeting}/attendance");
    let present = |user: Uuid| json!({"attendance": [{"user_id": user, "status": "present"}]});
    let (status, body) = put(&scene.ines, &attendance, present(scene.claire.user_id)).await;
    assert_eq!((status, &body["error"]), (409, &json!("not_started")));
    started(&scene, meeting);
    let (status, _) = put(&scene.claire, &attendance, present(scene.claire.user_id)).await;
    assert_eq!(status, 403);
    let stranger = Actor::new(&scene.app, "x@ailleurs.example", "X");
    let (status, body) = put(&scene.ines, &attendance, present(stranger.user_id)).await;
    assert_eq!((status, &body["field"]), (400, &json!("attendance")));
    let (status, body) = put(
        &scene.ines,
        &attendance,
        json!({"attendance": [{"user_id": scene.claire.user_id, "status": "late"}]}),
    )
    .await;
    assert_eq!((status, &body["field"]), (400, &json!("attendance")));
    // Recorded, then corrected.
    let both = json!({"attendance": [
        {"user_id": scene.claire.user_id, "status": "excused"},
        {"user_id": scene.ines.user_id, "status": "present"}]});
    assert_eq!(scene.ines.put(&attendance, both).await.status(), 200);
    let (status, body) = put(&scene.ines, &attendance, present(scene.claire.user_id)).await;
    assert_eq!(status, 200, "{body}");
    let mut statuses: Vec<(&str, &str)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["display_name"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [("Claire Dubois", "present"), ("Inès Martin", "present")]
    );
    assert_eq!(
        read(&scene.claire, &attendance).await,
        body,
        "partners read it too"
    );

    // The time each partner gave: 90 minutes each, the CAF valued at 40 € an hour.
    let time = read(
        &scene.claire,
        &format!("/api/projects/{}/time", scene.project),
    )
    .await;
    assert_eq!(
        time,
        json!([
            {"organization_id": scene.mjc, "organization_name": "MJC des Quatre Vents", "status": "accepted",
             "hours_budget": null, "hourly_value_eur": null, "hours_planned": 1.5, "hours_attended": 1.5, "value_eur": null},
            {"organization_id": scene.caf, "organization_name": "CAF du Rhône", "status": "accepted",
             "hours_budget": 1, "hourly_value_eur": 40.0, "hours_planned": 1.5, "hours_attended": 1.5, "value_eur": 60.0},
        ])
    );
    let other_year = read(
        &scene.claire,
        &format!("/api/projects/{}/time?year=2001", scene.project),
    )
    .await;
    assert_eq!(other_year[1]["hours_planned"], 0.0);
    let response = scene
        .claire
        .get(&format!("/api/projects/{}/time.csv?lang=fr", scene.project))
        .await;
    assert_eq!(response.status(), 200);
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(csv.contains("Partenaire;Budget annuel (h);Heures prévues;Heures de présence;Valeur horaire (€);Valorisation (€)"), "{csv}");
    assert!(
        csv.contains("CAF du Rhône;1;1.50;1.50;40.00;60.00"),
        "{csv}"
    );
    let sheet = scene
        .claire
        .get(&format!(
            "/api/projects/{}/sheet?format=html&lang=fr",
            scene.project
        ))
        .await;
    let sheet = sheet.text().await.unwrap();
    assert!(sheet.contains("Contribution en temps des partenaires"));
    assert!(sheet.contains("60,00\u{a0}€"), "{sheet}");
    let trail = read(
        &scene.ines,
        &format!("/api/projects/{}/audit", scene.project),
    )
    .await;
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"time_budget.set") && actions.contains(&"attendance.recorded"));
}

#[actix_web::test]
async fn a_partner_name_made_to_be_a_formula_stays_text_in_the_time_csv() {
    let scene = Scene::new().await;
    let evil = scene
        .invite(
            "=HYPERLINK(\"https://evil.example\";\"ok\")",
            "x@evil.example",
        )
        .await;
    let mallory = Actor::new(&scene.app, "mallory@evil.example", "Mallory");
    mallory.join(&scene.app, evil, "admin");
    let answer = format!("/api/projects/{}/partners/{evil}/answer", scene.project);
    assert_eq!(
        mallory
            .post(&answer, json!({"decision": "accept"}))
            .await
            .status(),
        200
    );
    let csv = scene
        .ines
        .get(&format!("/api/projects/{}/time.csv?lang=en", scene.project))
        .await;
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"https://evil.example\"\";\"\"ok\"\")\""),
        "{csv}"
    );
}

#[actix_web::test]
async fn each_person_sees_their_meetings_across_projects_and_hours_per_week() {
    let scene = Scene::new().await;
    let (meeting, start) = scene.upstream_done().await;
    assert_eq!(scene.record(meeting).await.0, 201);
    assert_eq!(scene.convene(meeting).await.0, 201);
    let mine = read(&scene.claire, "/api/me/meetings").await;
    assert_eq!(mine["meetings"].as_array().unwrap().len(), 1);
    let m = &mine["meetings"][0];
    assert_eq!(
        (
            &m["id"],
            &m["project_id"],
            &m["organization_id"],
            &m["partstat"]
        ),
        (
            &json!(meeting),
            &json!(scene.project),
            &json!(scene.caf),
            &json!("NEEDS-ACTION")
        )
    );
    assert_eq!(mine["hours_per_week"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&mine["hours_per_week"][0]["hours"], &mine["total_hours"]),
        (&json!(1.5), &json!(1.5))
    );
    // Outside the window: nothing. Bad windows and zones are refused with their field.
    let before = (start - chrono::Duration::days(30)).to_rfc3339();
    let until = (start - chrono::Duration::days(1)).to_rfc3339();
    let path = format!(
        "/api/me/meetings?from={}&to={}",
        urlencode(&before),
        urlencode(&until)
    );
    assert_eq!(read(&scene.claire, &path).await["meetings"], json!([]));
    let path = format!(
        "/api/me/meetings?from={}&to={}",
        urlencode(&until),
        urlencode(&before)
    );
    let (status, body) = status_and_body(scene.claire.get(&path).await).await;
    assert_eq!((status, &body["field"]), (400, &json!("to")));
    let (status, body) =
        status_and_body(scene.claire.get("/api/me/meetings?tz=Mars/Olympus").await).await;
    assert_eq!((status, &body["field"]), (400, &json!("tz")));
    // Someone convened to nothing has nothing.
    let stranger = Actor::new(&scene.app, "x@ailleurs.example", "X");
    let none = read(&stranger, "/api/me/meetings").await;
    assert_eq!(
        (&none["meetings"], &none["total_hours"]),
        (&json!([]), &json!(0.0))
    );
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
