//! The project document in PostgreSQL: snapshot + log, minimal replacements that merge with
//! concurrent live edits, compaction, and the never-overwrite rule for corrupt documents.

use std::time::{Duration, Instant};

use amont::document::{self, AgendaItemInput, DocumentError};
use amont::domain::content::{agenda_hash, brief_hash, mission_hash};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea, Uuid as SqlUuid};
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{GetString, ReadTxn, StateVector, Text, Transact, Update, WriteTxn};

use crate::support::TestDb;

/// The default maximum size of a document (`AMONT_DOC_MAX_BYTES`).
const MAX: usize = 16 << 20;

struct Project {
    db: TestDb,
    conn: PgConnection,
    user: Uuid,
    org: Uuid,
    id: Uuid,
}

/// A database with one user, one organization, and one project with a document.
fn project(brief: &str) -> Project {
    let db = TestDb::new();
    let mut conn = db.connect();
    let user = insert_user(&mut conn, "Camille");
    let (org, id) = (Uuid::new_v4(), Uuid::new_v4());
    diesel::sql_query("INSERT INTO organizations (id, name) VALUES ($1, 'Maison des jeunes')")
        .bind::<SqlUuid, _>(org)
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(
        "INSERT INTO projects (id, title, initiator_organization_id, created_by) \
         VALUES ($1, 'Été jeunes', $2, $3)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(user)
    .execute(&mut conn)
    .unwrap();
    document::create(&mut conn, id, brief).unwrap();
    Project {
        db,
        conn,
        user,
        org,
        id,
    }
}

/// A user with only a name and an address.
fn insert_user(conn: &mut PgConnection, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    diesel::sql_query("INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)")
        .bind::<SqlUuid, _>(id)
        .bind::<diesel::sql_types::Text, _>(format!(
            "{}-{}@example.org",
            name.to_lowercase(),
            id.simple()
        ))
        .bind::<diesel::sql_types::Text, _>(name)
        .execute(conn)
        .unwrap();
    id
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn log_rows(conn: &mut PgConnection, project_id: Uuid) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM document_updates WHERE project_id = $1")
        .bind::<SqlUuid, _>(project_id)
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Stored {
    #[diesel(sql_type = Bytea)]
    snapshot: Vec<u8>,
    #[diesel(sql_type = BigInt)]
    snapshot_through: i64,
}

fn stored(conn: &mut PgConnection, project_id: Uuid) -> Stored {
    diesel::sql_query("SELECT snapshot, snapshot_through FROM documents WHERE project_id = $1")
        .bind::<SqlUuid, _>(project_id)
        .get_result(conn)
        .unwrap()
}

/// A browser-like replica: its own yrs document, synced from the server's state.
fn client_from(state: &[u8]) -> yrs::Doc {
    let client = yrs::Doc::new();
    client
        .transact_mut()
        .apply_update(Update::decode_v1(state).unwrap())
        .unwrap();
    client
}

/// Appends `suffix` to the client's brief; returns the update of that edit.
fn client_appends(client: &yrs::Doc, suffix: &str) -> Vec<u8> {
    let mut txn = client.transact_mut();
    let brief = txn.get_or_insert_text("brief");
    let end = brief.len(&txn);
    brief.insert(&mut txn, end, suffix);
    txn.encode_update_v1()
}

fn item(id: Option<&str>, title: &str, minutes: u32) -> AgendaItemInput {
    AgendaItemInput {
        id: id.map(str::to_owned),
        title: title.into(),
        duration_min: minutes,
        lead_org_id: None,
        notes: String::new(),
    }
}

#[test]
fn create_then_load_round_trips() {
    let mut p = project("Un été pour les 12-17 ans");
    let doc = document::load(&mut p.conn, p.id).unwrap();
    let brief = doc.brief();
    assert_eq!(brief.text, "Un été pour les 12-17 ans");
    assert_eq!(brief.content_hash, brief_hash("Un été pour les 12-17 ans"));
    let mission = doc.mission(p.org);
    assert_eq!(mission.text, "");
    assert_eq!(mission.content_hash, mission_hash(p.org, ""));
    let meeting = Uuid::new_v4();
    assert!(doc.agenda(meeting).items.is_empty());
    assert_eq!(doc.agenda(meeting).content_hash, agenda_hash(meeting, &[]));
    assert_eq!(
        log_rows(&mut p.conn, p.id),
        0,
        "the brief is in the snapshot"
    );

    // The browser's layout: root-level types read by their names from the raw state.
    let client = client_from(&doc.encode_state());
    let txn = client.transact();
    assert_eq!(
        txn.get_text("brief").unwrap().get_string(&txn),
        "Un été pour les 12-17 ans"
    );

    let missing = document::load(&mut p.conn, Uuid::new_v4());
    assert!(matches!(missing, Err(diesel::result::Error::NotFound)));
}

#[test]
fn replace_brief_changes_the_hash_iff_the_text_changes() {
    let mut p = project("Premier jet");
    let first =
        document::replace_brief(&mut p.conn, p.id, p.user, "Un projet jeunesse", MAX).unwrap();
    assert_eq!(first.text, "Un projet jeunesse");
    assert_eq!(log_rows(&mut p.conn, p.id), 1);

    let same =
        document::replace_brief(&mut p.conn, p.id, p.user, "Un projet jeunesse", MAX).unwrap();
    assert_eq!(same, first);
    assert_eq!(log_rows(&mut p.conn, p.id), 1, "no change, no update");

    let second = document::replace_brief(
        &mut p.conn,
        p.id,
        p.user,
        "Un projet jeunesse, été 2027",
        MAX,
    )
    .unwrap();
    assert_ne!(second.content_hash, first.content_hash);
    let loaded = document::load(&mut p.conn, p.id).unwrap().brief();
    assert_eq!(loaded, second);
    assert_eq!(loaded.text, "Un projet jeunesse, été 2027");

    // Only the difference is logged, not the whole text again.
    let long = "Objectifs. ".repeat(500);
    document::replace_brief(&mut p.conn, p.id, p.user, &long, MAX).unwrap();
    let edited = format!("{long}Fin.");
    document::replace_brief(&mut p.conn, p.id, p.user, &edited, MAX).unwrap();
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        size: i64,
    }
    let last: Size = diesel::sql_query(
        "SELECT length(update)::bigint AS size FROM document_updates \
         WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind::<SqlUuid, _>(p.id)
    .get_result(&mut p.conn)
    .unwrap();
    assert!(last.size < 100, "the last update is {} bytes", last.size);
    assert_eq!(
        document::load(&mut p.conn, p.id).unwrap().brief().text,
        edited
    );
}

#[test]
fn a_replace_merges_with_a_concurrent_client_edit() {
    let mut p = project("Le projet accueille les jeunes du quartier.");
    let base = document::load(&mut p.conn, p.id).unwrap();

    // A live client, synced before the replacement, types at the end while the replacement is
    // being made; its update reaches the log after the replacement.
    let client = client_from(&base.encode_state());
    let client_edit = client_appends(&client, " Le mercredi.");
    let replaced = document::replace_brief(
        &mut p.conn,
        p.id,
        p.user,
        "Notre projet accueille les jeunes du quartier.",
        MAX,
    )
    .unwrap();
    assert_eq!(
        replaced.text,
        "Notre projet accueille les jeunes du quartier."
    );
    document::append_update(&mut p.conn, p.id, Some(p.user), &client_edit).unwrap();

    let merged = document::load(&mut p.conn, p.id).unwrap().brief().text;
    assert_eq!(
        merged,
        "Notre projet accueille les jeunes du quartier. Le mercredi."
    );
}

#[test]
fn an_edit_from_a_stale_view_merges_with_a_logged_client_edit() {
    let mut p = project("Le projet accueille les jeunes du quartier.");
    let mut stale = document::load(&mut p.conn, p.id).unwrap();

    // The client's edit is logged first; the server-side edit is computed from a view that has
    // not seen it (as an in-memory room would), and logged after.
    let client = client_from(&stale.encode_state());
    let client_edit = client_appends(&client, " Le mercredi.");
    document::append_update(&mut p.conn, p.id, None, &client_edit).unwrap();
    let server_edit = stale
        .set_brief("Notre projet accueille les jeunes du quartier.")
        .unwrap()
        .unwrap();
    document::append_update(&mut p.conn, p.id, Some(p.user), &server_edit).unwrap();

    let merged = document::load(&mut p.conn, p.id).unwrap().brief().text;
    assert_eq!(
        merged,
        "Notre projet accueille les jeunes du quartier. Le mercredi."
    );

    // And replace_brief, given the current text with only its beginning changed, keeps the
    // client's words at the end.
    let now = document::replace_brief(
        &mut p.conn,
        p.id,
        p.user,
        "Ce projet accueille les jeunes du quartier. Le mercredi.",
        MAX,
    )
    .unwrap();
    assert_eq!(
        now.text,
        "Ce projet accueille les jeunes du quartier. Le mercredi."
    );
    // The client, catching up from its own state, converges on the same text.
    let missing = {
        let txn = client.transact();
        let loaded = document::load(&mut p.conn, p.id).unwrap();
        let server = loaded.doc().transact();
        server.encode_state_as_update_v1(&txn.state_vector())
    };
    client
        .transact_mut()
        .apply_update(Update::decode_v1(&missing).unwrap())
        .unwrap();
    let txn = client.transact();
    assert_eq!(txn.get_text("brief").unwrap().get_string(&txn), now.text);
}

#[test]
fn replace_agenda_keeps_ids_and_order() {
    let mut p = project("Brief");
    let meeting = Uuid::new_v4();
    let lead = p.org.to_string();
    let mut items = vec![
        item(None, "Accueil", 10),
        item(Some("missions"), "Missions de chacun", 40),
        item(None, "Calendrier", 20),
    ];
    items[1].lead_org_id = Some(lead.clone());
    items[1].notes = "Relire la fiche action".into();
    let agenda = document::replace_agenda(&mut p.conn, p.id, meeting, p.user, &items, MAX).unwrap();
    let ids: Vec<String> = agenda.items.iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids[1], "missions");
    assert!(Uuid::parse_str(&ids[0]).is_ok() && Uuid::parse_str(&ids[2]).is_ok());
    assert_eq!(
        agenda
            .items
            .iter()
            .map(|i| i.title.as_str())
            .collect::<Vec<_>>(),
        ["Accueil", "Missions de chacun", "Calendrier"]
    );
    assert_eq!(agenda.items[1].lead_org_id.as_deref(), Some(lead.as_str()));
    assert_eq!(agenda.items[1].notes, "Relire la fiche action");
    assert_eq!(agenda.items[1].duration_min, 40);
    assert_eq!(agenda.content_hash, agenda_hash(meeting, &agenda.items));
    assert_eq!(
        document::load(&mut p.conn, p.id).unwrap().agenda(meeting),
        agenda
    );

    // Reorder, edit one, drop one, add one: ids given are kept.
    let reordered = vec![
        item(Some(&ids[2]), "Calendrier", 20),
        item(Some(&ids[0]), "Accueil et tour de table", 15),
        item(None, "Questions diverses", 5),
    ];
    let again =
        document::replace_agenda(&mut p.conn, p.id, meeting, p.user, &reordered, MAX).unwrap();
    assert_eq!(again.items[0].id, ids[2]);
    assert_eq!(again.items[1].id, ids[0]);
    assert_eq!(again.items[1].title, "Accueil et tour de table");
    assert_eq!(again.items[1].duration_min, 15);
    assert_eq!(again.items[2].title, "Questions diverses");
    assert!(!ids.contains(&again.items[2].id));
    assert_ne!(again.content_hash, agenda.content_hash);
    assert_eq!(
        document::load(&mut p.conn, p.id).unwrap().agenda(meeting),
        again
    );

    let rows = log_rows(&mut p.conn, p.id);
    let unchanged = document::replace_agenda(
        &mut p.conn,
        p.id,
        meeting,
        p.user,
        &{
            let mut same = reordered.clone();
            same[2].id = Some(again.items[2].id.clone());
            same
        },
        MAX,
    )
    .unwrap();
    assert_eq!(unchanged, again);
    assert_eq!(log_rows(&mut p.conn, p.id), rows, "no change, no update");

    let other = Uuid::new_v4();
    assert!(
        document::load(&mut p.conn, p.id)
            .unwrap()
            .agenda(other)
            .items
            .is_empty()
    );
}

#[test]
fn compact_keeps_the_content_and_empties_the_log() {
    let mut p = project("Brief initial");
    let meeting = Uuid::new_v4();
    document::replace_brief(&mut p.conn, p.id, p.user, "Brief revu", MAX).unwrap();
    document::replace_mission(
        &mut p.conn,
        p.id,
        p.org,
        p.user,
        "Accueillir les jeunes",
        MAX,
    )
    .unwrap();
    document::replace_agenda(
        &mut p.conn,
        p.id,
        meeting,
        p.user,
        &[item(None, "Accueil", 10), item(None, "Missions", 30)],
        MAX,
    )
    .unwrap();
    let before = document::load(&mut p.conn, p.id).unwrap();
    let client = client_from(&before.encode_state());
    let last =
        document::append_update(&mut p.conn, p.id, None, &client_appends(&client, " !")).unwrap();
    let before = document::load(&mut p.conn, p.id).unwrap();
    assert_eq!(before.last_update_id(), last);

    document::compact(&mut p.conn, p.id).unwrap();

    assert_eq!(log_rows(&mut p.conn, p.id), 0);
    assert_eq!(stored(&mut p.conn, p.id).snapshot_through, last);
    let after = document::load(&mut p.conn, p.id).unwrap();
    assert_eq!(after.to_json(), before.to_json());
    assert_eq!(after.brief(), before.brief());
    assert_eq!(after.brief().text, "Brief revu !");
    assert_eq!(after.mission(p.org), before.mission(p.org));
    assert_eq!(after.agenda(meeting), before.agenda(meeting));
    {
        let (a, b) = (after.doc().transact(), before.doc().transact());
        assert_eq!(a.state_vector(), b.state_vector());
    }

    // Compacting again with nothing logged changes nothing; the log goes on after it.
    let snapshot = stored(&mut p.conn, p.id);
    document::compact(&mut p.conn, p.id).unwrap();
    assert_eq!(stored(&mut p.conn, p.id), snapshot);
    document::replace_brief(&mut p.conn, p.id, p.user, "Brief final", MAX).unwrap();
    let id = document::load(&mut p.conn, p.id).unwrap().last_update_id();
    assert!(id > last);
    assert_eq!(
        document::load(&mut p.conn, p.id).unwrap().brief().text,
        "Brief final"
    );
    // A client that synced before the compaction still catches up from its state vector.
    let sv = client.transact().state_vector();
    assert_ne!(sv, StateVector::default());
    let missing = document::load(&mut p.conn, p.id)
        .unwrap()
        .doc()
        .transact()
        .encode_state_as_update_v1(&sv);
    client
        .transact_mut()
        .apply_update(Update::decode_v1(&missing).unwrap())
        .unwrap();
    let txn = client.transact();
    assert_eq!(
        txn.get_text("brief").unwrap().get_string(&txn),
        "Brief final"
    );
}

fn assert_corrupt(result: diesel::QueryResult<impl Sized>, part: &str) {
    let error = match result {
        Ok(_) => panic!("a corrupt document loaded"),
        Err(error) => error,
    };
    match document::document_error(&error) {
        Some(DocumentError::Corrupt { part: found, .. }) => assert_eq!(found, part),
        other => panic!("expected a corrupt document, got {other:?} ({error})"),
    }
}

/// A lib0 v1 update that decodes but does not integrate: one item (of client 4242, clock 0,
/// the string "x") whose parent is the item `parent` — which, when it is a piece of text rather
/// than a shared type, yrs refuses ("block parent must be deleted or shared ref type"). No
/// yrs API writes such an update: its bytes are spelt out (lib0 v1, as y.js encodes it).
pub fn update_under_an_item(parent: yrs::ID) -> Vec<u8> {
    fn var_uint(out: &mut Vec<u8>, mut n: u64) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    let mut out = Vec::new();
    var_uint(&mut out, 1); // clients
    var_uint(&mut out, 1); // structs of that client
    var_uint(&mut out, 4242); // its id
    var_uint(&mut out, 0); // first clock
    out.push(4); // an item of string content, without origins: its parent follows
    var_uint(&mut out, 0); // the parent is given by id (1 would be a root type's name)
    var_uint(&mut out, parent.client.get());
    var_uint(&mut out, u64::from(parent.clock));
    var_uint(&mut out, 1); // the string "x"
    out.push(b'x');
    var_uint(&mut out, 0); // an empty delete set
    out
}

/// The id of the first item of the document's only client so far — the brief's author, when
/// nothing else was written: a piece of text, not a shared type.
pub fn first_text_item(doc: &yrs::Doc) -> yrs::ID {
    let txn = doc.transact();
    assert_eq!(txn.state_vector().len(), 1, "one author only");
    let (client, _) = txn
        .state_vector()
        .iter()
        .map(|(client, clock)| (*client, *clock))
        .next()
        .expect("the brief was written by someone");
    yrs::ID::new(client, 0)
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Flag {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    quarantined_at: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    quarantine_reason: Option<String>,
}

fn flags(conn: &mut PgConnection, project_id: Uuid) -> Vec<Flag> {
    diesel::sql_query(
        "SELECT id, quarantined_at, quarantine_reason FROM document_updates \
         WHERE project_id = $1 ORDER BY id",
    )
    .bind::<SqlUuid, _>(project_id)
    .load(conn)
    .unwrap()
}

fn insert_raw(conn: &mut PgConnection, project_id: Uuid, update: &[u8]) -> i64 {
    diesel::insert_into(amont::db::schema::document_updates::table)
        .values((
            amont::db::schema::document_updates::project_id.eq(project_id),
            amont::db::schema::document_updates::update.eq(update.to_vec()),
        ))
        .returning(amont::db::schema::document_updates::id)
        .get_result(conn)
        .unwrap()
}

#[test]
fn bad_logged_updates_are_quarantined_and_the_rest_still_loads() {
    let mut p = project("Un brief qui compte");
    let stored = document::load(&mut p.conn, p.id).unwrap();
    let under_text = update_under_an_item(first_text_item(stored.doc()));
    // It is a real update (it decodes) that yrs will not integrate.
    let decoded = Update::decode_v1(&under_text).expect("it decodes");
    let error = stored
        .doc()
        .transact_mut()
        .apply_update(decoded)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("must be deleted or shared ref type"),
        "{error}"
    );

    document::replace_brief(
        &mut p.conn,
        p.id,
        p.user,
        "Un brief qui compte vraiment",
        MAX,
    )
    .unwrap();
    // A client cannot append garbage.
    let rejected = document::append_update(&mut p.conn, p.id, Some(p.user), b"\xff\xfe garbage");
    let error = rejected.unwrap_err();
    assert!(matches!(
        document::document_error(&error),
        Some(DocumentError::InvalidUpdate(_))
    ));
    assert!(matches!(
        document::append_update(&mut p.conn, Uuid::new_v4(), None, &[0, 0]),
        Err(diesel::result::Error::NotFound)
    ));

    // Bad rows that reached the log some other way (an older version, a hand-made insert),
    // with good rows around them.
    let undecodable = insert_raw(&mut p.conn, p.id, b"\x05\xff\xff\xff\xff not lib0");
    let unintegrable = insert_raw(&mut p.conn, p.id, &under_text);
    let base = client_from(&document::load(&mut p.conn, p.id).unwrap().encode_state());
    let after = client_appends(&base, " Et après.");
    insert_raw(&mut p.conn, p.id, &after);

    // The document loads, without them.
    let doc = document::load(&mut p.conn, p.id).unwrap();
    assert_eq!(doc.brief().text, "Un brief qui compte vraiment Et après.");
    let flagged = flags(&mut p.conn, p.id);
    let quarantined: Vec<i64> = flagged
        .iter()
        .filter(|f| f.quarantined_at.is_some())
        .map(|f| f.id)
        .collect();
    assert_eq!(quarantined, vec![undecodable, unintegrable], "{flagged:?}");
    let reason = |id: i64| {
        flagged
            .iter()
            .find(|f| f.id == id)
            .and_then(|f| f.quarantine_reason.clone())
            .unwrap_or_default()
    };
    assert!(reason(undecodable).contains("not a lib0 v1 update"));
    assert!(reason(unintegrable).contains("does not apply"));

    // A second load does not flag them again, and sees the same document.
    let again = document::load(&mut p.conn, p.id).unwrap();
    assert_eq!(again.to_json(), doc.to_json());
    assert_eq!(flags(&mut p.conn, p.id), flagged);

    // Edits go on; compaction folds the good rows and leaves the quarantined ones as they are.
    document::replace_brief(&mut p.conn, p.id, p.user, "Réécrit.", MAX).unwrap();
    document::compact(&mut p.conn, p.id).unwrap();
    let left = flags(&mut p.conn, p.id);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().all(|f| f.quarantined_at.is_some()));
    assert_eq!(
        document::load(&mut p.conn, p.id).unwrap().brief().text,
        "Réécrit."
    );

    // A corrupt snapshot is another matter: nothing to load from, never written over.
    diesel::sql_query("UPDATE documents SET snapshot = '\\x01ff'::bytea WHERE project_id = $1")
        .bind::<SqlUuid, _>(p.id)
        .execute(&mut p.conn)
        .unwrap();
    assert_corrupt(document::load(&mut p.conn, p.id), "snapshot");
    document::append_update(&mut p.conn, p.id, None, &after).unwrap();
    assert_corrupt(document::compact(&mut p.conn, p.id), "snapshot");
    assert_corrupt(
        document::replace_brief(&mut p.conn, p.id, p.user, "", MAX),
        "snapshot",
    );
    assert_eq!(stored_snapshot(&mut p.conn, p.id), b"\x01\xff".to_vec());
}

