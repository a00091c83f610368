//! A meeting's agenda, which lives in the project document: reading it with each accepted
//! partner's agreement, replacing it (any participant co-edits it, as they co-edit missions),
//! and what an agreement to it binds to.

use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::meetings::{audit, open};
use crate::auth::ProjectAccess;
use crate::db::models::{Agreement, Meeting, User};
use crate::db::{Conn, meetings as queries};
use crate::document::{self, Agenda, AgendaItemInput};
use crate::domain::content;
use crate::domain::gate::Decision;
use crate::domain::input::InputError;
use crate::domain::partnership::PartnershipStatus;
use crate::workflow::consent::{self, Recorded};
use crate::workflow::projects::lock_document;
use crate::workflow::signing::Signer;

/// An accepted partner's latest agreement to the agenda, with its signed receipt.
pub struct PartnerAgreement {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub agreement: Option<(Agreement, Option<String>)>,
}

/// The agenda as the live document holds it, and each accepted partner's latest agreement.
pub struct AgendaRead {
    pub agenda: Agenda,
    pub agreements: Vec<PartnerAgreement>,
}

/// Reads the agenda from the live document, for anyone who sees the meeting.
pub fn read(conn: &mut Conn, actor: &User, meeting_id: Uuid) -> Result<AgendaRead, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let agenda = document::load(conn, meeting.project_id)?.agenda(meeting.id);
    let initiator = access.project.initiator_organization_id;
    let mut agreements = Vec::new();
    for (organization_id, organization_name, status) in
        queries::partners(conn, meeting.project_id, initiator)?
    {
        if status != PartnershipStatus::Accepted {
            continue;
        }
        let latest = crate::db::agreements::latest(
            conn,
            meeting.project_id,
            "agenda",
            meeting.id,
            organization_id,
        )?;
        let receipts = crate::db::proof::receipts_of_records(
            conn,
            &latest.iter().map(|a| a.id).collect::<Vec<_>>(),
        )?;
        agreements.push(PartnerAgreement {
            organization_id,
            organization_name,
            agreement: latest.map(|a| {
                let receipt = receipts.get(&a.id).cloned();
                (a, receipt)
            }),
        });
    }
    Ok(AgendaRead { agenda, agreements })
}

/// Replaces the agenda in the live document (a minimal edit, ids kept); any participant may.
/// A lead must be a partner of the project. A change that voids agreements is audited.
pub fn replace(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    items: &[AgendaItemInput],
    max_bytes: usize,
) -> Result<Agenda, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let partners = queries::partner_ids(conn, meeting.project_id)?;
    if items
        .iter()
        .filter_map(|i| i.lead_org_id.as_deref())
        .any(|id| !partners.iter().any(|p| p.to_string() == id))
    {
        return Err(InputError {
            field: "lead_org_id",
            message: "the lead must be a partner of the project".into(),
        }
        .into());
    }
    lock_document(conn, meeting.project_id)?;
    let before = document::load(conn, meeting.project_id)?.agenda(meeting.id);
    let after = document::replace_agenda(
        conn,
        meeting.project_id,
        meeting.id,
        actor.id,
        items,
        max_bytes,
    )?;
    if before.content_hash != after.content_hash {
        audit(
            conn,
            &access,
            "agenda.changed",
            None,
            json!({
                "meeting_id": meeting.id, "previous_hash": before.content_hash,
                "content_hash": after.content_hash, "via": "http",
            }),
        )?;
        super::asking::agenda_replaced(conn, &meeting, &before, &after, actor.id)?;
    }
    Ok(after)
}

/// What an agreement to the agenda binds to: the meeting, the accepted partner the caller
/// agrees for, and the agenda as it is now — the document held still until the transaction
/// ends, so that nothing changes between the hash check and the agreement's insert.
pub struct AgendaToAgree {
    pub meeting: Meeting,
    pub organization_id: Uuid,
    pub agenda: Agenda,
}

/// Reads and holds the agenda for an agreement by the caller, for `asked` (needed only when
/// they belong to several accepted partners).
pub fn to_agree(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    asked: Option<Uuid>,
) -> Result<AgendaToAgree, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let organization_id = agreeing_organization(&access, asked)?;
    lock_document(conn, meeting.project_id)?;
    let agenda = document::load(conn, meeting.project_id)?.agenda(meeting.id);
    Ok(AgendaToAgree {
        meeting,
        organization_id,
        agenda,
    })
}

/// The accepted partner the caller agrees for.
pub(super) fn agreeing_organization(
    access: &ProjectAccess,
    asked: Option<Uuid>,
) -> Result<Uuid, Refusal> {
    let accepted: Vec<Uuid> = access
        .organizations
        .iter()
        .filter(|(_, s)| *s == PartnershipStatus::Accepted)
        .map(|(o, _)| *o)
        .collect();
    let not_accepted =
        || Refusal::conflict("not_accepted", "accept the partnership before agreeing");
    match asked {
        Some(org) if accepted.contains(&org) => Ok(org),
        Some(org) if access.member_of(org) => Err(not_accepted()),
        Some(_) => Err(Refusal::forbidden(
            "only members of that organization may act for it",
        )),
        None => match accepted.as_slice() {
            [only] => Ok(*only),
            [] => Err(not_accepted()),
            _ => Err(InputError {
                field: "organization_id",
                message: "you belong to several partners: say which one agrees".into(),
            }
            .into()),
        },
    }
}

/// What a caller says of the agenda, already parsed.
pub struct AgendaConsent {
    /// The accepted partner they speak for (needed when they belong to several).
    pub organization_id: Option<Uuid>,
    /// The agenda's hash as they read it.
    pub claimed_hash: String,
    pub decision: Decision,
    pub comment: Option<String>,
}

/// Records a partner's agreement (or objection) to the agenda as it is now, with its signed
/// receipt; returns it with the agenda's current hash.
pub fn agree(
    conn: &mut Conn,
    signer: &Signer,
    actor: &User,
    meeting_id: Uuid,
    asked: AgendaConsent,
) -> Result<(Recorded, String), Refusal> {
    let held = to_agree(conn, actor, meeting_id, asked.organization_id)?;
    let (meeting, agenda) = (&held.meeting, &held.agenda);
    let section = consent::Section {
        subject: "agenda",
        subject_id: meeting.id,
        current_hash: &agenda.content_hash,
        canonical: content::canonical_agenda(meeting.id, &agenda.items),
        is_empty: agenda.items.is_empty(),
    };
    let given = consent::Consent {
        project_id: meeting.project_id,
        organization_id: held.organization_id,
        user_id: actor.id,
        claimed_hash: asked.claimed_hash,
        decision: asked.decision,
        comment: asked.comment,
    };
    let recorded = consent::record(conn, signer, section, given)?;
    Ok((recorded, held.agenda.content_hash.clone()))
}
