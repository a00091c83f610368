//! The project document: one yrs (Yjs) document per project, stored in PostgreSQL.
//!
//! Storage is a snapshot plus an append-only log. `documents.snapshot` holds the merge of some
//! updates; `document_updates` holds the lib0 v1 updates not merged into it yet, whatever their
//! ids (`snapshot_through` records the highest id merged so far, for information). Loading
//! applies the snapshot, then every logged update in id order. Every change — a client's update
//! from the websocket ([`append_update`]) or a server-side replacement of a section
//! ([`replace_brief`], [`replace_mission`], [`replace_agenda`]) — is one more row in the log;
//! [`compact`] folds the log into a new snapshot, deleting exactly the rows it merged.
//!
//! Locking, on the project's `documents` row: appends take it `FOR SHARE` (they may run side by
//! side), replacements `FOR UPDATE`, so a replacement computes its diff from a state no other
//! writer changes until it commits. Compaction reads and merges without any lock and only
//! writes, briefly, if the snapshot it read is still the stored one; a row it did not read — one
//! committed meanwhile, even with a smaller id — stays in the log.
//!
//! **The never-overwrite rule.** A snapshot that does not decode is an error
//! ([`DocumentError::Corrupt`]), never an empty document: nothing is ever written from a
//! document that failed to load, so an empty document can never replace a real one.
//!
//! **Quarantine** (ADR 12). A logged update that does not load — it does not decode, or it does
//! not integrate (an item whose parent is not a shared type, a panic in yrs) — does not take the
//! project down: the load skips it, builds the document from the rest, and flags the row
//! (`quarantined_at`, `quarantine_reason`), conditionally and without waiting for a lock, so a
//! row is flagged once whoever loads it first. Flagged rows are kept for inspection, skipped by
//! every load, and never folded or deleted by compaction. Live rooms apply a client's update to
//! the document before storing it ([`ProjectDoc::apply_client_update`]), so such rows can only
//! come from elsewhere (an older version, a hand-made insert).
//!
//! **Size.** A document may not grow past a maximum (`AMONT_DOC_MAX_BYTES`, the size of its
//! encoded state): replacements that would leave it larger fail with [`DocumentError::TooLarge`].
//!
//! **Announcements.** Every append also sends a PostgreSQL notification on [`UPDATES_CHANNEL`]
//! in the same statement, so it is delivered exactly when the update is committed: live rooms
//! on every server instance apply and relay what others appended (see `crate::live`).
//!
//! Errors are returned as `diesel::result::Error` so that every function composes in the
//! caller's transaction; document-level causes travel inside
//! `diesel::result::Error::DeserializationError` and are recovered with [`document_error`].

mod layout;

pub use layout::{
    AGENDAS, Agenda, AgendaItemInput, BRIEF, EditError, MISSIONS, ProjectDoc, Section,
};

use std::panic::{AssertUnwindSafe, catch_unwind};

use diesel::prelude::*;
use diesel::result::{Error as DieselError, QueryResult};
use diesel::sql_types::{self, Array, Nullable};
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, Transact, Update};

use crate::db::schema::{document_updates, documents};

/// Why a document could not be read or changed, beyond the database itself.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The stored document does not decode: it must be repaired, never overwritten.
    #[error("the document of project {project_id} is corrupt at {part}: {reason}")]
    Corrupt {
        project_id: Uuid,
        /// `snapshot`, or `update <id>`.
        part: String,
        reason: String,
    },
    /// A client sent bytes that are not a lib0 v1 update; nothing was stored.
    #[error("not a valid document update: {0}")]
    InvalidUpdate(String),
    /// The change would leave the document larger than its maximum; nothing was stored.
    #[error("the document would grow to {size} bytes, over its maximum of {max}")]
    TooLarge { size: usize, max: usize },
    #[error(transparent)]
    Edit(#[from] EditError),
}

impl From<DocumentError> for DieselError {
    fn from(error: DocumentError) -> Self {
        DieselError::DeserializationError(Box::new(error))
    }
}

