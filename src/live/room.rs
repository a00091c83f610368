//! A room: one open project document on this instance, and its connected clients.
//!
//! Lifecycle: the first client's connection opens the room (registered before it loads, so that
//! updates committed meanwhile queue up rather than being missed); the task loads the document
//! from the snapshot + log; clients join, sync, edit; the last one leaves, and after
//! `idle_evict` with no client and no write in flight the room removes itself from the registry
//! (only if no client attached meanwhile), compacts the log if it appended to it, and ends.
//!
//! A document that fails to load closes its clients and removes the room: nothing is ever
//! written from it (a room never writes a snapshot; appends only add to the log).
//!
//! **Apply before store** (ADR 12). A client's update is applied to the room's document as it
//! arrives, and handed to the writer only if it integrates cleanly and leaves nothing pending
//! ([`ProjectDoc::apply_client_update`]): an update that would not load is refused (1002) and
//! never stored, at the cost of no extra copy or round trip. The document then holds what is
//! stored plus the room's *unconfirmed* updates (applied, not yet committed). Two rules keep
//! that from leaking: updates are relayed only once committed, as before; and a client is
//! greeted, or answered a sync step 1, only when nothing is unconfirmed — the room stops
//! reading its inbox meanwhile, which lasts one group commit. So nobody is ever shown something
//! that could still be lost. When the document took in something that will never be stored (an
//! update refused after yrs had integrated part of it, or one whose write failed), the room
//! builds it again from the database plus its unconfirmed updates, reading nothing from its
//! inbox until done.
//!
//! **Limits.** The document's size is tracked (the bytes it was loaded from, plus every update
//! since; measured exactly by encoding the state when that bound reaches the maximum, at most
//! once a second): an update that would take it past `doc_max_bytes` is refused (1009). Presence
//! states are accepted only for client ids the connection announced itself, and at most
//! [`MAX_PRESENCE_IDS`] of them; another person's client id is not taken over (the entry is
//! dropped), one's own is (a reconnecting tab whose old connection is not gone yet).
//!
//! Inputs come on two channels: `inbox` (bounded: joins, leaves, client frames — a full inbox
//! makes connection readers wait) and `durable` (what is already stored: this room's commits,
//! other writers' updates, reloads). `durable` is unbounded, but holds at most the writer's
//! bounded queue of this room's updates plus what the database announces.

use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::Utc;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use uuid::Uuid;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, ReadTxn, StateVector, Transact, Update};

use super::writer::Pending;
use super::{Counted, Inner, Member, protocol};
use crate::auth::{ProjectAccess, sessions};
use crate::db::{self, DbError};
use crate::document::{self, ProjectDoc, Refusal};

/// Presence states (awareness client ids) one connection may hold: a browser tab has one.
pub(super) const MAX_PRESENCE_IDS: usize = 4;

/// The least time between two exact measurements of a room's document size.
const MEASURE_EVERY: Duration = Duration::from_secs(1);

/// How the registry and connections reach a room.
#[derive(Clone)]
pub(super) struct RoomHandle {
    pub inbox: mpsc::Sender<RoomInput>,
    pub durable: mpsc::UnboundedSender<Durable>,
    /// Connections holding this handle: the room is never evicted while one does.
    pub attached: Arc<AtomicUsize>,
    /// Distinguishes this room from a later one of the same project.
    pub generation: u64,
}

pub(super) enum RoomInput {
    Join(Joining),
    Leave(u64),
    Frame(u64, Bytes),
}

pub(super) struct Joining {
    pub id: u64,
    pub member: Member,
    /// Frames for the client; the room never waits on it (a full queue means too slow).
    pub frames: mpsc::Sender<Bytes>,
    pub close: oneshot::Sender<CloseWhy>,
}

