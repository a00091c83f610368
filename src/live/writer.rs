//! The instance's writer: group commit of client updates, so that durability does not cost
//! throughput.
//!
//! Rooms submit each update they receive; a dedicated thread with its own connection (one by
//! default, `AMONT_LIVE_WRITERS`; several each serve a fixed share of the projects) takes
//! everything that queued up while it was writing and appends it in one transaction
//! ([`document::append_batch`]: one statement that locks the documents' rows `FOR SHARE`,
//! inserts every update and notifies the other instances). After COMMIT it tells each room
//! which of its updates are durable; only then does the room relay them. A failed batch of several documents is retried document by
//! document, so one broken document does not hold back the others; the updates of a failed
//! write are reported as such, and their senders disconnected (they resend on reconnection).
//!
//! The queue is bounded: when the database falls behind, rooms wait to submit, their inboxes
//! fill, and connection readers stop reading — backpressure down to the clients' sockets.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use anyhow::Result;
use diesel::{Connection, PgConnection};
use tokio::sync::mpsc;
use url::Url;
use uuid::Uuid;

use super::LiveOptions;
use super::metrics::LiveMetrics;
use super::room::Durable;
use crate::config::redacted;
use crate::document::{self, NewUpdate};

/// One client update waiting to be stored.
pub(super) struct Pending {
    pub project_id: Uuid,
    pub user_id: Uuid,
    pub connection: u64,
    pub update: Bytes,
    /// When it arrived in its room.
    pub received: Instant,
    /// The room's channel for the outcome.
    pub reply: mpsc::UnboundedSender<Durable>,
}

/// The instance's writers; a project's updates always go to the same one, in order.
#[derive(Clone)]
pub(super) struct WriterHandle {
    queues: Vec<mpsc::Sender<Pending>>,
}

impl WriterHandle {
    /// Queues an update; waits while the queue is full. `Err` when the writer is gone.
    pub async fn submit(&self, pending: Pending) -> Result<(), ()> {
        let index = (pending.project_id.as_u128() % self.queues.len() as u128) as usize;
        self.queues[index].send(pending).await.map_err(|_| ())
    }
}

/// Starts `options.writers` writer threads, each with its own connection: while one waits for
/// its COMMIT to be flushed, another writes (PostgreSQL flushes concurrent commits together).
pub(super) fn spawn(
    database_url: Url,
    origin: String,
    options: &LiveOptions,
    metrics: LiveMetrics,
) -> Result<WriterHandle> {
    let mut queues = Vec::new();
    for n in 0..options.writers.max(1) {
        let (queue, receiver) = mpsc::channel(options.writer_queue);
        let writer = Writer {
            database_url: database_url.clone(),
            origin: origin.clone(),
            conn: None,
            max_batch: options.writer_batch,
            metrics: metrics.clone(),
        };
        std::thread::Builder::new()
            .name(format!("amont-live-writer-{n}"))
            .spawn(move || writer.run(receiver))?;
        queues.push(queue);
    }
    Ok(WriterHandle { queues })
}

struct Writer {
    database_url: Url,
    origin: String,
    conn: Option<PgConnection>,
    max_batch: usize,
    metrics: LiveMetrics,
}

/// The most bytes of updates written in one transaction.
const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

impl Writer {
    fn run(mut self, mut receiver: mpsc::Receiver<Pending>) {
        // Ends when every sender (the instance and its rooms) is gone.
        while let Some(first) = receiver.blocking_recv() {
            let mut bytes = first.update.len();
            let mut batch = vec![first];
            while batch.len() < self.max_batch && bytes < MAX_BATCH_BYTES {
                match receiver.try_recv() {
                    Ok(pending) => {
                        bytes += pending.update.len();
                        batch.push(pending);
                    }
                    Err(_) => break,
                }
            }
            self.write(batch);
        }
    }

