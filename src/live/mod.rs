//! Live co-editing of the project document over websockets (the y-websocket protocol).
//!
//! - **Rooms** ([`room`]): one task per open project on this instance, owning the in-memory
//!   document (loaded from the snapshot + update log), the awareness (presence) states, and the
//!   connected clients. Created by the first client, evicted `idle_evict` after the last leaves.
//! - **Durable before relay** ([`writer`]): a client's update is handed to the instance's writer,
//!   which appends everything that arrived during the previous write in one transaction (group
//!   commit). Only after COMMIT does the room apply the update to its document and relay it; a
//!   client joining later is served from that document, so nothing a peer has seen is lost.
//! - **The log is the bus** ([`listener`]): every append, by a room or by an HTTP replacement,
//!   sends a PostgreSQL notification at commit. Each instance listens, and its open room for the
//!   project applies and relays what it did not write itself. HTTP `PUT`s and other instances
//!   reach live clients this way, with no other infrastructure.
//! - **Connections** ([`connection`]): one task per websocket, with bounded queues both ways;
//!   a client that cannot keep up is disconnected rather than buffered without bound. Each
//!   connection and each user has a byte budget, and a user at most `connections_per_user`
//!   connections on an instance ([`Live::admit`]).

mod connection;
mod listener;
mod metrics;
mod protocol;
mod room;
mod writer;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use diesel::prelude::*;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use prometheus::Registry;
use tokio::sync::mpsc;
use url::Url;
use uuid::Uuid;

use crate::config::Settings;
use crate::db::DbPool;

pub use connection::serve_connection;
use metrics::LiveMetrics;
/// How a client's binary frame is read (public for the fuzz tests: never panics).
pub use protocol::read_frame;

/// The PostgreSQL channel announcing that a project's partnerships changed (payload: its id):
/// every instance then checks who may still stay in the room.
pub const ACCESS_CHANNEL: &str = "amont_access";

/// The PostgreSQL channel announcing that a login session ended (payload: its id): every
/// instance closes the connections opened with it.
pub const SESSION_CHANNEL: &str = "amont_session_end";

/// The PostgreSQL channel on which every audited change of a project is announced at commit
/// (payload: `"<project id> <action>"`, sent by a trigger on `audit_events`).
pub const EVENTS_CHANNEL: &str = "amont_events";

/// A change of a project, as open pages learn it (`GET /api/me/events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEvent {
    /// `None`: anything may have changed (this instance lost its listening connection meanwhile).
    pub project_id: Option<Uuid>,
    /// The audited action (`agreement.recorded`, `availability.answered`, …).
    pub action: String,
}

impl ProjectEvent {
    /// Reads a notification's payload (`"<project id> <action>"`).
    pub fn parse(payload: &str) -> Option<ProjectEvent> {
        let (project, action) = payload.split_once(' ')?;
        Some(ProjectEvent {
            project_id: Some(project.parse().ok()?),
            action: action.to_owned(),
        })
    }
}

/// How many project events wait for a slow page before it is told to read everything again.
const EVENTS_BUFFER: usize = 1024;

/// Timings and bounds of live co-editing. [`LiveOptions::from_settings`] is what the server uses.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The largest message a client may send, in bytes (`AMONT_WS_MAX_MESSAGE`).
    pub max_message: usize,
    /// The largest a document may grow, in bytes of encoded state (`AMONT_DOC_MAX_BYTES`).
    pub doc_max_bytes: usize,
    /// Bytes a connection, and a user over all their connections, may send per second,
    /// sustained (`AMONT_WS_BYTES_PER_SECOND`); bursts up to `connection_burst_bytes` per
    /// connection and `user_burst_bytes` per user (each at least `max_message`).
    pub bytes_per_second: u32,
    pub connection_burst_bytes: u32,
    pub user_burst_bytes: u32,
    /// Connections one user may have open on this instance (`AMONT_WS_CONNECTIONS_PER_USER`).
    pub connections_per_user: usize,
    /// How long a room stays in memory after its last client left.
    pub idle_evict: Duration,
    /// How often the server pings each client.
    pub heartbeat: Duration,
    /// A client silent for this long (no message, no pong) is disconnected.
    pub client_timeout: Duration,
    /// Messages queued for one client before it counts as too slow and is disconnected.
    pub client_queue: usize,
    /// Messages queued for one room before its clients' readers wait (backpressure).
    pub room_inbox: usize,
    /// Messages one client may send per second, sustained, and in a burst.
    pub rate_per_second: u32,
    pub rate_burst: u32,
    /// Updates appended by a room after which it folds the log into a new snapshot.
    pub compact_every: u64,
    /// How often the listener looks for notifications when none are pending.
    pub notify_poll: Duration,
    /// Updates waiting for the writer before rooms wait (backpressure), and per transaction.
    pub writer_queue: usize,
    pub writer_batch: usize,
    /// Writer threads (each with its connection); a project always uses the same one.
    pub writers: usize,
    /// How often a room checks again, on its own, that its clients are still partners and
    /// their sessions still live (a notification missed while the listener reconnected, a
    /// session that expired).
    pub recheck_every: Duration,
}

