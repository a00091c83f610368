//! Queries of the follow-up: decisions with their positions and actions, actions with their
//! owners, and the digest's selection, read as the API shows them; and the writes of the
//! follow-up (a meeting held, a decision recorded, an action created or moved).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::db::meetings::organization_names;
use crate::db::models::{Action, Decision, DecisionPosition, Meeting};
use crate::db::schema::{
    actions, decision_positions, decisions, digests, meetings, memberships, partnerships, projects,
    users,
};
use crate::domain::follow_up::{self, ActionStatus};
use crate::domain::meeting::MeetingStatus;
use crate::domain::partnership::PartnershipStatus;

/// A partner's position on a decision (`Position` of the API).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PositionView {
    pub organization_id: Uuid,
    pub organization_name: String,
    #[schemars(with = "follow_up::Position")]
    pub position: String,
    pub comment: Option<String>,
}

/// An action item with its owner, and whether it is late (`Action` of the API).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ActionView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub project_title: String,
    pub decision_id: Uuid,
    pub decision_title: String,
    pub title: String,
    pub owner_organization_id: Uuid,
    pub owner_organization_name: String,
    pub due_on: NaiveDate,
    #[schemars(with = "ActionStatus")]
    pub status: String,
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Uuid,
    pub updated_by_name: String,
}

/// A decision with its positions and actions (`Decision` of the API).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DecisionView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub meeting_id: Uuid,
    pub meeting_title: String,
    pub agenda_item_id: Option<String>,
    pub title: String,
    pub text: String,
    #[schemars(with = "follow_up::DecisionStatus")]
    pub status: String,
    pub positions: Vec<PositionView>,
    pub actions: Vec<ActionView>,
    pub created_by: Uuid,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    /// Recorded before the meeting started (or while it had no time): allowed, and said so.
    pub recorded_before_meeting: bool,
}

/// Which decisions to read.
#[derive(Debug, Default, Clone)]
pub struct DecisionFilter {
    pub status: Option<String>,
    pub meeting_id: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub id: Option<Uuid>,
}

/// Which actions to read.
#[derive(Debug, Default, Clone)]
pub struct ActionFilter {
    pub project_id: Option<Uuid>,
    pub owners: Option<Vec<Uuid>>,
    pub decision_ids: Option<Vec<Uuid>>,
    pub id: Option<Uuid>,
    pub status: Option<ActionStatus>,
    pub overdue_on: Option<NaiveDate>,
}

/// Actions as the API shows them, soonest due first (overdue ones therefore first).
pub fn action_views(
    conn: &mut PgConnection,
    filter: &ActionFilter,
    today: NaiveDate,
) -> QueryResult<Vec<ActionView>> {
    let mut query = actions::table
        .inner_join(decisions::table)
        .inner_join(projects::table)
        .select((Action::as_select(), decisions::title, projects::title))
        .order((actions::due_on.asc(), actions::created_at.asc()))
        .into_boxed();
    if let Some(project_id) = filter.project_id {
        query = query.filter(actions::project_id.eq(project_id));
    }
    if let Some(owners) = &filter.owners {
        query = query.filter(actions::owner_organization_id.eq_any(owners.clone()));
    }
    if let Some(ids) = &filter.decision_ids {
        query = query.filter(actions::decision_id.eq_any(ids.clone()));
    }
    if let Some(id) = filter.id {
        query = query.filter(actions::id.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(actions::status.eq(status.as_str()));
    }
    if let Some(day) = filter.overdue_on {
        query = query
            .filter(actions::status.eq(ActionStatus::Open.as_str()))
            .filter(actions::due_on.lt(day));
    }
    let rows: Vec<(Action, String, String)> = query.load(conn)?;
    let owners: Vec<Uuid> = rows.iter().map(|r| r.0.owner_organization_id).collect();
    let orgs = organization_names(conn, &owners)?;
    let people = crate::db::users::names(
        conn,
        &rows.iter().map(|r| r.0.updated_by).collect::<Vec<_>>(),
    )?;
    Ok(rows
        .into_iter()
        .map(|(a, decision_title, project_title)| {
            let status = ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open);
            ActionView {
                overdue: follow_up::is_overdue(status, a.due_on, today),
                owner_organization_name: orgs
                    .get(&a.owner_organization_id)
                    .cloned()
                    .unwrap_or_default(),
                updated_by_name: people.get(&a.updated_by).cloned().unwrap_or_default(),
                id: a.id,
                project_id: a.project_id,
                project_title,
                decision_id: a.decision_id,
                decision_title,
                title: a.title,
                owner_organization_id: a.owner_organization_id,
                due_on: a.due_on,
                status: a.status,
                created_at: a.created_at,
                updated_at: a.updated_at,
                updated_by: a.updated_by,
            }
        })
        .collect())
}

