//! The listener: every append, on any instance, reaches this instance's open room.
//!
//! A dedicated thread holds its own connection in `LISTEN` on the updates channel and the
//! access channel, polling diesel's `notifications_iter` (which never blocks; ADR 7). An update
//! appended by this instance's own writer is skipped (its room relayed it already); any other —
//! another instance's, or an HTTP replacement's — is handed to the project's open room, which
//! applies and relays it. Updates too large for a notification are read back from the log by
//! id. After the connection is lost and re-established, notifications may have been missed, so
//! every open room reloads its document from the database. The same connection listens to the
//! project events (every audited change) and hands them to the pages this instance serves.

use std::sync::Weak;
use std::time::Duration;

use anyhow::Result;
use diesel::prelude::*;
use url::Url;
use uuid::Uuid;

use super::room::Durable;
use super::{ACCESS_CHANNEL, EVENTS_CHANNEL, Inner, ProjectEvent, SESSION_CHANNEL};
use crate::document::{self, UPDATES_CHANNEL};

pub(super) fn spawn(database_url: Url, live: Weak<Inner>) -> Result<()> {
    std::thread::Builder::new()
        .name("amont-live-listener".into())
        .spawn(move || run(database_url, live))?;
    Ok(())
}

fn connect(database_url: &Url) -> QueryResult<PgConnection> {
    let mut conn = PgConnection::establish(database_url.as_str())
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    diesel::sql_query(format!("LISTEN {UPDATES_CHANNEL}")).execute(&mut conn)?;
    diesel::sql_query(format!("LISTEN {ACCESS_CHANNEL}")).execute(&mut conn)?;
    diesel::sql_query(format!("LISTEN {SESSION_CHANNEL}")).execute(&mut conn)?;
    diesel::sql_query(format!("LISTEN {EVENTS_CHANNEL}")).execute(&mut conn)?;
    Ok(conn)
}

fn run(database_url: Url, live: Weak<Inner>) {
    let mut conn: Option<PgConnection> = None;
    let mut failures = 0u32;
    loop {
        let Some(inner) = live.upgrade() else {
            return; // The instance is gone.
        };
        let poll = inner.options.notify_poll;
        let Some(active) = conn.as_mut() else {
            match connect(&database_url) {
                Ok(fresh) => {
                    if failures > 0 {
                        tracing::info!(
                            "live listener reconnected; reloading open documents and checking access"
                        );
                        inner.dispatch_all(|| Durable::Reload);
                        inner.dispatch_all(|| Durable::AccessChanged);
                        // Project events may have been missed too: pages read everything again.
                        let _ = inner.events.send(ProjectEvent {
                            project_id: None,
                            action: "resync".into(),
                        });
                    }
                    failures = 0;
                    conn = Some(fresh);
                }
                Err(error) => {
                    if failures == 0 {
                        tracing::warn!(%error, "live listener cannot connect; retrying");
                    }
                    failures += 1;
                    drop(inner);
                    std::thread::sleep(Duration::from_millis(200).min(poll * 100));
                }
            }
            continue;
        };
        let mut received = 0usize;
        let mut lost = false;
        let mut reads: Vec<(Uuid, i64)> = Vec::new();
        for notification in active.notifications_iter() {
            match notification {
                Ok(n) if n.channel == UPDATES_CHANNEL => {
                    received += 1;
                    if document::notification_origin(&n.payload) == Some(&inner.instance) {
                        continue;
                    }
                    let Some(announced) = document::parse_notification(&n.payload) else {
                        continue;
                    };
                    match announced.update {
                        Some(update) => {
                            inner.dispatch(announced.project_id, Durable::Remote(update.into()))
                        }
                        None => reads.push((announced.project_id, announced.id)),
                    }
                }
                Ok(n) if n.channel == ACCESS_CHANNEL => {
                    received += 1;
                    if let Ok(project_id) = n.payload.parse::<Uuid>() {
                        inner.dispatch(project_id, Durable::AccessChanged);
                    }
                }
                Ok(n) if n.channel == EVENTS_CHANNEL => {
                    received += 1;
                    if let Some(event) = ProjectEvent::parse(&n.payload) {
                        // Nobody listening is not an error.
                        let _ = inner.events.send(event);
                    }
                }
                Ok(n) if n.channel == SESSION_CHANNEL => {
                    received += 1;
                    if let Ok(session_id) = n.payload.parse::<Uuid>() {
                        inner.dispatch_all(|| Durable::SessionsEnded(vec![session_id]));
                    }
                }
                Ok(_) => received += 1,
                Err(error) => {
                    tracing::warn!(%error, "live listener lost its connection");
                    lost = true;
                    break;
                }
            }
        }
        for (project_id, id) in reads {
            match document::logged_update(active, id) {
                Ok(Some(update)) => inner.dispatch(project_id, Durable::Remote(update.into())),
                // Compacted into the snapshot meanwhile: the room reloads the document.
                Ok(None) => inner.dispatch(project_id, Durable::Reload),
                Err(error) => {
                    tracing::warn!(%error, "live listener could not read an update");
                    inner.dispatch(project_id, Durable::Reload);
                }
            }
        }
        if lost {
            conn = None;
            failures = 1;
            continue;
        }
        drop(inner);
        if received == 0 {
            std::thread::sleep(poll);
        }
    }
}