/// Why the room closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CloseWhy {
    /// Its queue was full: it could not keep up.
    Slow,
    /// A message that is not the y-websocket protocol, or an update that does not decode.
    Malformed,
    /// An update that decodes but does not apply to the document (or would stay pending).
    DoesNotApply,
    /// An update that would take the document past its maximum size.
    TooLarge,
    /// Its updates could not be stored; it resends them when it reconnects.
    NotStored,
    /// The document could not be loaded.
    Unavailable,
    /// The user's organization is no longer an invited or accepted partner.
    NotPartner,
    /// The login session it was opened with was signed out.
    SignedOut,
}

/// Events about what is stored already.
pub(super) enum Durable {
    /// This room's updates, committed, with the connection that sent each.
    Committed(Vec<(u64, Bytes)>),
    /// This room's updates that could not be stored (by sender).
    Failed(Vec<u64>),
    /// An update appended by another writer (another instance, an HTTP replacement).
    Remote(Bytes),
    /// Notifications may have been missed: read the document again.
    Reload,
    /// The document as stored, read again (the answer to `Reload`).
    Reloaded(Vec<u8>),
    /// The document built again from the database (the answer to a rebuild), or why not.
    Rebuilt(Result<ProjectDoc, String>),
    /// The project's partnerships changed: check who may stay.
    AccessChanged,
    /// Users who may no longer take part.
    Refused(Vec<Uuid>),
    /// Login sessions that ended (signed out, or found revoked or expired by a check): close
    /// the connections opened with them.
    SessionsEnded(Vec<Uuid>),
    /// A compaction ended.
    Compacted,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Starts the room's task; the caller registers the handle.
pub(super) fn spawn(live: Arc<Inner>, project_id: Uuid) -> RoomHandle {
    let (inbox, inbox_rx) = mpsc::channel(live.options.room_inbox);
    let (durable, durable_rx) = mpsc::unbounded_channel();
    let handle = RoomHandle {
        inbox,
        durable: durable.clone(),
        attached: Arc::new(AtomicUsize::new(0)),
        generation: GENERATION.fetch_add(1, Ordering::Relaxed),
    };
    let generation = handle.generation;
    tokio::spawn(async move {
        let _counted = Counted::new(&live.metrics.rooms);
        let doc = match load(&live, project_id).await {
            Ok(doc) => doc,
            Err(error) => {
                tracing::error!(
                    %project_id,
                    %error,
                    "the document could not be loaded; its room is closed and nothing will be \
                     written from it"
                );
                live.remove_room(project_id, generation);
                refuse_all(inbox_rx, durable_rx);
                return;
            }
        };
        // Presence has nothing to do with the document's content (the server sets no state
        // of its own), so it does not follow the document when a rebuild replaces it.
        let awareness = Awareness::new(Doc::new());
        let size = DocSize::new(doc.stored_bytes());
        let room = Room {
            live,
            project_id,
            generation,
            durable,
            doc,
            awareness,
            conns: HashMap::new(),
            presence: HashMap::new(),
            unconfirmed: VecDeque::new(),
            held: Vec::new(),
            rebuild: None,
            closed: false,
            size,
            appended_since_compaction: 0,
            compacting: false,
            evict_at: None,
        };
        room.run(inbox_rx, durable_rx).await;
    });
    handle
}

async fn load(live: &Inner, project_id: Uuid) -> Result<ProjectDoc, DbError> {
    db::run(&live.pool, move |conn| {
        document::load(conn, project_id).map_err(DbError::from)
    })
    .await
}

/// Closes every client that joined a room whose document could not be loaded.
fn refuse_all(mut inbox: mpsc::Receiver<RoomInput>, mut durable: mpsc::UnboundedReceiver<Durable>) {
    inbox.close();
    durable.close();
    while let Ok(input) = inbox.try_recv() {
        if let RoomInput::Join(joining) = input {
            let _ = joining.close.send(CloseWhy::Unavailable);
        }
    }
}

struct Conn {
    member: Member,
    frames: mpsc::Sender<Bytes>,
    close: Option<oneshot::Sender<CloseWhy>>,
    /// The awareness client ids this connection announced (removed when it leaves).
    awareness_ids: HashSet<ClientID>,
    /// Whether it was sent its sync step 1 yet. Until then nothing is relayed to it: its
    /// greeting brings the state of the moment, and a relayed update that arrived first could
    /// sit pending in its document (its dependencies committed before it joined), which the
    /// client would then send back in full in its answer.
    greeted: bool,
}

/// A greeting or an answer that waits until the document holds only what is stored.
enum Held {
    /// A new client's sync step 1 and the others' presence.
    Greet(u64),
    /// The answer (sync step 2) to a client's sync step 1.
    Answer(u64, StateVector),
}

/// The document's size, as far as the room knows without encoding it.
struct DocSize {
    /// An upper bound of the encoded size: exact when measured, plus every update since.
    bytes: usize,
    /// Whether `bytes` is exact (nothing was added since it was measured).
    exact: bool,
    measured_at: Option<Instant>,
}

impl DocSize {
    fn new(bytes: usize) -> Self {
        DocSize {
            bytes,
            exact: false,
            measured_at: None,
        }
    }

