//! Live co-editing over websockets (API.md, "Live document"): real clients against the real
//! server — convergence, late joiners, access, HTTP edits reaching live clients, two instances,
//! a crash, and the limits.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use amont::config::Settings;
use amont::domain::content::brief_hash;
use amont::http::{AppState, metrics::Metrics};
use amont::live::{Live, LiveOptions};
use diesel::prelude::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{Array, ArrayPrelim, Map, MapPrelim, Text, Transact, WriteTxn};

use crate::actors::{Actor, status_and_body};
use crate::support::{TestApp, TestDb, empty_static_dir, fast_mail};
use crate::yclient::{YClient, refused_status, ws_url};

const WAIT: Duration = Duration::from_secs(20);

/// A project with two partners: Alice's initiator (MJC) and Bob's invited organization (CAF).
struct Project {
    id: Uuid,
    alice: Actor,
    bob: Actor,
    caf: Uuid,
}

async fn project(app: &TestApp) -> Project {
    let alice = Actor::new(app, "alice@mjc.example", "Alice Martin");
    let mjc = alice.organization("MJC des Merisiers").await;
    let id = alice.project(mjc, "Accueil jeunes").await;
    let response = alice
        .post(
            &format!("/api/projects/{id}/partners"),
            json!({"organization_name": "CAF du Val", "contact_email": "bob@caf.example"}),
        )
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, 201, "{body}");
    let caf: Uuid = body["organization_id"].as_str().unwrap().parse().unwrap();
    let bob = Actor::new(app, "bob@caf.example", "Bob Durand");
    bob.join(app, caf, "member");
    Project {
        id,
        alice,
        bob,
        caf,
    }
}

async fn client(address: SocketAddr, project: Uuid, actor: &Actor) -> YClient {
    let client = YClient::connect(&ws_url(address, project, &actor.token)).await;
    client.synced().await;
    client
}

