//! What the partners' time routes send: who represents each partner at a meeting, time
//! budgets, attendance, the time each partner gives, a person's meetings and hours per week.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::ProjectAccess;
use crate::db::meetings::Invitee;
use crate::db::time::{Attended, MyMeeting, Represented};
use crate::domain::meeting::MeetingStatus;
use crate::domain::partners_time::{self, Attendance, TimeBudget};
use crate::domain::partnership::PartnershipStatus;
use crate::workflow::time::PartnerTimeRow;

/// A person, by name.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PersonRef {
    pub user_id: Uuid,
    pub display_name: String,
}

impl From<&Invitee> for PersonRef {
    fn from(person: &Invitee) -> Self {
        PersonRef {
            user_id: person.user_id,
            display_name: person.display_name.clone(),
        }
    }
}

/// Who represents an accepted partner at a meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Representation {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Whether the partner's members named them (else: its default — who answered the poll,
    /// else the consultation's contact, else who accepted the partnership).
    pub chosen: bool,
    /// Who would be convened for it (empty: nobody, which holds the convocation).
    pub people: Vec<PersonRef>,
    /// Whether the caller may change them (a member of that partner).
    pub can_choose: bool,
    /// The partner's members the caller may name (only when `can_choose`).
    pub members: Vec<PersonRef>,
}

impl Representation {
    pub fn new(represented: &Represented, access: &ProjectAccess) -> Self {
        let can_choose = access.member_of(represented.organization_id);
        Representation {
            organization_id: represented.organization_id,
            organization_name: represented.organization_name.clone(),
            chosen: represented.chosen,
            people: represented.people.iter().map(PersonRef::from).collect(),
            can_choose,
            members: if can_choose {
                represented.members.iter().map(PersonRef::from).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// A partner's yearly time budget for the project.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "TimeBudget")]
pub struct TimeBudgetView {
    pub organization_id: Uuid,
    pub hours_per_year: u32,
    pub hourly_value_eur: Option<f64>,
}

impl TimeBudgetView {
    pub fn new(organization_id: Uuid, budget: TimeBudget) -> Self {
        TimeBudgetView {
            organization_id,
            hours_per_year: budget.hours_per_year,
            hourly_value_eur: budget.hourly_value_cents.map(euros),
        }
    }
}

fn euros(cents: impl Into<u64>) -> f64 {
    cents.into() as f64 / 100.0
}

/// An attendee of a convened meeting and whether they came.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttendanceEntry {
    pub user_id: Option<Uuid>,
    pub display_name: String,
    pub organization_id: Uuid,
    /// Not recorded yet when absent.
    pub status: Option<Attendance>,
}

impl From<&Attended> for AttendanceEntry {
    fn from(a: &Attended) -> Self {
        AttendanceEntry {
            user_id: a.user_id,
            display_name: a.display_name.clone(),
            organization_id: a.organization_id,
            status: a.attendance.as_deref().and_then(Attendance::parse),
        }
    }
}

/// The time one partner gives to the project.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "PartnerTime")]
pub struct PartnerTimeView {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: PartnershipStatus,
    /// Its yearly budget for the project, in hours, when it declared one.
    pub hours_budget: Option<u32>,
    pub hourly_value_eur: Option<f64>,
    /// Hours asked by convened meetings: duration × its attendees.
    pub hours_planned: f64,
    /// Hours given at held meetings: duration × its people present.
    pub hours_attended: f64,
    /// The attended hours valued at its hourly value, when it set one.
    pub value_eur: Option<f64>,
}

impl From<&PartnerTimeRow> for PartnerTimeView {
    fn from(row: &PartnerTimeRow) -> Self {
        let budget = row.time.budget;
        PartnerTimeView {
            organization_id: row.organization_id,
            organization_name: row.organization_name.clone(),
            status: row.status,
            hours_budget: budget.map(|b| b.hours_per_year),
            hourly_value_eur: budget.and_then(|b| b.hourly_value_cents).map(euros),
            hours_planned: partners_time::hours(row.time.planned_minutes),
            hours_attended: partners_time::hours(row.time.attended_minutes),
            value_eur: row.time.value_cents().map(euros),
        }
    }
}

/// One of the caller's convened meetings.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "MyMeeting")]
pub struct MyMeetingView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub project_title: String,
    pub title: String,
    pub status: MeetingStatus,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub duration_minutes: i32,
    pub timezone: String,
    /// The organization they are convened for.
    pub organization_id: Uuid,
    /// Their answer to the convocation (`NEEDS-ACTION`, `ACCEPTED`, `DECLINED`, `TENTATIVE`).
    pub partstat: String,
}

impl From<&MyMeeting> for MyMeetingView {
    fn from(m: &MyMeeting) -> Self {
        MyMeetingView {
            id: m.meeting.id,
            project_id: m.meeting.project_id,
            project_title: m.project_title.clone(),
            title: m.meeting.title.clone(),
            status: m.meeting.status,
            starts_at: m.meeting.starts_at,
            ends_at: m.meeting.ends_at,
            duration_minutes: m.meeting.duration_minutes,
            timezone: m.meeting.timezone.clone(),
            organization_id: m.organization_id,
            partstat: m.partstat.clone(),
        }
    }
}

/// Hours of meetings in one week (Monday to Sunday).
#[derive(Debug, Serialize, JsonSchema)]
pub struct WeekHours {
    /// The Monday that starts the week.
    pub week: NaiveDate,
    pub hours: f64,
}

/// The caller's meeting load across projects.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MyMeetings {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Their convened meetings starting in `[from, to)`, in time order.
    pub meetings: Vec<MyMeetingView>,
    /// Hours per week of the meetings they did not decline, weeks with meetings only.
    pub hours_per_week: Vec<WeekHours>,
    pub total_hours: f64,
}

impl MyMeetings {
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        meetings: &[MyMeeting],
        weeks: &[(NaiveDate, f64)],
    ) -> Self {
        let total: f64 = weeks.iter().map(|w| w.1).sum();
        MyMeetings {
            from,
            to,
            meetings: meetings.iter().map(MyMeetingView::from).collect(),
            hours_per_week: weeks
                .iter()
                .map(|&(week, hours)| WeekHours { week, hours })
                .collect(),
            total_hours: (total * 100.0).round() / 100.0,
        }
    }
}
