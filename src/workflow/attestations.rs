//! Attestations: the initiator freezes the partnership sheet into a signed snapshot with a
//! public link, and anyone with the link checks, without an account, whether each consent it
//! attests still holds today.
//!
//! What is attested: the project, its brief's hash, each accepted partner with its mission's
//! hash and its receipts (acceptance, latest decision on its mission, on each attested meeting's
//! agenda and notice), and each convened or held meeting with its concertation record. The
//! check verifies the attestation and every receipt against the published keys, then compares
//! each consent with today's state (`domain::proof::standing`).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngExt;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::receipts;
use super::signing::{self, Signer};
use super::verification::{self, ReceiptCheck};
use crate::config::Settings;
use crate::db::models::{AuditEvent, NewAuditEvent, Project};
use crate::db::proof::{self as store, AttestationRow, ReceiptRow};
use crate::db::{partnerships, projects};
use crate::document::{self, ProjectDoc};
use crate::domain::content;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::proof::{
    AGREE, ATTESTATION_KIND, AttestationClaims, AttestedConcertation, AttestedMeeting,
    AttestedPartner, ConsentKind, LaterDecision, OrganizationRef, Person, ProjectRef,
    ReceiptClaims, Standing, Today, standing,
};
use crate::jose::NotVerified;

/// A new attestation, as `POST …/attestations` answers it.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: Uuid,
    pub url: String,
    pub jws: String,
    pub created_at: DateTime<Utc>,
}

/// The public link of an attestation.
pub fn link(settings: &Settings, token: &str) -> String {
    settings.link(&format!("/verify/{token}")).to_string()
}

/// The project, when `actor` speaks for its initiator; not found for those who do not take part,
/// forbidden for the other partners.
fn as_initiator(
    conn: &mut PgConnection,
    actor: Uuid,
    project_id: Uuid,
) -> Result<Project, Refusal> {
    let project = projects::get(conn, project_id)
        .optional()?
        .ok_or(Refusal::NotFound)?;
    let standing = store::standing_in(conn, project_id, project.initiator_organization_id, actor)?;
    if !standing.takes_part {
        return Err(Refusal::NotFound);
    }
    if !standing.initiator {
        return Err(Refusal::forbidden(
            "only the initiator's members attest the partnership",
        ));
    }
    Ok(project)
}