fn agenda_items(client: &YClient, meeting: &str) -> Vec<String> {
    use yrs::{GetString, Out, ReadTxn, Transact};
    let txn = client.doc.transact();
    let Some(agendas) = txn.get_map("agendas") else {
        return vec![];
    };
    let Some(Out::YArray(items)) = agendas.get(&txn, meeting) else {
        return vec![];
    };
    items
        .iter(&txn)
        .filter_map(|item| match item {
            Out::YMap(item) => match item.get(&txn, "title") {
                Some(Out::YText(title)) => Some(title.get_string(&txn)),
                Some(Out::Any(any)) => Some(any.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn push_item(client: &YClient, meeting: &str, title: &str) {
    client.edit(|txn| {
        let agendas = txn.get_or_insert_map("agendas");
        let Some(yrs::Out::YArray(items)) = agendas.get(txn, meeting) else {
            panic!("no agenda yet");
        };
        let item = items.push_back(txn, MapPrelim::default());
        item.insert(txn, "id", Uuid::new_v4().to_string());
        item.insert(txn, "title", yrs::TextPrelim::new(title));
        item.insert(txn, "duration_min", 15);
    });
}

fn json_of(client: &YClient) -> String {
    use yrs::types::ToJson;
    use yrs::{ReadTxn, Transact};
    let txn = client.doc.transact();
    let agendas = txn
        .get_map("agendas")
        .map(|m| serde_json::to_value(m.to_json(&txn)).unwrap())
        .unwrap_or(Value::Null);
    format!("{} {}", client.text("brief"), agendas)
}

#[actix_web::test]
async fn two_clients_converge_on_concurrent_edits_to_text_and_agenda() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(app.address, p.id, &p.bob).await;
    assert_eq!(
        alice.text("brief"),
        "Un projet pour les jeunes du quartier."
    );
    assert_eq!(bob.text("brief"), alice.text("brief"));

    let meeting = Uuid::new_v4().to_string();
    alice.edit(|txn| {
        let agendas = txn.get_or_insert_map("agendas");
        agendas.insert(txn, meeting.as_str(), ArrayPrelim::default());
    });
    assert!(
        bob.wait_for(WAIT, |c| agenda_items(c, &meeting).is_empty()
            && json_of(c).contains(&meeting))
            .await
    );

    // Concurrent edits: neither has seen the other's when making its own.
    for i in 0..5 {
        alice.edit(|txn| {
            let brief = txn.get_or_insert_text("brief");
            brief.insert(txn, 0, &format!("[A{i}]"));
        });
        bob.edit(|txn| {
            let brief = txn.get_or_insert_text("brief");
            let end = brief.len(txn);
            brief.insert(txn, end, &format!("[B{i}]"));
        });
        push_item(&alice, &meeting, &format!("Alice {i}"));
        push_item(&bob, &meeting, &format!("Bob {i}"));
    }
    let converged = |c: &YClient| {
        let text = c.text("brief");
        (0..5).all(|i| text.contains(&format!("[A{i}]")) && text.contains(&format!("[B{i}]")))
            && agenda_items(c, &meeting).len() == 10
    };
    assert!(alice.wait_for(WAIT, converged).await, "{}", json_of(&alice));
    assert!(bob.wait_for(WAIT, converged).await, "{}", json_of(&bob));
    assert_eq!(json_of(&alice), json_of(&bob));

    // What the server stored is what the clients show, and so is the hash partners agree to.
    let brief = p.alice.read(&format!("/api/projects/{}/brief", p.id)).await;
    assert_eq!(brief["text"], alice.text("brief"));
    assert_eq!(brief["content_hash"], brief_hash(&alice.text("brief")));
    // Presence: Bob sees Alice's identity as the server vouches for it.
    alice.send(&yrs::sync::Message::Awareness(awareness_of(
        &alice,
        r#"{"user":{"name":"someone else"}}"#,
    )));
    assert!(
        bob.wait_for(WAIT, |c| c.seen().awareness.values().any(|s| s
            .contains("Alice Martin")
            && s.contains("MJC des Merisiers")))
            .await,
        "{:?}",
        bob.seen().awareness
    );
}

fn awareness_of(client: &YClient, state: &str) -> yrs::sync::awareness::AwarenessUpdate {
    use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
    AwarenessUpdate {
        clients: [(
            client.doc.client_id(),
            AwarenessUpdateEntry {
                clock: 1,
                json: state.into(),
            },
        )]
        .into(),
    }
}

#[actix_web::test]
async fn a_late_joiner_receives_everything_also_a_large_document() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    // About 3 MiB of text, in updates under the message limit.
    let chunk = "Les partenaires co-écrivent la mission, ligne après ligne. ".repeat(8_000);
    for _ in 0..6 {
        alice.edit(|txn| {
            let brief = txn.get_or_insert_text("brief");
            let end = brief.len(txn);
            brief.insert(txn, end, &chunk);
        });
    }
    let expected = alice.text("brief");
    assert!(expected.len() > 2_900_000, "{}", expected.len());
    // Bob sees it all live, then Carol (Bob again, on a new connection) joins afterwards.
    let bob = client(app.address, p.id, &p.bob).await;
    assert!(bob.wait_for(WAIT, |c| c.text("brief") == expected).await);
    let late = client(app.address, p.id, &p.bob).await;
    assert!(
        late.wait_for(WAIT, |c| c.text("brief") == expected).await,
        "the late joiner got {} bytes",
        late.text("brief").len()
    );
}

#[actix_web::test]
async fn only_partners_connect() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let outsider = Actor::new(&app, "eve@elsewhere.example", "Eve");
    assert_eq!(
        refused_status(ws_url(app.address, p.id, "not-a-token")).await,
        401
    );
    assert_eq!(
        refused_status(format!("ws://{}/ws/projects/{}", app.address, p.id)).await,
        401
    );
    assert_eq!(
        refused_status(ws_url(app.address, p.id, &outsider.token)).await,
        404
    );
    assert_eq!(
        refused_status(ws_url(app.address, Uuid::new_v4(), &p.alice.token)).await,
        404
    );
    // A session cookie counts only from our own pages (no cross-site websocket hijacking).
    let mut request = format!("ws://{}/ws/projects/{}", app.address, p.id)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("amont_session={}", p.alice.token).parse().unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    assert_eq!(refused_status(request.clone()).await, 403);
    request
        .headers_mut()
        .insert("origin", "http://localhost:8080".parse().unwrap());
    let (_socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), 101);
}

#[actix_web::test]
async fn members_of_a_withdrawn_partner_are_disconnected() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(app.address, p.id, &p.bob).await;
    let response = p
        .alice
        .post(
            &format!("/api/projects/{}/partners/{}/withdraw", p.id, p.caf),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let frame = bob.closed().await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    // Alice stays, and can still edit.
    alice.edit(|txn| {
        txn.get_or_insert_text("brief")
            .insert(txn, 0, "Toujours là. ");
    });
    let again = client(app.address, p.id, &p.alice).await;
    assert!(
        again
            .wait_for(WAIT, |c| c.text("brief").starts_with("Toujours là. "))
            .await
    );
    assert!(alice.seen().closed.is_none());
    assert_eq!(
        refused_status(ws_url(app.address, p.id, &p.bob.token)).await,
        404
    );
}

#[actix_web::test]
async fn signing_out_closes_the_connections_of_that_session() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(app.address, p.id, &p.bob).await;
    let response = p.bob.post("/api/auth/logout", json!({})).await;
    assert_eq!(response.status(), 204);
    let frame = bob.closed().await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    assert_eq!(frame.reason.as_str(), "signed out");
    // Other sessions stay connected, and the ended one cannot reconnect.
    alice.edit(|txn| {
        txn.get_or_insert_text("brief")
            .insert(txn, 0, "Encore là. ");
    });
    let again = client(app.address, p.id, &p.alice).await;
    assert!(
        again
            .wait_for(WAIT, |c| c.text("brief").starts_with("Encore là. "))
            .await
    );
    assert!(alice.seen().closed.is_none());
    assert_eq!(
        refused_status(ws_url(app.address, p.id, &p.bob.token)).await,
        401
    );
}

