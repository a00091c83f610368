//! Asking people (API.md, "Asking people, and what each person has to do"): notices coalesced
//! per person and project, reminders (by hand, once a day; automatic before `respond_by`),
//! preferences and languages honoured — through the real outbox and SMTP. Time is driven by
//! calling the notice step with the `now` it should see.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::actors::status_and_body;
use crate::meetings::{Scene, agree, in_days};
use crate::smtp::Received;

/// One notice step at `now`; the outbox worker is woken.
fn step(scene: &Scene, now: DateTime<Utc>) -> amont::mail::notices::Step {
    let mut conn = scene.app.db.connect();
    let done = amont::mail::notices::run(&mut conn, &scene.app.settings, now).unwrap();
    scene.app.mailer.wake();
    done
}

/// The messages received, once there are `count` (20 s at most).
async fn mails(scene: &Scene, count: usize) -> Vec<Received> {
    let all = scene
        .app
        .wait_for_mail(count, Duration::from_secs(20))
        .await;
    assert_eq!(
        all.len(),
        count,
        "{:?}",
        all.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    all
}

fn to<'a>(all: &'a [Received], address: &str) -> Vec<&'a Received> {
    all.iter().filter(|m| m.to.contains(address)).collect()
}

async fn english(scene: &Scene) {
    let (status, body) =
        status_and_body(scene.claire.patch("/api/me", json!({"locale": "en"})).await).await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn each_person_gets_one_email_per_project_in_their_language_with_what_happened_meanwhile() {
    let scene = Scene::new().await; // the consultation: 1 message
    english(&scene).await;
    scene.accept().await;
    let now = Utc::now();
    // The initiator hears of the answer (French); the partner is asked for its mission (English).
    let done = step(&scene, now);
    assert_eq!(done.emails, 2);
    let all = mails(&scene, 3).await;
    let ines = to(&all, "ines@mjc.example");
    assert_eq!(ines.len(), 1);
    let text = ines[0].text.as_deref().unwrap();
    assert!(
        text.contains("CAF du Rhône a accepté la consultation"),
        "{text}"
    );
    assert!(
        text.contains(&format!("/projects/{}", scene.project)),
        "{text}"
    );
    let claire = to(&all, "claire@caf.example");
    let text = claire[0].text.as_deref().unwrap();
    assert!(
        text.contains("Your mission in the project is waiting"),
        "{text}"
    );
    assert!(
        claire[0].subject.contains("news from the concertation"),
        "{}",
        claire[0].subject
    );

    // Two slots: the poll opens, then gains a slot — one email, after the 15-minute window.
    let meeting = scene.meeting().await;
    scene.slot(meeting, in_days(10)).await;
    scene.slot(meeting, in_days(11)).await;
    assert_eq!(step(&scene, now + chrono::Duration::minutes(14)).emails, 0);
    assert_eq!(step(&scene, now + chrono::Duration::minutes(15)).emails, 1);
    let all = mails(&scene, 4).await;
    let last = to(&all, "claire@caf.example")[1];
    let text = last.text.as_deref().unwrap();
    assert!(
        text.contains("The poll for the meeting “Comité de pilotage” is open"),
        "{text}"
    );
    assert!(text.contains("New slots are proposed"), "{text}");
    assert!(text.contains(&format!("/meetings/{meeting}")), "{text}");
    // The initiator proposed the slots: nobody of hers is told.
    assert_eq!(to(&all, "ines@mjc.example").len(), 1);
    // Sent once: a later step finds nothing.
    assert_eq!(step(&scene, now + chrono::Duration::hours(2)).emails, 0);
}

#[actix_web::test]
async fn a_changed_text_says_the_agreement_stopped_counting_and_a_satisfied_gate_is_announced() {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    let now = Utc::now();
    step(&scene, now);
    let all = mails(&scene, 3).await;
    let text = to(&all, "ines@mjc.example")[0].text.clone().unwrap();
    assert!(
        text.contains("La concertation de la réunion « Comité de pilotage » est complète"),
        "{text}"
    );
    // Told once, not at every step.
    assert_eq!(step(&scene, now + chrono::Duration::hours(1)).gates, 0);

    // The initiator rewrites the CAF's mission: Claire's agreement no longer counts.
    let path = format!("/api/projects/{}/missions/{}", scene.project, scene.caf);
    let (status, _) = status_and_body(
        scene
            .ines
            .put(&path, json!({"text": "Mission revue"}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let done = step(&scene, now + chrono::Duration::hours(1));
    assert_eq!(done.emails, 1);
    let all = mails(&scene, 4).await;
    let text = all.last().unwrap().text.clone().unwrap();
    assert!(all.last().unwrap().to.contains("claire@caf.example"));
    assert!(
        text.contains("Le texte de votre mission a changé"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Mission de {}", scene.caf)),
        "the old text: {text}"
    );
    assert!(text.contains("Mission revue"), "the new text: {text}");
    // The gate is no longer satisfied; once it is again, the initiator hears it again.
    assert_eq!(step(&scene, now + chrono::Duration::hours(2)).gates, 0);
    let hash = scene.claire.read(&path).await["content_hash"].clone();
    agree(&scene.claire, &format!("{path}/agreement"), &hash).await;
    assert_eq!(step(&scene, now + chrono::Duration::hours(3)).gates, 1);
    let _ = meeting;
}

#[actix_web::test]
async fn reminders_go_once_a_day_per_partner_and_automatically_before_respond_by() {
    let scene = Scene::new().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    scene.slot(meeting, in_days(20)).await;
    let path = format!("/api/meetings/{meeting}/reminders");
    assert_eq!(scene.claire.post(&path, json!({})).await.status(), 403);

    let (status, body) = status_and_body(scene.ines.post(&path, json!({})).await).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body["reminded"],
        json!([{"organization_id": scene.caf, "rules": ["poll_not_answered", "mission_not_agreed"]}])
    );
    assert_eq!(body["skipped"], json!([]));
    // A second reminder within 24 hours: skipped, with when it will be possible.
    let (status, body) = status_and_body(scene.ines.post(&path, json!({})).await).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["reminded"], json!([]));
    assert_eq!(body["skipped"][0]["organization_id"], json!(scene.caf));
    assert!(body["skipped"][0]["next_at"].is_string(), "{body}");
    let sent = scene.ines.read(&path).await;
    assert_eq!(sent.as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent[0]["automatic"], false);

    let now = Utc::now();
    step(&scene, now);
    let all = mails(&scene, 3).await; // consultation, Inès (answer), Claire (mission + poll + reminder)
    let text = to(&all, "claire@caf.example")[0].text.clone().unwrap();
    assert!(
        text.contains("Rappel pour la réunion « Comité de pilotage »"),
        "{text}"
    );
    assert!(text.contains("répondre au sondage de dates"), "{text}");

    // respond_by in five days: the automatic reminder comes two days before, once.
    let respond_by = (now + chrono::Duration::days(5)).date_naive();
    let (status, body) = status_and_body(
        scene
            .ines
            .patch(
                &format!("/api/meetings/{meeting}"),
                json!({"respond_by": respond_by}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["respond_by"], json!(respond_by));
    let poll = scene
        .ines
        .read(&format!("/api/meetings/{meeting}/poll"))
        .await;
    assert_eq!(poll["respond_by"], json!(respond_by));
    assert_eq!(step(&scene, now + chrono::Duration::days(1)).reminders, 0);
    let done = step(&scene, now + chrono::Duration::days(4));
    assert_eq!(done.reminders, 1);
    assert_eq!(done.emails, 1);
    assert_eq!(
        step(
            &scene,
            now + chrono::Duration::days(4) + chrono::Duration::hours(1)
        )
        .reminders,
        0
    );
    let all = mails(&scene, 4).await;
    let text = all.last().unwrap().text.clone().unwrap();
    assert!(
        text.contains(&format!(
            "Merci de répondre avant le {}",
            amont::calendar::long_date(respond_by, amont::domain::Locale::Fr)
        )),
        "{text}"
    );
    let sent = scene.ines.read(&path).await;
    assert_eq!(sent[0]["automatic"], true, "{sent}");

    // Once Claire answered the poll, it is no longer owed.
    let slots = scene
        .ines
        .read(&format!("/api/meetings/{meeting}/poll"))
        .await;
    let slot = slots["slots"][0]["id"].as_str().unwrap().to_owned();
    let response = scene
        .claire
        .put(
            &format!("/api/meetings/{meeting}/availability"),
            json!({"answers": {slot: "yes"}}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut conn = scene.app.db.connect();
    use diesel::prelude::*;
    diesel::sql_query("UPDATE reminders SET sent_at = now() - interval '2 days'")
        .execute(&mut conn)
        .unwrap();
    let (_, body) = status_and_body(scene.ines.post(&path, json!({})).await).await;
    assert_eq!(
        body["reminded"][0]["rules"],
        json!(["mission_not_agreed"]),
        "{body}"
    );
}

#[actix_web::test]
async fn preferences_are_honoured() {
    let scene = Scene::new().await;
    let prefs = "/api/me/notifications";
    let body: Value = scene.claire.read(prefs).await;
    assert_eq!(
        body,
        json!({"requests": "immediate", "updates": "immediate"})
    );
    let (status, body) =
        status_and_body(scene.claire.put(prefs, json!({"requests": "off"})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"requests": "off", "updates": "immediate"}));
    let (status, _) = status_and_body(
        scene
            .claire
            .put(prefs, json!({"requests": "sometimes"}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) =
        status_and_body(scene.ines.put(prefs, json!({"updates": "daily"})).await).await;
    assert_eq!(status, 200);

    scene.accept().await;
    let now = Utc::now();
    let morning = amont::domain::asking::next_morning(now);
    // Claire turned requests off: dropped. Inès wants updates daily: they wait for the morning.
    assert_eq!(step(&scene, now).emails, 0);
    assert_eq!(
        step(&scene, morning - chrono::Duration::minutes(1)).emails,
        0
    );
    assert_eq!(step(&scene, morning).emails, 1);
    let all = mails(&scene, 2).await;
    assert!(all[1].to.contains("ines@mjc.example"), "{}", all[1].to);
    assert!(to(&all, "claire@caf.example").is_empty());
}

#[actix_web::test]
async fn a_reminder_may_name_one_partner() {
    let scene = Scene::new().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    let path = format!("/api/meetings/{meeting}/reminders");
    let other = uuid::Uuid::new_v4();
    let (status, body) = status_and_body(
        scene
            .ines
            .post(&format!("{path}?organization_id={other}"), json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body, json!({"reminded": [], "skipped": []}));
    let (_, body) = status_and_body(
        scene
            .ines
            .post(&format!("{path}?organization_id={}", scene.caf), json!({}))
            .await,
    )
    .await;
    assert_eq!(
        body["reminded"][0]["organization_id"],
        json!(scene.caf),
        "{body}"
    );
}

#[actix_web::test]
async fn an_agreement_voided_by_a_live_edit_is_told_once_like_one_voided_through_the_api() {
    use crate::yclient::{YClient, ws_url};
    use yrs::{Array, GetString, Map, Text, WriteTxn};
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    let now = Utc::now();
    step(&scene, now); // the gate is satisfied: the initiator is told
    mails(&scene, 3).await;
    // Inès edits in the browser: a line added to the agenda and a word to the CAF's mission.
    let ines = YClient::connect(&ws_url(scene.app.address, scene.project, &scene.ines.token)).await;
    ines.synced().await;
    let (caf, meeting_key) = (scene.caf.to_string(), meeting.to_string());
    ines.edit(|txn| {
        let agendas = txn.get_or_insert_map("agendas");
        let Some(yrs::Out::YArray(items)) = agendas.get(txn, meeting_key.as_str()) else {
            panic!("no agenda");
        };
        let item = items.push_back(txn, yrs::MapPrelim::default());
        item.insert(txn, "id", uuid::Uuid::new_v4().to_string());
        item.insert(txn, "title", yrs::TextPrelim::new("Point ajouté en direct"));
        item.insert(txn, "duration_min", 10);
        let missions = txn.get_or_insert_map("missions");
        let Some(yrs::Out::YText(text)) = missions.get(txn, caf.as_str()) else {
            panic!("no mission");
        };
        let end = text.get_string(txn).chars().count() as u32;
        text.insert(txn, end, " et l'accueil du mercredi");
    });
    // The edit is durable once the API reads it.
    let mission = format!("/api/projects/{}/missions/{}", scene.project, scene.caf);
    let agenda = format!("/api/meetings/{meeting}/agenda");
    let mut landed = false;
    for _ in 0..200 {
        let text = scene.ines.read(&mission).await["text"].to_string();
        let items = scene.ines.read(&agenda).await["items"].to_string();
        if text.contains("mercredi") && items.contains("Point ajouté en direct") {
            landed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(landed, "the live edit never reached the database");
    // The step finds both agreements of the CAF voided, and the initiator's to the agenda (its
    // editor is not told of what she did herself; the MJC has no other member).
    let done = step(&scene, now + chrono::Duration::minutes(1));
    assert_eq!(done.voided, 3, "{done:?}");
    assert_eq!(
        step(&scene, now + chrono::Duration::minutes(2)).voided,
        0,
        "told once"
    );
    let done = step(&scene, now + chrono::Duration::hours(1));
    assert_eq!(done.emails, 1, "{done:?}");
    let all = mails(&scene, 4).await;
    let last = all.last().unwrap();
    assert!(last.to.contains("claire@caf.example"));
    let text = last.text.clone().unwrap();
    assert!(
        text.contains("Le texte de votre mission a changé"),
        "{text}"
    );
    assert!(
        text.contains("et l'accueil du mercredi"),
        "the new text: {text}"
    );
    assert!(
        text.contains("Point ajouté en direct"),
        "the new agenda: {text}"
    );
    let trail = scene
        .ines
        .read(&format!("/api/projects/{}/audit", scene.project))
        .await;
    let live: Vec<&Value> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "agreement.voided" && e["details"]["via"] == "live")
        .collect();
    assert_eq!(live.len(), 3);
    // An edit through the API is told by the API path, not a second time by the step.
    let path = format!("/api/projects/{}/missions/{}", scene.project, scene.mjc);
    let hash = scene.ines.read(&path).await["content_hash"].clone();
    agree(&scene.ines, &format!("{path}/agreement"), &hash).await;
    let (status, _) = status_and_body(
        scene
            .claire
            .put(&path, json!({"text": "Revue par la CAF"}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(step(&scene, now + chrono::Duration::hours(2)).voided, 0);
}

/// A partner nobody in Amont speaks for yet (its contact never signed in: no member account) is
/// not "reminded": nobody would get the email. It is listed under "skipped" with the reason, no
/// reminder is stored (it may be reminded as soon as someone joins), and the SMTP server receives
/// nothing for it but its consultation.
#[actix_web::test]
async fn a_partner_without_any_member_is_skipped_not_reminded() {
    let scene = Scene::new().await;
    scene.accept().await;
    let town = scene
        .invite("Ville de Trappes", "dgs@trappes.example")
        .await;
    let meeting = scene.meeting().await;
    scene.slot(meeting, in_days(20)).await;
    let path = format!("/api/meetings/{meeting}/reminders");

    let (status, body) = status_and_body(scene.ines.post(&path, json!({})).await).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body["reminded"],
        json!([{"organization_id": scene.caf, "rules": ["poll_not_answered", "mission_not_agreed"]}])
    );
    assert_eq!(
        body["skipped"],
        json!([{"organization_id": town, "rules": ["partner_not_answered"], "reason": "no_member"}])
    );
    let sent = scene.ines.read(&path).await;
    assert_eq!(
        sent.as_array().unwrap().len(),
        1,
        "only the CAF's is stored: {sent}"
    );
    assert_eq!(sent[0]["organization_id"], json!(scene.caf));

    // Asked again: the CAF was reminded today; the town still has nobody.
    let (_, body) = status_and_body(
        scene
            .ines
            .post(&format!("{path}?organization_id={}", town), json!({}))
            .await,
    )
    .await;
    assert_eq!(body["reminded"], json!([]), "{body}");
    assert_eq!(body["skipped"][0]["reason"], "no_member", "{body}");
    let (_, body) = status_and_body(scene.ines.post(&path, json!({})).await).await;
    let reasons: Vec<(&Value, &Value)> = body["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (&s["organization_id"], &s["reason"]))
        .collect();
    assert_eq!(
        reasons,
        [
            (&json!(scene.caf), &json!("reminded_recently")),
            (&json!(town), &json!("no_member"))
        ]
    );

    // What the SMTP server received: the two consultations, Inès told of the CAF's answer, Claire
    // asked (mission, poll, the reminder) — and nothing more for the town.
    step(&scene, Utc::now());
    let all = mails(&scene, 4).await;
    let to_town = to(&all, "dgs@trappes.example");
    assert_eq!(to_town.len(), 1, "the consultation only");
    assert!(
        !to_town[0]
            .text
            .clone()
            .unwrap_or_default()
            .contains("Rappel"),
        "{:?}",
        to_town[0].subject
    );
    let claire = to(&all, "claire@caf.example")[0].text.clone().unwrap();
    assert!(claire.contains("Rappel pour la réunion"), "{claire}");
}