impl LiveOptions {
    pub fn from_settings(settings: &Settings) -> Self {
        let defaults = LiveOptions::default();
        LiveOptions {
            max_message: settings.ws_max_message,
            doc_max_bytes: settings.doc_max_bytes,
            bytes_per_second: settings.ws_bytes_per_second,
            connection_burst_bytes: saturating_u32(2 * settings.ws_max_message),
            user_burst_bytes: saturating_u32(
                settings.doc_max_bytes.max(2 * settings.ws_max_message),
            ),
            connections_per_user: settings.ws_connections_per_user,
            writers: settings.live_writers,
            ..defaults
        }
    }

    /// A byte budget: `bytes_per_second` sustained, bursts of `burst` (never less than the
    /// largest message, which must always fit).
    fn byte_quota(&self, burst: u32) -> Quota {
        let rate = NonZeroU32::new(self.bytes_per_second).unwrap_or(NonZeroU32::MIN);
        let burst =
            NonZeroU32::new(burst.max(saturating_u32(self.max_message))).unwrap_or(NonZeroU32::MIN);
        Quota::per_second(rate).allow_burst(burst)
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            max_message: 4 * 1024 * 1024,
            doc_max_bytes: 16 * 1024 * 1024,
            bytes_per_second: 1024 * 1024,
            connection_burst_bytes: 8 * 1024 * 1024,
            user_burst_bytes: 16 * 1024 * 1024,
            connections_per_user: 20,
            idle_evict: Duration::from_secs(30),
            heartbeat: Duration::from_secs(15),
            client_timeout: Duration::from_secs(45),
            client_queue: 1024,
            room_inbox: 1024,
            rate_per_second: 200,
            rate_burst: 1000,
            compact_every: 10_000,
            notify_poll: Duration::from_millis(2),
            writer_queue: 16 * 1024,
            writer_batch: 4096,
            writers: 1,
            recheck_every: Duration::from_secs(300),
        }
    }
}

/// Who a connected client is, as the others see them in the document (presence).
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Uuid,
    /// The login session the connection was opened with: signing out of it closes the
    /// connection.
    pub session_id: Uuid,
    pub name: String,
    /// The names of the user's organizations taking part in the project.
    pub organizations: Vec<String>,
}

/// Live co-editing on this instance: the open rooms, the writer, the listener. Cheap to clone.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    /// Names this instance in notifications, so it skips its own appends.
    instance: String,
    options: LiveOptions,
    pool: DbPool,
    rooms: Mutex<HashMap<Uuid, room::RoomHandle>>,
    writer: writer::WriterHandle,
    metrics: LiveMetrics,
    next_id: AtomicU64,
    /// One compaction at a time on this instance: it is background work, and a hundred rooms
    /// reaching their threshold together must not take every connection and core at once.
    compactions: tokio::sync::Semaphore,
    /// Open connections per user on this instance.
    users: Mutex<HashMap<Uuid, usize>>,
    /// Each user's byte budget, over all their connections on this instance.
    user_bytes: DefaultKeyedRateLimiter<Uuid>,
    /// Project changes announced by the database, for the pages this instance serves.
    events: tokio::sync::broadcast::Sender<ProjectEvent>,
}

impl Live {
    /// Starts the writer and the listener (each on its own connection to `database_url`).
    pub fn start(
        database_url: &Url,
        pool: DbPool,
        options: LiveOptions,
        registry: &Registry,
    ) -> Result<Live> {
        let metrics = LiveMetrics::register(registry)?;
        let instance = Uuid::new_v4().simple().to_string();
        let writer = writer::spawn(
            database_url.clone(),
            instance.clone(),
            &options,
            metrics.clone(),
        )?;
        let user_bytes = RateLimiter::keyed(options.byte_quota(options.user_burst_bytes));
        let inner = Arc::new(Inner {
            instance,
            users: Mutex::new(HashMap::new()),
            user_bytes,
            options,
            pool,
            rooms: Mutex::new(HashMap::new()),
            writer,
            metrics,
            next_id: AtomicU64::new(1),
            compactions: tokio::sync::Semaphore::new(1),
            events: tokio::sync::broadcast::channel(EVENTS_BUFFER).0,
        });
        listener::spawn(database_url.clone(), Arc::downgrade(&inner))?;
        Ok(Live { inner })
    }

    pub fn options(&self) -> &LiveOptions {
        &self.inner.options
    }