#[test]
fn a_load_inside_a_read_only_transaction_still_loads() {
    // Flagging is a side effect of a read: where it cannot be written, the load goes on.
    let mut p = project("Brief");
    let stored = document::load(&mut p.conn, p.id).unwrap();
    let bad = insert_raw(
        &mut p.conn,
        p.id,
        &update_under_an_item(first_text_item(stored.doc())),
    );
    let brief = p
        .conn
        .build_transaction()
        .read_only()
        .run(|conn| document::load(conn, p.id).map(|doc| doc.brief().text))
        .unwrap();
    assert_eq!(brief, "Brief");
    assert!(
        flags(&mut p.conn, p.id)[0].quarantined_at.is_none(),
        "{bad}"
    );
    document::load(&mut p.conn, p.id).unwrap();
    assert!(flags(&mut p.conn, p.id)[0].quarantined_at.is_some());
}

#[test]
fn replacements_do_not_grow_a_document_past_its_maximum() {
    let mut p = project("Court.");
    let error =
        document::replace_brief(&mut p.conn, p.id, p.user, &"z".repeat(5_000), 4_000).unwrap_err();
    assert!(
        matches!(
            document::document_error(&error),
            Some(DocumentError::TooLarge { max: 4_000, .. })
        ),
        "{error}"
    );
    assert_eq!(log_rows(&mut p.conn, p.id), 0);
    // Under the maximum, and shrinking back under it, are fine.
    document::replace_brief(&mut p.conn, p.id, p.user, &"z".repeat(3_000), 4_000).unwrap();
    document::replace_brief(&mut p.conn, p.id, p.user, "Court.", 4_000).unwrap();
}