#[actix_web::test]
async fn an_http_put_reaches_live_clients() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let bob = client(app.address, p.id, &p.bob).await;
    let text = "Un lieu d'accueil pour les 16-25 ans, ouvert le soir.";
    let response = p
        .alice
        .put(
            &format!("/api/projects/{}/brief", p.id),
            json!({"text": text}),
        )
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(bob.wait_for(WAIT, |c| c.text("brief") == text).await);
    assert_eq!(body["content_hash"], brief_hash(&bob.text("brief")));
    // A mission too, merged with a live edit.
    let mission = format!("missions/{}", p.caf);
    let response = p
        .alice
        .put(
            &format!("/api/projects/{}/{mission}", p.id),
            json!({"text": "Cofinancer l'accueil."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        bob.wait_for(WAIT, |c| json_of_missions(c)
            .contains("Cofinancer l'accueil."))
            .await
    );
}

fn json_of_missions(client: &YClient) -> String {
    use yrs::types::ToJson;
    use yrs::{ReadTxn, Transact};
    let txn = client.doc.transact();
    txn.get_map("missions")
        .map(|m| serde_json::to_value(m.to_json(&txn)).unwrap().to_string())
        .unwrap_or_default()
}

/// Another server instance on the same database (as behind a load balancer).
struct Instance {
    address: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    _mail_dir: tempfile::TempDir,
}

impl Instance {
    fn start(db: &TestDb, options: LiveOptions) -> Instance {
        let mail_dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::for_database(db.url.clone());
        settings.static_dir = empty_static_dir();
        settings.data_dir = mail_dir.path().to_owned();
        let settings = Arc::new(settings);
        let pool = amont::db::connect(&db.url, 4).unwrap();
        let metrics = Metrics::new();
        let mailer =
            amont::mail::spawn_with(pool.clone(), &settings, &metrics.registry, fast_mail())
                .unwrap();
        let live = Live::start(&db.url, pool.clone(), options, &metrics.registry).unwrap();
        let state = AppState {
            pool,
            settings,
            metrics,
            mailer,
            limits: amont::auth::RateLimits::new(),
            live,
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = amont::http::serve(listener, state).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Instance {
            address,
            handle,
            _mail_dir: mail_dir,
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

#[actix_web::test]
async fn two_instances_on_one_database_relay_to_each_other() {
    let app = TestApp::spawn().await;
    let other = Instance::start(&app.db, LiveOptions::default());
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(other.address, p.id, &p.bob).await;
    alice.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, "[d'Alice]");
    });
    bob.edit(|txn| {
        let brief = txn.get_or_insert_text("brief");
        let end = brief.len(txn);
        brief.insert(txn, end, "[de Bob]");
    });
    // A large update goes through the log, not the notification.
    let large = "x".repeat(20_000);
    bob.edit(|txn| {
        let brief = txn.get_or_insert_text("brief");
        brief.insert(txn, 0, &large);
    });
    let both = |c: &YClient| {
        let text = c.text("brief");
        text.contains("[d'Alice]") && text.contains("[de Bob]") && text.contains(&large)
    };
    assert!(
        alice.wait_for(WAIT, both).await,
        "{}",
        alice.text("brief").len()
    );
    assert!(bob.wait_for(WAIT, both).await);
    assert_eq!(alice.text("brief"), bob.text("brief"));
    // And an HTTP edit on one instance reaches the clients of the other.
    let response = p
        .bob
        .put(
            &format!("/api/projects/{}/brief", p.id),
            json!({"text": "Réécrit."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        alice
            .wait_for(WAIT, |c| c.text("brief") == "Réécrit.")
            .await
    );
    assert!(bob.wait_for(WAIT, |c| c.text("brief") == "Réécrit.").await);
}

#[actix_web::test]
async fn malformed_and_oversize_messages_close_only_their_connection() {
    let app = TestApp::spawn_with(|s| s.ws_max_message = 64 * 1024).await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;

    let text = client(app.address, p.id, &p.bob).await;
    text.send_raw(WsMessage::Text("hello".into()));
    assert_eq!(text.closed().await.unwrap().code, CloseCode::Unsupported);

    let garbage = client(app.address, p.id, &p.bob).await;
    garbage.send_raw(WsMessage::Binary(vec![0, 2, 0xff, 0xff, 0xff].into()));
    assert_eq!(garbage.closed().await.unwrap().code, CloseCode::Protocol);

    // A well-formed message whose update is not an update.
    let bad_update = client(app.address, p.id, &p.bob).await;
    bad_update.send(&yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(
        vec![9, 9, 9, 9],
    )));
    assert_eq!(bad_update.closed().await.unwrap().code, CloseCode::Protocol);

    let oversize = client(app.address, p.id, &p.bob).await;
    oversize.edit(|txn| {
        txn.get_or_insert_text("brief")
            .insert(txn, 0, &"y".repeat(100 * 1024));
    });
    assert_eq!(oversize.closed().await.unwrap().code, CloseCode::Policy);

    // The room is unaffected: Alice's edits still reach a new client, and nothing was stored
    // from the refused messages.
    alice.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, "Intact. ");
    });
    let bob = client(app.address, p.id, &p.bob).await;
    assert!(
        bob.wait_for(WAIT, |c| c.text("brief").starts_with("Intact. "))
            .await
    );
    assert!(!bob.text("brief").contains("yyyy"));
    assert!(alice.seen().closed.is_none());
}