    /// Stores a batch and reports the outcome to each room.
    fn write(&mut self, batch: Vec<Pending>) {
        let started = Instant::now();
        let stored = self.append(&batch);
        self.metrics
            .append_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.batch_size.observe(batch.len() as f64);
        match stored {
            Ok(()) => {
                self.metrics.updates_appended.inc_by(batch.len() as u64);
                for pending in &batch {
                    self.metrics
                        .durable_seconds
                        .observe(pending.received.elapsed().as_secs_f64());
                }
                report(batch, true);
            }
            Err(error) if has_several_documents(&batch) => {
                tracing::warn!(%error, "group commit failed; retrying document by document");
                for group in by_document(batch) {
                    let stored = self.append(&group);
                    if let Err(error) = &stored {
                        tracing::error!(
                            %error,
                            project_id = %group[0].project_id,
                            "could not store live updates"
                        );
                    } else {
                        self.metrics.updates_appended.inc_by(group.len() as u64);
                    }
                    report(group, stored.is_ok());
                }
            }
            Err(error) => {
                tracing::error!(
                    %error,
                    project_id = %batch[0].project_id,
                    "could not store live updates"
                );
                report(batch, false);
            }
        }
    }

    /// One transaction; reconnects once when the connection was lost.
    fn append(&mut self, batch: &[Pending]) -> Result<()> {
        let updates: Vec<NewUpdate<'_>> = batch
            .iter()
            .map(|p| NewUpdate {
                project_id: p.project_id,
                user_id: Some(p.user_id),
                update: &p.update,
            })
            .collect();
        let origin = self.origin.clone();
        for attempt in 0..2 {
            let conn = self.connection()?;
            match document::append_batch(conn, &updates, &origin) {
                Ok(_) => return Ok(()),
                Err(error) if attempt == 0 && is_connection_lost(&error) => {
                    self.conn = None;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(error) => return Err(error.into()),
            }
        }
        anyhow::bail!("the database connection was lost")
    }

    fn connection(&mut self) -> Result<&mut PgConnection> {
        if self.conn.is_none() {
            let conn = PgConnection::establish(self.database_url.as_str()).map_err(|e| {
                anyhow::anyhow!(
                    "the live writer cannot connect to {}: {e}",
                    redacted(&self.database_url)
                )
            })?;
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("no connection"))
    }
}

fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
    ) || error.to_string().contains("connection")
}

fn has_several_documents(batch: &[Pending]) -> bool {
    batch.iter().any(|p| p.project_id != batch[0].project_id)
}

fn by_document(batch: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut groups: Vec<Vec<Pending>> = Vec::new();
    for pending in batch {
        match groups
            .iter_mut()
            .find(|g| g[0].project_id == pending.project_id)
        {
            Some(group) => group.push(pending),
            None => groups.push(vec![pending]),
        }
    }
    groups
}

/// One room's share of a batch.
struct RoomShare {
    reply: mpsc::UnboundedSender<Durable>,
    updates: Vec<(u64, Bytes)>,
}

/// Tells each room the outcome of its updates, in submission order, one message per room.
fn report(batch: Vec<Pending>, stored: bool) {
    let mut shares: HashMap<Uuid, Vec<RoomShare>> = HashMap::new();
    for pending in batch {
        let item = (pending.connection, pending.update);
        let project = shares.entry(pending.project_id).or_default();
        // One project has one room per instance; a newer room after an eviction is another.
        match project
            .iter_mut()
            .find(|share| share.reply.same_channel(&pending.reply))
        {
            Some(share) => share.updates.push(item),
            None => project.push(RoomShare {
                reply: pending.reply,
                updates: vec![item],
            }),
        }
    }
    for share in shares.into_values().flatten() {
        let event = if stored {
            Durable::Committed(share.updates)
        } else {
            Durable::Failed(share.updates.into_iter().map(|(c, _)| c).collect())
        };
        // A room that is gone has no one left to relay to.
        let _ = share.reply.send(event);
    }
}
