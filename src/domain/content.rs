//! Canonical JSON renderings of the project document's sections, and their content hashes.
//!
//! A partner's agreement binds to the *content* of a section (its mission, a meeting's agenda),
//! not to the bytes of the live document: the agreement stores the hash defined here and the
//! canonical JSON it was computed from. An agreement counts only while the section still hashes
//! to what was agreed ([`agreement_counts`]). Changing anything below changes every hash and so
//! voids every recorded agreement: the test vectors at the bottom of this file exist to make an
//! accidental change fail.
//!
//! # The rendering (version 1)
//!
//! Each section is rendered as one JSON object:
//!
//! | section | canonical JSON |
//! | --- | --- |
//! | brief | `{"kind":"brief","text":T}` |
//! | mission | `{"kind":"mission","organization_id":O,"text":T}` |
//! | agenda | `{"items":[I, …],"kind":"agenda","meeting_id":M}` |
//! | agenda item `I` | `{"duration_min":N,"id":S,"lead_org_id":S or null,"notes":T,"title":T}` |
//!
//! - **Keys** are sorted (byte order, all ASCII) and every key is always present; a missing
//!   lead organization is `null`.
//! - **No insignificant whitespace**: no space or newline between tokens.
//! - **Ids** (`organization_id`, `meeting_id`) are UUIDs in lowercase hyphenated form
//!   (`6f1c…-…`); agenda item `id` and `lead_org_id` are the stored strings, verbatim.
//! - **Numbers**: `duration_min` is a non-negative integer in decimal, without sign, fraction or
//!   exponent.
//! - **Agenda items** appear in document order, the order partners see them in.
//! - **Strings** are UTF-8. Escaped: `"` as `\"`, `\` as `\\`, newline as `\n`, carriage return
//!   as `\r`, tab as `\t`, backspace as `\b`, form feed as `\f`, any other control character
//!   below U+0020 as `\u00xx` (lowercase hex). Everything else, `/` and non-ASCII included, is
//!   written as itself. This is the string form of RFC 8785 (JSON Canonicalization Scheme), of
//!   which the whole rendering is a subset.
//! - **Text normalization** (`T`: the brief, a mission, an item's title and notes), in order:
//!   1. Unicode NFC (so `é` typed as `e` + combining accent equals the precomposed `é`);
//!   2. line endings: CRLF and lone CR become LF;
//!   3. trailing whitespace (Unicode `White_Space`, no-break space included) is removed from
//!      the end of every line, and trailing blank lines from the end of the text.
//!
//!   Leading whitespace (indentation, blank first lines) is kept: it can carry structure (a
//!   list), where trailing whitespace never does and appears and disappears while people type.
//!
//! The hash is `sha256:` followed by the lowercase hex SHA-256 of the canonical JSON's UTF-8
//! bytes, e.g. `sha256:5ac1…` (71 characters in all).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

/// The prefix of every content hash; it names the algorithm, so that another can follow.
pub const HASH_PREFIX: &str = "sha256:";

/// One item of a meeting's agenda, as read from the project document (and as the API shows it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgendaItem {
    pub id: String,
    pub title: String,
    pub duration_min: u32,
    /// The leading partner organization's id.
    pub lead_org_id: Option<String>,
    pub notes: String,
}

// The canonical shapes. serde_json writes struct fields in declaration order: keep them sorted.

#[derive(Serialize)]
struct CanonicalBrief<'a> {
    kind: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct CanonicalMission<'a> {
    kind: &'static str,
    organization_id: String,
    text: &'a str,
}

#[derive(Serialize)]
struct CanonicalAgenda<'a> {
    items: Vec<CanonicalItem<'a>>,
    kind: &'static str,
    meeting_id: String,
}

#[derive(Serialize)]
struct CanonicalShortNotice {
    kind: &'static str,
    meeting_id: String,
    min_notice_days: u32,
    starts_at: String,
}

#[derive(Serialize)]
struct CanonicalItem<'a> {
    duration_min: u32,
    id: &'a str,
    lead_org_id: Option<&'a str>,
    notes: String,
    title: String,
}

