//! Correcting what was written: a project's title and summary, a draft meeting deleted.

use reqwest::Method;
use serde_json::{Value, json};

use crate::actors::status_and_body;
use crate::meetings::Scene;

#[actix_web::test]
async fn the_initiator_renames_the_project_and_rewrites_its_summary() {
    let scene = Scene::new().await;
    scene.accept().await;
    let path = format!("/api/projects/{}", scene.project);
    let (status, body) = status_and_body(
        scene
            .ines
            .patch(&path, json!({"title": "Accueil jeunes du quartier Nord"}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Accueil jeunes du quartier Nord");
    assert_eq!(
        body["summary"], "Un projet pour les jeunes du quartier.",
        "the summary is left as it was"
    );
    let (status, body) = status_and_body(
        scene
            .ines
            .patch(&path, json!({"summary": "Mercredi et samedi."}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Accueil jeunes du quartier Nord");
    assert_eq!(body["summary"], "Mercredi et samedi.");
    // Partners read the new title; they may not change it; an empty title is refused.
    let read = scene.claire.read(&path).await;
    assert_eq!(read["title"], "Accueil jeunes du quartier Nord");
    let refused = scene.claire.patch(&path, json!({"title": "Autre"})).await;
    assert_eq!(refused.status(), 403);
    let (status, body) =
        status_and_body(scene.ines.patch(&path, json!({"title": "   "})).await).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "title");
    // The audit trail says it, with the title before and after.
    let audit = scene.ines.read(&format!("{path}/audit")).await;
    let changed = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "project.changed")
        .unwrap_or_else(|| panic!("no project.changed in {audit}"));
    assert_eq!(
        changed["details"]["title"]["before"],
        "Accueil jeunes 16-25 ans"
    );
    // A closed project keeps its words.
    let closed = scene.ines.post(&format!("{path}/close"), json!({})).await;
    assert_eq!(closed.status(), 200);
    let (status, body) =
        status_and_body(scene.ines.patch(&path, json!({"title": "Trop tard"})).await).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "project_closed");
}

#[actix_web::test]
async fn a_draft_meeting_is_deleted_by_the_initiator_and_a_convened_one_is_not() {
    let scene = Scene::new().await;
    scene.accept().await;
    let draft = scene.meeting().await;
    let path = format!("/api/meetings/{draft}");
    let refused = scene.claire.call(Method::DELETE, &path, None).await;
    assert_eq!(refused.status(), 403);
    let deleted = scene.ines.call(Method::DELETE, &path, None).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(scene.ines.get(&path).await.status(), 404);
    let list: Value = scene
        .ines
        .read(&format!("/api/projects/{}/meetings", scene.project))
        .await;
    assert_eq!(list, json!([]));

    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    let (status, body) = scene.record(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = status_and_body(
        scene
            .ines
            .call(Method::DELETE, &format!("/api/meetings/{meeting}"), None)
            .await,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "not_planning");
}

/// `PATCH` with a raw body (malformed JSON, or not JSON at all).
async fn patch_raw(
    scene: &Scene,
    actor: &crate::actors::Actor,
    path: &str,
    content_type: &str,
    body: &'static str,
) -> (u16, Value) {
    let response = actor
        .client
        .patch(scene.app.url(path))
        .bearer_auth(&actor.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    status_and_body(response).await
}

/// A meeting is looked up for the caller before its body is read: whoever is outside the project
/// gets 404 whatever they send (never a 400 saying what the body should have been); those who
/// see it get the body's own refusal.
#[actix_web::test]
async fn a_stranger_patching_a_meeting_learns_nothing_from_the_body() {
    let scene = Scene::new().await;
    scene.accept().await;
    let meeting = scene.meeting().await;
    let path = format!("/api/meetings/{meeting}");
    let stranger = crate::actors::Actor::new(&scene.app, "curieux@ailleurs.example", "Curieux");
    let json = "application/json";
    for (content_type, body) in [
        (json, "{not json"),
        (json, r#"{"duration_minutes": "long"}"#),
        (json, r#"{"title": "   "}"#),
        ("text/plain", "title=Autre"),
        (json, r#"{"title": "Réunion détournée"}"#),
    ] {
        let (status, answer) = patch_raw(&scene, &stranger, &path, content_type, body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (404, Some("not_found")),
            "{body}: {answer}"
        );
    }
    let unknown = format!("/api/meetings/{}", uuid::Uuid::new_v4());
    let (status, _) = patch_raw(&scene, &scene.ines, &unknown, json, "{not json").await;
    assert_eq!(status, 404);

    // Those who see the meeting are told what is wrong with the body.
    let (status, answer) = patch_raw(&scene, &scene.claire, &path, json, "{not json").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_input")),
        "{answer}"
    );
    let (status, answer) = patch_raw(
        &scene,
        &scene.ines,
        &path,
        "text/plain",
        r#"{"title": "X"}"#,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = patch_raw(
        &scene,
        &scene.ines,
        &path,
        json,
        r#"{"duration_minutes": 2}"#,
    )
    .await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (400, Some("duration_minutes")),
        "{answer}"
    );
    let (status, answer) = patch_raw(
        &scene,
        &scene.ines,
        &path,
        "application/json; charset=utf-8",
        r#"{"title": "Comité de pilotage élargi"}"#,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["title"], "Comité de pilotage élargi");
}
