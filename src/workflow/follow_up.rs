//! After the meeting: marking it held, recording decisions with each partner's position, action
//! items and their states, the decisions register, "my organization's actions", and the open
//! actions carried over to the next meeting's agenda.
//!
//! Only the initiator's members record decisions and create actions; an action's status is
//! changed by its owner organization or the initiator, as a conditional update on the current
//! status. Every change writes an audit row.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Refusal;
use crate::auth::ProjectAccess;
use crate::db::Conn;
use crate::db::audit;
use crate::db::follow_up::{
    self as queries, ActionFilter, ActionView, DecisionFilter, DecisionView,
};
use crate::db::models::{Action, Decision, DecisionPosition, Meeting};
use crate::document;
use crate::domain::follow_up::{self, ActionStatus, DecisionStatus, Position, PositionError};
use crate::domain::input::InputError;
use crate::domain::meeting::MeetingStatus;

/// Today's date where Amont's users are (due dates are calendar days in France). It reads the
/// clock, so it lives here and not in `domain/`.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Paris).date_naive()
}

/// A meeting and the caller's access to its project; not found for someone who may not see it.
pub fn meeting_in_reach(
    conn: &mut Conn,
    user_id: Uuid,
    meeting_id: Uuid,
) -> Result<(Meeting, ProjectAccess), Refusal> {
    let meeting = crate::db::meetings::find(conn, meeting_id)?.ok_or(Refusal::NotFound)?;
    let access = ProjectAccess::load(conn, meeting.project_id, user_id)?;
    Ok((meeting, access))
}

/// An audit row of the follow-up, by the caller for the organization they act for (the one
/// concerned when they are a member of it, else the initiator when they are, else their first).
fn audit(
    conn: &mut Conn,
    access: &ProjectAccess,
    action: &'static str,
    organization_id: Option<Uuid>,
    details: Value,
) -> Result<(), Refusal> {
    let preferred = organization_id.unwrap_or(access.project.initiator_organization_id);
    let acting_for = if access.member_of(preferred) {
        Some(preferred)
    } else {
        access.organizations.first().map(|(org, _)| *org)
    };
    let mut event = audit::event(action)
        .project(access.project.id)
        .by(access.user_id, acting_for)
        .details(details);
    if let Some(organization_id) = organization_id {
        event = event.organization(organization_id);
    }
    Ok(event.record(conn)?)
}

/// `POST /api/meetings/{id}/held`: the initiator marks a convened meeting that has started as
/// held.
pub fn mark_held(
    conn: &mut Conn,
    user_id: Uuid,
    meeting_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Meeting, Refusal> {
    let (meeting, access) = meeting_in_reach(conn, user_id, meeting_id)?;
    access.require_initiator()?;
    if meeting.starts_at.is_some_and(|start| start > now) {
        return Err(Refusal::conflict(
            "not_started",
            "the meeting has not started yet",
        ));
    }
    let held = queries::mark_held(conn, meeting.id)?.ok_or_else(|| {
        Refusal::conflict(
            "not_convened",
            "only a convened meeting can be marked as held",
        )
        .with("status", json!(meeting.status))
    })?;
    audit(
        conn,
        &access,
        "meeting.held",
        None,
        json!({"meeting_id": meeting.id}),
    )?;
    Ok(held)
}

/// A decision as parsed from the request.
pub struct DecisionInput {
    pub title: String,
    pub text: String,
    pub agenda_item_id: Option<String>,
    pub status: DecisionStatus,
    /// Organization, position, comment.
    pub positions: Vec<(Uuid, Position, Option<String>)>,
}

/// Records a decision of a convened or held meeting (the initiator's members), with positions
/// of accepted partners only, one each, and an agenda item of that meeting if any.
pub fn record_decision(
    conn: &mut Conn,
    user_id: Uuid,
    meeting_id: Uuid,
    input: DecisionInput,
) -> Result<DecisionView, Refusal> {
    let (meeting, access) = meeting_in_reach(conn, user_id, meeting_id)?;
    access.require_initiator()?;
    if !matches!(
        meeting.status,
        MeetingStatus::Convened | MeetingStatus::Held
    ) {
        return Err(Refusal::conflict(
            "not_convened",
            "decisions are recorded for a convened or held meeting",
        )
        .with("status", json!(meeting.status)));
    }
    let accepted = queries::accepted_partners(conn, meeting.project_id)?;
    let claimed: Vec<Uuid> = input.positions.iter().map(|p| p.0).collect();
    follow_up::check_positions(&accepted, &claimed).map_err(|e| {
        invalid(
            "positions",
            match e {
                PositionError::NotAPartner(org) => format!(
                    "organization {org} is not an accepted partner: it cannot hold a position"
                ),
                PositionError::Duplicate(org) => format!("two positions for organization {org}"),
            },
        )
    })?;
    if let Some(item) = &input.agenda_item_id {
        let agenda = document::load(conn, meeting.project_id)?.agenda(meeting.id);
        if !agenda.items.iter().any(|i| &i.id == item) {
            return Err(invalid(
                "agenda_item_id",
                "no such item in the meeting's agenda",
            ));
        }
    }
    let decision = Decision {
        id: Uuid::new_v4(),
        project_id: meeting.project_id,
        meeting_id: meeting.id,
        agenda_item_id: input.agenda_item_id,
        title: input.title,
        text: input.text,
        status: input.status.as_str().into(),
        created_by: access.user_id,
        created_at: Utc::now(),
    };
    let positions: Vec<DecisionPosition> = input
        .positions
        .into_iter()
        .map(|(organization_id, position, comment)| DecisionPosition {
            decision_id: decision.id,
            organization_id,
            position: position.as_str().into(),
            comment,
        })
        .collect();
    queries::insert_decision(conn, &decision, &positions)?;
    audit(
        conn,
        &access,
        "decision.recorded",
        None,
        json!({
            "decision_id": decision.id, "meeting_id": meeting.id,
            "status": decision.status, "title": decision.title,
        }),
    )?;
    one_decision(conn, meeting.project_id, decision.id)
}

fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid(InputError {
        field,
        message: message.into(),
    })
}

