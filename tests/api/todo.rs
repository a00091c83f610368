//! `GET /api/me/todo`: what each person has to do, as the concertation goes on — and each thing
//! leaves the list once it is done.

use serde_json::{Value, json};

use crate::actors::{Actor, status_and_body};
use crate::meetings::{Scene, agree, in_days};

/// The caller's things to do, as `(kind, title)`.
async fn todo(actor: &Actor) -> Vec<(String, String)> {
    let (status, body) = status_and_body(actor.get("/api/me/todo").await).await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn kinds(items: &[(String, String)]) -> Vec<&str> {
    items.iter().map(|(k, _)| k.as_str()).collect()
}

async fn item(actor: &Actor, kind: &str) -> Value {
    let body = actor.read("/api/me/todo").await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} in {body}"))
}

#[actix_web::test]
async fn each_thing_to_do_is_listed_until_it_is_done() {
    let scene = Scene::new().await;
    // The partner's member is asked to answer the consultation, with where to do it.
    assert_eq!(kinds(&todo(&scene.claire).await), ["consultation"]);
    let consultation = item(&scene.claire, "consultation").await;
    assert_eq!(consultation["url"], format!("/projects/{}", scene.project));
    assert_eq!(consultation["organization_name"], "CAF du Rhône");
    assert_eq!(consultation["title"], "Accueil jeunes 16-25 ans");
    // The initiator has nothing to do yet: its mission is empty (nothing to agree to).
    assert_eq!(kinds(&todo(&scene.ines).await), Vec::<&str>::new());

    scene.accept().await;
    assert_eq!(kinds(&todo(&scene.claire).await), Vec::<&str>::new());

    // A mission written: its partner is asked to agree to it, and not once it agreed.
    let path = format!("/api/projects/{}/missions/{}", scene.project, scene.caf);
    let mission = scene
        .ines
        .put(&path, json!({"text": "Cofinancer l'animateur."}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(kinds(&todo(&scene.claire).await), ["mission_agreement"]);
    agree(
        &scene.claire,
        &format!("{path}/agreement"),
        &mission["content_hash"],
    )
    .await;
    assert_eq!(kinds(&todo(&scene.claire).await), Vec::<&str>::new());
    // Changed after the agreement: asked again (the agreement no longer counts).
    scene
        .ines
        .put(
            &path,
            json!({"text": "Cofinancer l'animateur à temps plein."}),
        )
        .await;
    assert_eq!(kinds(&todo(&scene.claire).await), ["mission_agreement"]);

    // A meeting with a slot to come: both are asked to answer the poll, and the agenda once
    // written; answering and agreeing take them off.
    let meeting = scene.meeting().await;
    assert!(
        !kinds(&todo(&scene.claire).await).contains(&"poll"),
        "no slot yet: no poll"
    );
    let slot = scene.slot(meeting, in_days(20)).await;
    let hash = scene.write_agenda(meeting, "Budget 2027").await;
    let claire = todo(&scene.claire).await;
    assert!(
        claire.contains(&("poll".into(), "Comité de pilotage".into())),
        "{claire:?}"
    );
    assert!(
        claire.contains(&("agenda_agreement".into(), "Comité de pilotage".into())),
        "{claire:?}"
    );
    let poll = item(&scene.claire, "poll").await;
    assert_eq!(poll["url"], format!("/meetings/{meeting}"));
    assert_eq!(poll["meeting_id"], meeting.to_string());
    let answer = scene
        .claire
        .put(
            &format!("/api/meetings/{meeting}/availability"),
            json!({"answers": {slot.to_string(): "yes"}}),
        )
        .await;
    assert_eq!(answer.status(), 200);
    agree(
        &scene.claire,
        &format!("/api/meetings/{meeting}/agenda/agreement"),
        &hash,
    )
    .await;
    assert_eq!(kinds(&todo(&scene.claire).await), ["mission_agreement"]);
    // Someone else's to-do is their own: the initiator's member has the poll and the agenda.
    let ines = todo(&scene.ines).await;
    let ines = kinds(&ines);
    assert!(
        ines.contains(&"poll") && ines.contains(&"agenda_agreement"),
        "{ines:?}"
    );
}

#[actix_web::test]
async fn convocations_and_actions_have_dates_and_come_first() {
    let scene = Scene::new().await;
    let (meeting, start) = scene.upstream_done().await;
    let (status, body) = scene.record(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    // Claire is convened and has not answered.
    let rsvp = item(&scene.claire, "rsvp").await;
    assert_eq!(rsvp["meeting_id"], meeting.to_string());
    assert_eq!(
        rsvp["due"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        start
    );
    let answered = scene
        .claire
        .put(
            &format!("/api/meetings/{meeting}/rsvp"),
            json!({"answer": "accepted"}),
        )
        .await;
    assert_eq!(answered.status(), 200);
    assert!(!kinds(&todo(&scene.claire).await).contains(&"rsvp"));

    // An action owned by the CAF, due before anything else: first in the list.
    let (status, decision) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/meetings/{meeting}/decisions"),
                json!({"title": "Recruter", "text": "On recrute.", "status": "adopted",
                       "positions": [{"organization_id": scene.caf, "position": "consent"},
                                     {"organization_id": scene.mjc, "position": "consent"}]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{decision}");
    let due = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    let (status, action) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/decisions/{}/actions", decision["id"].as_str().unwrap()),
                json!({"title": "Chiffrer le poste", "owner_organization_id": scene.caf, "due_on": due}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{action}");
    let items = todo(&scene.claire).await;
    assert_eq!(
        items.first().map(|(k, t)| (k.as_str(), t.as_str())),
        Some(("action", "Chiffrer le poste"))
    );
    let done = scene
        .claire
        .call(
            reqwest::Method::PATCH,
            &format!("/api/actions/{}", action["id"].as_str().unwrap()),
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(done.status(), 200);
    assert!(!kinds(&todo(&scene.claire).await).contains(&"action"));
}

#[actix_web::test]
async fn a_contact_sees_the_consultation_and_a_request_to_join_goes_to_the_admins() {
    let scene = Scene::new().await;
    // The consultation's contact, not a member of the CAF, reads it on the consultation page.
    let contact = Actor::new(&scene.app, "referente@caf.example", "Référente CAF");
    let consultation = item(&contact, "consultation").await;
    assert_eq!(
        consultation["url"],
        format!("/consultations/{}/{}", scene.project, scene.caf)
    );
    assert_eq!(consultation["project_id"], scene.project.to_string());
    // The contact asks to join the CAF: its admin is asked to decide, nobody else.
    let (status, body) = status_and_body(
        contact
            .post(&format!("/api/organizations/{}/join", scene.caf), json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let request = item(&scene.claire, "join_request").await;
    assert_eq!(request["title"], "Référente CAF");
    assert_eq!(request["url"], format!("/organizations/{}", scene.caf));
    assert_eq!(request["organization_name"], "CAF du Rhône");
    assert!(request.get("project_id").is_none());
    assert!(!kinds(&todo(&contact).await).contains(&"join_request"));
    assert!(!kinds(&todo(&scene.ines).await).contains(&"join_request"));
}
