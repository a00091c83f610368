//! The project document: one yrs (Yjs) document per project, stored in PostgreSQL.
//!
//! Storage is a snapshot plus an append-only log. `documents.snapshot` holds the merge of every
//! update up to the log id `snapshot_through`; `document_updates` holds the lib0 v1 updates after
//! it, in id order. Loading applies the snapshot, then the log. Every change — a client's update
//! from the websocket ([`append_update`]) or a server-side replacement of a section
//! ([`replace_brief`], [`replace_mission`], [`replace_agenda`]) — is one more row in the log;
//! [`compact`] folds the log into a new snapshot.
//!
//! Locking, on the project's `documents` row: appends take it `FOR SHARE` (they may run side by
//! side), replacements and compaction `FOR UPDATE`. So a compaction never deletes a log row
//! that was inserted but not yet committed when it read the log, and a replacement computes its
//! diff from a state no other writer changes until it commits.
//!
//! **The never-overwrite rule.** A snapshot or update that does not decode is an error
//! ([`DocumentError::Corrupt`]), never an empty document: nothing is ever written from a
//! document that failed to load, so an empty document can never replace a real one. Client
//! updates are checked before they are appended, so one client cannot poison the log.
//!
//! **Announcements.** Every append is announced by a PostgreSQL notification on
//! [`UPDATES_CHANNEL`], so that live rooms on every server instance apply and relay what others
//! appended (see `crate::live`). Single appends and replacements notify in their own
//! transaction, delivered exactly at commit; the live writers' group commits ([`append_batch`])
//! announce right after their commit instead ([`announce`]), for the reason given there.
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
use yrs::{Transact, Update};

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