    /// Whether `len` more bytes keep the document within `max`: the bound decides while it
    /// is under `max`; past it, the document is measured exactly (at most every
    /// [`MEASURE_EVERY`], so a document at its limit does not cost an encoding per update).
    fn admits(&mut self, len: usize, max: usize, doc: &ProjectDoc) -> bool {
        if self.bytes.saturating_add(len) <= max {
            return true;
        }
        let may_measure = self
            .measured_at
            .is_none_or(|at| at.elapsed() >= MEASURE_EVERY);
        if !self.exact && may_measure {
            self.bytes = doc.encode_state().len();
            self.exact = true;
            self.measured_at = Some(Instant::now());
        }
        self.bytes.saturating_add(len) <= max
    }

    fn grow(&mut self, len: usize) {
        self.bytes = self.bytes.saturating_add(len);
        self.exact = false;
    }
}

struct Room {
    live: Arc<Inner>,
    project_id: Uuid,
    generation: u64,
    durable: mpsc::UnboundedSender<Durable>,
    /// What is stored, plus the `unconfirmed` updates (see the module docs).
    doc: ProjectDoc,
    awareness: Awareness,
    conns: HashMap<u64, Conn>,
    /// Which connection announced each presence client id.
    presence: HashMap<ClientID, u64>,
    /// Client updates applied to `doc` and handed to the writer, not reported yet, in order
    /// (the writer reports a room's updates in the order it received them).
    unconfirmed: VecDeque<Bytes>,
    /// Greetings and sync answers waiting until `unconfirmed` is empty.
    held: Vec<Held>,
    /// While `doc` is being built again: what became durable meanwhile, applied to the new one.
    rebuild: Option<Vec<Bytes>>,
    /// The document could not be built again: the room has closed its clients and ends.
    closed: bool,
    size: DocSize,
    appended_since_compaction: u64,
    compacting: bool,
    evict_at: Option<Instant>,
}

impl Room {
    async fn run(
        mut self,
        mut inbox: mpsc::Receiver<RoomInput>,
        mut durable: mpsc::UnboundedReceiver<Durable>,
    ) {
        let mut recheck = tokio::time::interval(self.live.options.recheck_every);
        recheck.tick().await;
        while !self.closed {
            self.release_held();
            self.refresh_idle();
            let evict_at = self.evict_at;
            let holding = self.holding();
            tokio::select! {
                biased;
                Some(event) = durable.recv() => self.on_durable(event),
                _ = recheck.tick() => {
                    if !self.conns.is_empty() {
                        self.check_access();
                    }
                }
                input = inbox.recv(), if !holding => match input {
                    Some(input) => self.on_input(input).await,
                    None => break,
                },
                _ = sleep_until(evict_at), if evict_at.is_some() => {
                    if self.live.remove_room_if_idle(self.project_id, self.generation) {
                        break;
                    }
                    self.evict_at = None;
                }
            }
        }
        if self.appended_since_compaction > 0 && !self.closed {
            self.compact(false);
        }
        tracing::debug!(project_id = %self.project_id, "room evicted");
    }

