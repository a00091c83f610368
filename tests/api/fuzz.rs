//! Bounded fuzzing with `proptest`: what participants send never breaks a project.
//!
//! - Random and mutated y-sync frames and updates go through the server's frame decoder
//!   ([`amont::live::read_frame`]) and the apply-before-store path of live rooms
//!   ([`amont::document::ProjectDoc::apply_client_update`], then the log): nothing panics,
//!   everything stored loads (no row is ever quarantined), and the document loaded from the
//!   database is exactly the one the room holds in memory.
//! - The same through a real server and real websocket connections, then random JSON bodies to
//!   the main endpoints: no 5xx, and the document still loads.
//!
//! The seed is fixed (a failure is reproducible); `AMONT_FUZZ_CASES` sets the number of cases
//! (64 by default, a few seconds): `AMONT_FUZZ_CASES=5000 cargo test --test api fuzz::`.

use std::cell::RefCell;

use amont::document::{self, ProjectDoc};
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use uuid::Uuid;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Array, ArrayPrelim, Doc, GetString, Map, MapPrelim, ReadTxn, Text, TextPrelim, Transact,
    Update, WriteTxn,
};

use crate::actors::{Actor, status_and_body};
use crate::support::{TestApp, TestDb};
use crate::yclient::{YClient, ws_url};

fn cases() -> u32 {
    std::env::var("AMONT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

/// One thing a client does.
#[derive(Debug, Clone)]
enum Step {
    /// A real edit by client `client` (0..3): `kind` picks text insert / delete, a mission, an
    /// agenda item.
    Edit {
        client: usize,
        kind: u8,
        at: u16,
        text: String,
    },
    /// One of the updates made so far, damaged.
    Mutate { of: u16, how: Mutation },
    /// The end of one update glued to the start of another.
    Splice { a: u16, b: u16, cut: u16 },
    /// Bytes, as they come.
    Random(Vec<u8>),
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: u16, bit: u8 },
    Truncate { at: u16 },
    Insert { at: u16, byte: u8 },
    Remove { at: u16 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..3usize, any::<u8>(), any::<u16>(), "[a-zé ]{0,12}")
            .prop_map(|(client, kind, at, text)| Step::Edit { client, kind, at, text }),
        3 => (any::<u16>(), mutation()).prop_map(|(of, how)| Step::Mutate { of, how }),
        1 => (any::<u16>(), any::<u16>(), any::<u16>())
            .prop_map(|(a, b, cut)| Step::Splice { a, b, cut }),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Step::Random),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u16>(), 0..8u8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        any::<u16>().prop_map(|at| Mutation::Truncate { at }),
        (any::<u16>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<u16>().prop_map(|at| Mutation::Remove { at }),
    ]
}

/// How a frame carries an update: as y-websocket sends it, or with other messages around it.
fn frame_of(update: &[u8], shape: u8) -> Vec<u8> {
    let update = update.to_vec();
    match shape % 4 {
        0 => Message::Sync(SyncMessage::Update(update)).encode_v1(),
        1 => Message::Sync(SyncMessage::SyncStep2(update)).encode_v1(),
        2 => {
            let mut frame = Message::AwarenessQuery.encode_v1();
            frame.extend(Message::Sync(SyncMessage::Update(update)).encode_v1());
            frame
        }
        // The update's bytes where a message should be.
        _ => update,
    }
}

fn pick(items: &[Vec<u8>], n: u16) -> Option<&Vec<u8>> {
    (!items.is_empty()).then(|| &items[usize::from(n) % items.len()])
}

fn mutate(bytes: &[u8], how: &Mutation) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = |n: u16, len: usize| usize::from(n) % len.max(1);
    match *how {
        Mutation::Flip { at: n, bit } if !out.is_empty() => {
            let i = at(n, out.len());
            out[i] ^= 1 << bit;
        }
        Mutation::Truncate { at: n } => out.truncate(at(n, out.len())),
        Mutation::Insert { at: n, byte } => {
            let i = at(n, out.len() + 1);
            out.insert(i.min(out.len()), byte);
        }
        Mutation::Remove { at: n } if !out.is_empty() => {
            let i = at(n, out.len());
            out.remove(i);
        }
        _ => {}
    }
    out
}

