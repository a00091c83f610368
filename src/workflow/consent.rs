//! Consent: agreements to a mission or to an agenda, bound to the content they name.
//!
//! [`record`] is the one place where consent is bound to content: the caller locks the
//! project's document and reads the section; it checks the hash the client saw against it,
//! refuses empty content, stores the agreement with the canonical text, audits it, and signs
//! its receipt in the same transaction. An agreement counts only while the content still hashes
//! to it (`domain::gate::Consent::backs`): a change to an agreed mission is audited as
//! invalidating it.

use chrono::{SubsecRound, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::projects::{acting_organization, lock_document};
use crate::auth::ProjectAccess;
use crate::db::agreements::{self, MISSION};
use crate::db::audit;
use crate::db::models::{Agreement, Partnership, User};
use crate::db::partnerships;
use crate::document::{self, Section as DocSection};
use crate::domain::content;
use crate::domain::gate::Decision;
use crate::domain::partnership::PartnershipStatus;
use crate::workflow::receipts::{self, ConsentFacts};
use crate::workflow::signing::Signer;

/// The section being agreed to, as the server reads it now (document locked).
pub struct Section<'a> {
    /// `mission` or `agenda`.
    pub subject: &'static str,
    /// The mission's organization, or the agenda's meeting.
    pub subject_id: Uuid,
    pub current_hash: &'a str,
    /// The canonical JSON that `current_hash` is the hash of.
    pub canonical: String,
    pub is_empty: bool,
}

/// Who agrees, for which organization, to what they read.
pub struct Consent {
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub claimed_hash: String,
    pub decision: Decision,
    pub comment: Option<String>,
}

/// An agreement as recorded, with its signed receipt (a compact JWS).
pub struct Recorded {
    pub agreement: Agreement,
    pub receipt: String,
}

pub fn record(
    conn: &mut PgConnection,
    signer: &Signer,
    section: Section<'_>,
    consent: Consent,
) -> Result<Recorded, Refusal> {
    if section.current_hash != consent.claimed_hash.trim() {
        return Err(Refusal::conflict(
            "stale_content",
            format!(
                "the {} changed since you read it; read it again before agreeing",
                section.subject
            ),
        )
        .with("content_hash", json!(section.current_hash)));
    }
    if section.is_empty {
        return Err(Refusal::conflict(
            "empty_content",
            format!(
                "the {} is empty: write it before agreeing to it",
                section.subject
            ),
        ));
    }
    let agreement = Agreement {
        id: Uuid::new_v4(),
        project_id: consent.project_id,
        organization_id: consent.organization_id,
        subject: section.subject.into(),
        subject_id: section.subject_id,
        content_hash: section.current_hash.to_owned(),
        content: section.canonical,
        decision: consent.decision.as_str().to_owned(),
        comment: consent.comment,
        user_id: consent.user_id,
        // As stored: the answer, later reads and the receipt show the same instant.
        created_at: Utc::now().trunc_subsecs(6),
    };
    agreements::insert(conn, &agreement)?;
    audit::event("agreement.recorded")
        .project(agreement.project_id)
        .by(agreement.user_id, Some(agreement.organization_id))
        .organization(agreement.organization_id)
        .details(json!({
            "subject": agreement.subject,
            "subject_id": agreement.subject_id,
            "decision": agreement.decision,
            "content_hash": agreement.content_hash,
        }))
        .record(conn)?;
    let facts = ConsentFacts::agreement(&agreement)
        .ok_or_else(|| anyhow::anyhow!("an agreement of unknown subject {}", agreement.subject))?;
    let receipt = receipts::sign(conn, signer, facts)?.jws;
    Ok(Recorded { agreement, receipt })
}

/// Whether `agreement` backs the content that hashes to `current_hash` now: an agreement (not an
/// objection) to that very content.
pub fn backs(agreement: &Agreement, current_hash: &str) -> bool {
    agreements::consent(agreement).is_some_and(|consent| consent.backs(current_hash))
}

