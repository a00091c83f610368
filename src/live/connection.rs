//! One websocket connection: reads the client's frames into its room, writes the room's frames
//! to the client, pings it, and enforces the per-connection limits.
//!
//! Limits: a frame (or a message made of continuation frames) over `max_message` closes the
//! connection with a policy error; so does going over the message rate, or over the byte
//! budget of the connection or of its user (all their connections on this instance together).
//! A text frame or a malformed message closes this connection only (the room drops nothing
//! else). A client whose queue fills up is closed by the room; one that stays silent past
//! `client_timeout`, or that does not take a frame within it, is closed here.

use std::num::NonZeroU32;
use std::time::Instant;

use actix_web::web::Bytes;
use actix_ws::{
    AggregatedMessage, CloseCode, CloseReason, Item, MessageStream, ProtocolError, Session,
};
use governor::{Quota, RateLimiter};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::room::{CloseWhy, Joining, RoomInput};
use super::{Attached, ConnectionSlot, Counted, Live, Member};

/// Serves one upgraded connection until it closes (spawn it; it owns the session). `slot` is
/// the user's admission ([`Live::admit`]), held as long as the connection.
pub async fn serve_connection(
    live: Live,
    project_id: Uuid,
    member: Member,
    slot: ConnectionSlot,
    mut session: Session,
    stream: MessageStream,
) {
    let _slot = slot;
    let user_id = member.user_id;
    let options = live.options().clone();
    let metrics = live.inner.metrics.clone();
    let _counted = Counted::new(&metrics.connections);
    let id = live.next_id();
    let room = live.attach(project_id);
    let _attached = Attached(room.attached.clone());
    let (frames_tx, mut frames) = mpsc::channel::<Bytes>(options.client_queue);
    let (close_tx, mut close_rx) = oneshot::channel::<CloseWhy>();
    let joining = Joining {
        id,
        member,
        frames: frames_tx,
        close: close_tx,
    };
    if room.inbox.send(RoomInput::Join(joining)).await.is_err() {
        let _ = session.close(Some(reason(CloseWhy::Unavailable))).await;
        return;
    }
    let mut stream = stream
        .max_frame_size(options.max_message)
        .aggregate_continuations()
        .max_continuation_size(options.max_message);
    let quota =
        Quota::per_second(NonZeroU32::new(options.rate_per_second).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(options.rate_burst).unwrap_or(NonZeroU32::MIN));
    let limiter = RateLimiter::direct(quota);
    let bytes = RateLimiter::direct(options.byte_quota(options.connection_burst_bytes));
    let mut heartbeat = tokio::time::interval(options.heartbeat);
    heartbeat.tick().await;
    let mut last_heard = Instant::now();

    let close: Option<CloseReason> = loop {
        tokio::select! {
            biased;
            why = &mut close_rx => {
                break Some(reason(why.unwrap_or(CloseWhy::Unavailable)));
            }
            frame = frames.recv() => {
                let Some(frame) = frame else {
                    break Some(reason(CloseWhy::Unavailable));
                };
                match tokio::time::timeout(options.client_timeout, send(&mut session, frame)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break None,
                    Err(_) => {
                        metrics.slow_clients.inc();
                        break Some(reason(CloseWhy::Slow));
                    }
                }
            }
            message = stream.recv() => {
                last_heard = Instant::now();
                match message {
                    None => break None,
                    Some(Ok(AggregatedMessage::Binary(data))) => {
                        if limiter.check().is_err() {
                            metrics.refused.inc();
                            break Some(policy("too many messages"));
                        }
                        // A message over either burst cannot happen (bursts are at least
                        // `max_message`); count it as over budget all the same.
                        let len = NonZeroU32::new(u32::try_from(data.len()).unwrap_or(u32::MAX))
                            .unwrap_or(NonZeroU32::MIN);
                        let within = matches!(bytes.check_n(len), Ok(Ok(())))
                            && matches!(live.inner.user_bytes.check_key_n(&user_id, len), Ok(Ok(())));
                        if !within {
                            metrics.refused.inc();
                            break Some(policy("too many bytes"));
                        }
                        if room.inbox.send(RoomInput::Frame(id, data)).await.is_err() {
                            break Some(reason(CloseWhy::Unavailable));
                        }
                    }
                    Some(Ok(AggregatedMessage::Text(_))) => {
                        metrics.refused.inc();
                        break Some(CloseReason {
                            code: CloseCode::Unsupported,
                            description: Some("binary y-websocket messages only".into()),
                        });
                    }
                    Some(Ok(AggregatedMessage::Ping(payload))) => {
                        if session.pong(&payload).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) => break Some(CloseCode::Normal.into()),
                    Some(Err(ProtocolError::Overflow)) => {
                        metrics.refused.inc();
                        break Some(policy("message too large"));
                    }
                    Some(Err(error)) => {
                        metrics.refused.inc();
                        tracing::debug!(%error, "websocket protocol error");
                        break Some(CloseReason {
                            code: CloseCode::Protocol,
                            description: Some("malformed frame".into()),
                        });
                    }
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > options.client_timeout {
                    break Some(CloseReason {
                        code: CloseCode::Away,
                        description: Some("no heartbeat".into()),
                    });
                }
                if session.ping(b"").await.is_err() {
                    break None;
                }
            }
        }
    };
    let _ = room.inbox.send(RoomInput::Leave(id)).await;
    if let Some(close) = close {
        let _ = session.close(Some(close)).await;
    }
}

/// The largest websocket frame the server writes for a message up to [`RETAINED`] bytes: a
/// longer one (a newcomer's copy of a document) goes out as continuation frames, which clients
/// join into one message.
///
/// Why: actix keeps each connection's write buffer at the largest size it held, up to
/// [`RETAINED`], for as long as the connection lives. Written whole, the sync of a 70 kB
/// document left 70 kB behind in every connection that joined it: 2,000 connections to such
/// documents held 230 MB, and three runs of the bench on the same rooms 103–106 MB. In frames
/// of 6,000 bytes, each handed over on its own (the task waits a millisecond between them, or
/// the response body would gather them into one chunk again), with a write buffer written out
/// from 2 KiB on (`http::serve`), the buffer keeps the 8 KiB actix starts with: 117–119 MB and
/// 60–70 MB. A message over [`RETAINED`] goes whole: actix drops such a buffer once written.
const FRAME_CHUNK: usize = 6000;

/// The largest write buffer actix keeps for a connection once it is written out
/// (`WRITE_BUFFER_RETENTION_LIMIT` in actix-http 3).
const RETAINED: usize = 128 * 1024;

/// Sends one binary message, in frames of at most [`FRAME_CHUNK`] bytes when it is longer but
/// not over [`RETAINED`].
async fn send(session: &mut Session, message: Bytes) -> Result<(), actix_ws::Closed> {
    if message.len() <= FRAME_CHUNK || message.len() > RETAINED {
        return session.binary(message).await;
    }
    let mut rest = message;
    let mut first = true;
    while !rest.is_empty() {
        let chunk = rest.split_to(rest.len().min(FRAME_CHUNK));
        let item = if first {
            Item::FirstBinary(chunk)
        } else if rest.is_empty() {
            Item::Last(chunk)
        } else {
            Item::Continue(chunk)
        };
        first = false;
        session.continuation(item).await?;
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    Ok(())
}

fn policy(description: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::Policy,
        description: Some(description.into()),
    }
}

fn reason(why: CloseWhy) -> CloseReason {
    match why {
        CloseWhy::Slow => policy("too slow: messages were not read in time"),
        CloseWhy::Malformed => CloseReason {
            code: CloseCode::Protocol,
            description: Some("not a y-websocket message".into()),
        },
        CloseWhy::DoesNotApply => CloseReason {
            code: CloseCode::Protocol,
            description: Some("update refused: it does not apply to the document".into()),
        },
        CloseWhy::TooLarge => CloseReason {
            code: CloseCode::Size,
            description: Some(
                "update refused: the document would grow past its maximum size".into(),
            ),
        },
        CloseWhy::NotStored => CloseReason {
            code: CloseCode::Error,
            description: Some("the update could not be stored; reconnect".into()),
        },
        CloseWhy::Unavailable => CloseReason {
            code: CloseCode::Error,
            description: Some("the document is unavailable".into()),
        },
        CloseWhy::NotPartner => policy("no longer a partner of this project"),
        CloseWhy::SignedOut => policy("signed out"),
    }
}
