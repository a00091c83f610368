//! What waits for a person (`GET /api/me/todo`): the rows each kind of thing to do is made from.
//! The use case (`workflow::todo`) decides which of them are things to do.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{
    actions, availability_answers, meeting_attendees, meeting_slots, meetings, membership_requests,
    memberships, organizations, partnerships, projects, users,
};
use crate::domain::meeting::MeetingStatus;
use crate::domain::organization::Role;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::project::ProjectStatus;

/// A partnership of one of the person's organizations, in an open project.
#[derive(Debug, Clone)]
pub struct Taking {
    pub project_id: Uuid,
    pub project_title: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: PartnershipStatus,
}

/// The partnerships (invited or accepted) of the organizations the person is a member of, in
/// projects that are not closed.
pub fn partnerships_of(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<Taking>> {
    let rows: Vec<(Uuid, String, Uuid, String, String)> = partnerships::table
        .inner_join(projects::table)
        .inner_join(organizations::table)
        .inner_join(
            memberships::table.on(memberships::organization_id.eq(partnerships::organization_id)),
        )
        .filter(memberships::user_id.eq(user_id))
        .filter(projects::status.ne(ProjectStatus::Closed.as_str()))
        .filter(partnerships::status.eq_any([
            PartnershipStatus::Invited.as_str(),
            PartnershipStatus::Accepted.as_str(),
        ]))
        .select((
            partnerships::project_id,
            projects::title,
            partnerships::organization_id,
            organizations::name,
            partnerships::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(project_id, project_title, organization_id, organization_name, status)| {
                Some(Taking {
                    project_id,
                    project_title,
                    organization_id,
                    organization_name,
                    status: PartnershipStatus::parse(&status)?,
                })
            },
        )
        .collect())
}

/// Consultations still pending whose contact is this address, for organizations the person is
/// not a member of (members see them with [`partnerships_of`]).
pub fn consultations_for_contact(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> QueryResult<Vec<Taking>> {
    let mine = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::organization_id);
    let rows: Vec<(Uuid, String, Uuid, String)> = partnerships::table
        .inner_join(projects::table)
        .inner_join(organizations::table)
        .filter(partnerships::contact_email.eq(email))
        .filter(partnerships::status.eq(PartnershipStatus::Invited.as_str()))
        .filter(projects::status.ne(ProjectStatus::Closed.as_str()))
        .filter(diesel::dsl::not(partnerships::organization_id.eq_any(mine)))
        .select((
            partnerships::project_id,
            projects::title,
            partnerships::organization_id,
            organizations::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(project_id, project_title, organization_id, organization_name)| Taking {
                project_id,
                project_title,
                organization_id,
                organization_name,
                status: PartnershipStatus::Invited,
            },
        )
        .collect())
}

/// A request to join an organization the person administers.
pub struct JoinRequest {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub requester_name: String,
    pub requested_at: DateTime<Utc>,
}

/// Pending requests to join the organizations the person is an admin of.
pub fn join_requests(conn: &mut PgConnection, admin_id: Uuid) -> QueryResult<Vec<JoinRequest>> {
    let administered = memberships::table
        .filter(memberships::user_id.eq(admin_id))
        .filter(memberships::role.eq(Role::Admin.as_str()))
        .select(memberships::organization_id);
    let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = membership_requests::table
        .inner_join(organizations::table)
        .inner_join(users::table)
        .filter(membership_requests::status.eq("pending"))
        .filter(membership_requests::organization_id.eq_any(administered))
        .select((
            membership_requests::organization_id,
            organizations::name,
            users::display_name,
            membership_requests::requested_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(organization_id, organization_name, requester_name, requested_at)| JoinRequest {
                organization_id,
                organization_name,
                requester_name,
                requested_at,
            },
        )
        .collect())
}

/// A meeting being planned, with whether it has a slot still to come and whether the person
/// answered its poll.
pub struct Planned {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub has_future_slot: bool,
    pub answered: bool,
    /// The chosen slot's start, if one is chosen.
    pub starts_at: Option<DateTime<Utc>>,
    pub timezone: String,
    /// The project's minimum notice.
    pub min_notice_days: i32,
}

/// The meetings being planned in these projects.
pub fn planned_meetings(
    conn: &mut PgConnection,
    project_ids: &[Uuid],
    user_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Planned>> {
    type Row = (Uuid, Uuid, String, Option<DateTime<Utc>>, String, i32);
    let found: Vec<Row> = meetings::table
        .inner_join(projects::table)
        .filter(meetings::project_id.eq_any(project_ids))
        .filter(meetings::status.eq(MeetingStatus::Planning.as_str()))
        .order(meetings::created_at)
        .select((
            meetings::id,
            meetings::project_id,
            meetings::title,
            meetings::starts_at,
            meetings::timezone,
            projects::min_notice_days,
        ))
        .load(conn)?;
    let ids: Vec<Uuid> = found.iter().map(|m| m.0).collect();
    let with_future_slot: Vec<Uuid> = meeting_slots::table
        .filter(meeting_slots::meeting_id.eq_any(&ids))
        .filter(meeting_slots::starts_at.gt(now))
        .select(meeting_slots::meeting_id)
        .distinct()
        .load(conn)?;
    let answered: Vec<Uuid> = availability_answers::table
        .filter(availability_answers::meeting_id.eq_any(&ids))
        .filter(availability_answers::user_id.eq(user_id))
        .select(availability_answers::meeting_id)
        .distinct()
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(
            |(id, project_id, title, starts_at, timezone, min_notice_days)| Planned {
                id,
                project_id,
                title,
                has_future_slot: with_future_slot.contains(&id),
                answered: answered.contains(&id),
                starts_at,
                timezone,
                min_notice_days,
            },
        )
        .collect())
}

/// A convocation the person has not answered yet.
#[derive(Queryable)]
pub struct Unanswered {
    pub meeting_id: Uuid,
    pub project_id: Uuid,
    pub project_title: String,
    pub title: String,
    pub organization_id: Uuid,
    pub starts_at: Option<DateTime<Utc>>,
}

/// Convened meetings still to come where the person is an attendee who has not answered.
pub fn unanswered_convocations(
    conn: &mut PgConnection,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Unanswered>> {
    meeting_attendees::table
        .inner_join(meetings::table.inner_join(projects::table))
        .filter(meeting_attendees::user_id.eq(user_id))
        .filter(meeting_attendees::partstat.eq("NEEDS-ACTION"))
        .filter(meetings::status.eq(MeetingStatus::Convened.as_str()))
        .filter(meetings::starts_at.gt(now))
        .select((
            meetings::id,
            meetings::project_id,
            projects::title,
            meetings::title,
            meeting_attendees::organization_id,
            meetings::starts_at,
        ))
        .load(conn)
}

/// An open action of one of the person's organizations.
pub struct OpenAction {
    pub project_id: Uuid,
    pub project_title: String,
    pub title: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub due_on: NaiveDate,
}

/// The open actions owned by these organizations, in projects that are not closed.
pub fn open_actions(
    conn: &mut PgConnection,
    organization_ids: &[Uuid],
) -> QueryResult<Vec<OpenAction>> {
    let rows: Vec<(Uuid, String, String, Uuid, String, NaiveDate)> = actions::table
        .inner_join(projects::table)
        .inner_join(organizations::table)
        .filter(actions::owner_organization_id.eq_any(organization_ids))
        .filter(actions::status.eq("open"))
        .filter(projects::status.ne(ProjectStatus::Closed.as_str()))
        .select((
            actions::project_id,
            projects::title,
            actions::title,
            actions::owner_organization_id,
            organizations::name,
            actions::due_on,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(project_id, project_title, title, organization_id, organization_name, due_on)| {
                OpenAction {
                    project_id,
                    project_title,
                    title,
                    organization_id,
                    organization_name,
                    due_on,
                }
            },
        )
        .collect())
}