/// A client's real edit; its update.
fn edit(client: &Doc, kind: u8, at: u16, text: &str) -> Vec<u8> {
    let mut txn = client.transact_mut();
    match kind % 5 {
        0 | 1 => {
            let brief = txn.get_or_insert_text("brief");
            let len = brief.len(&txn);
            let at = u32::from(at) % (len + 1);
            // On a character boundary (the server counts bytes, yrs clients may not).
            let current = brief.get_string(&txn);
            let at = (0..=at)
                .rev()
                .find(|i| current.is_char_boundary(*i as usize))
                .unwrap_or(0);
            brief.insert(&mut txn, at, text);
        }
        2 => {
            let brief = txn.get_or_insert_text("brief");
            let current = brief.get_string(&txn);
            let len = current.len() as u32;
            if len > 0 {
                let from = u32::from(at) % len;
                let from = (0..=from)
                    .rev()
                    .find(|i| current.is_char_boundary(*i as usize))
                    .unwrap_or(0);
                let rest = &current[from as usize..];
                let take = rest.chars().next().map_or(0, char::len_utf8) as u32;
                brief.remove_range(&mut txn, from, take);
            }
        }
        3 => {
            let missions = txn.get_or_insert_map("missions");
            let key = format!("{:08x}-0000-4000-8000-000000000000", at % 4);
            missions.insert(&mut txn, key, TextPrelim::new(text));
        }
        _ => {
            let agendas = txn.get_or_insert_map("agendas");
            let meeting = format!("{:08x}-0000-4000-8000-00000000000m", at % 2);
            let items = match agendas.get(&txn, &meeting) {
                Some(yrs::Out::YArray(items)) => items,
                _ => agendas.insert(&mut txn, meeting, ArrayPrelim::default()),
            };
            let item = items.push_back(&mut txn, MapPrelim::default());
            item.insert(&mut txn, "id", format!("item-{at}"));
            item.insert(&mut txn, "title", TextPrelim::new(text));
            item.insert(&mut txn, "duration_min", i64::from(at % 120));
        }
    }
    txn.encode_update_v1()
}

fn replica(state: &[u8]) -> Doc {
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v1(state).unwrap())
        .unwrap();
    doc
}

/// The candidate frames of a case: each client's real edits, and damaged ones, interleaved.
fn frames(base: &[u8], steps: &[Step]) -> Vec<Vec<u8>> {
    let clients: Vec<Doc> = (0..3).map(|_| replica(base)).collect();
    let mut made: Vec<Vec<u8>> = Vec::new();
    let mut frames = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let update = match step {
            Step::Edit {
                client,
                kind,
                at,
                text,
            } => edit(&clients[*client], *kind, *at, text),
            Step::Mutate { of, how } => match pick(&made, *of) {
                Some(update) => mutate(update, how),
                None => continue,
            },
            Step::Splice { a, b, cut } => match (pick(&made, *a), pick(&made, *b)) {
                (Some(a), Some(b)) => {
                    let cut = usize::from(*cut);
                    let mut glued = a[..cut % (a.len() + 1)].to_vec();
                    glued.extend_from_slice(&b[cut % (b.len() + 1)..]);
                    glued
                }
                _ => continue,
            },
            Step::Random(bytes) => bytes.clone(),
        };
        frames.push(frame_of(&update, n as u8));
        made.push(update);
    }
    frames
}

fn quarantined(conn: &mut PgConnection, project_id: Uuid) -> i64 {
    use amont::db::schema::document_updates::dsl;
    dsl::document_updates
        .filter(dsl::project_id.eq(project_id))
        .filter(dsl::quarantined_at.is_not_null())
        .count()
        .get_result(conn)
        .unwrap()
}

/// Someone and their organization, to own the projects.
fn owner(conn: &mut PgConnection) -> (Uuid, Uuid) {
    let (user, org) = (Uuid::new_v4(), Uuid::new_v4());
    diesel::sql_query("INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'Fuzz')")
        .bind::<diesel::sql_types::Uuid, _>(user)
        .bind::<diesel::sql_types::Text, _>(format!("fuzz-{}@example.org", user.simple()))
        .execute(conn)
        .unwrap();
    diesel::sql_query("INSERT INTO organizations (id, name) VALUES ($1, 'Fuzz')")
        .bind::<diesel::sql_types::Uuid, _>(org)
        .execute(conn)
        .unwrap();
    (user, org)
}