#[actix_web::test]
async fn a_document_that_fails_to_load_is_never_written_over() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let mut conn = app.db.connect();
    diesel::sql_query("UPDATE documents SET snapshot = '\\x0102ffff'::bytea WHERE project_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(p.id)
        .execute(&mut conn)
        .unwrap();
    let alice = YClient::connect(&ws_url(app.address, p.id, &p.alice.token)).await;
    // An empty client would answer the server's sync step 1 with everything it has; nothing
    // of it may be stored over the real document.
    alice.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, "vide");
    });
    assert_eq!(alice.closed().await.unwrap().code, CloseCode::Error);
    assert!(!alice.seen().synced);
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        snapshot: Vec<u8>,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        updates: i64,
    }
    let row: Row = diesel::sql_query(
        "SELECT snapshot, (SELECT count(*) FROM document_updates WHERE project_id = $1) AS updates \
         FROM documents WHERE project_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.id)
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(row.snapshot, vec![1, 2, 0xff, 0xff]);
    assert_eq!(row.updates, 0);
}

#[actix_web::test]
async fn rooms_check_again_on_their_own_for_changes_they_were_not_told_of() {
    let app = TestApp::spawn().await;
    let options = LiveOptions {
        recheck_every: Duration::from_millis(200),
        ..LiveOptions::default()
    };
    let other = Instance::start(&app.db, options);
    let p = project(&app).await;
    let carol = Actor::new(&app, "carol@caf.example", "Carol Petit");
    carol.join(&app, p.caf, "member");
    let alice = client(other.address, p.id, &p.alice).await;
    let bob = client(other.address, p.id, &p.bob).await;
    let carol_client = client(other.address, p.id, &carol).await;
    let mut conn = app.db.connect();
    // Bob's session expires (30 days unused) and Carol leaves the CAF, straight in the
    // database: no notification, as if the listener had been disconnected meanwhile.
    diesel::sql_query(
        "UPDATE sessions SET last_seen_at = now() - interval '31 days' WHERE user_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(p.bob.user_id)
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("DELETE FROM memberships WHERE user_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(carol.user_id)
        .execute(&mut conn)
        .unwrap();

    let frame = bob.closed().await.expect("a close frame");
    assert_eq!(
        (frame.code, frame.reason.as_str()),
        (CloseCode::Policy, "signed out")
    );
    let frame = carol_client.closed().await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    assert!(
        frame.reason.starts_with("no longer a partner"),
        "{}",
        frame.reason
    );
    // Alice, still a partner with a live session, stays.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(alice.seen().closed.is_none());
}

#[actix_web::test]
async fn idle_rooms_are_evicted_and_compacted() {
    let app = TestApp::spawn().await;
    let options = LiveOptions {
        idle_evict: Duration::from_millis(100),
        compact_every: 3,
        ..LiveOptions::default()
    };
    let other = Instance::start(&app.db, options);
    let p = project(&app).await;
    let alice = client(other.address, p.id, &p.alice).await;
    for i in 0..4 {
        alice.edit(|txn| {
            txn.get_or_insert_text("brief")
                .insert(txn, 0, &format!("{i}"));
        });
    }
    let metrics = || async {
        reqwest::get(format!("http://{}/metrics", other.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let bob = client(other.address, p.id, &p.bob).await;
    assert!(
        bob.wait_for(WAIT, |c| c.text("brief").starts_with("3210"))
            .await
    );
    assert!(metrics().await.contains("amont_live_rooms 1"));
    drop(alice);
    drop(bob);
    let mut evicted = false;
    for _ in 0..200 {
        let text = metrics().await;
        if text.contains("amont_live_rooms 0") && text.contains("amont_live_connections 0") {
            evicted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(evicted, "{}", metrics().await);
    let text = metrics().await;
    assert!(
        text.contains("amont_live_updates_appended_total 4"),
        "{text}"
    );
    assert!(text.contains("amont_live_append_seconds_count"), "{text}");
    // Compacted: the log was folded into the snapshot, and a cold open still has everything.
    let mut conn = app.db.connect();
    let mut folded = false;
    for _ in 0..200 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let left: Count =
            diesel::sql_query("SELECT count(*) AS n FROM document_updates WHERE project_id = $1")
                .bind::<diesel::sql_types::Uuid, _>(p.id)
                .get_result(&mut conn)
                .unwrap();
        if left.n == 0 {
            folded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(folded);
    let fresh = client(other.address, p.id, &p.bob).await;
    assert!(fresh.text("brief").starts_with("3210"));
}

/// The real binary, serving on `port` against `database_url`.
fn amont_serve(database_url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_amont"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("AMONT_BIND", format!("127.0.0.1:{port}"))
        .env("AMONT_STATIC_DIR", empty_static_dir())
        .env(
            "AMONT_DATA_DIR",
            std::env::temp_dir().join("amont-live-crash"),
        )
        .env_remove("SMTP_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("amont starts")
}

async fn wait_healthy(port: u16) {
    for _ in 0..400 {
        if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server never became healthy");
}

/// Kills the child for real if the test fails half-way.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[actix_web::test]
async fn every_update_a_peer_has_seen_survives_a_crash() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address: SocketAddr = ([127, 0, 0, 1], port).into();
    let server = Killed(amont_serve(app.db.url.as_str(), port));
    wait_healthy(port).await;

    let alice = client(address, p.id, &p.alice).await;
    let bob = client(address, p.id, &p.bob).await;
    for i in 0..50 {
        alice.edit(|txn| {
            let brief = txn.get_or_insert_text("brief");
            let end = brief.len(txn);
            brief.insert(txn, end, &format!(" a{i}"));
        });
        bob.edit(|txn| {
            txn.get_or_insert_text("brief")
                .insert(txn, 0, &format!("b{i} "));
        });
    }
    assert!(
        bob.wait_for(WAIT, |c| c.text("brief").contains(" a49"))
            .await,
        "{}",
        bob.text("brief")
    );
    let alice_seen_by_bob = bob.state_vector().get(&alice.doc.client_id());
    assert!(alice_seen_by_bob > 0);

    // SIGKILL: no shutdown, no flush, nothing.
    let mut server = server;
    kill(Pid::from_raw(server.0.id() as i32), Signal::SIGKILL).unwrap();
    server.0.wait().unwrap();
    bob.closed().await;

    let _server = Killed(amont_serve(app.db.url.as_str(), port));
    wait_healthy(port).await;
    let fresh = client(address, p.id, &p.bob).await;
    // Everything Bob saw of Alice's edits (relayed only once stored) is there after the crash.
    let alice_stored = fresh.state_vector().get(&alice.doc.client_id());
    assert!(
        alice_stored >= alice_seen_by_bob,
        "stored {alice_stored} of Alice's clock, Bob had seen {alice_seen_by_bob}"
    );
    let text = fresh.text("brief");
    for i in 0..50 {
        assert!(text.contains(&format!(" a{i}")), "a{i} lost: {text}");
    }
}

#[derive(QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn an_update_is_relayed_only_once_it_is_stored() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(app.address, p.id, &p.bob).await;
    // Hold the document's row as a compaction would: the writer's append must wait for it.
    let mut holder = app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query("SELECT project_id FROM documents WHERE project_id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Uuid, _>(p.id)
        .execute(&mut holder)
        .unwrap();
    alice.edit(|txn| {
        txn.get_or_insert_text("brief")
            .insert(txn, 0, "Pas encore. ");
    });
    let mut watcher = app.db.connect();
    let mut blocked = false;
    for _ in 0..400 {
        let waiting: Waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(&mut watcher)
        .unwrap();
        if waiting.n > 0 {
            blocked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(blocked, "the append never waited for the lock");
    // The append is waiting, so it is not stored: Bob must not have it.
    assert!(!bob.text("brief").starts_with("Pas encore. "));
    diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
    assert!(
        bob.wait_for(WAIT, |c| c.text("brief").starts_with("Pas encore. "))
            .await
    );
}

#[actix_web::test]
async fn a_client_over_the_message_rate_is_closed() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let flood = client(app.address, p.id, &p.bob).await;
    // Far more than the burst allowance (1,000), as fast as the socket takes them.
    for _ in 0..3_000 {
        flood.send(&yrs::sync::Message::AwarenessQuery);
    }
    let frame = flood.closed().await.unwrap();
    assert_eq!(frame.code, CloseCode::Policy);
    assert!(
        frame.reason.contains("too many messages"),
        "{}",
        frame.reason
    );
    // Others are unaffected.
    let alice = client(app.address, p.id, &p.alice).await;
    assert!(alice.seen().closed.is_none());
}

/// Rows of the project's log.
fn log_rows(app: &TestApp, project: Uuid) -> i64 {
    let mut conn = app.db.connect();
    diesel::sql_query("SELECT count(*) AS n FROM document_updates WHERE project_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(project)
        .get_result::<Waiting>(&mut conn)
        .unwrap()
        .n
}

#[actix_web::test]
async fn an_update_that_does_not_apply_is_refused_and_never_stored() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(app.address, p.id, &p.bob).await;
    // An update that decodes but whose item hangs under a piece of text, not a shared type.
    let under_text =
        crate::document::update_under_an_item(crate::document::first_text_item(&bob.doc));
    bob.send(&yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(
        under_text,
    )));
    let frame = bob.closed().await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Protocol, "{}", frame.reason);
    assert!(frame.reason.contains("does not apply"), "{}", frame.reason);
    // One that depends on a change the server never got (it would stay pending in yrs).
    let carol = client(app.address, p.id, &p.bob).await;
    let detached = yrs::Doc::new();
    let first = {
        let mut txn = detached.transact_mut();
        txn.get_or_insert_text("brief")
            .insert(&mut txn, 0, "jamais");
        txn.encode_update_v1()
    };
    assert!(!first.is_empty());
    let second = {
        let mut txn = detached.transact_mut();
        txn.get_or_insert_text("brief")
            .insert(&mut txn, 6, " envoyé");
        txn.encode_update_v1()
    };
    carol.send(&yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(
        second,
    )));
    assert_eq!(carol.closed().await.unwrap().code, CloseCode::Protocol);
    assert_eq!(log_rows(&app, p.id), 0, "nothing was stored");

    // The room goes on: Alice's edits are stored and relayed, a late joiner gets a document
    // without the refused updates, and every page still loads.
    alice.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, "Intact. ");
    });
    let late = client(app.address, p.id, &p.bob).await;
    assert!(
        late.wait_for(WAIT, |c| c.text("brief").starts_with("Intact. "))
            .await
    );
    assert!(!late.text("brief").contains("jamais"));
    assert_eq!(late.state_vector().get(&yrs::ClientID::new(4242)), 0);
    assert_eq!(late.text("brief"), alice.text("brief"));
    // Only Alice's edit is in the log (a client may send it again in its sync step 2, which
    // stores it again, harmlessly): nothing of the refused updates' authors.
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        update: Vec<u8>,
    }
    let rows: Vec<Row> = diesel::sql_query("SELECT update FROM document_updates")
        .load(&mut app.db.connect())
        .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let update = yrs::Update::decode_v1(&row.update).unwrap();
        let authors = update.state_vector();
        assert_eq!(authors.get(&yrs::ClientID::new(4242)), 0);
        assert_eq!(authors.get(&detached.client_id()), 0);
        assert!(authors.get(&alice.doc.client_id()) > 0);
    }
    let brief = p.alice.read(&format!("/api/projects/{}/brief", p.id)).await;
    assert_eq!(brief["text"], alice.text("brief"));
    assert!(alice.seen().closed.is_none());
}

#[actix_web::test]
async fn a_bad_stored_row_is_quarantined_and_every_page_still_loads() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    // While the brief's author is the document's only client: its first item is text.
    let stored = amont::document::load(&mut app.db.connect(), p.id).unwrap();
    let under_text =
        crate::document::update_under_an_item(crate::document::first_text_item(stored.doc()));
    let response = p
        .alice
        .post(
            &format!("/api/projects/{}/meetings", p.id),
            json!({"title": "Lancement", "duration_minutes": 90, "timezone": "Europe/Paris"}),
        )
        .await;
    let (status, meeting) = status_and_body(response).await;
    assert_eq!(status, 201, "{meeting}");
    let meeting = meeting["id"].as_str().unwrap().to_owned();
    let response = p
        .alice
        .put(
            &format!("/api/meetings/{meeting}/agenda"),
            json!({"items": [{"title": "Accueil", "duration_min": 15}]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    // Two rows that do not load, written straight into the log (as an older version could
    // have): one that does not decode, one that decodes but does not integrate.
    let mut conn = app.db.connect();
    for bad in [b"\x05\xff\xff not lib0".to_vec(), under_text] {
        diesel::sql_query("INSERT INTO document_updates (project_id, update) VALUES ($1, $2)")
            .bind::<diesel::sql_types::Uuid, _>(p.id)
            .bind::<diesel::sql_types::Bytea, _>(bad)
            .execute(&mut conn)
            .unwrap();
    }

    // Every page of the project that reads the document.
    let pages = [
        format!("/api/projects/{}/brief", p.id),
        format!("/api/projects/{}/missions/{}", p.id, p.caf),
        format!("/api/meetings/{meeting}/agenda"),
        format!("/api/meetings/{meeting}/readiness"),
        format!("/api/projects/{}/sheet", p.id),
    ];
    for page in &pages {
        let response = p.alice.get(page).await;
        assert_eq!(response.status(), 200, "{page}");
    }
    let response = p
        .alice
        .post(&format!("/api/meetings/{meeting}/convocation"), json!({}))
        .await;
    assert_eq!(response.status(), 409, "the gate answers, it does not fail");
    // The live room too.
    let bob = client(app.address, p.id, &p.bob).await;
    assert_eq!(bob.text("brief"), "Un projet pour les jeunes du quartier.");

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Flagged {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        quarantined_at: chrono::DateTime<chrono::Utc>,
    }
    let flagged = || -> Vec<Flagged> {
        diesel::sql_query(
            "SELECT id, quarantined_at FROM document_updates \
             WHERE project_id = $1 AND quarantined_at IS NOT NULL ORDER BY id",
        )
        .bind::<diesel::sql_types::Uuid, _>(p.id)
        .load(&mut app.db.connect())
        .unwrap()
    };
    let first = flagged();
    assert_eq!(first.len(), 2, "{first:?}");
    let metrics = reqwest::get(format!("http://{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("amont_document_updates_quarantined 2"),
        "{metrics}"
    );
    // Loading again flags nothing again.
    for page in &pages {
        assert_eq!(p.bob.get(page).await.status(), 200, "{page}");
    }
    assert_eq!(flagged(), first);
    // And editing goes on.
    bob.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, "Encore. ");
    });
    let late = client(app.address, p.id, &p.alice).await;
    assert!(
        late.wait_for(WAIT, |c| c.text("brief").starts_with("Encore. "))
            .await
    );
}

#[actix_web::test]
async fn a_document_may_not_grow_past_its_maximum() {
    let app = TestApp::spawn_with(|s| s.doc_max_bytes = 64 * 1024).await;
    let p = project(&app).await;
    let alice = client(app.address, p.id, &p.alice).await;
    let bob = client(app.address, p.id, &p.bob).await;
    let chunk = "Quarante mille octets de texte. ".repeat(1_250);
    bob.edit(|txn| {
        let brief = txn.get_or_insert_text("brief");
        let end = brief.len(txn);
        brief.insert(txn, end, &chunk);
    });
    assert!(
        alice
            .wait_for(WAIT, |c| c.text("brief").len() > 40_000)
            .await
    );
    bob.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, &chunk);
    });
    let frame = bob.closed().await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Size, "{}", frame.reason);
    assert_eq!(log_rows(&app, p.id), 1, "the second one was not stored");
    // HTTP writes answer 413, and nothing changes.
    let response = p
        .alice
        .put(
            &format!("/api/projects/{}/brief", p.id),
            json!({"text": "x".repeat(70_000)}),
        )
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    let response = p
        .alice
        .put(
            &format!("/api/projects/{}/missions/{}", p.id, p.caf),
            json!({"text": "y".repeat(30_000)}),
        )
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(log_rows(&app, p.id), 1);
    // A change that leaves it under the maximum is fine, and reaches the room.
    let response = p
        .alice
        .put(
            &format!("/api/projects/{}/brief", p.id),
            json!({"text": "Court à nouveau."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        alice
            .wait_for(WAIT, |c| c.text("brief") == "Court à nouveau.")
            .await
    );
}

/// Options with small byte budgets that refill at 64 bytes a second: nothing refills during a
/// test, so what it sends decides alone.
fn small_budgets() -> LiveOptions {
    LiveOptions {
        max_message: 32 * 1024,
        bytes_per_second: 64,
        connection_burst_bytes: 64 * 1024,
        user_burst_bytes: 80 * 1024,
        ..LiveOptions::default()
    }
}

/// Sends an update of about 12 kB (an insertion at the start of the brief).
fn send_12k(client: &YClient, tag: &str) {
    let text = format!("{tag}{}", "-".repeat(12_000));
    client.edit(|txn| {
        txn.get_or_insert_text("brief").insert(txn, 0, &text);
    });
}

#[actix_web::test]
async fn byte_budgets_close_a_connection_and_count_all_of_a_users_connections() {
    let app = TestApp::spawn().await;
    let other = Instance::start(&app.db, small_budgets());
    let p = project(&app).await;
    let carol = Actor::new(&app, "carol@caf.example", "Carol Petit");
    carol.join(&app, p.caf, "member");
    let watcher = client(other.address, p.id, &carol).await;

    // One connection over its own budget (72 kB > 64 KiB), its user under theirs.
    let bob = client(other.address, p.id, &p.bob).await;
    for i in 0..6 {
        send_12k(&bob, &format!("[b{i}]"));
    }
    let frame = bob.closed().await.expect("a close frame");
    assert_eq!(
        (frame.code, frame.reason.as_str()),
        (CloseCode::Policy, "too many bytes")
    );

    // Two connections of one user, each under its own budget, over the user's together.
    let alice = client(other.address, p.id, &p.alice).await;
    for i in 0..3 {
        send_12k(&alice, &format!("[a{i}]"));
    }
    assert!(
        watcher
            .wait_for(WAIT, |c| c.text("brief").contains("[a2]"))
            .await,
        "alice {:?} watcher {:?} {}",
        alice.seen().closed,
        watcher.seen().closed,
        watcher.text("brief").len()
    );
    assert!(alice.seen().closed.is_none());
    let again = client(other.address, p.id, &p.alice).await;
    for i in 0..4 {
        send_12k(&again, &format!("[c{i}]"));
    }
    let frame = again.closed().await.expect("a close frame");
    assert_eq!(frame.reason.as_str(), "too many bytes");
    assert!(!watcher.text("brief").contains("[c3]"));
    assert!(watcher.seen().closed.is_none());
}

#[actix_web::test]
async fn a_user_may_hold_only_so_many_connections() {
    let app = TestApp::spawn().await;
    let options = LiveOptions {
        connections_per_user: 2,
        ..LiveOptions::default()
    };
    let other = Instance::start(&app.db, options);
    let p = project(&app).await;
    let first = client(other.address, p.id, &p.alice).await;
    let _second = client(other.address, p.id, &p.alice).await;
    assert_eq!(
        refused_status(ws_url(other.address, p.id, &p.alice.token)).await,
        429
    );
    // Others are not affected, and a closed connection gives its place back.
    let _bob = client(other.address, p.id, &p.bob).await;
    drop(first);
    let mut admitted = false;
    for _ in 0..400 {
        let url = ws_url(other.address, p.id, &p.alice.token);
        match tokio_tungstenite::connect_async(url).await {
            Ok(_) => {
                admitted = true;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert!(
        admitted,
        "the closed connection's place was never given back"
    );
}

fn awareness_for(client: yrs::ClientID, clock: u32, state: &str) -> yrs::sync::Message {
    use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
    yrs::sync::Message::Awareness(AwarenessUpdate {
        clients: [(
            client,
            AwarenessUpdateEntry {
                clock,
                json: state.into(),
            },
        )]
        .into(),
    })
}

#[actix_web::test]
async fn presence_of_another_persons_client_cannot_be_spoofed() {
    let app = TestApp::spawn().await;
    let p = project(&app).await;
    let carol = Actor::new(&app, "carol@caf.example", "Carol Petit");
    carol.join(&app, p.caf, "member");
    let alice = client(app.address, p.id, &p.alice).await;
    let watcher = client(app.address, p.id, &carol).await;
    let alice_id = alice.doc.client_id();
    alice.send(&awareness_for(alice_id, 1, r#"{"cursor":1}"#));
    let shows_alice = |c: &YClient| {
        c.seen()
            .awareness
            .get(&alice_id.get())
            .is_some_and(|s| s.contains("Alice Martin") && s.contains("\"cursor\":1"))
    };
    assert!(watcher.wait_for(WAIT, shows_alice).await);

    // Bob removes Alice's presence (a null state with a newer clock), then overwrites it, then
    // announces his own: only his own goes through.
    let bob = client(app.address, p.id, &p.bob).await;
    bob.send(&awareness_for(alice_id, 5, "null"));
    bob.send(&awareness_for(alice_id, 6, r#"{"cursor":99}"#));
    let bob_id = bob.doc.client_id();
    bob.send(&awareness_for(bob_id, 1, r#"{"cursor":2}"#));
    assert!(
        watcher
            .wait_for(WAIT, |c| c.seen().awareness.contains_key(&bob_id.get()))
            .await
    );
    assert!(shows_alice(&watcher), "{:?}", watcher.seen().awareness);
    assert!(bob.seen().closed.is_none());

    // Alice's own second connection (a tab reconnecting) may speak for her client id.
    let again = client(app.address, p.id, &p.alice).await;
    again.send(&awareness_for(alice_id, 7, r#"{"cursor":3}"#));
    assert!(
        watcher
            .wait_for(WAIT, |c| c
                .seen()
                .awareness
                .get(&alice_id.get())
                .is_some_and(|s| s.contains("\"cursor\":3")))
            .await
    );
    let metrics = reqwest::get(format!("http://{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("amont_live_presence_refused_total 2"),
        "{metrics}"
    );
}

/// Relayed updates are small frames: with Nagle's algorithm on (actix's default), a frame written
/// while the previous one was unacknowledged waits for the client's delayed ACK, up to 40 ms —
/// it was the whole of the relay's p99 in the bench. The server's sockets have TCP_NODELAY.
#[actix_web::test]
async fn the_servers_sockets_send_small_frames_at_once() {
    use nix::sys::socket::{SockaddrStorage, getpeername, getsockname, getsockopt, sockopt};
    use std::os::fd::{AsRawFd, BorrowedFd};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = TestApp::spawn().await;
    let client = tokio::net::TcpStream::connect(app.address)
        .await
        .expect("connects");
    let ours = SockaddrStorage::from(client.local_addr().unwrap());
    // A request answered: the server has taken the connection in hand (actix sets its socket
    // options then, not at accept).
    let mut client = client;
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: amont\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 12];
    client.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    let theirs = SockaddrStorage::from(app.address);
    // The server runs in this process: its end of the connection is one of our descriptors,
    // found by its two addresses once accepted.
    let deadline = std::time::Instant::now() + WAIT;
    let nodelay = loop {
        let found = std::fs::read_dir("/proc/self/fd")
            .expect("/proc/self/fd")
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .find_map(|fd| {
                // SAFETY: only read with getsockname, getpeername and getsockopt; a descriptor
                // closed meanwhile by another thread makes them fail with EBADF, nothing worse.
                let fd = unsafe { BorrowedFd::borrow_raw(fd) };
                let local = getsockname::<SockaddrStorage>(fd.as_raw_fd()).ok()?;
                let peer = getpeername::<SockaddrStorage>(fd.as_raw_fd()).ok()?;
                (local == theirs && peer == ours).then(|| getsockopt(&fd, sockopt::TcpNoDelay))
            });
        if let Some(option) = found {
            break option.expect("TCP_NODELAY is readable");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not accept"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(nodelay, "the server's socket has Nagle's algorithm on");
}
