//! Queries of partners' time: who represents each partner at a meeting, the partners' time
//! budgets, attendance, the meetings time is counted from, and a person's meetings across
//! projects.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::meetings::{Invitee, partners};
use crate::db::models::Meeting;
use crate::db::schema::{
    availability_answers, meeting_attendees, meeting_representatives, meetings, memberships,
    partnerships, projects, users,
};
use crate::domain::meeting::MeetingStatus;
use crate::domain::partners_time::{TimeBudget, default_representatives};
use crate::domain::partnership::PartnershipStatus;

/// An accepted partner and who would be convened for it.
#[derive(Debug, Clone)]
pub struct Represented {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Whether its members named them (else: the default).
    pub chosen: bool,
    pub people: Vec<Invitee>,
    /// Every member of the partner (whom its members may name).
    pub members: Vec<Invitee>,
}

/// Who represents each accepted partner of the project at `meeting_id`, in the gate's order:
/// those its members named (still members), else its default
/// ([`default_representatives`]).
pub fn representatives(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    project_id: Uuid,
    initiator: Uuid,
) -> QueryResult<Vec<Represented>> {
    let accepted: Vec<(Uuid, String)> = partners(conn, project_id, initiator)?
        .into_iter()
        .filter(|p| p.2 == PartnershipStatus::Accepted)
        .map(|p| (p.0, p.1))
        .collect();
    let ids: Vec<Uuid> = accepted.iter().map(|p| p.0).collect();
    let answers: Vec<(Uuid, Option<String>, Option<Uuid>)> = partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .filter(partnerships::organization_id.eq_any(&ids))
        .select((
            partnerships::organization_id,
            partnerships::contact_email,
            partnerships::answered_by,
        ))
        .load(conn)?;
    let members: Vec<(Uuid, Uuid, String, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq_any(&ids))
        .order((users::display_name, users::email))
        .select((
            memberships::organization_id,
            users::id,
            users::email,
            users::display_name,
            users::locale,
        ))
        .load(conn)?;
    let chosen: Vec<(Uuid, Uuid)> = meeting_representatives::table
        .filter(meeting_representatives::meeting_id.eq(meeting_id))
        .select((
            meeting_representatives::organization_id,
            meeting_representatives::user_id,
        ))
        .load(conn)?;
    let answerers: Vec<Uuid> = availability_answers::table
        .filter(availability_answers::meeting_id.eq(meeting_id))
        .select(availability_answers::user_id)
        .distinct()
        .load(conn)?;
    let mut out = Vec::new();
    for (organization_id, organization_name) in accepted {
        let of_org: Vec<Invitee> = members
            .iter()
            .filter(|m| m.0 == organization_id)
            .map(|(org, user_id, email, display_name, locale)| Invitee {
                user_id: *user_id,
                email: email.clone(),
                display_name: display_name.clone(),
                locale: locale.clone(),
                organization_id: *org,
            })
            .collect();
        let named: Vec<Uuid> = chosen
            .iter()
            .filter(|(org, user)| {
                *org == organization_id && of_org.iter().any(|m| m.user_id == *user)
            })
            .map(|(_, user)| *user)
            .collect();
        let (is_chosen, ids) = if named.is_empty() {
            let (contact, accepted_by) = answers
                .iter()
                .find(|a| a.0 == organization_id)
                .map(|a| (a.1.as_deref(), a.2))
                .unwrap_or((None, None));
            let contact = contact.and_then(|email| {
                of_org
                    .iter()
                    .find(|m| m.email.eq_ignore_ascii_case(email))
                    .map(|m| m.user_id)
            });
            let member_ids: Vec<Uuid> = of_org.iter().map(|m| m.user_id).collect();
            let defaults = default_representatives(&member_ids, &answerers, contact, accepted_by);
            (false, defaults)
        } else {
            (true, named)
        };
        out.push(Represented {
            organization_id,
            organization_name,
            chosen: is_chosen,
            people: of_org
                .iter()
                .filter(|m| ids.contains(&m.user_id))
                .cloned()
                .collect(),
            members: of_org,
        });
    }
    Ok(out)
}