/// The instant a day begins in Paris: date filters speak of French calendar days.
fn paris_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// A project's decisions, oldest first, each with its positions and actions.
pub fn decision_views(
    conn: &mut PgConnection,
    project_id: Uuid,
    filter: &DecisionFilter,
    today: NaiveDate,
) -> QueryResult<Vec<DecisionView>> {
    let mut query = decisions::table
        .inner_join(meetings::table)
        .filter(decisions::project_id.eq(project_id))
        .select((Decision::as_select(), meetings::title, meetings::starts_at))
        .order((decisions::created_at.asc(), decisions::id.asc()))
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(decisions::status.eq(status.clone()));
    }
    if let Some(meeting_id) = filter.meeting_id {
        query = query.filter(decisions::meeting_id.eq(meeting_id));
    }
    if let Some(id) = filter.id {
        query = query.filter(decisions::id.eq(id));
    }
    if let Some(from) = filter.from.and_then(paris_midnight) {
        query = query.filter(decisions::created_at.ge(from));
    }
    if let Some(to) = filter
        .to
        .and_then(|d| d.succ_opt())
        .and_then(paris_midnight)
    {
        query = query.filter(decisions::created_at.lt(to));
    }
    let rows: Vec<(Decision, String, Option<DateTime<Utc>>)> = query.load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0.id).collect();
    let positions: Vec<DecisionPosition> = decision_positions::table
        .filter(decision_positions::decision_id.eq_any(&ids))
        .select(DecisionPosition::as_select())
        .load(conn)?;
    let orgs = organization_names(
        conn,
        &positions
            .iter()
            .map(|p| p.organization_id)
            .collect::<Vec<_>>(),
    )?;
    let people = crate::db::users::names(
        conn,
        &rows.iter().map(|r| r.0.created_by).collect::<Vec<_>>(),
    )?;
    let all_actions = action_views(
        conn,
        &ActionFilter {
            decision_ids: Some(ids),
            ..ActionFilter::default()
        },
        today,
    )?;
    Ok(rows
        .into_iter()
        .map(|(d, meeting_title, starts_at)| {
            let mut own_positions: Vec<PositionView> = positions
                .iter()
                .filter(|p| p.decision_id == d.id)
                .map(|p| PositionView {
                    organization_id: p.organization_id,
                    organization_name: orgs.get(&p.organization_id).cloned().unwrap_or_default(),
                    position: p.position.clone(),
                    comment: p.comment.clone(),
                })
                .collect();
            own_positions.sort_by(|a, b| a.organization_name.cmp(&b.organization_name));
            DecisionView {
                positions: own_positions,
                actions: all_actions
                    .iter()
                    .filter(|a| a.decision_id == d.id)
                    .cloned()
                    .collect(),
                created_by_name: people.get(&d.created_by).cloned().unwrap_or_default(),
                id: d.id,
                project_id: d.project_id,
                meeting_id: d.meeting_id,
                meeting_title,
                agenda_item_id: d.agenda_item_id,
                title: d.title,
                text: d.text,
                status: d.status,
                created_by: d.created_by,
                recorded_before_meeting: follow_up::recorded_before_meeting(
                    d.created_at,
                    starts_at,
                ),
                created_at: d.created_at,
            }
        })
        .collect())
}

