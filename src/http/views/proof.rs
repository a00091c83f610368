//! Proof of consent's JSON shapes: `AttestationCreated`, `Attestation`, and the verification of
//! an attestation (`Verification`, `VerifiedConsent`) that `GET /verify/{token}?format=json`
//! answers.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::proof::{AttestationClaims, ConsentKind};
use crate::jose::NotVerified;
use crate::workflow::attestations::{self, ConsentCheck, Created, Listed, Verification};

/// `AttestationCreated`: a new attestation, its public link and its signed text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttestationCreatedView {
    pub id: Uuid,
    /// `{AMONT_BASE_URL}/verify/{token}`
    pub url: String,
    /// Compact JWS; payload `AttestationPayload`.
    pub jws: String,
    pub created_at: DateTime<Utc>,
}

impl From<Created> for AttestationCreatedView {
    fn from(created: Created) -> Self {
        Self {
            id: created.id,
            url: created.url,
            jws: created.jws,
            created_at: created.created_at,
        }
    }
}

/// `Attestation`: one of a project's attestations, as its initiator lists them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttestationView {
    pub id: Uuid,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub created_by: CreatorView,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CreatorView {
    pub user_id: Uuid,
    pub display_name: String,
}

impl AttestationView {
    pub fn new(settings: &Settings, listed: Listed) -> Self {
        let Listed {
            row,
            created_by_name,
        } = listed;
        AttestationView {
            url: attestations::link(settings, &row.token),
            id: row.id,
            created_at: row.created_at,
            created_by: CreatorView {
                user_id: row.created_by,
                display_name: created_by_name,
            },
            revoked_at: row.revoked_at,
        }
    }
}

/// `Verification`: an attestation checked today, as `GET /verify/{token}?format=json` gives it
/// to machines (the page shows the same).
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerificationView {
    pub jws: String,
    pub url: String,
    pub signature_valid: bool,
    /// Why the signature does not verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_error: Option<NotVerifiedView>,
    /// The signature verifies and every consent still holds.
    pub all_hold: bool,
    pub checked_at: DateTime<Utc>,
    /// What it attests, when the signature verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "attestation_payload")]
    pub attestation: Option<AttestationClaims>,
    pub consents: Vec<VerifiedConsentView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meetings: Option<Vec<MeetingCheckView>>,
}

/// A signature or a receipt that does not verify: a stable code and a sentence.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NotVerifiedView {
    pub code: &'static str,
    pub message: String,
}

impl From<&NotVerified> for NotVerifiedView {
    fn from(reason: &NotVerified) -> Self {
        NotVerifiedView {
            code: reason.code(),
            message: reason.to_string(),
        }
    }
}

/// An attested meeting, its status then and today.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MeetingCheckView {
    pub id: Uuid,
    pub title: String,
    pub status_attested: String,
    pub status_today: Option<String>,
}

/// `VerifiedConsent`: one attested consent, whether its receipt verifies and whether it still
/// holds today (and if not, what changed and when).
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerifiedConsentView {
    pub organization_id: Uuid,
    pub organization_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "consent_kind")]
    pub kind: Option<ConsentKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// The display name of who consented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<Uuid>,
    pub receipt_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_error: Option<NotVerifiedView>,
    /// Whether the consent still holds today.
    pub still_valid: bool,
    /// What changed, when it no longer holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// When it changed, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<DateTime<Utc>>,
}

impl From<&ConsentCheck> for VerifiedConsentView {
    fn from(c: &ConsentCheck) -> Self {
        let mut view = VerifiedConsentView {
            organization_id: c.organization.id,
            organization_name: c.organization.name.clone(),
            kind: None,
            decision: None,
            at: None,
            by: None,
            receipt_id: None,
            content_hash: None,
            meeting_id: None,
            receipt_valid: c.receipt.is_ok(),
            receipt_error: None,
            still_valid: false,
            reason: None,
            changed_at: None,
        };
        match (&c.receipt, c.standing) {
            (Ok(r), Some(standing)) => {
                view.kind = Some(r.consent.kind);
                view.decision = Some(r.consent.decision.clone());
                view.at = Some(r.consent.at);
                view.by = Some(r.consent.by.display_name.clone());
                view.receipt_id = Some(r.jti);
                view.content_hash = r.consent.content_hash.clone();
                view.meeting_id = r.consent.meeting.as_ref().map(|m| m.id);
                view.still_valid = standing.still_valid;
                view.reason = standing.reason.map(|reason| reason.code());
                view.changed_at = standing.changed_at;
            }
            (Err(e), _) => {
                view.reason = Some("receipt_invalid");
                view.receipt_error = Some(e.into());
            }
            (Ok(_), None) => {}
        }
        view
    }
}

impl From<&Verification> for VerificationView {
    fn from(v: &Verification) -> Self {
        VerificationView {
            jws: v.jws.clone(),
            url: v.url.clone(),
            signature_valid: v.signature.is_ok(),
            signature_error: v.signature.as_ref().err().map(NotVerifiedView::from),
            all_hold: v.all_hold(),
            checked_at: v.checked_at,
            attestation: v.claims.clone(),
            consents: v.consents.iter().map(VerifiedConsentView::from).collect(),
            meetings: v.claims.as_ref().map(|claims| {
                claims
                    .meetings
                    .iter()
                    .map(|m| MeetingCheckView {
                        id: m.id,
                        title: m.title.clone(),
                        status_attested: m.status.clone(),
                        status_today: v.meetings_today.get(&m.id).cloned(),
                    })
                    .collect()
            }),
        }
    }
}

/// The domain's proof types carry no JSON Schema of their own: these name the document's
/// components they are (their shapes are pinned by the proof tests, not by the contract check).
fn attestation_payload(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"$ref": "#/components/schemas/AttestationPayload"})
}

fn consent_kind(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"$ref": "#/components/schemas/ConsentKind"})
}
