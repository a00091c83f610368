//! Proof of consent, the pure part: what a consent receipt says, what an attestation of the
//! partnership sheet says, and whether a consent it attests still holds today.
//!
//! A receipt is the signed record of one consent, after the fields of a consent record of
//! ISO/IEC 27560 (who, for which organization, to what, which decision, when). Its payload
//! (API.md, "Proof of consent"):
//!
//! ```json
//! {"iss": "https://amont.example.org", "jti": "…", "iat": 1796000000,
//!  "kind": "mission.agreed", "project": {"id": "…", "title": "…"},
//!  "organization": {"id": "…", "name": "…"}, "by": {"user_id": "…", "display_name": "…"},
//!  "meeting": {"id": "…", "title": "…"}, "content_hash": "sha256:…",
//!  "decision": "agree", "at": "2026-12-03T09:00:00Z"}
//! ```
//!
//! `meeting` is there for agenda and short-notice agreements only, `content_hash` for consents
//! bound to a text (missions, agendas). Names carry no address: a receipt is meant to be shown.
//!
//! Whether a consent *still holds* is decided here from what is true today, read by the caller
//! ([`Today`]): a consent holds while its organization is still an accepted partner, the text it
//! bound to still hashes the same, the meeting is not cancelled, and the organization has not
//! taken another decision on the same text since.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::partnership::PartnershipStatus;

/// The kinds of consent that get a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConsentKind {
    /// An organization accepted to be a partner of the project.
    #[serde(rename = "partnership.accepted")]
    PartnershipAccepted,
    /// An organization agreed (or objected) to the text of its mission.
    #[serde(rename = "mission.agreed")]
    MissionAgreed,
    /// An organization agreed (or objected) to a meeting's agenda.
    #[serde(rename = "agenda.agreed")]
    AgendaAgreed,
    /// An organization agreed to be convened with less than the project's minimum notice.
    #[serde(rename = "short_notice.agreed")]
    ShortNoticeAgreed,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 4] = [
        ConsentKind::PartnershipAccepted,
        ConsentKind::MissionAgreed,
        ConsentKind::AgendaAgreed,
        ConsentKind::ShortNoticeAgreed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::PartnershipAccepted => "partnership.accepted",
            ConsentKind::MissionAgreed => "mission.agreed",
            ConsentKind::AgendaAgreed => "agenda.agreed",
            ConsentKind::ShortNoticeAgreed => "short_notice.agreed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Whether the consent is about one meeting (its agenda, its notice).
    pub fn about_a_meeting(self) -> bool {
        matches!(
            self,
            ConsentKind::AgendaAgreed | ConsentKind::ShortNoticeAgreed
        )
    }
}

/// The decision of an acceptance (agreements carry `agree` or `object`).
pub const ACCEPT: &str = "accept";
/// The decision that consents to a text.
pub const AGREE: &str = "agree";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRef {
    pub id: Uuid,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRef {
    pub id: Uuid,
    pub title: String,
}

/// The person who gave the consent for the organization: a name, never an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: Uuid,
    pub display_name: String,
}

/// One consent, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub kind: ConsentKind,
    pub project: ProjectRef,
    pub organization: OrganizationRef,
    pub by: Person,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting: Option<MeetingRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// `accept` for an acceptance; `agree` or `object` for an agreement.
    pub decision: String,
    /// When the consent was given.
    pub at: DateTime<Utc>,
}

impl Consent {
    /// Whether it consents (an objection is recorded and receipted too, but consents to nothing).
    pub fn consents(&self) -> bool {
        self.decision == ACCEPT || self.decision == AGREE
    }
}

/// The payload of a consent receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    /// The instance that signed it (its base URL).
    pub iss: String,
    /// The receipt's id.
    pub jti: Uuid,
    /// When it was signed, in seconds since the epoch (a receipt signed by the migration for an
    /// older consent has a later `iat` than its `at`).
    pub iat: i64,
    #[serde(flatten)]
    pub consent: Consent,
}

/// What `kind` an attestation's payload carries, to tell it from a receipt.
pub const ATTESTATION_KIND: &str = "sheet.attested";