    /// Whether the document holds only what is stored (and is not being built again).
    fn settled(&self) -> bool {
        self.unconfirmed.is_empty() && self.rebuild.is_none()
    }

    /// Whether the room stops reading its inbox: while the document is built again, and while
    /// a greeting or an answer waits for the unconfirmed updates to be stored.
    fn holding(&self) -> bool {
        self.rebuild.is_some() || (!self.held.is_empty() && !self.unconfirmed.is_empty())
    }

    /// Sends the held greetings and answers once the document holds only what is stored.
    fn release_held(&mut self) {
        if self.held.is_empty() || !self.settled() {
            return;
        }
        for held in std::mem::take(&mut self.held) {
            match held {
                Held::Greet(id) => self.greet(id),
                Held::Answer(id, state_vector) => self.answer(id, &state_vector),
            }
        }
    }

    fn refresh_idle(&mut self) {
        if self.conns.is_empty() && self.unconfirmed.is_empty() {
            if self.evict_at.is_none() {
                self.evict_at = Some(Instant::now() + self.live.options.idle_evict);
            }
        } else {
            self.evict_at = None;
        }
    }

    async fn on_input(&mut self, input: RoomInput) {
        match input {
            RoomInput::Join(joining) => self.join(joining),
            RoomInput::Leave(id) => self.leave(id),
            RoomInput::Frame(id, frame) => self.on_frame(id, frame).await,
        }
    }

    /// Registers a client (it receives relayed updates at once) and greets it, or holds the
    /// greeting until the document holds only what is stored.
    fn join(&mut self, joining: Joining) {
        let id = joining.id;
        self.conns.insert(
            id,
            Conn {
                member: joining.member,
                frames: joining.frames,
                close: Some(joining.close),
                awareness_ids: HashSet::new(),
                greeted: false,
            },
        );
        if self.settled() {
            self.greet(id);
        } else {
            self.held.push(Held::Greet(id));
        }
    }

    /// Greets a client as the reference server does: sync step 1, then the presence of others.
    fn greet(&mut self, id: u64) {
        match self.conns.get_mut(&id) {
            Some(conn) => conn.greeted = true,
            None => return,
        }
        let state_vector = self.doc.doc().transact().state_vector();
        self.send_to(id, protocol::sync_step1(state_vector));
        if let Ok(update) = self.awareness.update()
            && !update.clients.is_empty()
        {
            self.send_to(id, protocol::awareness(update));
        }
    }

    /// Answers a client's sync step 1 with what it lacks.
    fn answer(&mut self, id: u64, state_vector: &StateVector) {
        let update = self
            .doc
            .doc()
            .transact()
            .encode_state_as_update_v1(state_vector);
        self.send_to(id, protocol::sync_step2(update));
    }

    fn leave(&mut self, id: u64) {
        if let Some(conn) = self.conns.remove(&id) {
            self.forget_presence(conn.awareness_ids);
        }
    }

    /// Removes the presence states of a departed connection and tells the others.
    fn forget_presence(&mut self, ids: HashSet<ClientID>) {
        if ids.is_empty() {
            return;
        }
        for client in &ids {
            self.awareness.remove_state(*client);
            self.presence.remove(client);
        }
        if let Ok(update) = self.awareness.update_with_clients(ids) {
            self.broadcast(None, protocol::awareness(update));
        }
    }

