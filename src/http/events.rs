//! `GET /api/me/events`: server-sent events telling an open page that one of the caller's
//! projects changed, so that pages read again when something happened instead of asking every
//! few seconds.
//!
//! Every audited change of a project is announced by the database at commit (a trigger on
//! `audit_events` notifies `amont_events`; `live::listener` hands it on), so a change made on
//! another instance reaches this one's pages too. A page only learns *that* a project it takes
//! part in changed and by which action — what changed, it reads through the API as before, with
//! its access checked there. The stream sends a comment every 25 seconds (proxies close silent
//! connections) and ends after 10 minutes: the browser's `EventSource` reconnects by itself, and
//! the session is checked again.

use std::collections::HashSet;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, http::header, web};
use futures_util::stream;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::time::{Instant, Interval, interval_at};
use uuid::Uuid;

use crate::http::perform::as_caller;
use crate::http::{ApiError, AppState, CurrentUser};
use crate::live::ProjectEvent;
use crate::workflow::projects;

const HEARTBEAT: Duration = Duration::from_secs(25);
const LIFETIME: Duration = Duration::from_secs(600);

/// What the stream holds between two events.
struct Listening {
    events: Receiver<ProjectEvent>,
    state: web::Data<AppState>,
    current: CurrentUser,
    /// The projects the caller takes part in (read again when an unknown one changes: the
    /// caller may just have been invited to it).
    projects: HashSet<Uuid>,
    heartbeat: Interval,
    ends_at: Instant,
    /// Said once at the start, so that the page knows the stream is open.
    greeted: bool,
}

/// `GET /api/me/events` (text/event-stream): `event: change`, `data: {"project_id", "action"}`
/// for each change of a project the caller takes part in; `project_id` null means "anything may
/// have changed" (read everything again).
pub async fn stream(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    // Subscribed before reading the projects: nothing committed in between is missed.
    let events = state.live.events();
    let projects = visible(&state, &current).await?;
    let listening = Listening {
        events,
        state,
        current,
        projects,
        heartbeat: interval_at(Instant::now() + HEARTBEAT, HEARTBEAT),
        ends_at: Instant::now() + LIFETIME,
        greeted: false,
    };
    let body = stream::unfold(listening, |mut l| async move {
        let frame = next_frame(&mut l).await?;
        Some((Ok::<_, ApiError>(Bytes::from(frame)), l))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Tells nginx not to buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

async fn visible(state: &AppState, current: &CurrentUser) -> Result<HashSet<Uuid>, ApiError> {
    let list = as_caller(state, current, projects::list).await?;
    Ok(list.into_iter().map(|p| p.id).collect())
}

/// The next frame to send, or `None` when the stream ends.
async fn next_frame(l: &mut Listening) -> Option<String> {
    if !l.greeted {
        l.greeted = true;
        // The retry delay the browser waits before reconnecting, and a first comment.
        return Some("retry: 2000\n: listening\n\n".into());
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(l.ends_at) => return None,
            _ = l.heartbeat.tick() => return Some(": still here\n\n".into()),
            received = l.events.recv() => match received {
                Ok(event) => {
                    if let Some(frame) = frame_for(l, event).await {
                        return Some(frame);
                    }
                }
                // Too slow to keep up: some events were dropped, so everything is read again.
                Err(RecvError::Lagged(_)) => return Some(frame(None, "resync")),
                Err(RecvError::Closed) => return None,
            },
        }
    }
}

/// The frame telling `event` to this caller, if it concerns one of their projects.
async fn frame_for(l: &mut Listening, event: ProjectEvent) -> Option<String> {
    let Some(project_id) = event.project_id else {
        return Some(frame(None, &event.action));
    };
    if !l.projects.contains(&project_id) {
        l.projects = visible(&l.state, &l.current).await.ok()?;
    }
    l.projects
        .contains(&project_id)
        .then(|| frame(Some(project_id), &event.action))
}

fn frame(project_id: Option<Uuid>, action: &str) -> String {
    let data = serde_json::json!({"project_id": project_id, "action": action});
    format!("event: change\ndata: {data}\n\n")
}
