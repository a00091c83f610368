//! The y-websocket wire format, through yrs' own encoders (`yrs::sync`): reading a client's
//! frame, writing the server's messages, and stamping presence with the authenticated identity.

use std::panic::{AssertUnwindSafe, catch_unwind};

use actix_web::web::Bytes;
use serde_json::{Map, Value, json};
use yrs::StateVector;
use yrs::sync::awareness::AwarenessUpdate;
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::DecoderV1;
use yrs::updates::encoder::Encode;

use super::Member;

/// Every message of one binary frame (y-protocols allows several per frame). An error for any
/// malformed byte: such a frame is refused whole. yrs' decoder reads untrusted input here, so a
/// panic in it is an error like any other.
pub fn read_frame(frame: &[u8]) -> Result<Vec<Message>, String> {
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        let mut decoder = DecoderV1::from(frame);
        MessageReader::new(&mut decoder).collect::<Result<Vec<Message>, _>>()
    }));
    match decoded {
        Ok(Ok(messages)) if !messages.is_empty() => Ok(messages),
        Ok(Ok(_)) => Err("an empty frame".into()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("the decoder panicked".into()),
    }
}

pub fn encode(message: &Message) -> Bytes {
    Bytes::from(message.encode_v1())
}

pub fn sync_step1(state_vector: StateVector) -> Bytes {
    encode(&Message::Sync(SyncMessage::SyncStep1(state_vector)))
}

pub fn sync_step2(update: Vec<u8>) -> Bytes {
    encode(&Message::Sync(SyncMessage::SyncStep2(update)))
}

pub fn update(update: Vec<u8>) -> Bytes {
    encode(&Message::Sync(SyncMessage::Update(update)))
}

pub fn awareness(update: AwarenessUpdate) -> Bytes {
    encode(&Message::Awareness(update))
}

/// Whether a lib0 v1 update carries nothing (what a client with nothing new answers to step 1).
pub fn is_empty_update(update: &[u8]) -> bool {
    update == [0, 0]
}

/// Overwrites who each state of a client's awareness update claims to be with who the
/// connection is authenticated as: `user.id`, `user.name` and `user.organization` (other fields,
/// such as a cursor colour, are kept). A removed state (`null`) stays removed.
pub fn stamp(update: &mut AwarenessUpdate, member: &Member) {
    for entry in update.clients.values_mut() {
        let Ok(Value::Object(mut state)) = serde_json::from_str::<Value>(&entry.json) else {
            continue;
        };
        let mut user = match state.remove("user") {
            Some(Value::Object(user)) => user,
            _ => Map::new(),
        };
        user.insert("id".into(), json!(member.user_id));
        user.insert("name".into(), json!(member.name));
        user.insert(
            "organization".into(),
            json!(member.organizations.join(", ")),
        );
        state.insert("user".into(), Value::Object(user));
        entry.json = Value::Object(state).to_string().into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use yrs::ClientID;
    use yrs::sync::awareness::AwarenessUpdateEntry;
    use yrs::updates::decoder::Decode;

    fn member() -> Member {
        Member {
            user_id: uuid::Uuid::nil(),
            session_id: uuid::Uuid::nil(),
            name: "Camille".into(),
            organizations: vec!["CAF".into(), "Mairie".into()],
        }
    }

    #[test]
    fn frames_with_several_messages_are_read_whole() {
        let mut frame = sync_step1(StateVector::default()).to_vec();
        frame.extend_from_slice(&update(vec![0, 0]));
        let messages = read_frame(&frame).unwrap();
        assert_eq!(messages.len(), 2);
        assert!(matches!(
            messages[1],
            Message::Sync(SyncMessage::Update(ref u)) if is_empty_update(u)
        ));
    }

    #[test]
    fn malformed_frames_are_errors() {
        assert!(read_frame(&[]).is_err());
        assert!(read_frame(&[0, 7, 1]).is_err());
        assert!(read_frame(&[0, 2, 200, 1]).is_err());
        assert!(read_frame(&[1, 5, 1, 2]).is_err());
    }

    #[test]
    fn presence_carries_the_authenticated_identity() {
        let mut update = AwarenessUpdate {
            clients: HashMap::from([
                (
                    ClientID::new(7),
                    AwarenessUpdateEntry {
                        clock: 3,
                        json: r##"{"user":{"name":"Impostor","color":"#30bced"},"cursor":null}"##
                            .into(),
                    },
                ),
                (
                    ClientID::new(8),
                    AwarenessUpdateEntry {
                        clock: 2,
                        json: "null".into(),
                    },
                ),
            ]),
        };
        stamp(&mut update, &member());
        let state: Value = serde_json::from_str(&update.clients[&ClientID::new(7)].json).unwrap();
        assert_eq!(state["user"]["name"], "Camille");
        assert_eq!(state["user"]["organization"], "CAF, Mairie");
        assert_eq!(state["user"]["color"], "#30bced");
        assert_eq!(&*update.clients[&ClientID::new(8)].json, "null");
        // And it still encodes as y-protocols expects.
        let bytes = awareness(update.clone());
        let decoded = read_frame(&bytes).unwrap();
        assert_eq!(decoded, vec![Message::Awareness(update.clone())]);
        let raw = update.encode_v1();
        assert_eq!(AwarenessUpdate::decode_v1(&raw).unwrap(), update);
    }
}