    fn kick(&mut self, id: u64, why: CloseWhy) {
        if let Some(mut conn) = self.conns.remove(&id) {
            if let Some(close) = conn.close.take() {
                let _ = close.send(why);
            }
            self.forget_presence(conn.awareness_ids);
        }
    }

    async fn on_frame(&mut self, id: u64, frame: Bytes) {
        let Some(member) = self.conns.get(&id).map(|c| c.member.clone()) else {
            return; // Closed by the room already.
        };
        let messages = match protocol::read_frame(&frame) {
            Ok(messages) => messages,
            Err(error) => {
                tracing::debug!(project_id = %self.project_id, %error, "malformed frame");
                self.live.metrics.refused.inc();
                self.kick(id, CloseWhy::Malformed);
                return;
            }
        };
        for message in messages {
            match message {
                Message::Sync(SyncMessage::SyncStep1(state_vector)) => {
                    if self.settled() {
                        self.answer(id, &state_vector);
                    } else {
                        self.held.push(Held::Answer(id, state_vector));
                    }
                }
                Message::Sync(SyncMessage::SyncStep2(update))
                | Message::Sync(SyncMessage::Update(update)) => {
                    if protocol::is_empty_update(&update) {
                        continue;
                    }
                    if !self.accept(id, &member, update).await {
                        return;
                    }
                }
                Message::Awareness(update) => self.on_awareness(id, &member, update),
                Message::AwarenessQuery => {
                    if let Ok(update) = self.awareness.update() {
                        self.send_to(id, protocol::awareness(update));
                    }
                }
                Message::Auth(_) | Message::Custom(..) => {}
            }
        }
    }

    /// Applies a client's update to the document and hands it to the writer; or refuses it,
    /// closing the connection, with nothing stored. False when the connection was closed.
    async fn accept(&mut self, id: u64, member: &Member, update: Vec<u8>) -> bool {
        if !self
            .size
            .admits(update.len(), self.live.options.doc_max_bytes, &self.doc)
        {
            tracing::info!(
                project_id = %self.project_id,
                user_id = %member.user_id,
                size = self.size.bytes,
                "an update would take the document past its maximum size: refused"
            );
            self.live.metrics.refused.inc();
            self.kick(id, CloseWhy::TooLarge);
            return false;
        }
        if let Err(refused) = self.doc.apply_client_update(&update) {
            tracing::info!(
                project_id = %self.project_id,
                user_id = %member.user_id,
                reason = %refused.why,
                "an update that would not load was refused; nothing stored"
            );
            self.live.metrics.refused.inc();
            let why = match refused.why {
                Refusal::Malformed(_) => CloseWhy::Malformed,
                Refusal::DoesNotApply(_) | Refusal::Incomplete => CloseWhy::DoesNotApply,
            };
            self.kick(id, why);
            if refused.touched {
                self.start_rebuild();
            }
            return false;
        }
        self.size.grow(update.len());
        self.live.metrics.updates_received.inc();
        let update = Bytes::from(update);
        self.unconfirmed.push_back(update.clone());
        let pending = Pending {
            project_id: self.project_id,
            user_id: member.user_id,
            connection: id,
            update,
            received: std::time::Instant::now(),
            reply: self.durable.clone(),
        };
        if self.live.writer.submit(pending).await.is_err() {
            // The writer is gone (the server is stopping): this update will never be stored.
            self.unconfirmed.pop_back();
            self.kick(id, CloseWhy::NotStored);
            self.start_rebuild();
            return false;
        }
        true
    }