/// Signs a snapshot of the sheet and stores it with a new public link.
pub fn attest(
    conn: &mut PgConnection,
    settings: &Settings,
    signer: &Signer,
    actor: Uuid,
    project_id: Uuid,
) -> Result<Created, Refusal> {
    let project = as_initiator(conn, actor, project_id)?;
    // Consents recorded before receipts existed get theirs now, so that none is left out.
    receipts::sign_missing(conn, signer, Some(project_id))?;
    let doc = document::load(conn, project_id)?;
    let latest = latest_by_subject(store::latest_receipts(conn, project_id)?);
    let records = store::latest_records(conn, project_id)?;
    let meetings: Vec<AttestedMeeting> = crate::db::meetings::of_project(conn, project_id)?
        .into_iter()
        .filter(|m| m.status.was_convened())
        .map(|m| AttestedMeeting {
            concertation: records.get(&m.id).map(|r| AttestedConcertation {
                id: r.id,
                recorded_at: r.created_at,
                summary: r.summary.clone(),
            }),
            id: m.id,
            title: m.title,
            status: m.status.as_str().to_owned(),
            starts_at: m.starts_at,
        })
        .collect();
    let mut partners = Vec::new();
    let mut initiator_name = String::new();
    for (partnership, org) in partnerships::with_organizations(conn, project_id)? {
        if partnership.status != PartnershipStatus::Accepted {
            continue;
        }
        let is_initiator = org.id == project.initiator_organization_id;
        if is_initiator {
            initiator_name = org.name.clone();
        }
        let mission_hash = doc.mission(org.id).content_hash;
        let mission = latest.get(&(ConsentKind::MissionAgreed, org.id, None));
        let mut receipts: Vec<String> = Vec::new();
        receipts.extend(
            latest
                .get(&(ConsentKind::PartnershipAccepted, org.id, None))
                .map(|r| r.jws.clone()),
        );
        receipts.extend(mission.map(|r| r.jws.clone()));
        for meeting in &meetings {
            for kind in [ConsentKind::AgendaAgreed, ConsentKind::ShortNoticeAgreed] {
                receipts.extend(
                    latest
                        .get(&(kind, org.id, Some(meeting.id)))
                        .map(|r| r.jws.clone()),
                );
            }
        }
        partners.push(AttestedPartner {
            mission_agreed: mission.is_some_and(|r| {
                r.decision == AGREE && r.content_hash.as_deref() == Some(mission_hash.as_str())
            }),
            organization: OrganizationRef {
                id: org.id,
                name: org.name,
            },
            is_initiator,
            proposed_role: partnership.proposed_role,
            mission_hash,
            receipts,
        });
    }
    // The initiator first, then in the order of the sheet.
    partners.sort_by_key(|p| !p.is_initiator);
    let by = crate::db::users::by_id(conn, actor)?.ok_or(Refusal::NotFound)?;
    let now = Utc::now();
    let token = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 18]>());
    let url = link(settings, &token);
    let claims = AttestationClaims {
        iss: signer.issuer().to_owned(),
        jti: Uuid::new_v4(),
        iat: now.timestamp(),
        kind: ATTESTATION_KIND.into(),
        project: ProjectRef {
            id: project.id,
            title: project.title.clone(),
        },
        initiator: OrganizationRef {
            id: project.initiator_organization_id,
            name: initiator_name,
        },
        by: Person {
            user_id: by.id,
            display_name: by.display_name,
        },
        at: now,
        url: url.clone(),
        brief_hash: doc.brief().content_hash,
        partners,
        meetings,
    };
    let signed = signer.sign(conn, &claims)?;
    store::insert_attestation(
        conn,
        &AttestationRow {
            id: claims.jti,
            project_id,
            token,
            created_by: actor,
            kid: signed.kid,
            jws: signed.jws.clone(),
            created_at: now,
            revoked_at: None,
            revoked_by: None,
        },
    )?;
    NewAuditEvent {
        project_id: Some(project_id),
        actor_user_id: Some(actor),
        actor_organization_id: Some(project.initiator_organization_id),
        action: "attestation.created",
        organization_id: None,
        details: json!({"attestation_id": claims.jti, "partners": claims.partners.len()}),
    }
    .record(conn)?;
    Ok(Created {
        id: claims.jti,
        url,
        jws: signed.jws,
        created_at: now,
    })
}

/// Receipts by (kind, organization, meeting).
fn latest_by_subject(
    rows: Vec<ReceiptRow>,
) -> HashMap<(ConsentKind, Uuid, Option<Uuid>), ReceiptRow> {
    rows.into_iter()
        .filter_map(|row| {
            let kind = ConsentKind::parse(&row.kind)?;
            Some(((kind, row.organization_id, row.meeting_id), row))
        })
        .collect()
}

/// An attestation as its project's list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub row: AttestationRow,
    pub created_by_name: String,
}

/// A project's attestations, newest first (the initiator's members only).
pub fn list(
    conn: &mut PgConnection,
    actor: Uuid,
    project_id: Uuid,
) -> Result<Vec<Listed>, Refusal> {
    as_initiator(conn, actor, project_id)?;
    Ok(store::attestations_of(conn, project_id)?
        .into_iter()
        .map(|(row, created_by_name)| Listed {
            row,
            created_by_name,
        })
        .collect())
}

/// Revokes an attestation: its link answers 410 from then on.
pub fn revoke(conn: &mut PgConnection, actor: Uuid, id: Uuid) -> Result<(), Refusal> {
    let row = store::attestation(conn, id)?.ok_or(Refusal::NotFound)?;
    let project = as_initiator(conn, actor, row.project_id)?;
    if !store::revoke_attestation(conn, id, actor, Utc::now())? {
        return Err(Refusal::conflict(
            "already_revoked",
            "this attestation was revoked already",
        ));
    }
    NewAuditEvent {
        project_id: Some(row.project_id),
        actor_user_id: Some(actor),
        actor_organization_id: Some(project.initiator_organization_id),
        action: "attestation.revoked",
        organization_id: None,
        details: json!({"attestation_id": id}),
    }
    .record(conn)?;
    Ok(())
}

