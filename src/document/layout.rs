//! The project document in memory: its layout, reading sections, and minimal edits.
//!
//! Layout (shared with the browser, which uses stock `yjs`; see DESIGN.md, "Live co-editing"):
//!
//! - `brief`: Y.Text
//! - `missions`: Y.Map, organization id (lowercase hyphenated UUID) → Y.Text
//! - `agendas`: Y.Map, meeting id → Y.Array of Y.Map items
//!   `{ id: string, title: Y.Text, duration_min: number, lead_org_id: string, notes: Y.Text }`
//!
//! Reading is tolerant, since browsers write too: a title or notes stored as a plain string is
//! read as that string, a missing field as its default (empty text, 0 minutes, no lead), a
//! number as the nearest whole number of minutes, a non-map entry of an agenda is skipped.
//!
//! Every edit is *minimal*: a text keeps its common prefix and suffix with the new value and
//! only the middle is deleted and inserted, an agenda keeps the items that stay in order. So an
//! edit that a live client made concurrently elsewhere still merges in; a wholesale rewrite would
//! drop or duplicate it. Each edit returns the lib0 v1 update of exactly that change.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;
use yrs::types::ToJson;
use yrs::{
    Any, Array, ArrayPrelim, ArrayRef, Doc, GetString, Map, MapPrelim, MapRef, Number, OffsetKind,
    Options, Out, ReadTxn, StateVector, Text, TextPrelim, TextRef, Transact, TransactionMut,
    WriteTxn,
};

use crate::domain::content::{AgendaItem, agenda_hash, brief_hash, mission_hash};

/// Names of the root types.
pub const BRIEF: &str = "brief";
pub const MISSIONS: &str = "missions";
pub const AGENDAS: &str = "agendas";

/// A section's text and the hash partners agree to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub text: String,
    pub content_hash: String,
}

/// A meeting's agenda and the hash partners agree to.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    pub items: Vec<AgendaItem>,
    pub content_hash: String,
}

/// An agenda item as a caller gives it: without an id, it is a new item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItemInput {
    pub id: Option<String>,
    pub title: String,
    pub duration_min: u32,
    pub lead_org_id: Option<String>,
    pub notes: String,
}

/// The document could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("a text of {0} bytes is too long for the document")]
    TooLong(usize),
}

/// One project's document, as loaded (see [`crate::document::load`]) or built in memory.
pub struct ProjectDoc {
    pub(crate) project_id: Uuid,
    pub(crate) doc: Doc,
    pub(crate) snapshot_through: i64,
    pub(crate) last_update_id: i64,
    /// The bytes it was loaded from (snapshot and logged updates): at least the size of its
    /// encoded state, usually more (the log is not compacted). 0 for a document built here.
    pub(crate) stored_bytes: usize,
}

/// A new in-memory document with the offsets this module computes (UTF-8 bytes).
pub(crate) fn new_doc() -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Bytes,
        ..Options::default()
    })
}

impl ProjectDoc {
    /// An empty document for `project_id`, not stored.
    pub fn empty(project_id: Uuid) -> Self {
        ProjectDoc {
            project_id,
            doc: new_doc(),
            snapshot_through: 0,
            last_update_id: 0,
            stored_bytes: 0,
        }
    }

    pub fn project_id(&self) -> Uuid {
        self.project_id
    }

    /// The underlying yrs document (for syncing a client, or encoding its state).
    pub fn doc(&self) -> &yrs::Doc {
        &self.doc
    }

    /// The last log entry the stored snapshot includes.
    pub fn snapshot_through(&self) -> i64 {
        self.snapshot_through
    }

    /// The id of the last log entry applied (the snapshot's, when the log after it is empty).
    pub fn last_update_id(&self) -> i64 {
        self.last_update_id
    }

    /// The bytes the document was loaded from: an upper bound of its encoded size, cheap.
    pub fn stored_bytes(&self) -> usize {
        self.stored_bytes
    }