    /// Relays a client's presence, stamped with who it is, for the client ids it may speak
    /// for: those it announced first, up to [`MAX_PRESENCE_IDS`]. A client id another person's
    /// connection announced is not taken over (its entry is dropped and counted); one the same
    /// person's other connection announced is (a tab reconnecting before its old connection is
    /// noticed gone).
    fn on_awareness(&mut self, id: u64, member: &Member, mut update: AwarenessUpdate) {
        let clients: Vec<ClientID> = update.clients.keys().copied().collect();
        let mut refused = 0u64;
        for client in clients {
            if !self.claim_presence(id, member.user_id, client) {
                update.clients.remove(&client);
                refused += 1;
            }
        }
        if refused > 0 {
            tracing::debug!(
                project_id = %self.project_id,
                user_id = %member.user_id,
                refused,
                "presence for client ids of someone else dropped"
            );
            self.live.metrics.presence_refused.inc_by(refused);
        }
        if update.clients.is_empty() {
            return;
        }
        protocol::stamp(&mut update, member);
        let frame = protocol::awareness(update.clone());
        if let Err(error) = self.awareness.apply_update(update) {
            tracing::debug!(%error, "awareness update not applied");
        }
        // To everyone, the sender included, as the reference server does (it keeps a lone
        // client's connection from looking idle).
        self.broadcast(None, frame);
    }

    /// Whether connection `id` (of `user_id`) may speak for presence `client`; records it.
    fn claim_presence(&mut self, id: u64, user_id: Uuid, client: ClientID) -> bool {
        match self.presence.get(&client).copied() {
            Some(owner) if owner == id => return true,
            Some(owner) => match self.conns.get_mut(&owner) {
                Some(other) if other.member.user_id != user_id => return false,
                Some(other) => {
                    other.awareness_ids.remove(&client);
                }
                None => {}
            },
            None => {}
        }
        let Some(conn) = self.conns.get_mut(&id) else {
            return false;
        };
        if conn.awareness_ids.len() >= MAX_PRESENCE_IDS {
            return false;
        }
        conn.awareness_ids.insert(client);
        self.presence.insert(client, id);
        true
    }

    fn on_durable(&mut self, event: Durable) {
        match event {
            Durable::Committed(updates) => {
                self.confirm(updates.len());
                self.appended_since_compaction += updates.len() as u64;
                for (sender, update) in updates {
                    // Applied to the document when it arrived: relay only.
                    if let Some(replay) = &mut self.rebuild {
                        replay.push(update.clone());
                    }
                    self.broadcast(Some(sender), protocol::update(update.to_vec()));
                }
                if self.appended_since_compaction >= self.compact_threshold() {
                    self.compact(true);
                }
            }
            Durable::Failed(senders) => {
                // The document holds updates that will never be stored: build it again.
                self.confirm(senders.len());
                let senders: HashSet<u64> = senders.into_iter().collect();
                for id in senders {
                    self.kick(id, CloseWhy::NotStored);
                }
                self.start_rebuild();
            }
            Durable::Remote(update) => {
                self.apply(&update);
                self.size.grow(update.len());
                self.broadcast(None, protocol::update(update.to_vec()));
                if let Some(replay) = &mut self.rebuild {
                    replay.push(update);
                }
            }
            Durable::Reload => self.reload(),
            Durable::Reloaded(state) => {
                let before = self.doc.doc().transact().state_vector();
                self.apply(&state);
                let diff = self.doc.doc().transact().encode_state_as_update_v1(&before);
                self.size.grow(diff.len());
                self.broadcast(None, protocol::update(diff));
                if let Some(replay) = &mut self.rebuild {
                    replay.push(Bytes::from(state));
                }
            }
            Durable::Rebuilt(Ok(doc)) => self.rebuilt(doc),
            Durable::Rebuilt(Err(error)) => {
                tracing::error!(
                    project_id = %self.project_id,
                    %error,
                    "the document could not be built again; the room closes its clients"
                );
                self.close_all();
            }
            Durable::AccessChanged => self.check_access(),
            Durable::Refused(users) => {
                self.kick_where(CloseWhy::NotPartner, |m| users.contains(&m.user_id))
            }
            Durable::SessionsEnded(sessions) => {
                self.kick_where(CloseWhy::SignedOut, |m| sessions.contains(&m.session_id))
            }
            Durable::Compacted => self.compacting = false,
        }
    }