/// The organizations whose partnership in the project is accepted (those who hold positions
/// and own actions).
pub fn accepted_partners(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<Uuid>> {
    partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .filter(partnerships::status.eq(PartnershipStatus::Accepted.as_str()))
        .select(partnerships::organization_id)
        .load(conn)
}

/// Marks a convened meeting as held; `None` when it is not convened (any more).
pub fn mark_held(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Option<Meeting>> {
    diesel::update(
        meetings::table
            .find(meeting_id)
            .filter(meetings::status.eq(MeetingStatus::Convened.as_str())),
    )
    .set(meetings::status.eq(MeetingStatus::Held.as_str()))
    .returning(Meeting::as_returning())
    .get_result(conn)
    .optional()
}

/// Stores a decision and its partners' positions.
pub fn insert_decision(
    conn: &mut PgConnection,
    decision: &Decision,
    positions: &[DecisionPosition],
) -> QueryResult<()> {
    diesel::insert_into(decisions::table)
        .values(decision)
        .execute(conn)?;
    diesel::insert_into(decision_positions::table)
        .values(positions)
        .execute(conn)?;
    Ok(())
}

/// A decision by id.
pub fn decision(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Decision>> {
    decisions::table
        .find(id)
        .select(Decision::as_select())
        .first(conn)
        .optional()
}

/// An action by id.
pub fn action(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Action>> {
    actions::table
        .find(id)
        .select(Action::as_select())
        .first(conn)
        .optional()
}

pub fn insert_action(conn: &mut PgConnection, action: &Action) -> QueryResult<()> {
    diesel::insert_into(actions::table)
        .values(action)
        .execute(conn)
        .map(|_| ())
}

/// Moves an action to `target` if it is in one of the states it may come from (a conditional
/// update: two concurrent changes cannot both apply); returns whether it moved.
pub fn change_action_status(
    conn: &mut PgConnection,
    id: Uuid,
    target: ActionStatus,
    by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        actions::table
            .find(id)
            .filter(actions::status.eq_any(ActionStatus::words(target.allowed_from()))),
    )
    .set((
        actions::status.eq(target.as_str()),
        actions::updated_by.eq(by),
        actions::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

/// The organizations `user_id` is a member of.
pub fn organizations_of(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<Uuid>> {
    memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::organization_id)
        .load(conn)
}

/// Every accepted partnership, as (project, organization).
pub fn accepted_partnerships(conn: &mut PgConnection) -> QueryResult<Vec<(Uuid, Uuid)>> {
    partnerships::table
        .filter(partnerships::status.eq(PartnershipStatus::Accepted.as_str()))
        .select((partnerships::project_id, partnerships::organization_id))
        .load(conn)
}

/// A member of an organization, as a digest is addressed to them.
pub struct Recipient {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub locale: String,
}

/// The members of `organizations`, one row per membership.
pub fn members_of(conn: &mut PgConnection, organizations: &[Uuid]) -> QueryResult<Vec<Recipient>> {
    let rows: Vec<(Uuid, Uuid, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq_any(organizations))
        .select((
            memberships::organization_id,
            users::id,
            users::email,
            users::locale,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(organization_id, user_id, email, locale)| Recipient {
            organization_id,
            user_id,
            email,
            locale,
        })
        .collect())
}

/// Claims the digest of `user_id` for `day`: false when it was already claimed (sent, or being
/// sent by another run); two concurrent claims serialize on the primary key.
pub fn claim_digest(conn: &mut PgConnection, user_id: Uuid, day: NaiveDate) -> QueryResult<bool> {
    let claimed = diesel::insert_into(digests::table)
        .values((
            digests::user_id.eq(user_id),
            digests::sent_on.eq(day),
            digests::outbox_id.eq(0_i64),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(claimed > 0)
}

/// Ties a claimed digest to the email queued for it.
pub fn record_digest(
    conn: &mut PgConnection,
    user_id: Uuid,
    day: NaiveDate,
    outbox_id: i64,
) -> QueryResult<()> {
    diesel::update(digests::table.find((user_id, day)))
        .set(digests::outbox_id.eq(outbox_id))
        .execute(conn)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paris_day_starts_before_the_utc_one() {
        let winter = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(
            paris_midnight(winter).unwrap().to_rfc3339(),
            "2026-12-02T23:00:00+00:00"
        );
        let summer = NaiveDate::from_ymd_opt(2026, 7, 3).unwrap();
        assert_eq!(
            paris_midnight(summer).unwrap().to_rfc3339(),
            "2026-07-02T22:00:00+00:00"
        );
    }
}
