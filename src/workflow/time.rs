//! Partners' time: the short notice partners agree to, who represents each partner at a
//! meeting, each partner's time budget, attendance, the time each partner gives to a project,
//! and a person's meetings across projects.
//!
//! Short-notice agreements are agreements like the others (`consent::record`: bound to the
//! meeting, its start and the notice asked, audited, with a signed receipt); they are taken with
//! the meeting row locked, as the convocation locks it, so one either counts for the
//! convocation or comes after it.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::agenda::agreeing_organization;
use super::consent::{self, Recorded};
use super::meetings::{audit, open, require_planning};
use crate::auth::ProjectAccess;
use crate::db::QueryError;
use crate::db::meetings as meeting_queries;
use crate::db::models::{Meeting, Project, User};
use crate::db::time::{self as queries, Attended, MyMeeting, Represented};
use crate::db::{Conn, agreements};
use crate::domain::content;
use crate::domain::gate::Decision;
use crate::domain::input::InputError;
use crate::domain::partners_time::{
    self, Attendance, MAX_REPRESENTATIVES, MeetingTime, OverBudget, PartnerTime, TimeBudget,
};
use crate::domain::partnership::PartnershipStatus;
use crate::workflow::signing::Signer;

/// What a partner's member says of a convocation at short notice, already parsed.
pub struct ShortNoticeConsent {
    /// The accepted partner they speak for (needed when they belong to several).
    pub organization_id: Option<Uuid>,
    /// The short notice's hash as they read it (from the readiness), when they send it.
    pub claimed_hash: Option<String>,
    pub decision: Decision,
    pub comment: Option<String>,
}

/// Records a partner's agreement (or objection) to convening the meeting at its chosen slot
/// with less notice than the project asks, with its signed receipt.
pub fn agree_short_notice(
    conn: &mut Conn,
    signer: &Signer,
    actor: &User,
    meeting_id: Uuid,
    asked: ShortNoticeConsent,
) -> Result<Recorded, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let organization_id = agreeing_organization(&access, asked.organization_id)?;
    let meeting = meeting_queries::lock(conn, meeting.id)?;
    require_planning(&meeting)?;
    let starts_at = meeting.starts_at.ok_or_else(|| {
        Refusal::conflict(
            "no_slot_chosen",
            "no slot is chosen yet: there is no notice to agree to",
        )
    })?;
    let days = notice_days_of(&access);
    let canonical = content::canonical_short_notice(meeting.id, starts_at, days);
    let hash = content::hash_canonical(&canonical);
    let section = consent::Section {
        subject: agreements::SHORT_NOTICE,
        subject_id: meeting.id,
        current_hash: &hash,
        canonical,
        is_empty: false,
    };
    let given = consent::Consent {
        project_id: meeting.project_id,
        organization_id,
        user_id: actor.id,
        claimed_hash: asked.claimed_hash.unwrap_or_else(|| hash.clone()),
        decision: asked.decision,
        comment: asked.comment,
    };
    consent::record(conn, signer, section, given)
}

fn notice_days_of(access: &ProjectAccess) -> u32 {
    access.project.min_notice_days.max(0) as u32
}

/// The zone a meeting counts its days in (Paris when its stored name is unknown).
pub fn zone_of(meeting: &Meeting) -> Tz {
    crate::domain::meeting::zone_or_paris(&meeting.timezone)
}

/// Who represents each accepted partner at the meeting, for anyone who sees it. Before the
/// convocation: who would be convened; after: who was (the attendees).
pub fn representatives(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
) -> Result<(Vec<Represented>, ProjectAccess), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let initiator = access.project.initiator_organization_id;
    let represented = queries::representatives(conn, meeting.id, meeting.project_id, initiator)?;
    Ok((represented, access))
}

/// A partner's members name who represents it at a meeting being planned; each must be a
/// member of that partner.
pub fn choose_representatives(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    organization_id: Uuid,
    user_ids: Vec<Uuid>,
) -> Result<(Vec<Represented>, ProjectAccess), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    if !access.member_of(organization_id) {
        return Err(Refusal::forbidden(
            "only that partner's members name who represents it",
        ));
    }
    let meeting = meeting_queries::lock(conn, meeting.id)?;
    require_planning(&meeting)?;
    let initiator = access.project.initiator_organization_id;
    let before = queries::representatives(conn, meeting.id, meeting.project_id, initiator)?;
    let partner = before
        .iter()
        .find(|r| r.organization_id == organization_id)
        .ok_or_else(|| {
            Refusal::conflict(
                "not_accepted",
                "only an accepted partner is represented at a meeting",
            )
        })?;
    let mut chosen: Vec<Uuid> = Vec::new();
    for id in user_ids {
        if !partner.members.iter().any(|m| m.user_id == id) {
            return Err(InputError {
                field: "user_ids",
                message: format!("{id} is not a member of {}", partner.organization_name),
            }
            .into());
        }
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    if chosen.is_empty() || chosen.len() > MAX_REPRESENTATIVES {
        return Err(InputError {
            field: "user_ids",
            message: format!("name from 1 to {MAX_REPRESENTATIVES} people"),
        }
        .into());
    }
    queries::replace_representatives(
        conn,
        meeting.id,
        organization_id,
        &chosen,
        actor.id,
        Utc::now(),
    )?;
    audit(
        conn,
        &access,
        "representatives.chosen",
        Some(organization_id),
        json!({"meeting_id": meeting.id, "user_ids": chosen}),
    )?;
    let after = queries::representatives(conn, meeting.id, meeting.project_id, initiator)?;
    Ok((after, access))
}