    /// Forgets the `n` oldest unconfirmed updates: the writer reported them.
    fn confirm(&mut self, n: usize) {
        let n = n.min(self.unconfirmed.len());
        self.unconfirmed.drain(..n);
    }

    /// Builds the document again from the database (its answer comes back as `Rebuilt`),
    /// reading nothing from the inbox meanwhile. Used when the document took in something that
    /// will never be stored.
    fn start_rebuild(&mut self) {
        if self.rebuild.is_some() {
            // The load under way reads the database after what made this one necessary, and
            // the unconfirmed updates are applied to its result at the end.
            return;
        }
        self.rebuild = Some(Vec::new());
        let live = self.live.clone();
        let durable = self.durable.clone();
        let project_id = self.project_id;
        tokio::spawn(async move {
            let loaded = load(&live, project_id).await.map_err(|e| e.to_string());
            let _ = durable.send(Durable::Rebuilt(loaded));
        });
    }

    /// Swaps in the document built again: what is stored, plus what became durable while it
    /// loaded, plus the updates still unconfirmed (all applied before; applying twice is a
    /// no-op in Yjs).
    fn rebuilt(&mut self, doc: ProjectDoc) {
        let replay = self.rebuild.take().unwrap_or_default();
        let mut size = doc.stored_bytes();
        for update in replay.iter().chain(self.unconfirmed.iter()) {
            if let Err(refused) = doc.apply_client_update(update) {
                tracing::warn!(
                    project_id = %self.project_id,
                    reason = %refused.why,
                    "an update does not apply to the rebuilt document"
                );
            }
            size += update.len();
        }
        self.doc = doc;
        self.size = DocSize::new(size);
        tracing::info!(
            project_id = %self.project_id,
            "the document was built again from the database"
        );
    }

    /// Closes every client and ends the room (it is removed from the registry first, so the
    /// next client opens a new one, which loads the document again).
    fn close_all(&mut self) {
        self.live.remove_room(self.project_id, self.generation);
        let ids: Vec<u64> = self.conns.keys().copied().collect();
        for id in ids {
            self.kick(id, CloseWhy::Unavailable);
        }
        self.held.clear();
        self.rebuild = None;
        self.closed = true;
    }

