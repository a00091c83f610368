//! Partnerships: inviting an organization (a consultation email, never a calendar invitation),
//! the partners of a project as each person may see them, answers and withdrawal. Every
//! transition is a conditional update on the current status, with an audit row; an acceptance
//! is a consent, signed in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use lettre::message::Mailbox;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::projects::{advance, require_open};
use crate::auth::ProjectAccess;
use crate::auth::links::{self, Consultation};
use crate::config::Settings;
use crate::db::audit;
use crate::db::models::{Organization, Partnership, Project, User};
use crate::db::organizations as orgs;
use crate::db::partnerships::{self, Reinvitation};
use crate::db::users;
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, InputError};
use crate::domain::partnership::{PartnershipStatus, Transition};
use crate::domain::project::ProjectEvent;
use crate::domain::proof::ConsentKind;
use crate::mail::{self, Outgoing, templates};
use crate::workflow::membership;
use crate::workflow::receipts::{self, ConsentFacts};
use crate::workflow::signing::Signer;

/// The organization an invitation names.
pub enum Invitee {
    /// An existing organization.
    Id(Uuid),
    /// A name: an existing organization a person would take it for, or a new one.
    Name(String),
}

/// An invitation, already parsed.
pub struct Invitation {
    pub invitee: Invitee,
    pub contact: EmailAddress,
    /// Where the consultation is sent (the contact's address).
    pub to: Mailbox,
    pub proposed_role: Option<String>,
}

/// A partnership with the name of its organization and, while it is accepted, the receipt of
/// the acceptance.
pub struct Partner {
    pub partnership: Partnership,
    pub organization_name: String,
    pub receipt: Option<String>,
    /// Whether the reader may see the contact's address.
    pub shows_contact: bool,
}

/// The initiator's members invite an organization: a new partnership, or a new invitation of
/// one that declined or was withdrawn; the project moves to consultation, and the contact is
/// emailed a link that logs them in (the organization's admins are told when it has members).
pub fn invite(
    conn: &mut PgConnection,
    settings: &Settings,
    inviter: &User,
    project_id: Uuid,
    invitation: Invitation,
) -> Result<Partner, Refusal> {
    let access = ProjectAccess::load(conn, project_id, inviter.id)?;
    access.require_initiator()?;
    require_open(&access.project)?;
    within_daily_invitations(conn, inviter.id, settings.invites_per_day)?;
    let org = invited_organization(conn, &invitation.invitee)?;
    let initiator = access.project.initiator_organization_id;
    if org.id == initiator {
        return Err(Refusal::conflict(
            "already_partner",
            "the initiator organization is a partner already",
        ));
    }
    let now = Utc::now();
    let partnership = place_invitation(conn, project_id, org.id, inviter, &invitation, now)?;
    audit::event("partnership.invited")
        .project(project_id)
        .by(inviter.id, Some(initiator))
        .organization(org.id)
        .details(json!({
            "contact_email": invitation.contact.as_str(),
            "proposed_role": invitation.proposed_role,
        }))
        .record(conn)?;
    advance(conn, project_id, inviter.id, ProjectEvent::Consulted)?;
    send_consultation(
        conn,
        settings,
        inviter,
        &access.project,
        &org,
        &invitation,
        now,
    )?;
    Ok(Partner {
        partnership,
        organization_name: org.name,
        receipt: None,
        shows_contact: true,
    })
}

/// A new partnership in the `invited` state, or a new invitation of an organization that
/// declined or was withdrawn; 409 `already_partner` when it is invited or a partner already.
fn place_invitation(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    inviter: &User,
    invitation: &Invitation,
    now: DateTime<Utc>,
) -> Result<Partnership, Refusal> {
    if partnerships::find(conn, project_id, organization_id)?.is_some() {
        let again = Reinvitation {
            contact_email: invitation.contact.as_str(),
            proposed_role: invitation.proposed_role.as_deref(),
            invited_by: inviter.id,
            at: now,
        };
        return partnerships::reinvite(conn, project_id, organization_id, again)?.ok_or_else(
            || {
                Refusal::conflict(
                    "already_partner",
                    "this organization is already invited to or partner of the project",
                )
            },
        );
    }
    let partnership = Partnership {
        project_id,
        organization_id,
        status: PartnershipStatus::Invited,
        contact_email: Some(invitation.contact.as_str().to_owned()),
        proposed_role: invitation.proposed_role.clone(),
        invited_by: Some(inviter.id),
        invited_at: now,
        answered_at: None,
        answered_by: None,
        comment: None,
    };
    partnerships::insert(conn, &partnership)?;
    Ok(partnership)
}