fn stored_snapshot(conn: &mut PgConnection, project_id: Uuid) -> Vec<u8> {
    stored(conn, project_id).snapshot
}

#[test]
fn concurrent_mission_replacements_are_serialized() {
    let mut p = project("Brief");
    let (project_id, org, user) = (p.id, p.org, p.user);
    let mut other = p.db.connect();
    let mut watcher = p.db.connect();

    p.conn
        .transaction(|conn| {
            document::replace_mission(conn, project_id, org, user, "Première version", MAX)?;
            // A second writer on its own connection waits on the document's row...
            let second = std::thread::spawn(move || {
                document::replace_mission(&mut other, project_id, org, user, "Seconde version", MAX)
            });
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let waiting = diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .get_result::<Count>(&mut watcher)?
                .n;
                if waiting == 1 {
                    break;
                }
                assert!(Instant::now() < deadline, "the second writer never waited");
                std::thread::sleep(Duration::from_millis(20));
            }
            // ...and goes on once this transaction commits.
            Ok::<_, diesel::result::Error>(second)
        })
        .map(|second| {
            let section = second.join().unwrap().unwrap();
            assert_eq!(section.text, "Seconde version");
        })
        .unwrap();

    let mission = document::load(&mut p.conn, p.id).unwrap().mission(p.org);
    assert_eq!(mission.text, "Seconde version");
    assert_eq!(mission.content_hash, mission_hash(p.org, "Seconde version"));
    assert_eq!(log_rows(&mut p.conn, p.id), 2);
}