    /// Applies a stored update to the in-memory document.
    fn apply(&mut self, update: &[u8]) {
        let doc = self.doc.doc();
        let applied = catch_unwind(AssertUnwindSafe(|| {
            let update = Update::decode_v1(update).map_err(|e| e.to_string())?;
            doc.transact_mut()
                .apply_update(update)
                .map_err(|e| e.to_string())
        }));
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::error!(project_id = %self.project_id, %error, "a stored update does not apply")
            }
            Err(_) => {
                tracing::error!(project_id = %self.project_id, "applying a stored update panicked")
            }
        }
    }

    fn send_to(&mut self, id: u64, frame: Bytes) {
        let Some(conn) = self.conns.get(&id) else {
            return;
        };
        match conn.frames.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.live.metrics.slow_clients.inc();
                self.kick(id, CloseWhy::Slow);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.leave(id),
        }
    }

    /// Sends a frame to every client but `except`; counts document updates as relayed.
    fn broadcast(&mut self, except: Option<u64>, frame: Bytes) {
        let is_update = matches!(frame.first(), Some(0)) && matches!(frame.get(1), Some(2));
        let mut slow = Vec::new();
        let mut gone = Vec::new();
        let mut sent = 0u64;
        for (id, conn) in &self.conns {
            if Some(*id) == except || !conn.greeted {
                continue;
            }
            match conn.frames.try_send(frame.clone()) {
                Ok(()) => sent += 1,
                Err(mpsc::error::TrySendError::Full(_)) => slow.push(*id),
                Err(mpsc::error::TrySendError::Closed(_)) => gone.push(*id),
            }
        }
        if is_update {
            self.live.metrics.updates_relayed.inc_by(sent);
        }
        for id in slow {
            self.live.metrics.slow_clients.inc();
            self.kick(id, CloseWhy::Slow);
        }
        for id in gone {
            self.leave(id);
        }
    }

    /// Reads the stored document again; the answer comes back as `Reloaded`.
    fn reload(&self) {
        let live = self.live.clone();
        let durable = self.durable.clone();
        let project_id = self.project_id;
        tokio::spawn(async move {
            match load(&live, project_id).await {
                Ok(doc) => {
                    let _ = durable.send(Durable::Reloaded(doc.encode_state()));
                }
                Err(error) => tracing::error!(%project_id, %error, "could not reload the document"),
            }
        });
    }

    /// Closes, for `why`, the connections whose member matches.
    fn kick_where(&mut self, why: CloseWhy, matches: impl Fn(&Member) -> bool) {
        let kicked: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| matches(&c.member))
            .map(|(id, _)| *id)
            .collect();
        for id in kicked {
            self.kick(id, why);
        }
    }

    /// Asks the database which connected users may still take part, and which of their
    /// sessions are still live; the refused and the ended come back.
    fn check_access(&self) {
        let users: HashSet<Uuid> = self.conns.values().map(|c| c.member.user_id).collect();
        let sessions: Vec<Uuid> = self.conns.values().map(|c| c.member.session_id).collect();
        let pool = self.live.pool.clone();
        let durable = self.durable.clone();
        let project_id = self.project_id;
        tokio::spawn(async move {
            let checked = db::run(&pool, move |conn| {
                let mut refused = Vec::new();
                for user_id in users {
                    match ProjectAccess::load(conn, project_id, user_id) {
                        Ok(_) => {}
                        Err(crate::auth::AccessError::NotFound) => refused.push(user_id),
                        Err(crate::auth::AccessError::Database(error)) => {
                            return Err(DbError::Query(error));
                        }
                        // Access itself refuses nothing with 403: only "not found" or an error.
                        Err(crate::auth::AccessError::Forbidden(_)) => refused.push(user_id),
                    }
                }
                let live = sessions::still_live(conn, &sessions, Utc::now())?;
                let ended: Vec<Uuid> = sessions.into_iter().filter(|s| !live.contains(s)).collect();
                Ok((refused, ended))
            })
            .await;
            match checked {
                Ok((refused, ended)) => {
                    if !refused.is_empty() {
                        let _ = durable.send(Durable::Refused(refused));
                    }
                    if !ended.is_empty() {
                        let _ = durable.send(Durable::SessionsEnded(ended));
                    }
                }
                Err(error) => tracing::error!(%project_id, ?error, "could not check access"),
            }
        });
    }

    /// Updates after which this room compacts: `compact_every`, plus up to half of it depending
    /// on the project, so that rooms under the same load do not all compact at the same moment.
    fn compact_threshold(&self) -> u64 {
        let every = self.live.options.compact_every.max(1);
        every + (self.project_id.as_u128() % u128::from(every / 2 + 1)) as u64
    }

    /// Folds the log into a new snapshot, off the room's task, one compaction at a time on the
    /// instance. `report`: tell the room when done.
    fn compact(&mut self, report: bool) {
        if self.compacting {
            return;
        }
        self.compacting = report;
        self.appended_since_compaction = 0;
        let live = self.live.clone();
        let durable = self.durable.clone();
        let project_id = self.project_id;
        tokio::spawn(async move {
            let _turn = live.compactions.acquire().await;
            let compacted = db::run(&live.pool, move |conn| {
                document::compact(conn, project_id).map_err(DbError::from)
            })
            .await;
            if let Err(error) = compacted {
                tracing::error!(%project_id, %error, "compaction failed");
            }
            if report {
                let _ = durable.send(Durable::Compacted);
            }
        });
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