/// The text normalization of the canonical rendering (see the module documentation).
pub fn normalize_text(text: &str) -> String {
    let composed: String = text.nfc().collect();
    let unified = composed.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = unified.split('\n').map(str::trim_end).collect();
    let mut joined = lines.join("\n");
    let kept = joined.trim_end_matches('\n').len();
    joined.truncate(kept);
    joined
}

fn render<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs of strings and integers cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// The canonical JSON of the project's brief.
pub fn canonical_brief(text: &str) -> String {
    render(&CanonicalBrief {
        kind: "brief",
        text: &normalize_text(text),
    })
}

/// The canonical JSON of a partner's mission: what is hashed, and stored as the agreement's
/// snapshot.
pub fn canonical_mission(organization_id: Uuid, text: &str) -> String {
    render(&CanonicalMission {
        kind: "mission",
        organization_id: organization_id.hyphenated().to_string(),
        text: &normalize_text(text),
    })
}

/// The canonical JSON of a meeting's agenda: what is hashed, and stored as the agreement's
/// snapshot.
pub fn canonical_agenda(meeting_id: Uuid, items: &[AgendaItem]) -> String {
    render(&CanonicalAgenda {
        items: items
            .iter()
            .map(|item| CanonicalItem {
                duration_min: item.duration_min,
                id: &item.id,
                lead_org_id: item.lead_org_id.as_deref(),
                notes: normalize_text(&item.notes),
                title: normalize_text(&item.title),
            })
            .collect(),
        kind: "agenda",
        meeting_id: meeting_id.hyphenated().to_string(),
    })
}