/// The payload of an attestation: the partnership sheet as it stood, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationClaims {
    pub iss: String,
    pub jti: Uuid,
    pub iat: i64,
    /// Always [`ATTESTATION_KIND`].
    pub kind: String,
    pub project: ProjectRef,
    pub initiator: OrganizationRef,
    /// Who attested, for the initiator.
    pub by: Person,
    pub at: DateTime<Utc>,
    /// The public verification link, so that a saved or printed copy leads back to it.
    pub url: String,
    pub brief_hash: String,
    /// Every accepted partner, the initiator first.
    pub partners: Vec<AttestedPartner>,
    /// Every convened (or held) meeting.
    pub meetings: Vec<AttestedMeeting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedPartner {
    pub organization: OrganizationRef,
    pub is_initiator: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_role: Option<String>,
    /// The hash of its mission when attested.
    pub mission_hash: String,
    /// Whether its latest agreement was `agree` on that very text.
    pub mission_agreed: bool,
    /// Its receipts (compact JWS): the acceptance, the latest agreement to its mission, and its
    /// latest agreement to each attested meeting's agenda (and notice).
    pub receipts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedMeeting {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concertation: Option<AttestedConcertation>,
}

/// The concertation record that allowed a meeting's convocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedConcertation {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub summary: String,
}

/// What is true today about the subject of one consent, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Today {
    /// The organization's partnership now (`None`: there is none any more).
    pub partnership: Option<PartnershipStatus>,
    /// When it stopped being accepted, if it did and the date is known.
    pub left_at: Option<DateTime<Utc>>,
    /// The hash of the text the consent is bound to, as it is now.
    pub content_hash: Option<String>,
    /// When that text first changed after the consent, if known.
    pub content_changed_at: Option<DateTime<Utc>>,
    /// The organization's latest decision on the same subject.
    pub latest_decision: Option<LaterDecision>,
    /// When the meeting the consent is about was cancelled.
    pub meeting_cancelled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterDecision {
    pub decision: String,
    pub content_hash: String,
    pub at: DateTime<Utc>,
}

/// Why a consent no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The initiator ended the partnership.
    Withdrawn,
    /// Invited again after leaving, the organization declined.
    Declined,
    /// Invited again after leaving, the organization has not answered yet.
    InvitedAgain,
    /// The text it agreed to changed.
    TextChanged,
    /// The organization took another decision on the same text (an objection, say).
    DecisionChanged,
    /// The meeting was cancelled.
    MeetingCancelled,
}

impl Change {
    pub fn code(self) -> &'static str {
        match self {
            Change::Withdrawn => "withdrawn",
            Change::Declined => "declined",
            Change::InvitedAgain => "invited_again",
            Change::TextChanged => "text_changed",
            Change::DecisionChanged => "decision_changed",
            Change::MeetingCancelled => "meeting_cancelled",
        }
    }
}

/// Whether an attested consent still holds, and if not, what changed and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub still_valid: bool,
    pub reason: Option<Change>,
    pub changed_at: Option<DateTime<Utc>>,
}

impl Standing {
    const HOLDS: Standing = Standing {
        still_valid: true,
        reason: None,
        changed_at: None,
    };

    fn changed(reason: Change, at: Option<DateTime<Utc>>) -> Standing {
        Standing {
            still_valid: false,
            reason: Some(reason),
            changed_at: at,
        }
    }
}