/// The organization an invitation names. A name a person would take for an existing
/// organization's is that organization: never a look-alike created next to it.
fn invited_organization(
    conn: &mut PgConnection,
    invitee: &Invitee,
) -> Result<Organization, Refusal> {
    match invitee {
        Invitee::Id(id) => orgs::get(conn, *id)?.ok_or_else(|| {
            InputError {
                field: "organization_id",
                message: "no such organization".into(),
            }
            .into()
        }),
        Invitee::Name(name) => {
            orgs::lock_names(conn)?;
            match orgs::find_look_alike(conn, name)? {
                Some(org) => Ok(org),
                None => Ok(orgs::insert(
                    conn,
                    orgs::NewOrganization {
                        name,
                        kind: None,
                        territory: None,
                        siren: None,
                    },
                )?),
            }
        }
    }
}

/// The consultation: a link to the project that logs the contact in. Links sent earlier for
/// this partnership stop working (a re-invitation names a new contact).
fn send_consultation(
    conn: &mut PgConnection,
    settings: &Settings,
    inviter: &User,
    project: &Project,
    org: &Organization,
    invitation: &Invitation,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let contact = &invitation.contact;
    links::revoke_consultations(conn, project.id, org.id, now)?;
    let token = links::create(
        conn,
        contact,
        Some(Consultation {
            organization_id: org.id,
            project_id: project.id,
        }),
        now,
    )?;
    let link = settings.link(&format!("/login?token={token}&project={}", project.id));
    let locale = users::by_email(conn, contact.as_str())?
        .and_then(|user| Locale::parse(&user.locale))
        .unwrap_or_default();
    let initiator = orgs::get(conn, project.initiator_organization_id)?
        .ok_or_else(|| anyhow::anyhow!("the initiator of {} is gone", project.id))?;
    // An organization that has members answers through them: its admins are told, and the
    // contact alone cannot answer for it (they may ask to join).
    if orgs::member_count(conn, org.id)? > 0 {
        membership::notify_admins_of_consultation(
            conn,
            settings,
            org,
            &initiator.name,
            project.id,
            &project.title,
            contact.as_str(),
        )?;
    }
    let inviter_address = EmailAddress::parse("email", &inviter.email)?;
    mail::enqueue(
        conn,
        settings,
        Outgoing {
            kind: "consultation",
            to: invitation.to.clone(),
            reply_to: inviter_address
                .as_str()
                .parse::<lettre::Address>()
                .ok()
                .map(|address| Mailbox::new(None, address)),
            rendered: templates::consultation(
                locale,
                &templates::Consultation {
                    project_title: &project.title,
                    project_summary: &project.summary,
                    initiator_name: &initiator.name,
                    inviter_name: &inviter.display_name,
                    organization_name: &org.name,
                    proposed_role: invitation.proposed_role.as_deref(),
                    link: &link,
                },
            ),
            calendar: None,
        },
    )?;
    Ok(())
}

/// Refuses a consultation beyond the inviter's daily allowance (`AMONT_INVITES_PER_DAY`): 429
/// with the wait until the oldest of the last 24 hours' invitations leaves the window.
fn within_daily_invitations(
    conn: &mut PgConnection,
    inviter: Uuid,
    per_day: u32,
) -> Result<(), Refusal> {
    let since = Utc::now() - Duration::hours(24);
    let recent = partnerships::invitations_since(conn, inviter, since)?;
    if recent.len() < per_day as usize {
        return Ok(());
    }
    let oldest = recent.first().copied().unwrap_or(since);
    let wait = (oldest - since).num_seconds().max(1) as u64;
    Err(Refusal::RateLimited {
        retry_after_secs: wait,
    })
}

/// Every partnership of the project as the actor may see it, by invitation. A contact's
/// address is for the initiator's members and the contact's own organization.
pub fn partners(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
) -> Result<Vec<Partner>, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    let receipts = acceptance_receipts(conn, project_id)?;
    let initiator = access.is_initiator();
    Ok(list_of(conn, project_id)?
        .into_iter()
        .map(|(partnership, org)| Partner {
            receipt: acceptance_receipt(&receipts, &partnership),
            shows_contact: initiator || access.member_of(org.id),
            organization_name: org.name,
            partnership,
        })
        .collect())
}