    /// The project changes announced from now on (on any instance).
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<ProjectEvent> {
        self.inner.events.subscribe()
    }

    /// The number of rooms open on this instance.
    pub fn open_rooms(&self) -> usize {
        self.inner.rooms().len()
    }

    /// A connection slot for `user_id`, or `None` when the user already has
    /// `connections_per_user` connections open on this instance (checked before the upgrade).
    /// The slot is given back when dropped.
    pub fn admit(&self, user_id: Uuid) -> Option<ConnectionSlot> {
        let mut users = self.inner.users();
        let open = users.entry(user_id).or_insert(0);
        if *open >= self.inner.options.connections_per_user {
            self.inner.metrics.connections_refused.inc();
            return None;
        }
        *open += 1;
        Some(ConnectionSlot {
            inner: self.inner.clone(),
            user_id,
        })
    }

    /// The room of `project_id`, opened if needed, with one more client counted as attached
    /// (so it is not evicted before the client joins).
    fn attach(&self, project_id: Uuid) -> room::RoomHandle {
        let mut rooms = self.inner.rooms();
        if let Some(handle) = rooms.get(&project_id) {
            handle.attached.fetch_add(1, Ordering::SeqCst);
            return handle.clone();
        }
        let handle = room::spawn(self.inner.clone(), project_id);
        handle.attached.fetch_add(1, Ordering::SeqCst);
        rooms.insert(project_id, handle.clone());
        handle
    }

    fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

impl Inner {
    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, usize>> {
        // Plain counters: a panic while holding the lock leaves them consistent.
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, room::RoomHandle>> {
        // A panic while holding this lock leaves the map consistent (plain inserts/removes).
        self.rooms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Removes the room of `project_id` if it is `generation` and no client is attached.
    fn remove_room_if_idle(&self, project_id: Uuid, generation: u64) -> bool {
        let mut rooms = self.rooms();
        match rooms.get(&project_id) {
            Some(handle)
                if handle.generation == generation
                    && handle.attached.load(Ordering::SeqCst) == 0 =>
            {
                rooms.remove(&project_id);
                true
            }
            _ => false,
        }
    }

    /// Removes the room of `project_id` if it is `generation`, whoever is attached.
    fn remove_room(&self, project_id: Uuid, generation: u64) {
        let mut rooms = self.rooms();
        if rooms
            .get(&project_id)
            .is_some_and(|h| h.generation == generation)
        {
            rooms.remove(&project_id);
        }
    }

    /// Hands a durable event to the open room of `project_id`, if there is one.
    fn dispatch(&self, project_id: Uuid, event: room::Durable) {
        let sender = self.rooms().get(&project_id).map(|h| h.durable.clone());
        if let Some(sender) = sender {
            let _ = sender.send(event);
        }
    }

    /// Hands a durable event to every open room.
    fn dispatch_all(&self, event: impl Fn() -> room::Durable) {
        let senders: Vec<mpsc::UnboundedSender<room::Durable>> =
            self.rooms().values().map(|h| h.durable.clone()).collect();
        for sender in senders {
            let _ = sender.send(event());
        }
    }
}

/// Announces, in the caller's transaction, that the partnerships of `project_id` changed: at
/// commit, every instance's room checks its clients and disconnects those no longer partners.
pub fn notify_access_changed(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    notify(conn, ACCESS_CHANNEL, project_id)
}

/// Announces, in the caller's transaction, that the session `session_id` was signed out: at
/// commit, every instance closes the websocket connections opened with it.
pub fn notify_session_ended(conn: &mut PgConnection, session_id: Uuid) -> QueryResult<()> {
    notify(conn, SESSION_CHANNEL, session_id)
}

fn notify(conn: &mut PgConnection, channel: &str, id: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(channel)
        .bind::<diesel::sql_types::Text, _>(id.to_string())
        .execute(conn)
        .map(|_| ())
}

/// One of a user's connections on this instance (see [`Live::admit`]).
pub struct ConnectionSlot {
    inner: Arc<Inner>,
    user_id: Uuid,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut users = self.inner.users();
        if let Some(open) = users.get_mut(&self.user_id) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                users.remove(&self.user_id);
            }
        }
        drop(users);
        // Budgets back to full are forgotten, so the map holds only users active lately.
        if self.inner.user_bytes.len() > 1_000 {
            self.inner.user_bytes.retain_recent();
        }
    }
}

/// Counts a connection while it lives.
struct Counted(prometheus::IntGauge);

impl Counted {
    fn new(gauge: &prometheus::IntGauge) -> Self {
        gauge.inc();
        Counted(gauge.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Attached clients of a room, decremented when a connection ends.
struct Attached(Arc<AtomicUsize>);

impl Drop for Attached {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