fn one_decision(conn: &mut Conn, project_id: Uuid, id: Uuid) -> Result<DecisionView, Refusal> {
    let filter = DecisionFilter {
        id: Some(id),
        ..DecisionFilter::default()
    };
    queries::decision_views(conn, project_id, &filter, today())?
        .pop()
        .ok_or(Refusal::NotFound)
}

/// The decisions register of a project (anyone who may see the project), oldest first.
pub fn register(
    conn: &mut Conn,
    user_id: Uuid,
    project_id: Uuid,
    filter: DecisionFilter,
) -> Result<Vec<DecisionView>, Refusal> {
    ProjectAccess::load(conn, project_id, user_id)?;
    Ok(queries::decision_views(conn, project_id, &filter, today())?)
}

/// An action as parsed from the request.
pub struct ActionInput {
    pub title: String,
    pub owner_organization_id: Uuid,
    pub due_on: NaiveDate,
}

/// Creates an action under a decision (the initiator's members); its owner is an accepted
/// partner.
pub fn create_action(
    conn: &mut Conn,
    user_id: Uuid,
    decision_id: Uuid,
    input: ActionInput,
) -> Result<ActionView, Refusal> {
    let decision = queries::decision(conn, decision_id)?.ok_or(Refusal::NotFound)?;
    let access = ProjectAccess::load(conn, decision.project_id, user_id)?;
    access.require_initiator()?;
    if !queries::accepted_partners(conn, decision.project_id)?
        .contains(&input.owner_organization_id)
    {
        return Err(invalid(
            "owner_organization_id",
            "the owner must be an accepted partner",
        ));
    }
    let now = Utc::now();
    let action = Action {
        id: Uuid::new_v4(),
        project_id: decision.project_id,
        decision_id,
        title: input.title,
        owner_organization_id: input.owner_organization_id,
        due_on: input.due_on,
        status: ActionStatus::Open.as_str().into(),
        created_by: user_id,
        created_at: now,
        updated_by: user_id,
        updated_at: now,
    };
    queries::insert_action(conn, &action)?;
    audit(
        conn,
        &access,
        "action.created",
        Some(action.owner_organization_id),
        json!({
            "action_id": action.id, "decision_id": decision_id,
            "title": action.title, "due_on": action.due_on,
        }),
    )?;
    one_action(conn, action.id)
}