/// The canonical JSON of a short notice agreed to: the meeting, at this start, with this notice
/// asked by the project. Another slot, or a project asking another notice, is another content.
pub fn canonical_short_notice(
    meeting_id: Uuid,
    starts_at: chrono::DateTime<chrono::Utc>,
    min_notice_days: u32,
) -> String {
    render(&CanonicalShortNotice {
        kind: "short_notice",
        meeting_id: meeting_id.hyphenated().to_string(),
        min_notice_days,
        starts_at: starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// `sha256:` and the lowercase hex SHA-256 of `canonical`'s UTF-8 bytes.
pub fn hash_canonical(canonical: &str) -> String {
    format!(
        "{HASH_PREFIX}{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// Hash of the canonical JSON rendering of the brief.
pub fn brief_hash(text: &str) -> String {
    hash_canonical(&canonical_brief(text))
}

/// Hash of the canonical JSON rendering of a mission, as lowercase hex SHA-256, prefixed
/// `sha256:`.
pub fn mission_hash(organization_id: Uuid, text: &str) -> String {
    hash_canonical(&canonical_mission(organization_id, text))
}

/// Hash of the canonical JSON rendering of an agenda.
pub fn agenda_hash(meeting_id: Uuid, items: &[AgendaItem]) -> String {
    hash_canonical(&canonical_agenda(meeting_id, items))
}

/// Hash of the canonical JSON of a short notice agreed to.
pub fn short_notice_hash(
    meeting_id: Uuid,
    starts_at: chrono::DateTime<chrono::Utc>,
    min_notice_days: u32,
) -> String {
    hash_canonical(&canonical_short_notice(
        meeting_id,
        starts_at,
        min_notice_days,
    ))
}

/// Whether `hash` has the form of a content hash: `sha256:` and 64 lowercase hex digits.
pub fn is_content_hash(hash: &str) -> bool {
    hash.strip_prefix(HASH_PREFIX).is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// An agreement counts only while the current content still hashes to what was agreed.
///
/// A malformed hash (empty, another algorithm, upper case) never counts, even when both sides
/// are equal: it cannot have come from this module.
pub fn agreement_counts(agreed_hash: &str, current_hash: &str) -> bool {
    is_content_hash(agreed_hash) && agreed_hash == current_hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Uuid {
        Uuid::parse_str("6f1c2a8e-4b7d-4c3e-9a10-0123456789ab").unwrap()
    }

    fn meeting() -> Uuid {
        Uuid::parse_str("0d9e8f7a-6b5c-4d3e-8f21-fedcba987654").unwrap()
    }

    fn items() -> Vec<AgendaItem> {
        vec![
            AgendaItem {
                id: "item-1".into(),
                title: "Accueil et tour de table".into(),
                duration_min: 15,
                lead_org_id: Some(org().to_string()),
                notes: "".into(),
            },
            AgendaItem {
                id: "item-2".into(),
                title: "Répartition des missions".into(),
                duration_min: 45,
                lead_org_id: None,
                notes: "Voir la fiche action\nsection 3".into(),
            },
        ]
    }

    /// The rendering is versioned by these vectors: if one fails, recorded agreements would stop
    /// counting. Do not update them; fix the rendering.
    #[test]
    fn canonical_renderings_are_stable() {
        assert_eq!(
            canonical_brief("Un projet jeunesse"),
            r#"{"kind":"brief","text":"Un projet jeunesse"}"#
        );
        assert_eq!(
            canonical_mission(org(), "Accueillir les jeunes\nle mercredi"),
            r#"{"kind":"mission","organization_id":"6f1c2a8e-4b7d-4c3e-9a10-0123456789ab","text":"Accueillir les jeunes\nle mercredi"}"#
        );
        assert_eq!(
            canonical_agenda(meeting(), &items()),
            concat!(
                r#"{"items":["#,
                r#"{"duration_min":15,"id":"item-1","lead_org_id":"6f1c2a8e-4b7d-4c3e-9a10-0123456789ab","notes":"","title":"Accueil et tour de table"},"#,
                r#"{"duration_min":45,"id":"item-2","lead_org_id":null,"notes":"Voir la fiche action\nsection 3","title":"Répartition des missions"}"#,
                r#"],"kind":"agenda","meeting_id":"0d9e8f7a-6b5c-4d3e-8f21-fedcba987654"}"#
            )
        );
        assert_eq!(
            canonical_agenda(meeting(), &[]),
            r#"{"items":[],"kind":"agenda","meeting_id":"0d9e8f7a-6b5c-4d3e-8f21-fedcba987654"}"#
        );
        use chrono::TimeZone;
        let starts_at = chrono::Utc
            .with_ymd_and_hms(2026, 12, 8, 13, 30, 0)
            .unwrap();
        assert_eq!(
            canonical_short_notice(meeting(), starts_at, 14),
            r#"{"kind":"short_notice","meeting_id":"0d9e8f7a-6b5c-4d3e-8f21-fedcba987654","min_notice_days":14,"starts_at":"2026-12-08T13:30:00Z"}"#
        );
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(brief_hash("Un projet jeunesse"), BRIEF_VECTOR);
        assert_eq!(
            mission_hash(org(), "Accueillir les jeunes\nle mercredi"),
            MISSION_VECTOR
        );
        assert_eq!(agenda_hash(meeting(), &items()), AGENDA_VECTOR);
        assert_eq!(agenda_hash(meeting(), &[]), EMPTY_AGENDA_VECTOR);
        assert_eq!(mission_hash(org(), ""), EMPTY_MISSION_VECTOR);
    }

    const BRIEF_VECTOR: &str =
        "sha256:9141dc26467c4f4c8b218a5cc2412cf804b13777fe3a33a0002f6fbfb95e0391";
    const MISSION_VECTOR: &str =
        "sha256:431d291cf3066cb4f71eb37d9d7cbc268fab595ceacac358e787dd1b70498dbd";
    const AGENDA_VECTOR: &str =
        "sha256:acb0d277eb938c9624dbd3430cd8e3771cf87be6029b59e55f7fdc3029c3e309";
    const EMPTY_AGENDA_VECTOR: &str =
        "sha256:25b44784ef9501633ecf03c310029431bcd9a732662b0246dac7aaa41246bb9a";
    const EMPTY_MISSION_VECTOR: &str =
        "sha256:df5d6b0bbdc41b3ea9c8bae8240d19839ae27c0dc918384593897fdadbf0ebe5";

    #[test]
    fn the_hash_is_sha256_of_the_canonical_json() {
        let canonical = canonical_mission(org(), "x");
        assert_eq!(
            mission_hash(org(), "x"),
            format!(
                "sha256:{}",
                hex::encode(Sha256::digest(canonical.as_bytes()))
            )
        );
        assert!(is_content_hash(&mission_hash(org(), "x")));
        assert_eq!(mission_hash(org(), "x").len(), 71);
    }

    #[test]
    fn keys_are_sorted_and_output_compact() {
        for json in [
            canonical_brief("a \"quoted\" \\ text"),
            canonical_mission(org(), "  indented\n\ttab"),
            canonical_agenda(meeting(), &items()),
        ] {
            // serde_json's Value keeps objects in a BTreeMap (sorted): re-rendering it must give
            // the same bytes, so the keys were sorted and nothing insignificant was written.
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
        }
    }

    #[test]
    fn strings_are_escaped_minimally() {
        assert_eq!(
            canonical_brief("é / \"q\" \\ \t \u{1} \u{7f} 🌱"),
            "{\"kind\":\"brief\",\"text\":\"é / \\\"q\\\" \\\\ \\t \\u0001 \u{7f} 🌱\"}"
        );
    }

    #[test]
    fn normalization_composes_unicode() {
        let decomposed = "Re\u{301}union";
        let composed = "R\u{e9}union";
        assert_eq!(normalize_text(decomposed), composed);
        assert_eq!(
            mission_hash(org(), decomposed),
            mission_hash(org(), composed)
        );
    }

    #[test]
    fn normalization_unifies_line_endings() {
        assert_eq!(normalize_text("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(brief_hash("a\r\nb"), brief_hash("a\nb"));
    }

    #[test]
    fn normalization_drops_trailing_whitespace_only() {
        assert_eq!(normalize_text("a  \nb\t\n\n  \n"), "a\nb");
        assert_eq!(normalize_text("fin\u{a0}"), "fin");
        assert_eq!(normalize_text("  - un\n  - deux"), "  - un\n  - deux");
        assert_eq!(normalize_text("\n\ndébut"), "\n\ndébut");
        assert_eq!(normalize_text(""), "");
        assert_eq!(normalize_text(" \n \r\n"), "");
        assert_ne!(brief_hash("  indented"), brief_hash("indented"));
    }

    #[test]
    fn normalization_applies_to_agenda_titles_and_notes() {
        let mut spaced = items();
        spaced[0].title = "Accueil et tour de table  ".into();
        spaced[1].notes = "Voir la fiche action\r\nsection 3\n".into();
        assert_eq!(
            agenda_hash(meeting(), &spaced),
            agenda_hash(meeting(), &items())
        );
    }

    type Change = dyn Fn(&mut Vec<AgendaItem>);

    #[test]
    fn every_meaningful_change_changes_the_hash() {
        let base = agenda_hash(meeting(), &items());
        let variants: Vec<Box<Change>> = vec![
            Box::new(|i| i[0].title.push('!')),
            Box::new(|i| i[0].duration_min += 1),
            Box::new(|i| i[0].lead_org_id = None),
            Box::new(|i| i[1].lead_org_id = Some("x".into())),
            Box::new(|i| i[1].notes.push('.')),
            Box::new(|i| i[1].id = "item-3".into()),
            Box::new(|i| i.swap(0, 1)),
            Box::new(|i| {
                i.pop();
            }),
        ];
        for change in variants {
            let mut changed = items();
            change(&mut changed);
            assert_ne!(agenda_hash(meeting(), &changed), base, "{changed:?}");
        }
        assert_ne!(agenda_hash(Uuid::nil(), &items()), base);
        assert_ne!(mission_hash(org(), "a"), mission_hash(Uuid::nil(), "a"));
        assert_ne!(mission_hash(org(), "a"), mission_hash(org(), "b"));
        // The kind is part of the content: a brief never hashes like a mission.
        assert_ne!(brief_hash(""), mission_hash(Uuid::nil(), ""));
    }

    #[test]
    fn an_agreement_counts_only_for_the_same_content() {
        let agreed = mission_hash(org(), "Accueillir les jeunes");
        assert!(agreement_counts(
            &agreed,
            &mission_hash(org(), "Accueillir les jeunes  ")
        ));
        assert!(!agreement_counts(
            &agreed,
            &mission_hash(org(), "Accueillir les adultes")
        ));
        assert!(!agreement_counts(&agreed, ""));
        assert!(!agreement_counts("", ""));
        assert!(!agreement_counts("sha256:abc", "sha256:abc"));
        let upper = agreed.to_uppercase().replace("SHA256:", "sha256:");
        assert!(!agreement_counts(&upper, &upper));
        assert!(!agreement_counts("md5:00", "md5:00"));
    }
}
