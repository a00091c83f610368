//! Server events (`GET /api/me/events`): an open page learns at once that one of its projects
//! changed — from any instance, through the database — and never of projects it has no part in.

use std::time::Duration;

use reqwest::Response;
use serde_json::{Value, json};

use crate::actors::Actor;
use crate::meetings::Scene;

/// An open event stream, read frame by frame.
struct Events {
    response: Response,
    buffer: String,
}

impl Events {
    async fn open(actor: &Actor) -> Events {
        let response = actor.get("/api/me/events").await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let mut events = Events {
            response,
            buffer: String::new(),
        };
        // The stream says it is listening before anything else.
        let first = events.frame(Duration::from_secs(5)).await.unwrap();
        assert!(first.contains(": listening"), "{first}");
        events
    }

    /// The next frame, or `None` after `limit`.
    async fn frame(&mut self, limit: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(frame);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next change event's data, skipping comments, or `None` after `limit`.
    async fn change(&mut self, limit: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.frame(left).await?;
            if let Some(data) = frame
                .strip_prefix("event: change\ndata: ")
                .map(|d| serde_json::from_str::<Value>(d).unwrap())
            {
                return Some(data);
            }
        }
    }
}

#[actix_web::test]
async fn a_change_reaches_the_open_pages_of_the_project_and_only_them() {
    let scene = Scene::new().await;
    let mut claire = Events::open(&scene.claire).await;
    let stranger = Actor::new(&scene.app, "x@ailleurs.example", "X");
    let mut outside = Events::open(&stranger).await;
    // Claire's organization answers the consultation: her page (invited: she takes part) and
    // the initiator's hear it.
    let mut ines = Events::open(&scene.ines).await;
    let started = std::time::Instant::now();
    scene.accept().await;
    let heard = ines.change(Duration::from_secs(5)).await.expect("an event");
    assert_eq!(
        heard,
        json!({"project_id": scene.project, "action": "partnership.accepted"})
    );
    println!(
        "partnership answered → initiator's page told in {:?}",
        started.elapsed()
    );
    let heard = claire
        .change(Duration::from_secs(5))
        .await
        .expect("an event");
    assert_eq!(heard["project_id"], json!(scene.project));
    // Nothing of it reaches someone outside the project.
    assert_eq!(outside.change(Duration::from_millis(800)).await, None);

    // A new project the stranger is invited to becomes theirs: its events reach them.
    let stranger_org = stranger.organization("Centre social").await;
    let project = scene.ines.project(scene.mjc, "Deuxième projet").await;
    let invite = scene
        .ines
        .post(
            &format!("/api/projects/{project}/partners"),
            json!({"organization_id": stranger_org, "contact_email": "x@ailleurs.example"}),
        )
        .await;
    assert_eq!(invite.status(), 201, "{}", invite.text().await.unwrap());
    let heard = outside
        .change(Duration::from_secs(5))
        .await
        .expect("an event");
    assert_eq!(heard["project_id"], json!(project));
}
