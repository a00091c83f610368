//! What a project has on record: the partnership sheet and the audit trail.
//!
//! The sheet never presents an organization as a partner unless it accepted: invited ones are
//! listed apart as "consulted, no answer yet", declined and withdrawn ones are left out. A
//! mission whose text changed since its agreement is shown as not agreed (the agreement counts
//! only while the content still hashes to it). In the audit trail, addresses are for the
//! initiator's members and the organization concerned; others read names.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Refusal;
use super::consent::backs;
use super::partnerships::{acceptance_receipt, acceptance_receipts, list_of};
use crate::auth::ProjectAccess;
use crate::db::agreements;
use crate::db::follow_up::{DecisionFilter, DecisionView, decision_views};
use crate::db::models::{Agreement, AuditEvent, Organization, Partnership, Project, User};
use crate::db::projects;
use crate::document::{self, Section};
use crate::domain::content::agreement_counts;
use crate::domain::partnership::PartnershipStatus;

/// The partnership sheet, from what is stored.
pub struct Sheet {
    pub project: Project,
    pub brief: Section,
    /// Accepted partners, by invitation.
    pub partners: Vec<SheetPartner>,
    /// Invited organizations without an answer yet (not partners).
    pub consulted: Vec<(Partnership, Organization)>,
    /// What the project's meetings decided, with positions and actions.
    pub decisions: Vec<DecisionView>,
    /// The time each partner gives (planned, attended, valued).
    pub time: Vec<crate::workflow::time::PartnerTimeRow>,
    pub generated_at: DateTime<Utc>,
}

/// An accepted partner on the sheet.
pub struct SheetPartner {
    pub partnership: Partnership,
    pub organization: Organization,
    pub mission: Section,
    /// The organization's latest agreement on its mission.
    pub agreement: Option<SignedAgreement>,
    /// True only when that agreement is "agree" on the current text.
    pub mission_agreed: bool,
    /// The signed receipt of the acceptance (compact JWS).
    pub receipt: Option<String>,
}

/// An agreement with who recorded it, whether it still counts, and its receipt.
pub struct SignedAgreement {
    pub agreement: Agreement,
    pub user_name: String,
    /// Whether the mission still hashes to what was agreed.
    pub current: bool,
    pub receipt: Option<String>,
}

/// The sheet of a project the actor takes part in, at `now` (`today` in Paris dates the
/// decisions' actions).
pub fn sheet(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Sheet, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    Ok(build(conn, access.project, now, today)?)
}

/// Builds the sheet of `project` from what is stored.
pub fn build(
    conn: &mut PgConnection,
    project: Project,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> QueryResult<Sheet> {
    let doc = document::load(conn, project.id)?;
    let mut latest = agreements::latest_on_missions(conn, project.id)?;
    let agreement_ids: Vec<Uuid> = latest.values().map(|(a, _)| a.id).collect();
    let mut receipts = crate::db::proof::receipts_of_records(conn, &agreement_ids)?;
    let acceptances = acceptance_receipts(conn, project.id)?;
    let mut partners = Vec::new();
    let mut consulted = Vec::new();
    for (partnership, organization) in list_of(conn, project.id)? {
        match partnership.status {
            PartnershipStatus::Accepted => {
                let mission = doc.mission(organization.id);
                let agreement = latest
                    .remove(&organization.id)
                    .map(|(agreement, user_name)| SignedAgreement {
                        receipt: receipts.remove(&agreement.id),
                        current: agreement_counts(&agreement.content_hash, &mission.content_hash),
                        agreement,
                        user_name,
                    });
                partners.push(SheetPartner {
                    mission_agreed: agreement
                        .as_ref()
                        .is_some_and(|a| backs(&a.agreement, &mission.content_hash)),
                    receipt: acceptance_receipt(&acceptances, &partnership),
                    partnership,
                    organization,
                    mission,
                    agreement,
                });
            }
            PartnershipStatus::Invited => consulted.push((partnership, organization)),
            PartnershipStatus::Declined | PartnershipStatus::Withdrawn => {}
        }
    }
    let decisions = decision_views(conn, project.id, &DecisionFilter::default(), today)?;
    let time = crate::workflow::time::time_rows(conn, &project, None)?;
    Ok(Sheet {
        time,
        brief: doc.brief(),
        project,
        partners,
        consulted,
        decisions,
        generated_at: now,
    })
}

/// An audit event with the names it shows; its details as the reader may see them.
pub struct AuditEntry {
    pub event: AuditEvent,
    pub actor_name: Option<String>,
    pub actor_organization_name: Option<String>,
    pub organization_name: Option<String>,
}

/// Every consent-relevant event of the project, oldest first.
pub fn audit_trail(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
) -> Result<Vec<AuditEntry>, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    let events = projects::audit_trail(conn, project_id, None)?;
    let user_ids: Vec<Uuid> = events.iter().filter_map(|e| e.actor_user_id).collect();
    let names = crate::db::users::names(conn, &user_ids)?;
    let org_ids: Vec<Uuid> = events
        .iter()
        .flat_map(|e| [e.actor_organization_id, e.organization_id])
        .flatten()
        .collect();
    let orgs = crate::db::meetings::organization_names(conn, &org_ids)?;
    let emails: Vec<String> = events.iter().flat_map(|e| emails_in(&e.details)).collect();
    let names_by_email = crate::db::users::names_by_email(conn, &emails)?;
    Ok(events
        .into_iter()
        .map(|mut event| {
            let sees_addresses =
                access.is_initiator() || event.organization_id.is_some_and(|o| access.member_of(o));
            if !sees_addresses {
                event.details = names_for_emails(event.details, &names_by_email);
            }
            AuditEntry {
                actor_name: event.actor_user_id.and_then(|u| names.get(&u).cloned()),
                actor_organization_name: event
                    .actor_organization_id
                    .and_then(|o| orgs.get(&o).cloned()),
                organization_name: event.organization_id.and_then(|o| orgs.get(&o).cloned()),
                event,
            }
        })
        .collect())
}

/// The addresses an audit row's details carry (members whose key ends in `email`).
fn emails_in(details: &Value) -> Vec<String> {
    details
        .as_object()
        .map(|members| {
            members
                .iter()
                .filter(|(key, _)| key.ends_with("email"))
                .filter_map(|(_, value)| value.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// An audit row's details with each address replaced by the person's name (`contact_email` →
/// `contact_name`), `null` when nobody with that address has an account.
fn names_for_emails(details: Value, names: &HashMap<String, String>) -> Value {
    let Value::Object(members) = details else {
        return details;
    };
    members
        .into_iter()
        .map(|(key, value)| match key.strip_suffix("email") {
            Some(stem) => {
                let name = value.as_str().and_then(|email| names.get(email)).cloned();
                (format!("{stem}name"), json!(name))
            }
            None => (key, value),
        })
        .collect::<Map<_, _>>()
        .into()
}