/// A partner's members set its yearly time budget for the project (and the value of an hour).
pub fn set_budget(
    conn: &mut Conn,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
    budget: TimeBudget,
) -> Result<TimeBudget, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    if !access.member_of(organization_id) {
        return Err(Refusal::forbidden(
            "only that partner's members set its time budget",
        ));
    }
    if !queries::set_budget(
        conn,
        project_id,
        organization_id,
        budget,
        actor.id,
        Utc::now(),
    )? {
        return Err(Refusal::conflict(
            "not_accepted",
            "only an accepted partner has a time budget in the project",
        ));
    }
    crate::db::audit::event("time_budget.set")
        .project(project_id)
        .by(actor.id, Some(organization_id))
        .organization(organization_id)
        .details(json!({
            "hours_per_year": budget.hours_per_year,
            "hourly_value_cents": budget.hourly_value_cents,
        }))
        .record(conn)?;
    Ok(budget)
}

/// The initiator records who came to a meeting that has started (correctable: a later record
/// replaces the earlier one for the same person). Every person must be an attendee.
pub fn record_attendance(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    entries: &[(Uuid, Attendance)],
) -> Result<Vec<Attended>, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    let meeting = meeting_queries::lock(conn, meeting.id)?;
    if !meeting.status.takes_decisions() {
        return Err(Refusal::conflict(
            "not_convened",
            "attendance is recorded for a convened meeting",
        )
        .with("status", json!(meeting.status)));
    }
    if meeting.starts_at.is_none_or(|start| start > Utc::now()) {
        return Err(Refusal::conflict(
            "not_started",
            "attendance is recorded once the meeting has started",
        ));
    }
    let now = Utc::now();
    for (user_id, attendance) in entries {
        if !queries::set_attendance(
            conn,
            meeting.id,
            *user_id,
            attendance.as_str(),
            actor.id,
            now,
        )? {
            return Err(InputError {
                field: "attendance",
                message: format!("{user_id} was not convened to this meeting"),
            }
            .into());
        }
    }
    let shown: serde_json::Map<String, serde_json::Value> = entries
        .iter()
        .map(|(user, a)| (user.to_string(), json!(a)))
        .collect();
    audit(
        conn,
        &access,
        "attendance.recorded",
        None,
        json!({"meeting_id": meeting.id, "attendance": shown}),
    )?;
    attendance_of(conn, meeting.id)
}

/// The attendees of a meeting with their attendance, for anyone who sees the meeting.
pub fn attendance(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
) -> Result<Vec<Attended>, Refusal> {
    let (meeting, _) = open(conn, actor.id, meeting_id)?;
    attendance_of(conn, meeting.id)
}

/// The attendees of a meeting with their attendance.
fn attendance_of(conn: &mut Conn, meeting_id: Uuid) -> Result<Vec<Attended>, Refusal> {
    Ok(queries::attended(conn, &[meeting_id])?
        .into_iter()
        .map(|(_, a)| a)
        .collect())
}

/// A meeting as time counts it: its duration, its attendees per organization and those present.
fn meeting_time(meeting: &Meeting, attendees: &[Attended]) -> Option<MeetingTime> {
    let mut time = MeetingTime {
        starts_at: meeting.starts_at?,
        zone: zone_of(meeting),
        duration_minutes: meeting.duration_minutes.max(0) as u32,
        convened: Default::default(),
        present: Default::default(),
    };
    for a in attendees {
        *time.convened.entry(a.organization_id).or_default() += 1;
        if a.attendance.as_deref() == Some(Attendance::Present.as_str()) {
            *time.present.entry(a.organization_id).or_default() += 1;
        }
    }
    Some(time)
}

/// One partner's time in a project, with its name and status.
pub struct PartnerTimeRow {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: PartnershipStatus,
    pub time: PartnerTime,
}