/// Names who represents `organization_id` at the meeting (replacing any earlier choice).
pub fn replace_representatives(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    organization_id: Uuid,
    user_ids: &[Uuid],
    chosen_by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        meeting_representatives::table
            .filter(meeting_representatives::meeting_id.eq(meeting_id))
            .filter(meeting_representatives::organization_id.eq(organization_id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = user_ids
        .iter()
        .map(|user_id| {
            (
                meeting_representatives::meeting_id.eq(meeting_id),
                meeting_representatives::organization_id.eq(organization_id),
                meeting_representatives::user_id.eq(*user_id),
                meeting_representatives::chosen_by.eq(chosen_by),
                meeting_representatives::chosen_at.eq(at),
            )
        })
        .collect();
    diesel::insert_into(meeting_representatives::table)
        .values(rows)
        .execute(conn)
        .map(|_| ())
}

/// Sets an accepted partner's time budget; `false` when the partnership is not accepted.
pub fn set_budget(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    budget: TimeBudget,
    set_by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    let cents = budget.hourly_value_cents.map(|c| c as i32);
    let updated = diesel::update(
        partnerships::table
            .find((project_id, organization_id))
            .filter(partnerships::status.eq(PartnershipStatus::Accepted.as_str())),
    )
    .set((
        partnerships::hours_per_year.eq(Some(budget.hours_per_year as i32)),
        partnerships::hourly_value_cents.eq(cents),
        partnerships::time_budget_set_by.eq(Some(set_by)),
        partnerships::time_budget_set_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

fn budget_of(hours: Option<i32>, cents: Option<i32>) -> Option<TimeBudget> {
    hours.map(|h| TimeBudget {
        hours_per_year: h.max(0) as u32,
        hourly_value_cents: cents.map(|c| c.max(0) as u32),
    })
}

/// A partner of the project with its budget.
pub struct PartnerBudget {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: PartnershipStatus,
    pub budget: Option<TimeBudget>,
}

/// Every partner of the project that takes or took part (accepted or withdrawn), with its
/// status and its budget, in the gate's order.
pub fn budgets(
    conn: &mut PgConnection,
    project_id: Uuid,
    initiator: Uuid,
) -> QueryResult<Vec<PartnerBudget>> {
    let rows: BTreeMap<Uuid, (Option<i32>, Option<i32>)> = partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .select((
            partnerships::organization_id,
            partnerships::hours_per_year,
            partnerships::hourly_value_cents,
        ))
        .load::<(Uuid, Option<i32>, Option<i32>)>(conn)?
        .into_iter()
        .map(|(org, h, c)| (org, (h, c)))
        .collect();
    Ok(partners(conn, project_id, initiator)?
        .into_iter()
        .filter(|p| {
            matches!(
                p.2,
                PartnershipStatus::Accepted | PartnershipStatus::Withdrawn
            )
        })
        .map(|(id, name, status)| {
            let (h, c) = rows.get(&id).copied().unwrap_or((None, None));
            PartnerBudget {
                organization_id: id,
                organization_name: name,
                status,
                budget: budget_of(h, c),
            }
        })
        .collect())
}

/// One attendee of a convened meeting, as time counts them.
#[derive(Debug, Clone)]
pub struct Attended {
    pub user_id: Option<Uuid>,
    pub email: String,
    pub display_name: String,
    pub organization_id: Uuid,
    pub attendance: Option<String>,
}

/// The project's meetings that count for time (convened or held), with their attendees.
pub fn counted_meetings(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<(Meeting, Vec<Attended>)>> {
    let counted = [
        MeetingStatus::Convened.as_str(),
        MeetingStatus::Held.as_str(),
    ];
    let list: Vec<Meeting> = meetings::table
        .filter(meetings::project_id.eq(project_id))
        .filter(meetings::status.eq_any(counted))
        .filter(meetings::starts_at.is_not_null())
        .order(meetings::starts_at)
        .select(Meeting::as_select())
        .load(conn)?;
    let ids: Vec<Uuid> = list.iter().map(|m| m.id).collect();
    let rows = attended(conn, &ids)?;
    Ok(list
        .into_iter()
        .map(|m| {
            let of_meeting = rows
                .iter()
                .filter(|(id, _)| *id == m.id)
                .map(|(_, a)| a.clone())
                .collect();
            (m, of_meeting)
        })
        .collect())
}

/// The attendees of `meeting_ids` with their attendance, by meeting, in the order invited.
pub fn attended(
    conn: &mut PgConnection,
    meeting_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Attended)>> {
    type Row = (Uuid, Option<Uuid>, String, String, Uuid, Option<String>);
    let rows: Vec<Row> = meeting_attendees::table
        .filter(meeting_attendees::meeting_id.eq_any(meeting_ids))
        .order((meeting_attendees::created_at, meeting_attendees::email))
        .select((
            meeting_attendees::meeting_id,
            meeting_attendees::user_id,
            meeting_attendees::email,
            meeting_attendees::display_name,
            meeting_attendees::organization_id,
            meeting_attendees::attendance,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(meeting_id, user_id, email, display_name, organization_id, attendance)| {
                (
                    meeting_id,
                    Attended {
                        user_id,
                        email,
                        display_name,
                        organization_id,
                        attendance,
                    },
                )
            },
        )
        .collect())
}

/// Records one attendee's attendance; `false` when they are not an attendee.
pub fn set_attendance(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    user_id: Uuid,
    attendance: &str,
    recorded_by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        meeting_attendees::table
            .filter(meeting_attendees::meeting_id.eq(meeting_id))
            .filter(meeting_attendees::user_id.eq(user_id)),
    )
    .set((
        meeting_attendees::attendance.eq(Some(attendance)),
        meeting_attendees::attendance_recorded_by.eq(Some(recorded_by)),
        meeting_attendees::attendance_recorded_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

/// One of a person's convened meetings, with its project.
#[derive(Debug, Clone)]
pub struct MyMeeting {
    pub meeting: Meeting,
    pub project_title: String,
    pub organization_id: Uuid,
    pub partstat: String,
}

/// The convened or held meetings `user_id` is an attendee of, starting in `[from, to)`.
pub fn meetings_of(
    conn: &mut PgConnection,
    user_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<MyMeeting>> {
    let counted = [
        MeetingStatus::Convened.as_str(),
        MeetingStatus::Held.as_str(),
    ];
    let rows: Vec<(Meeting, String, Uuid, String)> = meeting_attendees::table
        .inner_join(meetings::table.inner_join(projects::table))
        .filter(meeting_attendees::user_id.eq(user_id))
        .filter(meetings::status.eq_any(counted))
        .filter(meetings::starts_at.ge(from))
        .filter(meetings::starts_at.lt(to))
        .order(meetings::starts_at)
        .select((
            Meeting::as_select(),
            projects::title,
            meeting_attendees::organization_id,
            meeting_attendees::partstat,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(meeting, project_title, organization_id, partstat)| MyMeeting {
                meeting,
                project_title,
                organization_id,
                partstat,
            },
        )
        .collect())
}