    /// The whole state as one lib0 v1 update (what a new client needs, or a snapshot holds).
    pub fn encode_state(&self) -> Vec<u8> {
        self.doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// The document's content as JSON (for comparisons and debugging; not a canonical form).
    pub fn to_json(&self) -> String {
        let txn = self.doc.transact();
        let mut root = serde_json::Map::new();
        if let Some(brief) = txn.get_text(BRIEF) {
            root.insert(BRIEF.into(), brief.get_string(&txn).into());
        }
        for name in [MISSIONS, AGENDAS] {
            if let Some(map) = txn.get_map(name) {
                let value = serde_json::to_value(map.to_json(&txn)).unwrap_or_default();
                root.insert(name.into(), sorted(value));
            }
        }
        serde_json::Value::Object(root).to_string()
    }

    pub fn brief(&self) -> Section {
        let txn = self.doc.transact();
        let text = txn
            .get_text(BRIEF)
            .map(|t| t.get_string(&txn))
            .unwrap_or_default();
        Section {
            content_hash: brief_hash(&text),
            text,
        }
    }

    /// The organization's mission; empty text when none was written yet.
    pub fn mission(&self, organization_id: Uuid) -> Section {
        let txn = self.doc.transact();
        let text = txn
            .get_map(MISSIONS)
            .and_then(|m| m.get(&txn, &key(organization_id)))
            .map(|value| text_of(&txn, value))
            .unwrap_or_default();
        Section {
            content_hash: mission_hash(organization_id, &text),
            text,
        }
    }

    /// The meeting's agenda; no items when none was written yet.
    pub fn agenda(&self, meeting_id: Uuid) -> Agenda {
        let txn = self.doc.transact();
        let items: Vec<AgendaItem> = agenda_array(&txn, meeting_id)
            .map(|array| {
                array
                    .iter(&txn)
                    .filter_map(|value| match value {
                        Out::YMap(item) => Some(read_item(&txn, &item)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Agenda {
            content_hash: agenda_hash(meeting_id, &items),
            items,
        }
    }

    /// Replaces the brief by a minimal edit; the update of the change, `None` when unchanged.
    pub fn set_brief(&mut self, text: &str) -> Result<Option<Vec<u8>>, EditError> {
        check_len(text)?;
        let mut txn = self.doc.transact_mut();
        let brief = txn.get_or_insert_text(BRIEF);
        let changed = edit_text(&mut txn, &brief, text)?;
        Ok(changed.then(|| txn.encode_update_v1()))
    }

    /// Replaces a mission by a minimal edit; the update of the change, `None` when unchanged.
    pub fn set_mission(
        &mut self,
        organization_id: Uuid,
        text: &str,
    ) -> Result<Option<Vec<u8>>, EditError> {
        check_len(text)?;
        let mut txn = self.doc.transact_mut();
        let missions = txn.get_or_insert_map(MISSIONS);
        let changed = set_text_field(&mut txn, &missions, &key(organization_id), text)?;
        Ok(changed.then(|| txn.encode_update_v1()))
    }

    /// Replaces a meeting's agenda: items keep their id when one is given (new ids are UUID v4
    /// strings), items that stay in the same relative order are edited in place, others are
    /// removed or inserted. The update of the change, `None` when unchanged.
    pub fn set_agenda(
        &mut self,
        meeting_id: Uuid,
        items: &[AgendaItemInput],
    ) -> Result<Option<Vec<u8>>, EditError> {
        for item in items {
            check_len(&item.title)?;
            check_len(&item.notes)?;
        }
        // Ids as given; a missing, empty or repeated id gets a new one.
        let mut seen = HashSet::new();
        let wanted: Vec<String> = items
            .iter()
            .map(|item| match item.id.as_deref() {
                Some(id) if !id.is_empty() && seen.insert(id.to_owned()) => id.to_owned(),
                _ => Uuid::new_v4().to_string(),
            })
            .collect();

        let mut txn = self.doc.transact_mut();
        let agendas = txn.get_or_insert_map(AGENDAS);
        let array = match agendas.get(&txn, &key(meeting_id)) {
            Some(Out::YArray(array)) => array,
            _ if items.is_empty() => return Ok(None),
            _ => agendas.insert(&mut txn, key(meeting_id), ArrayPrelim::default()),
        };
        let current: Vec<Option<String>> = array
            .iter(&txn)
            .map(|value| match value {
                Out::YMap(item) => item_id(&txn, &item),
                _ => None,
            })
            .collect();
        let (keep_current, keep_wanted) = kept_in_order(&current, &wanted);

        let mut changed = false;
        for index in (0..current.len()).rev() {
            if !keep_current.contains(&index) {
                array.remove(&mut txn, as_index(index)?);
                changed = true;
            }
        }
        for (index, (input, id)) in items.iter().zip(&wanted).enumerate() {
            let position = as_index(index)?;
            let item = match array.get(&txn, position) {
                Some(Out::YMap(item)) if keep_wanted.contains(&index) => item,
                _ => {
                    changed = true;
                    let item = array.insert(&mut txn, position, MapPrelim::default());
                    item.insert(&mut txn, "id", id.as_str());
                    item
                }
            };
            changed |= write_item(&mut txn, &item, input)?;
        }
        Ok(changed.then(|| txn.encode_update_v1()))
    }
}

/// `value` with every object's keys in sorted order, whatever map serde_json was built with
/// (yrs maps iterate in no fixed order).
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => items.into_iter().map(sorted).collect(),
        other => other,
    }
}

fn key(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn check_len(text: &str) -> Result<(), EditError> {
    u32::try_from(text.len())
        .map(|_| ())
        .map_err(|_| EditError::TooLong(text.len()))
}

fn as_index(index: usize) -> Result<u32, EditError> {
    u32::try_from(index).map_err(|_| EditError::TooLong(index))
}

fn agenda_array<T: ReadTxn>(txn: &T, meeting_id: Uuid) -> Option<ArrayRef> {
    match txn.get_map(AGENDAS)?.get(txn, &key(meeting_id))? {
        Out::YArray(array) => Some(array),
        _ => None,
    }
}

/// A text field's value: a Y.Text, or a plain string written by a lenient client.
fn text_of<T: ReadTxn>(txn: &T, value: Out) -> String {
    match value {
        Out::YText(text) => text.get_string(txn),
        Out::Any(Any::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn item_id<T: ReadTxn>(txn: &T, item: &MapRef) -> Option<String> {
    item.get(txn, "id")
        .map(|value| text_of(txn, value))
        .filter(|id| !id.is_empty())
}

fn read_item<T: ReadTxn>(txn: &T, item: &MapRef) -> AgendaItem {
    let field = |name: &str| {
        item.get(txn, name)
            .map(|value| text_of(txn, value))
            .unwrap_or_default()
    };
    let lead = field("lead_org_id");
    AgendaItem {
        id: field("id"),
        title: field("title"),
        duration_min: item.get(txn, "duration_min").map_or(0, minutes),
        lead_org_id: (!lead.is_empty()).then_some(lead),
        notes: field("notes"),
    }
}

/// A JS number (integer or float, as the browser wrote it) as whole minutes, clamped to `u32`.
fn minutes(value: Out) -> u32 {
    let number = match value {
        Out::Any(Any::Number(Number::Int(n))) => {
            return u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        }
        Out::Any(Any::Number(Number::Float(f))) => f,
        Out::Any(Any::String(s)) => s.trim().parse::<f64>().unwrap_or(0.0),
        _ => 0.0,
    };
    if number.is_finite() {
        // `as` saturates: negative values become 0, huge ones u32::MAX.
        number.round() as u32
    } else {
        0
    }
}

/// Writes the fields of `input` into an agenda item (not its id); whether anything changed.
fn write_item(
    txn: &mut TransactionMut,
    item: &MapRef,
    input: &AgendaItemInput,
) -> Result<bool, EditError> {
    let mut changed = set_text_field(txn, item, "title", &input.title)?;
    changed |= set_text_field(txn, item, "notes", &input.notes)?;
    if item.get(txn, "duration_min").map(minutes) != Some(input.duration_min) {
        item.insert(txn, "duration_min", Any::from(input.duration_min));
        changed = true;
    }
    let lead = item
        .get(txn, "lead_org_id")
        .map(|value| text_of(txn, value));
    match (&input.lead_org_id, lead) {
        (Some(wanted), Some(current)) if *wanted == current => {}
        (Some(wanted), _) => {
            item.insert(txn, "lead_org_id", wanted.as_str());
            changed = true;
        }
        (None, Some(_)) => {
            item.remove(txn, "lead_org_id");
            changed = true;
        }
        (None, None) => {}
    }
    Ok(changed)
}

/// Sets `map[name]` to `text` as a Y.Text: a minimal edit of an existing Y.Text, else a new one
/// (never created just to hold nothing).
fn set_text_field(
    txn: &mut TransactionMut,
    map: &MapRef,
    name: &str,
    text: &str,
) -> Result<bool, EditError> {
    match map.get(txn, name) {
        Some(Out::YText(existing)) => edit_text(txn, &existing, text),
        None if text.is_empty() => Ok(false),
        _ => {
            map.insert(txn, name, TextPrelim::new(text));
            Ok(true)
        }
    }
}

/// Turns `target`'s content into `new`, deleting and inserting only between the common prefix
/// and suffix. Offsets are UTF-8 bytes on character boundaries (the document's offset kind).
fn edit_text(txn: &mut TransactionMut, target: &TextRef, new: &str) -> Result<bool, EditError> {
    let old = target.get_string(txn);
    if old == new {
        return Ok(false);
    }
    let (start, old_end, new_end) = changed_middle(&old, new);
    let at = as_index(start)?;
    if old_end > start {
        target.remove_range(txn, at, as_index(old_end - start)?);
    }
    if new_end > start {
        target.insert(txn, at, &new[start..new_end]);
    }
    Ok(true)
}

/// `(start, old_end, new_end)`: `old[start..old_end]` is to be replaced by `new[start..new_end]`;
/// the rest is the longest common prefix and (not overlapping it) suffix, in whole characters.
pub(crate) fn changed_middle(old: &str, new: &str) -> (usize, usize, usize) {
    let prefix: usize = old
        .chars()
        .zip(new.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let suffix: usize = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    (prefix, old.len() - suffix, new.len() - suffix)
}

/// Which current items to keep in place: the longest run of wanted ids that already appear in
/// the same relative order. Returns (kept indexes in `current`, kept indexes in `wanted`).
fn kept_in_order(
    current: &[Option<String>],
    wanted: &[String],
) -> (HashSet<usize>, HashSet<usize>) {
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (index, id) in current.iter().enumerate() {
        if let Some(id) = id {
            position.entry(id.as_str()).or_insert(index);
        }
    }
    // (wanted index, current index) pairs, in wanted order; keep the longest chain increasing
    // in current index (an O(n²) longest increasing subsequence: agendas are short).
    let pairs: Vec<(usize, usize)> = wanted
        .iter()
        .enumerate()
        .filter_map(|(w, id)| position.get(id.as_str()).map(|&c| (w, c)))
        .collect();
    let mut length = vec![1usize; pairs.len()];
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for i in 0..pairs.len() {
        for j in 0..i {
            if pairs[j].1 < pairs[i].1 && length[j] + 1 > length[i] {
                length[i] = length[j] + 1;
                previous[i] = Some(j);
            }
        }
    }
    let mut keep_current = HashSet::new();
    let mut keep_wanted = HashSet::new();
    let mut cursor = (0..pairs.len()).max_by_key(|&i| (length[i], std::cmp::Reverse(i)));
    while let Some(i) = cursor {
        keep_wanted.insert(pairs[i].0);
        keep_current.insert(pairs[i].1);
        cursor = previous[i];
    }
    (keep_current, keep_wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::Update;
    use yrs::updates::decoder::Decode;

    #[test]
    fn the_changed_middle_is_minimal_and_on_char_boundaries() {
        assert_eq!(changed_middle("abc", "abc"), (3, 3, 3));
        assert_eq!(
            changed_middle("hello world", "hello brave world"),
            (6, 6, 12)
        );
        assert_eq!(changed_middle("aaa", "aa"), (2, 3, 2));
        assert_eq!(changed_middle("", "new"), (0, 0, 3));
        assert_eq!(changed_middle("old", ""), (0, 3, 0));
        // "é" and "è" share their first UTF-8 byte: the edit must not split it.
        assert_eq!(changed_middle("café", "cafè"), (3, 5, 5));
    }

    #[test]
    fn items_in_order_are_kept() {
        let current: Vec<Option<String>> = ["a", "b", "c", "d"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        let wanted: Vec<String> = ["b", "a", "c", "x", "d"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (keep_current, keep_wanted) = kept_in_order(&current, &wanted);
        assert_eq!(keep_current.len(), 3);
        assert!(keep_current.contains(&2) && keep_current.contains(&3));
        assert!(!keep_wanted.contains(&3));
    }

    fn replay(updates: &[Vec<u8>]) -> ProjectDoc {
        let doc = ProjectDoc::empty(Uuid::nil());
        {
            let mut txn = doc.doc.transact_mut();
            for update in updates {
                txn.apply_update(Update::decode_v1(update).unwrap())
                    .unwrap();
            }
        }
        doc
    }

    #[test]
    fn edits_are_returned_as_updates_that_replay() {
        let mut doc = ProjectDoc::empty(Uuid::nil());
        let org = Uuid::new_v4();
        let meeting = Uuid::new_v4();
        let mut updates = vec![];
        updates.extend(doc.set_brief("Le projet").unwrap());
        updates.extend(doc.set_brief("Le beau projet").unwrap());
        assert!(doc.set_brief("Le beau projet").unwrap().is_none());
        updates.extend(doc.set_mission(org, "Accueillir").unwrap());
        let items = vec![
            AgendaItemInput {
                id: None,
                title: "Accueil".into(),
                duration_min: 10,
                lead_org_id: Some(org.to_string()),
                notes: String::new(),
            },
            AgendaItemInput {
                id: Some("fixed".into()),
                title: "Missions".into(),
                duration_min: 50,
                lead_org_id: None,
                notes: "à voir".into(),
            },
        ];
        updates.extend(doc.set_agenda(meeting, &items).unwrap());
        assert_eq!(updates.len(), 4);

        let replayed = replay(&updates);
        assert_eq!(replayed.brief().text, "Le beau projet");
        assert_eq!(replayed.mission(org).text, "Accueillir");
        assert_eq!(replayed.agenda(meeting), doc.agenda(meeting));
        let agenda = replayed.agenda(meeting);
        assert_eq!(agenda.items[1].id, "fixed");
        assert_eq!(agenda.items[0].lead_org_id, Some(org.to_string()));
        assert!(Uuid::parse_str(&agenda.items[0].id).is_ok());
        assert!(
            doc.set_agenda(meeting, &{
                let mut same = items.clone();
                same[0].id = Some(agenda.items[0].id.clone());
                same
            })
            .unwrap()
            .is_none()
        );
    }

    #[test]
    fn browser_shaped_items_are_read_tolerantly() {
        let doc = ProjectDoc::empty(Uuid::nil());
        let meeting = Uuid::new_v4();
        {
            let mut txn = doc.doc.transact_mut();
            let agendas = txn.get_or_insert_map(AGENDAS);
            let array = agendas.insert(&mut txn, key(meeting), ArrayPrelim::default());
            let item = array.push_back(&mut txn, MapPrelim::default());
            item.insert(&mut txn, "id", "i1");
            item.insert(&mut txn, "title", "plain string title");
            item.insert(&mut txn, "duration_min", 29.6);
            array.push_back(&mut txn, "not a map");
            let sparse = array.push_back(&mut txn, MapPrelim::default());
            sparse.insert(&mut txn, "id", "i2");
        }
        let agenda = doc.agenda(meeting);
        assert_eq!(
            agenda.items,
            vec![
                AgendaItem {
                    id: "i1".into(),
                    title: "plain string title".into(),
                    duration_min: 30,
                    lead_org_id: None,
                    notes: String::new(),
                },
                AgendaItem {
                    id: "i2".into(),
                    title: String::new(),
                    duration_min: 0,
                    lead_org_id: None,
                    notes: String::new(),
                },
            ]
        );
    }
}