/// The document-level cause of a query error, if it has one.
pub fn document_error(error: &DieselError) -> Option<&DocumentError> {
    match error {
        DieselError::DeserializationError(cause) => cause.downcast_ref::<DocumentError>(),
        _ => None,
    }
}

/// Decodes a lib0 v1 update. yrs reads untrusted bytes here; a panic in its decoder is turned
/// into an error like any other malformed input.
fn decode(bytes: &[u8]) -> Result<Update, String> {
    match catch_unwind(|| Update::decode_v1(bytes)) {
        Ok(Ok(update)) => Ok(update),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("the decoder panicked".into()),
    }
}

/// Decodes untrusted bytes as a lib0 v1 update, as every append checks them.
pub fn decode_update(bytes: &[u8]) -> Result<Update, String> {
    decode(bytes)
}

/// Why an update was not taken into a document, and whether the document was touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplied {
    pub why: Refusal,
    /// Whether part of the update may have been integrated before it failed: the document then
    /// holds something that is not stored, and must be built again from what is.
    pub touched: bool,
}

/// What is wrong with an update.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The bytes are not a lib0 v1 update.
    #[error("not a lib0 v1 update: {0}")]
    Malformed(String),
    /// It decodes but does not integrate (yrs refused it, or panicked).
    #[error("the update does not apply to the document: {0}")]
    DoesNotApply(String),
    /// It refers to changes the document does not have (it would stay pending in yrs).
    #[error("the update depends on changes the document does not have")]
    Incomplete,
}

impl ProjectDoc {
    /// Applies a stored update (`part` names it in errors).
    fn apply(&self, part: &str, bytes: &[u8]) -> Result<(), DocumentError> {
        self.integrate(bytes)
            .map_err(|refused| DocumentError::Corrupt {
                project_id: self.project_id,
                part: part.to_owned(),
                reason: refused.why.to_string(),
            })
    }

    /// Decodes and applies an update; errors and panics of yrs are refusals.
    fn integrate(&self, bytes: &[u8]) -> Result<(), NotApplied> {
        let update = decode(bytes).map_err(|reason| NotApplied {
            why: Refusal::Malformed(reason),
            touched: false,
        })?;
        let applied = catch_unwind(AssertUnwindSafe(|| {
            self.doc.transact_mut().apply_update(update)
        }));
        let reason = match applied {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) => error.to_string(),
            Err(_) => "applying it panicked".to_owned(),
        };
        Err(NotApplied {
            why: Refusal::DoesNotApply(reason),
            touched: true,
        })
    }

    /// Applies a client's update to this document before it is stored, and says whether it may
    /// be stored: it must decode, integrate without error, and leave none of its own structs or
    /// deletions pending (waiting for changes the document does not have — yrs keeps those
    /// aside, and encodes them in every later state and snapshot). On a refusal the update
    /// must not be stored; when [`NotApplied::touched`], the document holds part of it and must
    /// be built again from what is stored.
    ///
    /// The cost is the apply itself (the room applies every update anyway): the pending check
    /// only looks further when yrs holds pending structs at all.
    pub fn apply_client_update(&self, bytes: &[u8]) -> Result<(), NotApplied> {
        self.integrate(bytes)?;
        if self.left_pending(bytes) {
            return Err(NotApplied {
                why: Refusal::Incomplete,
                touched: true,
            });
        }
        Ok(())
    }

    /// Whether yrs holds, after applying `bytes`, structs or deletions of that update pending.
    /// Pending ones of other updates (a stored document may hold some) do not count.
    fn left_pending(&self, bytes: &[u8]) -> bool {
        let txn = self.doc.transact();
        let store = txn.store();
        if store.pending_update().is_none() && store.pending_ds().is_none() {
            return false;
        }
        let Ok(update) = decode(bytes) else {
            return true;
        };
        let inserted = update.insertions(true);
        let blocks = store
            .pending_update()
            .is_some_and(|p| !p.update.insertions(true).intersect(&inserted).is_empty());
        let deletions = store
            .pending_ds()
            .is_some_and(|ds| !ds.intersect(update.delete_set()).is_empty());
        blocks || deletions
    }

    /// Fails with [`DocumentError::TooLarge`] when this document, which holds a change of
    /// `change_len` bytes not stored yet, is larger than `max` bytes. Cheap while the stored
    /// size plus the change is under `max`; otherwise the state is encoded to measure it.
    pub fn check_size(&self, change_len: usize, max: usize) -> Result<(), DocumentError> {
        if self.stored_bytes.saturating_add(change_len) <= max {
            return Ok(());
        }
        let size = self.encode_state().len();
        if size <= max {
            Ok(())
        } else {
            Err(DocumentError::TooLarge { size, max })
        }
    }
}