#[test]
fn a_group_commit_logs_every_update_in_order_or_none() {
    let mut p = project("Début");
    let other = Uuid::new_v4();
    diesel::sql_query(
        "INSERT INTO projects (id, title, initiator_organization_id, created_by) \
         VALUES ($1, 'Autre', $2, $3)",
    )
    .bind::<SqlUuid, _>(other)
    .bind::<SqlUuid, _>(p.org)
    .bind::<SqlUuid, _>(p.user)
    .execute(&mut p.conn)
    .unwrap();
    document::create(&mut p.conn, other, "Autre début").unwrap();
    let state = document::load(&mut p.conn, p.id).unwrap().encode_state();
    let other_state = document::load(&mut p.conn, other).unwrap().encode_state();
    let (a, b) = (client_from(&state), client_from(&other_state));
    let edits = [
        (p.id, client_appends(&a, " un")),
        (other, client_appends(&b, " deux")),
        (p.id, client_appends(&a, " trois")),
        (p.id, client_appends(&a, " quatre")),
    ];
    let batch: Vec<document::NewUpdate<'_>> = edits
        .iter()
        .map(|(project_id, update)| document::NewUpdate {
            project_id: *project_id,
            user_id: Some(p.user),
            update,
        })
        .collect();

    let mut listener = p.db.connect();
    diesel::sql_query(format!("LISTEN {}", document::UPDATES_CHANNEL))
        .execute(&mut listener)
        .unwrap();

    let ids = document::append_batch(&mut p.conn, &batch, "writer-1").unwrap();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Each update announced at commit, in order, carrying the update itself.
    let announced = notifications(&mut listener, 4);
    for (((project_id, update), id), announced) in edits.iter().zip(&ids).zip(&announced) {
        assert_eq!(announced.project_id, *project_id);
        assert_eq!(announced.id, *id);
        assert_eq!(announced.origin, "writer-1");
        assert_eq!(announced.update.as_deref(), Some(update.as_slice()));
    }
    for ((_, update), id) in edits.iter().zip(&ids) {
        assert_eq!(
            document::logged_update(&mut p.conn, *id)
                .unwrap()
                .as_deref(),
            Some(update.as_slice())
        );
    }
    let brief = |conn: &mut PgConnection, id| document::load(conn, id).unwrap().brief().text;
    assert_eq!(brief(&mut p.conn, p.id), "Début un trois quatre");
    assert_eq!(brief(&mut p.conn, other), "Autre début deux");
    // One too large for a notification is named, to be read back from the log.
    let large = client_appends(&b, &"x".repeat(document::INLINE_UPDATE_MAX));
    let id = document::append_update(&mut p.conn, other, None, &large).unwrap();
    let announced = notifications(&mut listener, 1);
    assert_eq!((announced[0].id, announced[0].update.as_ref()), (id, None));
    assert_eq!(announced[0].origin, document::NO_ORIGIN);
    assert_eq!(
        document::logged_update(&mut p.conn, id).unwrap(),
        Some(large)
    );

    // A project without a document (never created, or deleted): the whole batch is refused.
    let missing = Uuid::new_v4();
    let more = client_appends(&a, " cinq");
    let refused = [
        document::NewUpdate {
            project_id: p.id,
            user_id: Some(p.user),
            update: &more,
        },
        document::NewUpdate {
            project_id: missing,
            user_id: None,
            update: &more,
        },
    ];
    assert!(matches!(
        document::append_batch(&mut p.conn, &refused, "writer-1"),
        Err(diesel::result::Error::NotFound)
    ));
    // An update that does not decode: refused before anything is written.
    let garbage = [
        refused[0],
        document::NewUpdate {
            project_id: p.id,
            user_id: None,
            update: b"\xff\xff\xff",
        },
    ];
    assert!(document::append_batch(&mut p.conn, &garbage, "writer-1").is_err());
    assert_eq!(log_rows(&mut p.conn, p.id), 3);
    assert!(notifications(&mut listener, 0).is_empty());
}