/// The partnership of `organization_id` in the project; not found when it has none.
pub fn partnership_of(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<Partnership, Refusal> {
    partnerships::find(conn, project_id, organization_id)?.ok_or(Refusal::NotFound)
}

/// The project as the actor may see it, and the partnership whose mission is read or edited;
/// not found when either is missing.
fn in_mission(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<(ProjectAccess, Partnership), Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    let partnership = partnership_of(conn, project_id, organization_id)?;
    Ok((access, partnership))
}

/// A mission with the latest agreement of its organization and that agreement's receipt.
pub struct Mission {
    pub organization_id: Uuid,
    pub section: DocSection,
    pub agreement: Option<Agreement>,
    pub receipt: Option<String>,
}

/// An organization's mission in the project, with the agreement that backs it (or not).
pub fn mission(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<Mission, Refusal> {
    in_mission(conn, actor, project_id, organization_id)?;
    let section = document::load(conn, project_id)?.mission(organization_id);
    let agreement =
        agreements::latest(conn, project_id, MISSION, organization_id, organization_id)?;
    let mut receipts = crate::db::proof::receipts_of_records(
        conn,
        &agreement.iter().map(|a| a.id).collect::<Vec<_>>(),
    )?;
    let receipt = agreement.as_ref().and_then(|a| receipts.remove(&a.id));
    Ok(Mission {
        organization_id,
        section,
        agreement,
        receipt,
    })
}

/// Any participant co-edits a mission while its organization takes part. A change to a mission
/// that was agreed is audited: that agreement no longer counts.
pub fn replace_mission(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
    text: &str,
    max_bytes: usize,
) -> Result<DocSection, Refusal> {
    let (access, partnership) = in_mission(conn, actor, project_id, organization_id)?;
    if !partnership.status.takes_part() {
        return Err(Refusal::conflict(
            "not_a_partner",
            "this organization declined or was withdrawn: its mission cannot be edited",
        ));
    }
    lock_document(conn, project_id)?;
    let before = document::load(conn, project_id)?.mission(organization_id);
    let after =
        document::replace_mission(conn, project_id, organization_id, actor.id, text, max_bytes)?;
    if before.content_hash != after.content_hash {
        let voided =
            agreements::latest(conn, project_id, MISSION, organization_id, organization_id)?
                .filter(|a| backs(a, &before.content_hash));
        let agreed = voided.is_some();
        if let Some(agreement) = &voided {
            crate::db::asking::mark_voided_notified(conn, &[agreement.id], Utc::now())?;
        }
        audit::event("mission.changed")
            .project(project_id)
            .by(actor.id, acting_organization(&access, organization_id))
            .organization(organization_id)
            .details(json!({
                "previous_hash": before.content_hash,
                "content_hash": after.content_hash,
                "agreement_invalidated": agreed,
                "via": "http",
            }))
            .record(conn)?;
        super::asking::mission_changed(
            conn,
            project_id,
            organization_id,
            (&before.text, &after.text),
            agreed,
            Some(actor.id),
        )?;
    }
    Ok(after)
}

/// What a member answers about their organization's mission, already parsed.
pub struct MissionConsent {
    pub claimed_hash: String,
    pub decision: Decision,
    pub comment: Option<String>,
}

/// A member agrees (or objects) to their organization's mission: only once it accepted, only
/// on the current text. Returns the agreement with its receipt and the mission's hash now.
pub fn agree_to_mission(
    conn: &mut PgConnection,
    signer: &Signer,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
    answer: MissionConsent,
) -> Result<(Recorded, String), Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    access.require_member_of(organization_id)?;
    let partnership = partnership_of(conn, project_id, organization_id)?;
    if partnership.status != PartnershipStatus::Accepted {
        return Err(Refusal::conflict(
            "not_accepted",
            "accept the partnership before agreeing to a mission",
        )
        .with("status", json!(partnership.status)));
    }
    // Hold the document still from the hash check to the insert.
    lock_document(conn, project_id)?;
    let mission = document::load(conn, project_id)?.mission(organization_id);
    let recorded = record(
        conn,
        signer,
        Section {
            subject: MISSION,
            subject_id: organization_id,
            current_hash: &mission.content_hash,
            canonical: content::canonical_mission(organization_id, &mission.text),
            is_empty: mission.text.trim().is_empty(),
        },
        Consent {
            project_id,
            organization_id,
            user_id: actor.id,
            claimed_hash: answer.claimed_hash,
            decision: answer.decision,
            comment: answer.comment,
        },
    )?;
    Ok((recorded, mission.content_hash))
}