/// Stores the document of a new project, its brief already written (as the first snapshot).
pub fn create(conn: &mut PgConnection, project_id: Uuid, brief: &str) -> QueryResult<()> {
    let mut doc = ProjectDoc::empty(project_id);
    doc.set_brief(brief).map_err(DocumentError::from)?;
    let snapshot = doc.encode_state();
    diesel::insert_into(documents::table)
        .values((
            documents::project_id.eq(project_id),
            documents::snapshot.eq(snapshot),
            documents::snapshot_through.eq(0_i64),
        ))
        .execute(conn)?;
    Ok(())
}

/// Loads the document: its snapshot, then every update logged after it. `NotFound` when the
/// project has no document; [`DocumentError::Corrupt`] when the snapshot fails to decode. A
/// logged update that does not load is quarantined (see the module docs) and left out.
pub fn load(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<ProjectDoc> {
    let row: (Vec<u8>, i64) = documents::table
        .find(project_id)
        .select((documents::snapshot, documents::snapshot_through))
        .first(conn)?;
    load_from(conn, project_id, row)
}

/// Like [`load`], holding the `documents` row `FOR UPDATE` until the transaction ends.
fn load_locked(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<ProjectDoc> {
    let row: (Vec<u8>, i64) = documents::table
        .find(project_id)
        .select((documents::snapshot, documents::snapshot_through))
        .for_update()
        .first(conn)?;
    load_from(conn, project_id, row)
}

fn load_from(
    conn: &mut PgConnection,
    project_id: Uuid,
    (snapshot, snapshot_through): (Vec<u8>, i64),
) -> QueryResult<ProjectDoc> {
    let updates = logged(conn, project_id)?;
    let (doc, bad) = assemble(project_id, &snapshot, snapshot_through, &updates)?;
    quarantine(conn, project_id, &bad);
    Ok(doc)
}

/// Every update in the project's log that is not quarantined, in id order.
fn logged(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<(i64, Vec<u8>)>> {
    document_updates::table
        .filter(document_updates::project_id.eq(project_id))
        .filter(document_updates::quarantined_at.is_null())
        .order(document_updates::id)
        .select((document_updates::id, document_updates::update))
        .load(conn)
}

/// A logged update that does not load: its id and why.
type BadRow = (i64, String);

/// The document from its snapshot and log, and the logged updates that do not load (left out).
/// A bad row that yrs had started to integrate may have left part of itself in the document, so
/// the document is then built again without it: one more pass per such row, which only a
/// damaged log ever costs.
fn assemble(
    project_id: Uuid,
    snapshot: &[u8],
    snapshot_through: i64,
    updates: &[(i64, Vec<u8>)],
) -> Result<(ProjectDoc, Vec<BadRow>), DocumentError> {
    let mut bad: Vec<BadRow> = Vec::new();
    'build: loop {
        let mut doc = ProjectDoc {
            project_id,
            doc: layout::new_doc(),
            snapshot_through,
            last_update_id: snapshot_through,
            stored_bytes: snapshot.len(),
        };
        doc.apply("snapshot", snapshot)?;
        for (id, update) in updates {
            if bad.iter().any(|(skipped, _)| skipped == id) {
                continue;
            }
            match doc.integrate(update) {
                Ok(()) => {
                    doc.last_update_id = doc.last_update_id.max(*id);
                    doc.stored_bytes += update.len();
                }
                Err(refused) => {
                    bad.push((*id, refused.why.to_string()));
                    if refused.touched {
                        continue 'build;
                    }
                }
            }
        }
        return Ok((doc, bad));
    }
}

/// Flags the rows that did not load (a side effect of a read, hence careful): each in a
/// savepoint of its own (in a caller's transaction, read-only or rolled back, the flag is simply
/// not kept and the next load tries again), only if not flagged yet and not locked by another
/// load flagging it at the same moment (`SKIP LOCKED`: never waits), so each row is flagged,
/// logged and counted once. Whatever happens, the rows stay out of the document.
fn quarantine(conn: &mut PgConnection, project_id: Uuid, bad: &[BadRow]) {
    for (id, reason) in bad {
        let flagged = conn.transaction(|conn| {
            diesel::sql_query(
                "UPDATE document_updates SET quarantined_at = now(), quarantine_reason = $2 \
                 WHERE id = (SELECT id FROM document_updates \
                             WHERE id = $1 AND quarantined_at IS NULL FOR UPDATE SKIP LOCKED)",
            )
            .bind::<sql_types::BigInt, _>(id)
            .bind::<sql_types::Text, _>(reason)
            .execute(conn)
        });
        match flagged {
            Ok(1) => tracing::error!(
                %project_id,
                update_id = id,
                reason,
                "a logged update does not load: quarantined (kept, and left out of the document)"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(
                %project_id,
                update_id = id,
                %error,
                "a logged update does not load and could not be flagged now; it is left out"
            ),
        }
    }
}

/// How many logged updates are quarantined, over every project (for `/metrics`).
pub fn quarantined_count(conn: &mut PgConnection) -> QueryResult<i64> {
    document_updates::table
        .filter(document_updates::quarantined_at.is_not_null())
        .count()
        .get_result(conn)
}

/// Appends a client's raw lib0 v1 update to the log and announces it; returns its log id. The
/// bytes are checked to decode first ([`DocumentError::InvalidUpdate`] otherwise, nothing
/// stored). Holds the `documents` row `FOR SHARE` until the caller's transaction ends (see the
/// module docs).
pub fn append_update(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Option<Uuid>,
    update: &[u8],
) -> QueryResult<i64> {
    decode(update).map_err(DocumentError::InvalidUpdate)?;
    insert_update(conn, project_id, user_id, update)
}

fn insert_update(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Option<Uuid>,
    update: &[u8],
) -> QueryResult<i64> {
    let new = NewUpdate {
        project_id,
        user_id,
        update,
    };
    let ids = insert_and_announce(conn, &[new], NO_ORIGIN)?;
    ids.first().copied().ok_or(DieselError::NotFound)
}

/// The PostgreSQL channel on which every appended update is announced
/// (see [`parse_notification`]).
pub const UPDATES_CHANNEL: &str = "amont_doc";

/// The origin of an append made outside any live room (an HTTP replacement, a tool).
pub const NO_ORIGIN: &str = "-";

/// Updates up to this size travel inside their notification; larger ones are read back from
/// the log by id (a notification's payload is limited to 8000 bytes).
pub const INLINE_UPDATE_MAX: usize = 3800;

/// A client update for [`append_batch`].
#[derive(Debug, Clone, Copy)]
pub struct NewUpdate<'a> {
    pub project_id: Uuid,
    pub user_id: Option<Uuid>,
    pub update: &'a [u8],
}

/// Appends the updates of several documents in one transaction (a group commit) and announces
/// them; returns their log ids, in order. Same checks and locks as [`append_update`]: every
/// update must decode (nothing is stored otherwise), and each document's row is held
/// `FOR SHARE`; a missing document fails the whole batch (`NotFound`, nothing stored). `origin`
/// names the writer in the notifications, so that it can skip its own.
pub fn append_batch(
    conn: &mut PgConnection,
    updates: &[NewUpdate<'_>],
    origin: &str,
) -> QueryResult<Vec<i64>> {
    for new in updates {
        decode(new.update).map_err(DocumentError::InvalidUpdate)?;
    }
    insert_and_announce(conn, updates, origin)
}

/// The one statement behind every append — one round trip, and outside a transaction one
/// transaction of its own: lock the documents' rows `FOR SHARE` (in id order, as every locker
/// does), insert every update in the given order (so their ids ascend with it) or none when a
/// document is missing, and notify each on [`UPDATES_CHANNEL`] (delivered at commit).
///
/// The payload, read by [`parse_notification`]: `<project id> <log id> <origin> <hex update>`,
/// the update left out when it is over [`INLINE_UPDATE_MAX`] bytes (read it back by id).
fn insert_and_announce(
    conn: &mut PgConnection,
    updates: &[NewUpdate<'_>],
    origin: &str,
) -> QueryResult<Vec<i64>> {
    let mut projects: Vec<Uuid> = updates.iter().map(|u| u.project_id).collect();
    projects.sort_unstable();
    projects.dedup();
    let statement = InsertAndAnnounce {
        count: projects.len() as i64,
        projects,
        project_ids: updates.iter().map(|u| u.project_id).collect(),
        updates: updates.iter().map(|u| u.update).collect(),
        users: updates.iter().map(|u| u.user_id).collect(),
        origin,
    };
    let mut ids: Vec<i64> = statement
        .load::<LogId>(conn)?
        .into_iter()
        .map(|row| row.id)
        .collect();
    if ids.len() != updates.len() {
        return Err(DieselError::NotFound);
    }
    ids.sort_unstable();
    Ok(ids)
}

/// The statement of [`insert_and_announce`], written as a query type of its own so that diesel
/// prepares it once per connection and PostgreSQL plans it once (`sql_query` is prepared again,
/// and planned again, on every call: at a thousand group commits a second that was about a
/// quarter of the database's CPU, measured with the live bench).
struct InsertAndAnnounce<'a> {
    projects: Vec<Uuid>,
    project_ids: Vec<Uuid>,
    updates: Vec<&'a [u8]>,
    users: Vec<Option<Uuid>>,
    count: i64,
    origin: &'a str,
}

/// [`INLINE_UPDATE_MAX`] as the statement binds it.
const INLINE_UPDATE_MAX_BIND: i32 = INLINE_UPDATE_MAX as i32;

/// The cache key of [`InsertAndAnnounce`]: its text never changes.
struct InsertAndAnnounceId;

impl diesel::query_builder::QueryId for InsertAndAnnounce<'_> {
    type QueryId = InsertAndAnnounceId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for InsertAndAnnounce<'_> {
    type SqlType = sql_types::Untyped;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for InsertAndAnnounce<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(
            "WITH locked AS ( \
                 SELECT project_id FROM documents WHERE project_id = ANY(",
        );
        out.push_bind_param::<Array<sql_types::Uuid>, _>(&self.projects)?;
        out.push_sql(
            ") ORDER BY project_id FOR SHARE), \
             appended AS ( \
                 INSERT INTO document_updates (project_id, update, user_id) \
                 SELECT u.project_id, u.update, u.user_id \
                 FROM unnest(",
        );
        out.push_bind_param::<Array<sql_types::Uuid>, _>(&self.project_ids)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<sql_types::Bytea>, _>(&self.updates)?;
        out.push_sql("::bytea[], ");
        out.push_bind_param::<Array<Nullable<sql_types::Uuid>>, _>(&self.users)?;
        out.push_sql(
            "::uuid[]) WITH ORDINALITY AS u (project_id, update, user_id, n) \
                 WHERE (SELECT count(*) FROM locked) = ",
        );
        out.push_bind_param::<sql_types::BigInt, _>(&self.count)?;
        out.push_sql(
            " ORDER BY u.n \
                 RETURNING id, project_id, update) \
             SELECT id, pg_notify(",
        );
        out.push_bind_param::<sql_types::Text, _>(&UPDATES_CHANNEL)?;
        out.push_sql(", concat_ws(' ', project_id, id, ");
        out.push_bind_param::<sql_types::Text, _>(&self.origin)?;
        out.push_sql("::text, CASE WHEN octet_length(update) <= ");
        out.push_bind_param::<sql_types::Integer, _>(&INLINE_UPDATE_MAX_BIND)?;
        out.push_sql(" THEN encode(update, 'hex') END, '')) FROM appended ORDER BY id");
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for InsertAndAnnounce<'_> {}

#[derive(QueryableByName)]
struct LogId {
    #[diesel(sql_type = sql_types::BigInt)]
    id: i64,
}

/// One logged update, as announced by a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub project_id: Uuid,
    pub id: i64,
    pub origin: String,
    /// The update itself, or `None` when it must be read from the log ([`logged_update`]).
    pub update: Option<Vec<u8>>,
}

/// The origin named by an update's notification (cheap: nothing is decoded).
pub fn notification_origin(payload: &str) -> Option<&str> {
    payload.split(' ').nth(2)
}

/// Parses an update's notification ([`insert_and_announce`]); `None` when it is not one.
pub fn parse_notification(payload: &str) -> Option<Announced> {
    let mut parts = payload.split(' ');
    let project_id = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    let origin = parts.next()?.to_owned();
    let inline = parts.next().unwrap_or("");
    let update = if inline.is_empty() {
        None
    } else {
        Some(hex::decode(inline).ok()?)
    };
    Some(Announced {
        project_id,
        id,
        origin,
        update,
    })
}

/// A logged update by id; `None` when compaction has folded it into the snapshot since.
pub fn logged_update(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Vec<u8>>> {
    document_updates::table
        .find(id)
        .select(document_updates::update)
        .first(conn)
        .optional()
}

/// Locks and loads the document, lets `edit` change it, and logs the change (if any) unless it
/// leaves the document over `max_bytes` ([`DocumentError::TooLarge`], nothing stored).
fn edit<T>(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Uuid,
    max_bytes: usize,
    change: impl FnOnce(&mut ProjectDoc) -> Result<Option<Vec<u8>>, EditError>,
    read: impl FnOnce(&ProjectDoc) -> T,
) -> QueryResult<T> {
    conn.transaction(|conn| {
        let mut doc = load_locked(conn, project_id)?;
        if let Some(update) = change(&mut doc).map_err(DocumentError::from)? {
            doc.check_size(update.len(), max_bytes)?;
            insert_update(conn, project_id, Some(user_id), &update)?;
        }
        Ok(read(&doc))
    })
}

/// Replaces the brief with `text` by a minimal edit (see [`ProjectDoc::set_brief`]) in one
/// transaction holding the document's row; logs only the change; returns the new brief. Fails
/// with [`DocumentError::TooLarge`] when the document would grow past `max_bytes`.
pub fn replace_brief(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Uuid,
    text: &str,
    max_bytes: usize,
) -> QueryResult<Section> {
    edit(
        conn,
        project_id,
        user_id,
        max_bytes,
        |doc| doc.set_brief(text),
        ProjectDoc::brief,
    )
}

/// Replaces an organization's mission with `text`, like [`replace_brief`].
pub fn replace_mission(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    user_id: Uuid,
    text: &str,
    max_bytes: usize,
) -> QueryResult<Section> {
    edit(
        conn,
        project_id,
        user_id,
        max_bytes,
        |doc| doc.set_mission(organization_id, text),
        |doc| doc.mission(organization_id),
    )
}

/// Replaces a meeting's agenda (see [`ProjectDoc::set_agenda`]): ids kept where given, new ids
/// (UUID v4 strings) otherwise. Returns the agenda as stored.
pub fn replace_agenda(
    conn: &mut PgConnection,
    project_id: Uuid,
    meeting_id: Uuid,
    user_id: Uuid,
    items: &[AgendaItemInput],
    max_bytes: usize,
) -> QueryResult<Agenda> {
    edit(
        conn,
        project_id,
        user_id,
        max_bytes,
        |doc| doc.set_agenda(meeting_id, items),
        |doc| doc.agenda(meeting_id),
    )
}

/// Folds the log into a new snapshot and deletes the folded rows. Reading, merging,
/// re-encoding and checking happen without holding the document's row, so appends never wait
/// for them; the write at the end holds it only while it swaps the snapshot — if it is still the
/// one read (another compaction may have won; then nothing is written) — and deletes exactly the
/// rows it merged. A document whose snapshot fails to load is left exactly as it is (the error
/// is returned); logged updates that do not load are quarantined and stay in the log, never
/// folded; the new snapshot is decoded again and checked against the merged state before
/// anything is written.
pub fn compact(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    // The snapshot and the log as of one moment, without locks.
    let (snapshot, snapshot_through, updates) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| {
            let (snapshot, through): (Vec<u8>, i64) = documents::table
                .find(project_id)
                .select((documents::snapshot, documents::snapshot_through))
                .first(conn)?;
            Ok::<_, DieselError>((snapshot, through, logged(conn, project_id)?))
        })?;
    if updates.is_empty() {
        return Ok(());
    }
    let (doc, bad) = assemble(project_id, &snapshot, snapshot_through, &updates)?;
    quarantine(conn, project_id, &bad);
    let folded: Vec<i64> = updates
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !bad.iter().any(|(skipped, _)| skipped == id))
        .collect();
    if folded.is_empty() {
        return Ok(());
    }
    let merged = doc.encode_state();
    let check = ProjectDoc::empty(project_id);
    check.apply("the new snapshot", &merged)?;
    if check.to_json() != doc.to_json() || state_vector(&check) != state_vector(&doc) {
        return Err(DocumentError::Corrupt {
            project_id,
            part: "the new snapshot".into(),
            reason: "it does not reproduce the loaded document".into(),
        }
        .into());
    }
    let written = conn.transaction(|conn| {
        let swapped = diesel::update(
            documents::table
                .find(project_id)
                .filter(documents::snapshot.eq(&snapshot)),
        )
        .set((
            documents::snapshot.eq(&merged),
            documents::snapshot_through.eq(doc.last_update_id),
            documents::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
        if swapped == 0 {
            return Ok(()); // Another compaction changed the snapshot first.
        }
        let deleted = diesel::delete(
            document_updates::table
                .filter(document_updates::project_id.eq(project_id))
                .filter(document_updates::id.eq_any(&folded))
                .filter(document_updates::quarantined_at.is_null()),
        )
        .execute(conn)?;
        if deleted != folded.len() {
            // Folded by a concurrent compaction that produced the same snapshot: leave it so.
            return Err(DieselError::RollbackTransaction);
        }
        Ok(())
    });
    match written {
        Err(DieselError::RollbackTransaction) => Ok(()),
        other => other,
    }
}

fn state_vector(doc: &ProjectDoc) -> yrs::StateVector {
    use yrs::ReadTxn;
    doc.doc.transact().state_vector()
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::WriteTxn;

    #[test]
    fn notifications_parse_inline_and_named_updates() {
        let project_id = Uuid::new_v4();
        let small = format!("{project_id} 42 abc 000102");
        assert_eq!(notification_origin(&small), Some("abc"));
        assert_eq!(
            parse_notification(&small),
            Some(Announced {
                project_id,
                id: 42,
                origin: "abc".into(),
                update: Some(vec![0, 1, 2]),
            })
        );
        // A large update is left out (the trailing separator stays).
        let large = parse_notification(&format!("{project_id} 43 {NO_ORIGIN} ")).unwrap();
        assert_eq!(
            (large.id, large.update, large.origin.as_str()),
            (43, None, NO_ORIGIN)
        );
        assert_eq!(parse_notification("not a notification"), None);
        assert_eq!(parse_notification(&format!("{project_id} 44 abc zz")), None);
    }

    /// A server document with a brief, and a client replica synced from it.
    fn server_and_client() -> (ProjectDoc, yrs::Doc) {
        let mut server = ProjectDoc::empty(Uuid::nil());
        server.set_brief("Le brief.").unwrap();
        let client = replica(&server);
        (server, client)
    }

    /// Another document with the same content (a client, or the server loaded again).
    fn replica(of: &ProjectDoc) -> yrs::Doc {
        let doc = layout::new_doc();
        doc.transact_mut()
            .apply_update(Update::decode_v1(&of.encode_state()).unwrap())
            .unwrap();
        doc
    }

    fn append(client: &yrs::Doc, text: &str) -> Vec<u8> {
        use yrs::Text;
        let mut txn = client.transact_mut();
        let brief = txn.get_or_insert_text(BRIEF);
        let end = brief.len(&txn);
        brief.insert(&mut txn, end, text);
        txn.encode_update_v1()
    }

    #[test]
    fn a_client_update_is_taken_only_when_it_integrates_completely() {
        let (server, client) = server_and_client();
        let _first = append(&client, " Un.");
        let second = append(&client, " Deux.");
        // The second depends on the first: alone, it would stay pending.
        let refused = server.apply_client_update(&second).unwrap_err();
        assert_eq!(refused.why, Refusal::Incomplete);
        assert!(refused.touched);
        // In order, both are taken (by a document without the refused one).
        let (original, client) = server_and_client();
        let first = append(&client, " Un.");
        let second = append(&client, " Deux.");
        let server = ProjectDoc {
            doc: replica(&original),
            ..ProjectDoc::empty(Uuid::nil())
        };
        assert!(server.apply_client_update(&second).is_err());
        let server = ProjectDoc {
            doc: replica(&original),
            ..ProjectDoc::empty(Uuid::nil())
        };
        server.apply_client_update(&first).unwrap();
        server.apply_client_update(&second).unwrap();
        assert_eq!(server.brief().text, "Le brief. Un. Deux.");
        // Sent again, it changes nothing and is fine.
        server.apply_client_update(&second).unwrap();
        // Garbage is malformed, and touches nothing.
        let refused = server.apply_client_update(&[0xff, 0xfe, 1]).unwrap_err();
        assert!(matches!(refused.why, Refusal::Malformed(_)));
        assert!(!refused.touched);
    }

    #[test]
    fn deleting_what_the_document_does_not_have_is_refused() {
        use yrs::Text;
        let (server, _) = server_and_client();
        let stranger = yrs::Doc::with_client_id(99);
        {
            let mut txn = stranger.transact_mut();
            let brief = txn.get_or_insert_text(BRIEF);
            brief.insert(&mut txn, 0, "abc");
        }
        let before = stranger.transact().state_vector();
        {
            let mut txn = stranger.transact_mut();
            let brief = txn.get_or_insert_text(BRIEF);
            brief.remove_range(&mut txn, 0, 3);
        }
        // Only the deletion: of three characters the server never had.
        let deletion = stranger.transact().encode_state_as_update_v1(&before);
        let refused = server.apply_client_update(&deletion).unwrap_err();
        assert_eq!(refused.why, Refusal::Incomplete);
    }

    #[test]
    fn the_largest_inline_update_fits_a_notification() {
        // <uuid> <i64> <origin: a uuid's 32 hex digits> <hex>, under PostgreSQL's 8000 bytes.
        let longest = 36 + 1 + 19 + 1 + 32 + 1 + 2 * INLINE_UPDATE_MAX;
        assert!(longest < 8000, "{longest}");
    }
}