impl ProjectDoc {
    /// Applies a stored update (`part` names it in errors).
    fn apply(&self, part: &str, bytes: &[u8]) -> Result<(), DocumentError> {
        let corrupt = |reason: String| DocumentError::Corrupt {
            project_id: self.project_id,
            part: part.to_owned(),
            reason,
        };
        let update = decode(bytes).map_err(corrupt)?;
        let applied = catch_unwind(AssertUnwindSafe(|| {
            self.doc.transact_mut().apply_update(update)
        }));
        match applied {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(corrupt(error.to_string())),
            Err(_) => Err(corrupt("applying it panicked".into())),
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
/// project has no document; [`DocumentError::Corrupt`] when any part fails to decode.
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
    let updates: Vec<(i64, Vec<u8>)> = document_updates::table
        .filter(document_updates::project_id.eq(project_id))
        .filter(document_updates::id.gt(snapshot_through))
        .order(document_updates::id)
        .select((document_updates::id, document_updates::update))
        .load(conn)?;
    let mut doc = ProjectDoc {
        project_id,
        doc: layout::new_doc(),
        snapshot_through,
        last_update_id: snapshot_through,
    };
    doc.apply("snapshot", &snapshot)?;
    for (id, update) in updates {
        doc.apply(&format!("update {id}"), &update)?;
        doc.last_update_id = id;
    }
    Ok(doc)
}

/// Appends a client's raw lib0 v1 update to the log; returns its log id. The bytes are checked
/// to decode first ([`DocumentError::InvalidUpdate`] otherwise, nothing stored). Holds the
/// `documents` row `FOR SHARE` until the caller's transaction ends (see the module docs).
pub fn append_update(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Option<Uuid>,
    update: &[u8],
) -> QueryResult<i64> {
    decode(update).map_err(DocumentError::InvalidUpdate)?;
    conn.transaction(|conn| {
        documents::table
            .find(project_id)
            .select(documents::project_id)
            .for_share()
            .first::<Uuid>(conn)?;
        insert_update(conn, project_id, user_id, update)
    })
}

fn insert_update(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Option<Uuid>,
    update: &[u8],
) -> QueryResult<i64> {
    let id = diesel::insert_into(document_updates::table)
        .values((
            document_updates::project_id.eq(project_id),
            document_updates::update.eq(update),
            document_updates::user_id.eq(user_id),
        ))
        .returning(document_updates::id)
        .get_result(conn)?;
    notify_appended(conn, &[(project_id, id, update)], NO_ORIGIN)?;
    Ok(id)
}

/// The PostgreSQL channel on which every appended update is announced (see [`notification`]).
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

/// Appends the updates of several documents in one transaction (a group commit); returns their
/// log ids, in order. Same checks and locks as [`append_update`]: every update must decode
/// (nothing is stored otherwise), and each document's row is held `FOR SHARE`.
///
/// Unlike [`append_update`], it does not notify: the caller announces the committed updates
/// with [`announce`] once it is durable. A transaction that notifies takes PostgreSQL's
/// database-wide notification lock before its commit and keeps it until after the commit is
/// flushed (async.c, `PreCommit_Notify`), so group commits that notified could never flush
/// together: the instance's writers would take turns at the disk.
pub fn append_batch(conn: &mut PgConnection, updates: &[NewUpdate<'_>]) -> QueryResult<Vec<i64>> {
    for new in updates {
        decode(new.update).map_err(DocumentError::InvalidUpdate)?;
    }
    let mut projects: Vec<Uuid> = updates.iter().map(|u| u.project_id).collect();
    projects.sort_unstable();
    projects.dedup();
    // One statement, so one round trip and its own transaction: lock the documents' rows (in
    // id order, as every locker does), then insert every update — or none, when a document is
    // missing. Rows are inserted in the given order, so their ids ascend with it.
    let mut ids: Vec<i64> = diesel::sql_query(
        "WITH locked AS ( \
             SELECT project_id FROM documents WHERE project_id = ANY($1) \
             ORDER BY project_id FOR SHARE) \
         INSERT INTO document_updates (project_id, update, user_id) \
         SELECT u.project_id, u.update, u.user_id \
         FROM unnest($2::uuid[], $3::bytea[], $4::uuid[]) WITH ORDINALITY \
              AS u (project_id, update, user_id, n) \
         WHERE (SELECT count(*) FROM locked) = $5 \
         ORDER BY u.n \
         RETURNING id",
    )
    .bind::<Array<sql_types::Uuid>, _>(&projects)
    .bind::<Array<sql_types::Uuid>, _>(updates.iter().map(|u| u.project_id).collect::<Vec<_>>())
    .bind::<Array<sql_types::Bytea>, _>(updates.iter().map(|u| u.update).collect::<Vec<_>>())
    .bind::<Array<Nullable<sql_types::Uuid>>, _>(
        updates.iter().map(|u| u.user_id).collect::<Vec<_>>(),
    )
    .bind::<sql_types::BigInt, _>(projects.len() as i64)
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

#[derive(QueryableByName)]
struct LogId {
    #[diesel(sql_type = sql_types::BigInt)]
    id: i64,
}

/// Announces updates already committed to the log, on [`UPDATES_CHANNEL`], from a connection
/// outside any transaction: the notifications leave at once. `origin` names the writer, so that
/// its own listener can skip them. Nothing here needs to be durable (the updates are), so the
/// caller may run it with `synchronous_commit = off`.
pub fn announce(
    conn: &mut PgConnection,
    appended: &[(Uuid, i64, &[u8])],
    origin: &str,
) -> QueryResult<()> {
    notify_appended(conn, appended, origin)
}

/// Announces appended updates on [`UPDATES_CHANNEL`]; delivered to listeners at commit.
fn notify_appended(
    conn: &mut PgConnection,
    appended: &[(Uuid, i64, &[u8])],
    origin: &str,
) -> QueryResult<()> {
    let payloads: Vec<String> = appended
        .iter()
        .map(|(project_id, id, update)| notification(*project_id, *id, origin, update))
        .collect();
    diesel::sql_query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
        .bind::<diesel::sql_types::Text, _>(UPDATES_CHANNEL)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(payloads)
        .execute(conn)?;
    Ok(())
}

/// The payload announcing one appended update: `<project id> <log id> <origin> <hex update>`,
/// the update left empty when it is larger than [`INLINE_UPDATE_MAX`].
pub fn notification(project_id: Uuid, id: i64, origin: &str, update: &[u8]) -> String {
    let inline = if update.len() <= INLINE_UPDATE_MAX {
        hex::encode(update)
    } else {
        String::new()
    };
    format!("{project_id} {id} {origin} {inline}")
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

/// The origin named by a payload written by [`notification`] (cheap: nothing is decoded).
pub fn notification_origin(payload: &str) -> Option<&str> {
    payload.split(' ').nth(2)
}

/// Parses a payload written by [`notification`]; `None` when it is not one.
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

/// Locks and loads the document, lets `edit` change it, and logs the change (if any).
fn edit<T>(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Uuid,
    change: impl FnOnce(&mut ProjectDoc) -> Result<Option<Vec<u8>>, EditError>,
    read: impl FnOnce(&ProjectDoc) -> T,
) -> QueryResult<T> {
    conn.transaction(|conn| {
        let mut doc = load_locked(conn, project_id)?;
        if let Some(update) = change(&mut doc).map_err(DocumentError::from)? {
            insert_update(conn, project_id, Some(user_id), &update)?;
        }
        Ok(read(&doc))
    })
}

/// Replaces the brief with `text` by a minimal edit (see [`ProjectDoc::set_brief`]) in one
/// transaction holding the document's row; logs only the change; returns the new brief.
pub fn replace_brief(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Uuid,
    text: &str,
) -> QueryResult<Section> {
    edit(
        conn,
        project_id,
        user_id,
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
) -> QueryResult<Section> {
    edit(
        conn,
        project_id,
        user_id,
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
) -> QueryResult<Agenda> {
    edit(
        conn,
        project_id,
        user_id,
        |doc| doc.set_agenda(meeting_id, items),
        |doc| doc.agenda(meeting_id),
    )
}

/// Folds the log into a new snapshot and deletes the folded rows, holding the document's row.
/// A document that fails to load is left exactly as it is (the error is returned); the new
/// snapshot is decoded again and checked against the loaded state before anything is written.
pub fn compact(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    conn.transaction(|conn| {
        let doc = load_locked(conn, project_id)?;
        if doc.last_update_id == doc.snapshot_through {
            return Ok(());
        }
        let snapshot = doc.encode_state();
        let check = ProjectDoc::empty(project_id);
        check.apply("the new snapshot", &snapshot)?;
        if check.to_json() != doc.to_json() || state_vector(&check) != state_vector(&doc) {
            return Err(DocumentError::Corrupt {
                project_id,
                part: "the new snapshot".into(),
                reason: "it does not reproduce the loaded document".into(),
            }
            .into());
        }
        diesel::update(documents::table.find(project_id))
            .set((
                documents::snapshot.eq(snapshot),
                documents::snapshot_through.eq(doc.last_update_id),
                documents::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        diesel::delete(
            document_updates::table
                .filter(document_updates::project_id.eq(project_id))
                .filter(document_updates::id.le(doc.last_update_id)),
        )
        .execute(conn)?;
        Ok(())
    })
}

fn state_vector(doc: &ProjectDoc) -> yrs::StateVector {
    use yrs::ReadTxn;
    doc.doc.transact().state_vector()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_carry_small_updates_and_name_large_ones() {
        let project_id = Uuid::new_v4();
        let small = notification(project_id, 42, "abc", &[0, 1, 2]);
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
        let large = notification(project_id, 43, NO_ORIGIN, &[7; INLINE_UPDATE_MAX + 1]);
        assert!(large.len() < 100);
        let parsed = parse_notification(&large).unwrap();
        assert_eq!((parsed.id, parsed.update), (43, None));
        assert_eq!(parsed.origin, NO_ORIGIN);
        // The largest inline update still fits PostgreSQL's 8000-byte payload limit.
        let largest = notification(
            project_id,
            i64::MAX,
            "0123456789abcdef0123456789abcdef",
            &[1; INLINE_UPDATE_MAX],
        );
        assert!(largest.len() < 8000, "{}", largest.len());
        assert_eq!(parse_notification("not a notification"), None);
    }
}
