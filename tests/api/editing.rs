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
            .call(
                Method::PATCH,
                &path,
                Some(json!({"title": "Accueil jeunes du quartier Nord"})),
            )
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
            .call(
                Method::PATCH,
                &path,
                Some(json!({"summary": "Mercredi et samedi."})),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Accueil jeunes du quartier Nord");
    assert_eq!(body["summary"], "Mercredi et samedi.");
    // Partners read the new title; they may not change it; an empty title is refused.
    let read = scene.claire.read(&path).await;
    assert_eq!(read["title"], "Accueil jeunes du quartier Nord");
    let refused = scene
        .claire
        .call(Method::PATCH, &path, Some(json!({"title": "Autre"})))
        .await;
    assert_eq!(refused.status(), 403);
    let (status, body) = status_and_body(
        scene
            .ines
            .call(Method::PATCH, &path, Some(json!({"title": "   "})))
            .await,
    )
    .await;
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
    let (status, body) = status_and_body(
        scene
            .ines
            .call(Method::PATCH, &path, Some(json!({"title": "Trop tard"})))
            .await,
    )
    .await;
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