/// The next `count` update notifications (waits up to 10 s for them, and a moment for more).
fn notifications(conn: &mut PgConnection, count: usize) -> Vec<document::Announced> {
    let mut found = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut quiet_until = None;
    loop {
        for n in conn.notifications_iter() {
            let n = n.unwrap();
            found.push(document::parse_notification(&n.payload).expect(&n.payload));
        }
        if found.len() >= count {
            // Anything beyond `count` must show up too.
            let until = *quiet_until.get_or_insert(Instant::now() + Duration::from_millis(200));
            if Instant::now() > until {
                assert_eq!(found.len(), count, "{found:?}");
                return found;
            }
        }
        assert!(
            Instant::now() < deadline,
            "only {} notifications",
            found.len()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn compaction_keeps_what_it_did_not_read() {
    let mut p = project("Début");
    let state = document::load(&mut p.conn, p.id).unwrap().encode_state();
    let client = client_from(&state);
    for word in [" un", " deux", " trois"] {
        document::append_update(&mut p.conn, p.id, None, &client_appends(&client, word)).unwrap();
    }
    // An append in flight: inserted, not committed, holding the document's row FOR SHARE.
    let mut in_flight = p.db.connect();
    diesel::sql_query("BEGIN").execute(&mut in_flight).unwrap();
    let late_id = document::append_update(
        &mut in_flight,
        p.id,
        None,
        &client_appends(&client, " quatre"),
    )
    .unwrap();
    let mut compactor = p.db.connect();
    let project_id = p.id;
    let compaction = std::thread::spawn(move || document::compact(&mut compactor, project_id));
    // It reads and merges without waiting, then waits for the row to swap the snapshot.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock' \
             AND query LIKE 'UPDATE \"documents\"%'",
        )
        .get_result::<Count>(&mut p.conn)
        .unwrap()
        .n;
        if waiting == 1 {
            break;
        }
        assert!(
            !compaction.is_finished(),
            "the compaction did not wait for the append"
        );
        assert!(
            Instant::now() < deadline,
            "the compaction never reached its write"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    diesel::sql_query("COMMIT").execute(&mut in_flight).unwrap();
    compaction.join().unwrap().unwrap();

    // The three it read are folded; the one committed meanwhile is still in the log.
    assert_eq!(log_rows(&mut p.conn, p.id), 1);
    assert!(
        document::logged_update(&mut p.conn, late_id)
            .unwrap()
            .is_some()
    );
    let brief = |conn: &mut PgConnection| document::load(conn, p.id).unwrap().brief().text;
    assert_eq!(brief(&mut p.conn), "Début un deux trois quatre");

    // A row whose id is below what the snapshot already holds (it committed late) still counts.
    let through = stored(&mut p.conn, p.id).snapshot_through;
    assert!(through > 0 && through < late_id);
    diesel::sql_query("INSERT INTO document_updates (id, project_id, update) VALUES ($1, $2, $3)")
        .bind::<BigInt, _>(through - 1)
        .bind::<SqlUuid, _>(p.id)
        .bind::<Bytea, _>(client_appends(&client, " cinq"))
        .execute(&mut p.conn)
        .unwrap();
    assert_eq!(brief(&mut p.conn), "Début un deux trois quatre cinq");
    document::compact(&mut p.conn, p.id).unwrap();
    assert_eq!(log_rows(&mut p.conn, p.id), 0);
    assert_eq!(brief(&mut p.conn), "Début un deux trois quatre cinq");
    assert_eq!(stored(&mut p.conn, p.id).snapshot_through, late_id);
}

/// The log has no foreign keys — they cost a locking check per row of the hottest table (ADR
/// 22) —, and keeps what they did: an append names an existing document or stores nothing,
/// deleting a project deletes its log, and the author of a logged update cannot be deleted.
#[test]
fn the_log_keeps_its_integrity_without_foreign_keys() {
    let mut p = project("Un été");
    let client = client_from(&document::load(&mut p.conn, p.id).unwrap().encode_state());
    let update = client_appends(&client, " au lac");
    let author = insert_user(&mut p.conn, "Alex");
    let reader = insert_user(&mut p.conn, "Sam");

    let nowhere = Uuid::new_v4();
    let refused = document::append_update(&mut p.conn, nowhere, Some(author), &update);
    assert!(matches!(refused, Err(diesel::result::Error::NotFound)));
    assert_eq!(log_rows(&mut p.conn, nowhere), 0);
    document::append_update(&mut p.conn, p.id, Some(author), &update).unwrap();
    assert_eq!(log_rows(&mut p.conn, p.id), 1);

    let kept = diesel::sql_query("DELETE FROM users WHERE id = $1")
        .bind::<SqlUuid, _>(author)
        .execute(&mut p.conn);
    match kept {
        Err(diesel::result::Error::DatabaseError(kind, info)) => {
            assert!(matches!(
                kind,
                diesel::result::DatabaseErrorKind::ForeignKeyViolation
            ));
            assert!(info.message().contains("logged document updates"));
        }
        other => panic!("the author was deleted: {other:?}"),
    }
    let deleted = diesel::sql_query("DELETE FROM users WHERE id = $1")
        .bind::<SqlUuid, _>(reader)
        .execute(&mut p.conn)
        .unwrap();
    assert_eq!(
        deleted, 1,
        "someone with nothing logged can still be deleted"
    );

    diesel::sql_query("DELETE FROM projects WHERE id = $1")
        .bind::<SqlUuid, _>(p.id)
        .execute(&mut p.conn)
        .unwrap();
    assert_eq!(
        log_rows(&mut p.conn, p.id),
        0,
        "the log went with its project"
    );
}