/// What a verification link leads to.
#[derive(Debug)]
pub enum Lookup {
    Unknown,
    Revoked { at: DateTime<Utc> },
    Found(Box<Verification>),
}

/// An attestation, checked today.
#[derive(Debug)]
pub struct Verification {
    pub jws: String,
    pub url: String,
    /// Whether the attestation's signature verifies with the published keys, and why not.
    pub signature: Result<(), NotVerified>,
    /// What it attests (when the signature verifies).
    pub claims: Option<AttestationClaims>,
    pub consents: Vec<ConsentCheck>,
    /// Each attested meeting's status today.
    pub meetings_today: HashMap<Uuid, String>,
    pub checked_at: DateTime<Utc>,
}

impl Verification {
    /// Whether the signature verifies and every consent still holds.
    pub fn all_hold(&self) -> bool {
        self.signature.is_ok()
            && self
                .consents
                .iter()
                .all(|c| c.standing.is_some_and(|s| s.still_valid))
    }
}

/// One attested consent, checked today.
#[derive(Debug)]
pub struct ConsentCheck {
    pub organization: OrganizationRef,
    /// The receipt, or why it does not verify.
    pub receipt: Result<ReceiptClaims, NotVerified>,
    /// Whether it still holds (for a receipt that verifies).
    pub standing: Option<Standing>,
}

/// Looks up a verification link and checks what it attests against today's state.
pub fn check(conn: &mut PgConnection, settings: &Settings, token: &str) -> Result<Lookup, Refusal> {
    let Some(row) = store::attestation_by_token(conn, token)? else {
        return Ok(Lookup::Unknown);
    };
    if let Some(at) = row.revoked_at {
        return Ok(Lookup::Revoked { at });
    }
    let keys = signing::key_set(conn)?;
    let checked_at = Utc::now();
    let mut verification = Verification {
        jws: row.jws.clone(),
        url: link(settings, &row.token),
        signature: Ok(()),
        claims: None,
        consents: Vec::new(),
        meetings_today: HashMap::new(),
        checked_at,
    };
    let (claims, checks) = match verification::check_attestation(&row.jws, &keys) {
        Ok(found) => found,
        Err(reason) => {
            verification.signature = Err(reason);
            return Ok(Lookup::Found(Box::new(verification)));
        }
    };
    let today = ProjectToday::load(conn, row.project_id)?;
    verification.meetings_today = today
        .meetings
        .iter()
        .map(|(id, (status, _))| (*id, status.clone()))
        .collect();
    verification.consents = checks
        .into_iter()
        .map(
            |ReceiptCheck {
                 partner, result, ..
             }| {
                let standing = result
                    .as_ref()
                    .ok()
                    .map(|receipt| standing(&receipt.consent, &today.about(receipt)));
                ConsentCheck {
                    organization: claims.partners[partner].organization.clone(),
                    receipt: result,
                    standing,
                }
            },
        )
        .collect();
    verification.claims = Some(claims);
    Ok(Lookup::Found(Box::new(verification)))
}

/// What is true today in a project, as far as its consents are concerned.
struct ProjectToday {
    /// Each organization's partnership: status and when it was answered.
    partnerships: HashMap<Uuid, (PartnershipStatus, Option<DateTime<Utc>>)>,
    /// The latest withdrawal of each organization (an organization invited again keeps it).
    withdrawals: HashMap<Uuid, DateTime<Utc>>,
    doc: ProjectDoc,
    latest: HashMap<(ConsentKind, Uuid, Option<Uuid>), ReceiptRow>,
    /// Audited edits of missions and agendas, oldest first.
    edits: Vec<AuditEvent>,
    meetings: HashMap<Uuid, (String, Option<DateTime<Utc>>)>,
    /// Each meeting's start, and the project's minimum notice: what a short notice binds to.
    starts: HashMap<Uuid, DateTime<Utc>>,
    min_notice_days: u32,
}