/// The time each partner gives to the project: planned (convened meetings) and attended (held
/// meetings), against its budget; only meetings of `year` (in their own zone) when given.
pub fn project_time(
    conn: &mut Conn,
    actor: &User,
    project_id: Uuid,
    year: Option<i32>,
) -> Result<(ProjectAccess, Vec<PartnerTimeRow>), Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    let rows = time_rows(conn, &access.project, year)?;
    Ok((access, rows))
}

/// The rows of [`project_time`], for a project already read (the sheet reads them too).
pub fn time_rows(
    conn: &mut Conn,
    project: &Project,
    year: Option<i32>,
) -> QueryResult<Vec<PartnerTimeRow>> {
    let partners = queries::budgets(conn, project.id, project.initiator_organization_id)?;
    let meetings: Vec<MeetingTime> = queries::counted_meetings(conn, project.id)?
        .iter()
        .filter_map(|(m, attendees)| meeting_time(m, attendees))
        .filter(|m| year.is_none_or(|y| m.year() == y))
        .collect();
    let with_budgets: Vec<(Uuid, Option<TimeBudget>)> = partners
        .iter()
        .map(|p| (p.organization_id, p.budget))
        .collect();
    let given = partners_time::time_given(&with_budgets, &meetings);
    Ok(partners
        .into_iter()
        .zip(given)
        .map(|(partner, time)| PartnerTimeRow {
            organization_id: partner.organization_id,
            organization_name: partner.organization_name,
            status: partner.status,
            time,
        })
        .collect())
}

type QueryResult<T> = Result<T, QueryError>;

/// What a meeting's budget warnings are checked against, read once: the project's other
/// convened or held meetings, the partners' budgets, and who would represent each partner.
pub struct BudgetCheck {
    others: Vec<MeetingTime>,
    budgets: Vec<(Uuid, TimeBudget)>,
    this: MeetingTime,
}

impl BudgetCheck {
    pub fn load(
        conn: &mut Conn,
        meeting: &Meeting,
        initiator: Uuid,
        represented: &[Represented],
    ) -> Result<BudgetCheck, Refusal> {
        let project = meeting.project_id;
        let others = queries::counted_meetings(conn, project)?
            .iter()
            .filter(|(m, _)| m.id != meeting.id)
            .filter_map(|(m, attendees)| meeting_time(m, attendees))
            .collect();
        let budgets = queries::budgets(conn, project, initiator)?
            .into_iter()
            .filter_map(|p| Some((p.organization_id, p.budget?)))
            .filter(|(org, _)| represented.iter().any(|r| r.organization_id == *org))
            .collect();
        let this = MeetingTime {
            starts_at: meeting.starts_at.unwrap_or_default(),
            zone: zone_of(meeting),
            duration_minutes: meeting.duration_minutes.max(0) as u32,
            convened: represented
                .iter()
                .map(|r| (r.organization_id, r.people.len() as u32))
                .collect(),
            present: Default::default(),
        };
        Ok(BudgetCheck {
            others,
            budgets,
            this,
        })
    }

    /// The partners the meeting, held at `starts_at`, would take past their budget for its year.
    pub fn over_budget(&self, starts_at: DateTime<Utc>) -> Vec<OverBudget> {
        let this = MeetingTime {
            starts_at,
            ..self.this.clone()
        };
        partners_time::over_budget(&this, &self.others, &self.budgets)
    }
}

/// A person's meetings in a window and the hours they take per week.
pub struct MeetingLoad {
    pub meetings: Vec<MyMeeting>,
    /// `(monday, hours)`, weeks with meetings only.
    pub weeks: Vec<(NaiveDate, f64)>,
}

/// A person's convened meetings starting in `[from, to)` and the hours they take per week (in
/// `zone`).
pub fn my_meetings(
    conn: &mut Conn,
    actor: &User,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: Tz,
) -> Result<MeetingLoad, Refusal> {
    if to <= from {
        return Err(InputError {
            field: "to",
            message: "must come after from".into(),
        }
        .into());
    }
    if to - from > chrono::Duration::days(400) {
        return Err(InputError {
            field: "to",
            message: "at most 400 days after from".into(),
        }
        .into());
    }
    let meetings = queries::meetings_of(conn, actor.id, from, to)?;
    let times: Vec<(DateTime<Utc>, u32)> = meetings
        .iter()
        .filter(|m| m.partstat != "DECLINED")
        .filter_map(|m| {
            Some((
                m.meeting.starts_at?,
                m.meeting.duration_minutes.max(0) as u32,
            ))
        })
        .collect();
    let weeks = partners_time::hours_per_week(&times, zone);
    Ok(MeetingLoad { meetings, weeks })
}