fn one_action(conn: &mut Conn, id: Uuid) -> Result<ActionView, Refusal> {
    let filter = ActionFilter {
        id: Some(id),
        ..ActionFilter::default()
    };
    queries::action_views(conn, &filter, today())?
        .pop()
        .ok_or(Refusal::NotFound)
}

/// Changes an action's status: members of its owner organization or of the initiator, from a
/// state it may leave for `target` (409 `invalid_transition` otherwise).
pub fn change_action(
    conn: &mut Conn,
    user_id: Uuid,
    action_id: Uuid,
    target: ActionStatus,
) -> Result<ActionView, Refusal> {
    let action = queries::action(conn, action_id)?.ok_or(Refusal::NotFound)?;
    let access = ProjectAccess::load(conn, action.project_id, user_id)?;
    if !access.is_initiator() && !access.member_of(action.owner_organization_id) {
        return Err(Refusal::forbidden(
            "only the owner organization or the initiator changes an action's status",
        ));
    }
    if !queries::change_action_status(conn, action_id, target, user_id, Utc::now())? {
        return Err(Refusal::conflict(
            "invalid_transition",
            format!(
                "the action is {}: it cannot become {}",
                action.status,
                target.as_str()
            ),
        )
        .with("status", json!(action.status)));
    }
    audit(
        conn,
        &access,
        "action.status_changed",
        Some(action.owner_organization_id),
        json!({"action_id": action_id, "from": action.status, "to": target.as_str()}),
    )?;
    one_action(conn, action_id)
}

/// A project's actions (anyone who may see the project), soonest due first.
pub fn project_actions(
    conn: &mut Conn,
    user_id: Uuid,
    project_id: Uuid,
    mut filter: ActionFilter,
) -> Result<Vec<ActionView>, Refusal> {
    ProjectAccess::load(conn, project_id, user_id)?;
    filter.project_id = Some(project_id);
    Ok(queries::action_views(conn, &filter, today())?)
}

/// The actions owned by the caller's organizations (among `filter.owners` when given), in the
/// projects those organizations take part in.
pub fn my_actions(
    conn: &mut Conn,
    user_id: Uuid,
    mut filter: ActionFilter,
) -> Result<Vec<ActionView>, Refusal> {
    let mine = queries::organizations_of(conn, user_id)?;
    filter.owners = Some(match filter.owners.take() {
        Some(asked) => asked.into_iter().filter(|o| mine.contains(o)).collect(),
        None => mine.clone(),
    });
    let taking_part = crate::db::partnerships::projects_of(conn, &mine)?;
    Ok(queries::action_views(conn, &filter, today())?
        .into_iter()
        .filter(|a| taking_part.contains(&a.project_id))
        .collect())
}

/// Each partner's open actions become a proposed item of a new meeting's agenda
/// ("Suivi des actions — ⟨organization⟩", led by that partner), so follow-up is on the table.
pub fn carry_over_actions(
    conn: &mut Conn,
    project_id: Uuid,
    meeting_id: Uuid,
    user_id: Uuid,
    max_bytes: usize,
) -> Result<(), Refusal> {
    let filter = ActionFilter {
        project_id: Some(project_id),
        status: Some(ActionStatus::Open),
        ..ActionFilter::default()
    };
    let open = queries::action_views(conn, &filter, today())?;
    if open.is_empty() {
        return Ok(());
    }
    let mut by_owner: BTreeMap<(String, Uuid), Vec<&ActionView>> = BTreeMap::new();
    for action in &open {
        by_owner
            .entry((
                action.owner_organization_name.clone(),
                action.owner_organization_id,
            ))
            .or_default()
            .push(action);
    }
    let items: Vec<document::AgendaItemInput> = by_owner
        .into_iter()
        .map(|((name, org), actions)| document::AgendaItemInput {
            id: None,
            title: format!("Suivi des actions — {name}"),
            duration_min: (5 * actions.len() as u32).clamp(5, 30),
            lead_org_id: Some(org.to_string()),
            notes: actions
                .iter()
                .map(|a| {
                    let late = if a.overdue { ", en retard" } else { "" };
                    format!(
                        "- {} (échéance {}{late})",
                        a.title,
                        a.due_on.format("%d/%m/%Y")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    document::replace_agenda(conn, project_id, meeting_id, user_id, &items, max_bytes)?;
    Ok(())
}