impl ProjectToday {
    fn load(conn: &mut PgConnection, project_id: Uuid) -> Result<ProjectToday, Refusal> {
        let partnerships = partnerships::with_organizations(conn, project_id)?
            .into_iter()
            .map(|(p, _)| (p.organization_id, (p.status, p.answered_at)))
            .collect();
        let mut withdrawals = HashMap::new();
        for event in projects::audit_trail(conn, project_id, Some(&["partnership.withdrawn"]))? {
            if let Some(org) = event.organization_id {
                withdrawals.insert(org, event.created_at);
            }
        }
        let edits = projects::audit_trail(
            conn,
            project_id,
            Some(&["mission.changed", "agenda.changed"]),
        )?;
        let listed = crate::db::meetings::of_project(conn, project_id)?;
        let starts = listed
            .iter()
            .filter_map(|m| Some((m.id, m.starts_at?)))
            .collect();
        let meetings = listed
            .into_iter()
            .map(|m| (m.id, (m.status.as_str().to_owned(), m.cancelled_at)))
            .collect();
        let min_notice_days = projects::get(conn, project_id)?.min_notice_days.max(0) as u32;
        Ok(ProjectToday {
            starts,
            min_notice_days,
            partnerships,
            withdrawals,
            doc: document::load(conn, project_id)?,
            latest: latest_by_subject(store::latest_receipts(conn, project_id)?),
            edits,
            meetings,
        })
    }

    /// What is true today about the subject of one receipt.
    fn about(&self, receipt: &ReceiptClaims) -> Today {
        let consent = &receipt.consent;
        let org = consent.organization.id;
        let meeting = consent.meeting.as_ref().map(|m| m.id);
        let (partnership, answered_at) = match self.partnerships.get(&org) {
            Some((status, answered_at)) => (Some(*status), *answered_at),
            None => (None, None),
        };
        let left_at = match partnership {
            Some(PartnershipStatus::Withdrawn | PartnershipStatus::Declined) => answered_at,
            _ => self.withdrawals.get(&org).copied(),
        };
        let content_hash = match (consent.kind, meeting) {
            (ConsentKind::MissionAgreed, _) => Some(self.doc.mission(org).content_hash),
            (ConsentKind::AgendaAgreed, Some(meeting)) => {
                Some(self.doc.agenda(meeting).content_hash)
            }
            // The meeting at the start it has now, with the notice the project asks now.
            (ConsentKind::ShortNoticeAgreed, Some(meeting)) => self
                .starts
                .get(&meeting)
                .map(|s| content::short_notice_hash(meeting, *s, self.min_notice_days)),
            _ => None,
        };
        Today {
            partnership,
            left_at,
            content_changed_at: consent.content_hash.as_deref().and_then(|agreed| {
                self.first_edit_away(consent.kind, org, meeting, agreed, consent.at)
            }),
            content_hash,
            latest_decision: self.latest.get(&(consent.kind, org, meeting)).map(|row| {
                LaterDecision {
                    decision: row.decision.clone(),
                    content_hash: row.content_hash.clone().unwrap_or_default(),
                    at: row.at,
                }
            }),
            meeting_cancelled_at: meeting
                .and_then(|id| self.meetings.get(&id))
                .and_then(|(_, cancelled_at)| *cancelled_at),
        }
    }

    /// When the text agreed to was first edited away from `agreed` after the consent, as the
    /// audit trail recorded it.
    fn first_edit_away(
        &self,
        kind: ConsentKind,
        org: Uuid,
        meeting: Option<Uuid>,
        agreed: &str,
        since: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.edits
            .iter()
            .filter(|e| e.created_at > since)
            .filter(|e| e.details["previous_hash"].as_str() == Some(agreed))
            .find(|e| match kind {
                ConsentKind::MissionAgreed => {
                    e.action == "mission.changed" && e.organization_id == Some(org)
                }
                ConsentKind::AgendaAgreed => {
                    e.action == "agenda.changed"
                        && meeting.is_some_and(|m| e.details["meeting_id"] == json!(m))
                }
                _ => false,
            })
            .map(|e| e.created_at)
    }
}