/// Whether `consent` still holds given what is true `today`. The first change that undoes it
/// is the one reported: leaving the partnership undoes every consent of the organization; a
/// cancelled meeting, its agenda and notice; a changed text, the agreement to it.
pub fn standing(consent: &Consent, today: &Today) -> Standing {
    match today.partnership {
        Some(PartnershipStatus::Accepted) => {}
        Some(PartnershipStatus::Declined) => {
            return Standing::changed(Change::Declined, today.left_at);
        }
        Some(PartnershipStatus::Invited) => {
            return Standing::changed(Change::InvitedAgain, today.left_at);
        }
        Some(PartnershipStatus::Withdrawn) | None => {
            return Standing::changed(Change::Withdrawn, today.left_at);
        }
    }
    if consent.kind.about_a_meeting()
        && let Some(at) = today.meeting_cancelled_at
    {
        return Standing::changed(Change::MeetingCancelled, Some(at));
    }
    let Some(agreed_hash) = &consent.content_hash else {
        return Standing::HOLDS;
    };
    if today.content_hash.as_deref() != Some(agreed_hash.as_str()) {
        return Standing::changed(Change::TextChanged, today.content_changed_at);
    }
    match &today.latest_decision {
        Some(later)
            if later.at > consent.at
                && later.content_hash == *agreed_hash
                && later.decision != consent.decision =>
        {
            Standing::changed(Change::DecisionChanged, Some(later.at))
        }
        _ => Standing::HOLDS,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::{Value, json};

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap()
    }

    fn consent(kind: ConsentKind, hash: Option<&str>, decision: &str) -> Consent {
        Consent {
            kind,
            project: ProjectRef {
                id: Uuid::from_u128(1),
                title: "Accueil jeunes".into(),
            },
            organization: OrganizationRef {
                id: Uuid::from_u128(2),
                name: "Ville de Trappes".into(),
            },
            by: Person {
                user_id: Uuid::from_u128(3),
                display_name: "Marc Lefèvre".into(),
            },
            meeting: kind.about_a_meeting().then(|| MeetingRef {
                id: Uuid::from_u128(4),
                title: "Comité de lancement".into(),
            }),
            content_hash: hash.map(str::to_owned),
            decision: decision.into(),
            at: at(3),
        }
    }

    fn today() -> Today {
        Today {
            partnership: Some(PartnershipStatus::Accepted),
            left_at: None,
            content_hash: Some("sha256:aa".into()),
            content_changed_at: None,
            latest_decision: None,
            meeting_cancelled_at: None,
        }
    }

    #[test]
    fn the_receipt_payload_has_the_fields_of_the_contract() {
        let claims = ReceiptClaims {
            iss: "https://amont.example.org".into(),
            jti: Uuid::from_u128(9),
            iat: 1_796_000_000,
            consent: consent(ConsentKind::MissionAgreed, Some("sha256:aa"), AGREE),
        };
        let value = serde_json::to_value(&claims).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = [
            "iss",
            "jti",
            "iat",
            "kind",
            "project",
            "organization",
            "by",
            "content_hash",
            "decision",
            "at",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(value["kind"], "mission.agreed");
        assert_eq!(
            value["project"],
            json!({"id": Uuid::from_u128(1), "title": "Accueil jeunes"})
        );
        assert_eq!(value["by"]["display_name"], "Marc Lefèvre");
        assert_eq!(value["at"], "2026-12-03T09:00:00Z");
        let back: ReceiptClaims = serde_json::from_value(value).unwrap();
        assert_eq!(back, claims);
    }

    #[test]
    fn an_acceptance_has_no_content_hash_and_an_agenda_names_its_meeting() {
        let acceptance =
            serde_json::to_value(consent(ConsentKind::PartnershipAccepted, None, ACCEPT)).unwrap();
        assert_eq!(acceptance.get("content_hash"), None);
        assert_eq!(acceptance.get("meeting"), None);
        let agenda =
            serde_json::to_value(consent(ConsentKind::AgendaAgreed, Some("sha256:aa"), AGREE))
                .unwrap();
        assert_eq!(agenda["meeting"]["title"], "Comité de lancement");
    }

    #[test]
    fn kinds_are_named_as_in_the_contract_and_round_trip() {
        let names: Vec<Value> = ConsentKind::ALL
            .iter()
            .map(|k| serde_json::to_value(k).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "partnership.accepted",
                "mission.agreed",
                "agenda.agreed",
                "short_notice.agreed"
            ]
        );
        for kind in ConsentKind::ALL {
            assert_eq!(ConsentKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(ConsentKind::parse("mission"), None);
    }

    #[test]
    fn a_consent_holds_while_nothing_changed() {
        for kind in ConsentKind::ALL {
            let hash = (kind != ConsentKind::PartnershipAccepted).then_some("sha256:aa");
            let decision = if hash.is_some() { AGREE } else { ACCEPT };
            assert_eq!(
                standing(&consent(kind, hash, decision), &today()),
                Standing::HOLDS,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn leaving_the_partnership_undoes_every_consent_with_its_date() {
        for (status, reason) in [
            (Some(PartnershipStatus::Withdrawn), Change::Withdrawn),
            (Some(PartnershipStatus::Declined), Change::Declined),
            (Some(PartnershipStatus::Invited), Change::InvitedAgain),
            (None, Change::Withdrawn),
        ] {
            let today = Today {
                partnership: status,
                left_at: Some(at(10)),
                ..today()
            };
            for kind in ConsentKind::ALL {
                let got = standing(&consent(kind, Some("sha256:aa"), AGREE), &today);
                assert_eq!(
                    got,
                    Standing::changed(reason, Some(at(10))),
                    "{kind:?} {status:?}"
                );
            }
        }
    }

    #[test]
    fn a_changed_text_undoes_the_agreement_to_it_and_not_the_acceptance() {
        let today = Today {
            content_hash: Some("sha256:bb".into()),
            content_changed_at: Some(at(12)),
            ..today()
        };
        assert_eq!(
            standing(
                &consent(ConsentKind::MissionAgreed, Some("sha256:aa"), AGREE),
                &today
            ),
            Standing::changed(Change::TextChanged, Some(at(12)))
        );
        assert!(
            standing(
                &consent(ConsentKind::PartnershipAccepted, None, ACCEPT),
                &today
            )
            .still_valid
        );
        // Changed and changed back: the same text, the agreement counts again (as for the gate).
        assert!(
            standing(
                &consent(ConsentKind::MissionAgreed, Some("sha256:aa"), AGREE),
                &Today {
                    content_changed_at: Some(at(12)),
                    ..super::tests::today()
                }
            )
            .still_valid
        );
        // A text that is gone (the meeting's agenda removed) has changed too.
        let gone = Today {
            content_hash: None,
            ..super::tests::today()
        };
        assert_eq!(
            standing(
                &consent(ConsentKind::AgendaAgreed, Some("sha256:aa"), AGREE),
                &gone
            )
            .reason,
            Some(Change::TextChanged)
        );
    }

    #[test]
    fn a_later_objection_to_the_same_text_undoes_the_agreement() {
        let later = |decision: &str, hash: &str, day| Today {
            latest_decision: Some(LaterDecision {
                decision: decision.into(),
                content_hash: hash.into(),
                at: at(day),
            }),
            ..today()
        };
        let agreed = consent(ConsentKind::MissionAgreed, Some("sha256:aa"), AGREE);
        assert_eq!(
            standing(&agreed, &later("object", "sha256:aa", 5)),
            Standing::changed(Change::DecisionChanged, Some(at(5)))
        );
        // The same decision again, or the consent itself as the latest: it holds.
        assert!(standing(&agreed, &later(AGREE, "sha256:aa", 5)).still_valid);
        assert!(standing(&agreed, &later("object", "sha256:aa", 3)).still_valid);
    }

    #[test]
    fn a_cancelled_meeting_undoes_its_agenda_and_notice_only() {
        let today = Today {
            meeting_cancelled_at: Some(at(20)),
            ..today()
        };
        for kind in [ConsentKind::AgendaAgreed, ConsentKind::ShortNoticeAgreed] {
            assert_eq!(
                standing(&consent(kind, Some("sha256:aa"), AGREE), &today),
                Standing::changed(Change::MeetingCancelled, Some(at(20)))
            );
        }
        assert!(
            standing(
                &consent(ConsentKind::MissionAgreed, Some("sha256:aa"), AGREE),
                &today
            )
            .still_valid
        );
    }

    #[test]
    fn only_accept_and_agree_consent() {
        assert!(consent(ConsentKind::PartnershipAccepted, None, ACCEPT).consents());
        assert!(consent(ConsentKind::MissionAgreed, Some("sha256:aa"), AGREE).consents());
        assert!(!consent(ConsentKind::MissionAgreed, Some("sha256:aa"), "object").consents());
    }
}