/// Every partnership of a project with its organization, by invitation.
pub fn list_of(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<(Partnership, Organization)>> {
    partnerships::with_organizations(conn, project_id)
}

/// The receipt of each organization's latest acceptance, with its date.
pub fn acceptance_receipts(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<HashMap<Uuid, (DateTime<Utc>, String)>> {
    Ok(crate::db::proof::latest_receipts(conn, project_id)?
        .into_iter()
        .filter(|r| r.kind == ConsentKind::PartnershipAccepted.as_str())
        .map(|r| (r.organization_id, (r.at, r.jws)))
        .collect())
}

/// The receipt of the acceptance that stands: only while the partnership is accepted, and only
/// the one of its latest answer.
pub fn acceptance_receipt(
    receipts: &HashMap<Uuid, (DateTime<Utc>, String)>,
    partnership: &Partnership,
) -> Option<String> {
    receipts
        .get(&partnership.organization_id)
        .filter(|(at, _)| {
            partnership.status == PartnershipStatus::Accepted
                && Some(*at) == partnership.answered_at
        })
        .map(|(_, jws)| jws.clone())
}

/// Answers (members of the invited organization) or withdraws (the initiator's members) as a
/// conditional update; 409 `invalid_transition` when the current status does not allow it (for
/// instance when another answer won the race).
pub fn change(
    conn: &mut PgConnection,
    signer: &Signer,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
    transition: Transition,
    comment: Option<String>,
) -> Result<Partner, Refusal> {
    let acting_for = acting_for(conn, actor, project_id, organization_id, transition)?;
    let now = Utc::now();
    let applied = partnerships::apply(
        conn,
        project_id,
        organization_id,
        transition,
        actor.id,
        comment.as_deref(),
        now,
    )?;
    let Some(partnership) = applied else {
        return Err(refused(conn, project_id, organization_id)?);
    };
    audit::event(transition.audit_action())
        .project(project_id)
        .by(actor.id, Some(acting_for))
        .organization(organization_id)
        .details(json!({"comment": comment}))
        .record(conn)?;
    // An acceptance is a consent: signed in this transaction, returned with it.
    let receipt = match ConsentFacts::acceptance(&partnership) {
        Some(facts) => Some(receipts::sign(conn, signer, facts)?.jws),
        None => None,
    };
    // A withdrawn consultation's links stop working.
    if transition == Transition::Withdraw {
        links::revoke_consultations(conn, project_id, organization_id, now)?;
    }
    // Live clients of a partner that left are disconnected at commit.
    crate::live::notify_access_changed(conn, project_id)?;
    let organization = orgs::get(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    if matches!(transition, Transition::Accept | Transition::Decline) {
        super::asking::partner_answered(
            conn,
            project_id,
            organization_id,
            &organization.name,
            partnership.status.as_str(),
            actor.id,
        )?;
    }
    Ok(Partner {
        partnership,
        organization_name: organization.name,
        receipt,
        shows_contact: true,
    })
}

/// The organization the actor answers or withdraws for, once allowed to: a member of the
/// invited organization answers for it, the initiator's members withdraw (never the initiator).
fn acting_for(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
    transition: Transition,
) -> Result<Uuid, Refusal> {
    // An answer that lost the race to a decline must hear 409, not 404.
    let access = match transition {
        Transition::Accept | Transition::Decline => {
            ProjectAccess::load_any_status(conn, project_id, actor.id)?
        }
        _ => ProjectAccess::load(conn, project_id, actor.id)?,
    };
    match transition {
        Transition::Withdraw => {
            access.require_initiator()?;
            if organization_id == access.project.initiator_organization_id {
                return Err(Refusal::conflict(
                    "invalid_transition",
                    "the initiator cannot withdraw itself from its own project",
                ));
            }
            Ok(access.project.initiator_organization_id)
        }
        _ => {
            access.require_member_of(organization_id)?;
            Ok(organization_id)
        }
    }
}

/// Why a transition did not apply: 409 `invalid_transition` with the current status (another
/// answer may have won the race), or not found.
fn refused(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<Refusal, Refusal> {
    let status = partnerships::find(conn, project_id, organization_id)?
        .ok_or(Refusal::NotFound)?
        .status;
    Ok(Refusal::conflict(
        "invalid_transition",
        format!("the partnership is {status}: it cannot be changed this way"),
    )
    .with("status", json!(status)))
}
