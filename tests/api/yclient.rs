//! A real y-websocket client for tests: tokio-tungstenite for the socket, yrs for the document
//! and the protocol messages (the same role `yjs` + `y-websocket` play in a browser).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Transact, TransactionMut, Update};

/// What the server did to the connection.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub synced: bool,
    pub closed: Option<Option<CloseFrame>>,
    /// Awareness states by client id (JSON), as last received.
    pub awareness: HashMap<u64, String>,
    pub messages: usize,
}

pub struct YClient {
    pub doc: Doc,
    out: mpsc::UnboundedSender<WsMessage>,
    seen: Arc<Mutex<Seen>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for YClient {
    /// Drops the socket (the server sees the connection end), as a closed browser tab would.
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The websocket URL of a project's live document.
pub fn ws_url(address: std::net::SocketAddr, project: uuid::Uuid, token: &str) -> String {
    format!("ws://{address}/ws/projects/{project}?token={token}")
}

/// A handshake that the server refused: its HTTP status.
pub async fn refused_status(request: impl tungstenite::client::IntoClientRequest + Unpin) -> u16 {
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => panic!("the handshake was accepted"),
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected handshake error: {other}"),
    }
}

impl YClient {
    /// Connects, and starts syncing (sends sync step 1, answers the server's).
    pub async fn connect(url: &str) -> YClient {
        let config = tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(64 << 20))
            .max_frame_size(Some(64 << 20));
        let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
            .await
            .expect("websocket handshake");
        let (mut sink, mut stream) = socket.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<WsMessage>();
        let doc = Doc::new();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let writer = tokio::spawn(async move {
            while let Some(message) = out_rx.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let reader = {
            let doc = doc.clone();
            let seen = seen.clone();
            let out = out.clone();
            tokio::spawn(async move {
                while let Some(message) = stream.next().await {
                    match message {
                        Ok(WsMessage::Binary(data)) => handle(&doc, &seen, &out, &data),
                        Ok(WsMessage::Close(frame)) => {
                            seen.lock().unwrap().closed = Some(frame);
                            return;
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let mut seen = seen.lock().unwrap();
                if seen.closed.is_none() {
                    seen.closed = Some(None);
                }
            })
        };
        let client = YClient {
            doc,
            out,
            seen,
            tasks: vec![writer, reader],
        };
        let state_vector = client.doc.transact().state_vector();
        client.send(&Message::Sync(SyncMessage::SyncStep1(state_vector)));
        client
    }

    pub fn send(&self, message: &Message) {
        let _ = self.out.send(WsMessage::Binary(message.encode_v1().into()));
    }

    pub fn send_raw(&self, message: WsMessage) {
        let _ = self.out.send(message);
    }

    /// Edits the document locally and sends the update, as a provider would.
    pub fn edit(&self, change: impl FnOnce(&mut TransactionMut)) {
        let update = {
            let mut txn = self.doc.transact_mut();
            change(&mut txn);
            txn.encode_update_v1()
        };
        self.send(&Message::Sync(SyncMessage::Update(update)));
    }

    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }

    pub fn text(&self, name: &str) -> String {
        let txn = self.doc.transact();
        txn.get_text(name)
            .map(|t| t.get_string(&txn))
            .unwrap_or_default()
    }

    /// Waits (at most `limit`) until `ready` holds; false if it never did.
    pub async fn wait_for(&self, limit: Duration, ready: impl Fn(&YClient) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if ready(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        ready(self)
    }

    pub async fn synced(&self) {
        assert!(
            self.wait_for(Duration::from_secs(20), |c| c.seen().synced)
                .await,
            "the client never synced: {:?}",
            self.seen().closed
        );
    }

    /// Waits for the server to close the connection; the close frame it sent.
    pub async fn closed(&self) -> Option<CloseFrame> {
        assert!(
            self.wait_for(Duration::from_secs(20), |c| c.seen().closed.is_some())
                .await,
            "the connection was not closed"
        );
        self.seen().closed.flatten()
    }

    pub fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }
}

fn handle(doc: &Doc, seen: &Mutex<Seen>, out: &mpsc::UnboundedSender<WsMessage>, data: &[u8]) {
    let mut decoder = DecoderV1::from(data);
    let mut reader = yrs::sync::MessageReader::new(&mut decoder);
    for message in &mut reader {
        let message = message.expect("the server sends valid messages");
        seen.lock().unwrap().messages += 1;
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let update = doc.transact().encode_state_as_update_v1(&sv);
                let reply = Message::Sync(SyncMessage::SyncStep2(update));
                let _ = out.send(WsMessage::Binary(reply.encode_v1().into()));
            }
            Message::Sync(SyncMessage::SyncStep2(update)) => {
                apply(doc, &update);
                seen.lock().unwrap().synced = true;
            }
            Message::Sync(SyncMessage::Update(update)) => apply(doc, &update),
            Message::Awareness(update) => {
                let mut seen = seen.lock().unwrap();
                for (client, entry) in update.clients {
                    seen.awareness.insert(client.get(), entry.json.to_string());
                }
            }
            _ => {}
        }
    }
}

fn apply(doc: &Doc, update: &[u8]) {
    let update = Update::decode_v1(update).expect("the server relays valid updates");
    doc.transact_mut()
        .apply_update(update)
        .expect("the update applies");
}