fn new_project(conn: &mut PgConnection, (user, org): (Uuid, Uuid)) -> Uuid {
    let id = Uuid::new_v4();
    diesel::sql_query(
        "INSERT INTO projects (id, title, initiator_organization_id, created_by) \
         VALUES ($1, 'Fuzz', $2, $3)",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(org)
    .bind::<diesel::sql_types::Uuid, _>(user)
    .execute(conn)
    .unwrap();
    document::create(conn, id, "Un brief à abîmer.").unwrap();
    id
}

#[test]
fn random_and_mutated_frames_never_break_a_stored_document() {
    let db = TestDb::new();
    let conn = RefCell::new(db.connect());
    let owner = owner(&mut conn.borrow_mut());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = proptest::collection::vec(step(), 1..24);
    runner
        .run(&strategy, |steps| {
            let conn = &mut *conn.borrow_mut();
            let project_id = new_project(conn, owner);
            // The room's document, as a room holds it.
            let mut room: ProjectDoc = document::load(conn, project_id).unwrap();
            for frame in frames(&room.encode_state(), &steps) {
                let Ok(messages) = amont::live::read_frame(&frame) else {
                    continue;
                };
                for message in messages {
                    let update = match message {
                        Message::Sync(SyncMessage::Update(u))
                        | Message::Sync(SyncMessage::SyncStep2(u)) => u,
                        _ => continue,
                    };
                    if update == [0, 0] {
                        continue;
                    }
                    match room.apply_client_update(&update) {
                        Ok(()) => {
                            document::append_update(conn, project_id, None, &update).unwrap();
                        }
                        Err(refused) if refused.touched => {
                            // As a room does: build the document again from what is stored.
                            room = document::load(conn, project_id).unwrap();
                        }
                        Err(_) => {}
                    }
                }
            }
            let loaded = document::load(conn, project_id).unwrap();
            prop_assert_eq!(
                quarantined(conn, project_id),
                0,
                "a stored update does not load"
            );
            prop_assert_eq!(loaded.to_json(), room.to_json());
            prop_assert_eq!(
                loaded.doc().transact().state_vector(),
                room.doc().transact().state_vector()
            );
            Ok(())
        })
        .unwrap();
}

/// A JSON value of any shape, with the field names the endpoints read, so that some bodies
/// get past the first checks.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z0-9:TZ+-]{0,24}".prop_map(Value::from),
        Just(json!("2031-05-04T09:00:00Z")),
        Just(json!("Europe/Paris")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("text".to_owned()),
                        Just("title".to_owned()),
                        Just("items".to_owned()),
                        Just("duration_min".to_owned()),
                        Just("duration_minutes".to_owned()),
                        Just("timezone".to_owned()),
                        Just("starts_at".to_owned()),
                        Just("answers".to_owned()),
                        Just("summary".to_owned()),
                        Just("lead_org_id".to_owned()),
                        Just("status".to_owned()),
                        Just("positions".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

#[actix_web::test]
async fn a_real_server_takes_random_frames_and_json_and_its_document_still_loads() {
    let app = TestApp::spawn().await;
    let alice = Actor::new(&app, "alice@mjc.example", "Alice Martin");
    let mjc = alice.organization("MJC des Merisiers").await;
    let project = alice.project(mjc, "Accueil jeunes").await;
    let response = alice
        .post(
            &format!("/api/projects/{project}/meetings"),
            json!({"title": "Lancement", "duration_minutes": 60, "timezone": "Europe/Paris"}),
        )
        .await;
    let (status, meeting) = status_and_body(response).await;
    assert_eq!(status, 201, "{meeting}");
    let meeting = meeting["id"].as_str().unwrap().to_owned();

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    // Websocket frames: a few connections, each sending a case's frames.
    let steps = proptest::collection::vec(step(), 1..24);
    let base = amont::document::load(&mut app.db.connect(), project)
        .unwrap()
        .encode_state();
    for _ in 0..(cases() / 8).max(4) {
        let steps = steps.new_tree(&mut runner).unwrap().current();
        let client = YClient::connect(&ws_url(app.address, project, &alice.token)).await;
        client.synced().await;
        for frame in frames(&base, &steps) {
            client.send_raw(tokio_tungstenite::tungstenite::Message::Binary(
                frame.into(),
            ));
        }
        // Whatever the server made of them, it answers the next query (or closed us).
        client.send(&Message::AwarenessQuery);
        let before = client.seen().messages;
        assert!(
            client
                .wait_for(std::time::Duration::from_secs(20), |c| c
                    .seen()
                    .closed
                    .is_some()
                    || c.seen().messages > before)
                .await
        );
    }
    // JSON bodies to the main endpoints.
    let endpoints = [
        (reqwest::Method::POST, "/api/projects".to_owned()),
        (
            reqwest::Method::PUT,
            format!("/api/projects/{project}/brief"),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/projects/{project}/missions/{mjc}"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/projects/{project}/meetings"),
        ),
        (reqwest::Method::PATCH, format!("/api/projects/{project}")),
        (
            reqwest::Method::PUT,
            format!("/api/meetings/{meeting}/agenda"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/meetings/{meeting}/slots"),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/meetings/{meeting}/availability"),
        ),
        (reqwest::Method::PATCH, format!("/api/meetings/{meeting}")),
        (
            reqwest::Method::POST,
            format!("/api/meetings/{meeting}/decisions"),
        ),
    ];
    let bodies = any_json();
    for n in 0..cases() as usize {
        let body = bodies.new_tree(&mut runner).unwrap().current();
        let (method, path) = &endpoints[n % endpoints.len()];
        let response = alice.call(method.clone(), path, Some(body.clone())).await;
        let status = response.status().as_u16();
        assert!(status < 500, "{method} {path} {body}: {status}");
    }
    // The document still loads, nothing was quarantined, and the server still serves it.
    let mut conn = app.db.connect();
    amont::document::load(&mut conn, project).unwrap();
    assert_eq!(quarantined(&mut conn, project), 0);
    alice.read(&format!("/api/projects/{project}/brief")).await;
    let fresh = YClient::connect(&ws_url(app.address, project, &alice.token)).await;
    fresh.synced().await;
}
