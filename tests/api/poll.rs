//! The poll as partners read it: who answered "no" is not "unanswered", everyone's answers by
//! name, and slots removed while planning.

use serde_json::{Value, json};

use crate::actors::status_and_body;
use crate::meetings::{Scene, in_days};

async fn poll(scene: &Scene, meeting: uuid::Uuid) -> Value {
    scene
        .ines
        .read(&format!("/api/meetings/{meeting}/poll"))
        .await
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["organization_name"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_partner_that_answered_no_is_not_unanswered_and_the_grid_names_everyone() {
    let scene = Scene::new().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    let (morning, afternoon) = (
        scene.slot(meeting, in_days(12)).await,
        scene.slot(meeting, in_days(13)).await,
    );
    // Nobody answered: both partners are unanswered, and missing on every slot.
    let before = poll(&scene, meeting).await;
    assert_eq!(
        names(&before["unanswered_organizations"]),
        ["MJC des Quatre Vents", "CAF du Rhône"]
    );
    assert_eq!(before["answers"], json!([]));

    // The MJC can come in the morning; the CAF can come to neither.
    for (actor, answers) in [
        (
            &scene.ines,
            json!({morning.to_string(): "yes", afternoon.to_string(): "no"}),
        ),
        (
            &scene.claire,
            json!({morning.to_string(): "no", afternoon.to_string(): "no"}),
        ),
    ] {
        let response = actor
            .put(
                &format!("/api/meetings/{meeting}/availability"),
                json!({ "answers": answers }),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let after = poll(&scene, meeting).await;
    assert_eq!(
        after["unanswered_organizations"],
        json!([]),
        "both answered"
    );
    let first = &after["slots"][0];
    assert_eq!(names(&first["missing_organizations"]), ["CAF du Rhône"]);
    assert_eq!(first["no"], 1);
    // The grid: each person by name, with the partners they belong to and their answers.
    let grid = after["answers"].as_array().unwrap();
    assert_eq!(grid.len(), 2);
    let claire = grid
        .iter()
        .find(|p| p["display_name"] == "Claire Dubois")
        .unwrap();
    assert_eq!(claire["organization_ids"], json!([scene.caf]));
    assert_eq!(claire["answers"][morning.to_string()], "no");
    assert_eq!(claire["answers"][afternoon.to_string()], "no");
    let ines = grid
        .iter()
        .find(|p| p["display_name"] == "Inès Martin")
        .unwrap();
    assert_eq!(ines["answers"][morning.to_string()], "yes");
}

#[actix_web::test]
async fn the_initiator_removes_a_slot_while_planning_and_a_chosen_one_leaves_no_time() {
    let scene = Scene::new().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    let (kept, removed) = (
        scene.slot(meeting, in_days(12)).await,
        scene.slot(meeting, in_days(13)).await,
    );
    scene.choose(meeting, removed).await;
    let answered = scene
        .claire
        .put(
            &format!("/api/meetings/{meeting}/availability"),
            json!({"answers": {removed.to_string(): "yes", kept.to_string(): "maybe"}}),
        )
        .await;
    assert_eq!(answered.status(), 200);
    let path = format!("/api/meetings/{meeting}/slots/{removed}");

    // A partner may not remove slots; a slot of another meeting is not found.
    let refused = scene
        .claire
        .call(reqwest::Method::DELETE, &path, None)
        .await;
    assert_eq!(refused.status(), 403);
    let other = scene.meeting().await;
    let elsewhere = scene
        .ines
        .call(
            reqwest::Method::DELETE,
            &format!("/api/meetings/{other}/slots/{removed}"),
            None,
        )
        .await;
    assert_eq!(elsewhere.status(), 404);

    let removed_now = scene.ines.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(removed_now.status(), 204);
    let after = poll(&scene, meeting).await;
    let slots: Vec<&str> = after["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(slots, [kept.to_string()]);
    // Its answers went with it; the others stay.
    assert_eq!(after["slots"][0]["maybe"], 1);
    let claire = &after["answers"][0];
    assert!(claire["answers"].get(removed.to_string()).is_none());
    // It was the chosen slot: the meeting has no time any more.
    let read = scene.ines.read(&format!("/api/meetings/{meeting}")).await;
    assert_eq!(read["starts_at"], Value::Null);
    assert_eq!(read["ends_at"], Value::Null);
    let again = scene.ines.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(again.status(), 404);
}

#[actix_web::test]
async fn slots_of_a_convened_meeting_stay() {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    let (status, body) = scene.record(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    let slot = poll(&scene, meeting).await["slots"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = status_and_body(
        scene
            .ines
            .call(
                reqwest::Method::DELETE,
                &format!("/api/meetings/{meeting}/slots/{slot}"),
                None,
            )
            .await,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "not_planning");
}
