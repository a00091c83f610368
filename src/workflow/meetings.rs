//! A meeting before its convocation: creating one, reading it, changing it, proposing slots;
//! and what every meeting use case starts with — the meeting and the caller's access to its
//! project ([`open`]), its audit rows ([`audit`]), the planning check, and the gate's locks.
//!
//! Permissions: the initiator's members create meetings, propose slots and change a meeting;
//! any participant (invited or accepted) reads. Others are told the meeting does not exist.

use chrono::{DateTime, Duration, Utc};
use diesel::QueryResult;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Refusal;
use super::convocation::{self, ChangeRefusal};
use crate::auth::ProjectAccess;
use crate::calendar::AgendaLine;
use crate::config::Settings;
use crate::db::models::{Meeting, MeetingSlot, User};
use crate::db::{Conn, audit as trail, meetings as queries};
use crate::document::{self, ProjectDoc};
use crate::domain::gate::{self, GateState, Unmet};
use crate::domain::meeting::MeetingStatus;
use crate::workflow::follow_up::carry_over_actions;
use crate::workflow::projects::{acting_organization, lock_document, require_open};

/// The meeting and the caller's access to its project; not found when the meeting does not
/// exist or the caller may not see its project.
pub fn open(
    conn: &mut Conn,
    user_id: Uuid,
    meeting_id: Uuid,
) -> Result<(Meeting, ProjectAccess), Refusal> {
    let meeting = queries::find(conn, meeting_id)?.ok_or(Refusal::NotFound)?;
    let access = ProjectAccess::load(conn, meeting.project_id, user_id)?;
    Ok((meeting, access))
}

/// An audit row for a change to a meeting, by the caller for the organization they act for.
pub fn audit(
    conn: &mut Conn,
    access: &ProjectAccess,
    action: &'static str,
    organization_id: Option<Uuid>,
    details: Value,
) -> QueryResult<()> {
    let acting_for = acting_organization(
        access,
        organization_id.unwrap_or(access.project.initiator_organization_id),
    );
    let event = trail::event(action)
        .project(access.project.id)
        .by(access.user_id, acting_for)
        .details(details);
    match organization_id {
        Some(organization_id) => event.organization(organization_id),
        None => event,
    }
    .record(conn)
}

/// Refused unless the meeting is still being planned.
pub fn require_planning(meeting: &Meeting) -> Result<(), Refusal> {
    if meeting.status == MeetingStatus::Planning {
        Ok(())
    } else {
        Err(no_longer_planning().with("status", json!(meeting.status)))
    }
}

/// The refusal of a change that needs the meeting being planned: from [`require_planning`], or
/// from a conditional update that found it convened or cancelled meanwhile.
pub fn no_longer_planning() -> Refusal {
    Refusal::conflict("not_planning", "the meeting is no longer being planned")
}

/// The meeting and what the gate looks at, read with everything it covers held still until the
/// transaction ends — the meeting row, then the document, then the partnerships, always in that
/// order — so no edit can land between the check and what the caller does on its strength.
/// Initiator only; refused unless the meeting is still being planned.
pub fn lock_for_gate(
    conn: &mut Conn,
    meeting_id: Uuid,
    access: &ProjectAccess,
) -> Result<(Meeting, ProjectDoc, GateState), Refusal> {
    access.require_initiator()?;
    let meeting = queries::lock(conn, meeting_id)?;
    require_planning(&meeting)?;
    lock_document(conn, meeting.project_id)?;
    queries::lock_partnerships(conn, meeting.project_id)?;
    let (doc, state) =
        queries::gate_state_now(conn, &meeting, access.project.initiator_organization_id)?;
    Ok((meeting, doc, state))
}

/// The gate's refusal (API.md): `concertation_incomplete` with every unmet rule.
pub fn incomplete(unmet: Vec<Unmet>) -> Refusal {
    Refusal::conflict(
        "concertation_incomplete",
        "the upstream concertation is not complete for this meeting",
    )
    .with("unmet", json!(unmet))
}

/// A new meeting, already parsed.
pub struct MeetingInput {
    pub title: String,
    pub duration_minutes: i32,
    /// An IANA zone name.
    pub timezone: String,
    pub location: Option<String>,
    pub video_url: Option<String>,
}

/// Creates a meeting of an open project, being planned (initiator only). Its UID is stable
/// for its whole life (`{id}@{host}`): every update of the invitation carries it.
pub fn create(
    conn: &mut Conn,
    actor: &User,
    project_id: Uuid,
    input: MeetingInput,
    host: &str,
    max_doc_bytes: usize,
) -> Result<Meeting, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    access.require_initiator()?;
    require_open(&access.project)?;
    let id = Uuid::new_v4();
    let meeting = Meeting {
        id,
        project_id,
        title: input.title,
        duration_minutes: input.duration_minutes,
        timezone: input.timezone,
        location: input.location,
        video_url: input.video_url,
        status: MeetingStatus::Planning,
        starts_at: None,
        ends_at: None,
        sequence: 0,
        uid: format!("{id}@{host}"),
        organizer_user_id: None,
        organizer_organization_id: None,
        convened_agenda: None,
        convened_at: None,
        cancelled_at: None,
        created_by: actor.id,
        created_at: Utc::now(),
        convened_agenda_hash: None,
        convened_recipients: None,
        respond_by: None,
    };
    queries::insert(conn, &meeting)?;
    audit(
        conn,
        &access,
        "meeting.created",
        None,
        json!({"meeting_id": id, "title": meeting.title}),
    )?;
    // The project's open actions go on the new meeting's agenda.
    carry_over_actions(conn, project_id, id, actor.id, max_doc_bytes)?;
    Ok(meeting)
}

/// A meeting with what the row alone does not say: whether its live agenda moved away from the
/// one its attendees were sent.
pub struct MeetingRead {
    pub meeting: Meeting,
    /// Only ever true for a convened meeting: its live agenda is not the one sent.
    pub agenda_changed_since_convocation: bool,
}

impl MeetingRead {
    /// Reads what the row does not say from the project's document `doc`.
    pub fn new(conn: &mut Conn, doc: &ProjectDoc, meeting: Meeting) -> Result<Self, Refusal> {
        let changed = meeting.status == MeetingStatus::Convened && {
            let live = doc.agenda(meeting.id);
            // Meetings convened before the hash was kept are compared by the lines sent.
            let sent_lines_differ = match &meeting.convened_agenda_hash {
                Some(_) => false,
                None => {
                    let sent: Vec<AgendaLine> = match &meeting.convened_agenda {
                        Some(v) => {
                            serde_json::from_value(v.clone()).map_err(anyhow::Error::from)?
                        }
                        None => Vec::new(),
                    };
                    queries::agenda_lines(conn, &live)? != sent
                }
            };
            gate::agenda_changed_since_convocation(
                meeting.convened_agenda_hash.as_deref(),
                &live.content_hash,
                || sent_lines_differ,
            )
        };
        Ok(MeetingRead {
            meeting,
            agenda_changed_since_convocation: changed,
        })
    }

    /// Reads the project's document, then as [`MeetingRead::new`].
    pub fn load(conn: &mut Conn, meeting: Meeting) -> Result<Self, Refusal> {
        let doc = document::load(conn, meeting.project_id)?;
        Self::new(conn, &doc, meeting)
    }
}

/// The project's meetings, oldest first, for anyone who sees the project.
pub fn list(conn: &mut Conn, actor: &User, project_id: Uuid) -> Result<Vec<MeetingRead>, Refusal> {
    ProjectAccess::load(conn, project_id, actor.id)?;
    let meetings = queries::of_project(conn, project_id)?;
    if meetings.is_empty() {
        return Ok(Vec::new());
    }
    let doc = document::load(conn, project_id)?;
    meetings
        .into_iter()
        .map(|m| MeetingRead::new(conn, &doc, m))
        .collect()
}

/// A meeting, for anyone who sees its project.
pub fn get(conn: &mut Conn, actor: &User, meeting_id: Uuid) -> Result<MeetingRead, Refusal> {
    let meeting = open(conn, actor.id, meeting_id)?.0;
    MeetingRead::load(conn, meeting)
}

/// A change of a meeting, already parsed; `None` leaves a field as it is.
#[derive(Default)]
pub struct MeetingChange {
    pub title: Option<String>,
    pub duration_minutes: Option<i32>,
    pub timezone: Option<String>,
    /// `Some(None)` clears it.
    pub location: Option<Option<String>>,
    /// `Some(None)` clears it.
    pub video_url: Option<Option<String>>,
    pub starts_at: Option<DateTime<Utc>>,
    /// Send the attendees of a convened meeting its current agenda (`{"agenda": "current"}`).
    pub send_current_agenda: bool,
}

impl MeetingChange {
    /// The meeting with the change applied (not stored); its end follows its start.
    fn applied_to(self, meeting: &Meeting) -> Meeting {
        let mut next = meeting.clone();
        if let Some(title) = self.title {
            next.title = title;
        }
        if let Some(minutes) = self.duration_minutes {
            next.duration_minutes = minutes;
        }
        if let Some(timezone) = self.timezone {
            next.timezone = timezone;
        }
        if let Some(location) = self.location {
            next.location = location;
        }
        if let Some(video_url) = self.video_url {
            next.video_url = video_url;
        }
        if let Some(start) = self.starts_at {
            next.starts_at = Some(start);
        }
        next.ends_at = next
            .starts_at
            .map(|s| s + Duration::minutes(i64::from(next.duration_minutes)));
        next
    }
}

/// Changes title, place or time (initiator only), and sends a convened meeting's current agenda
/// when asked ([`convocation::take_current_agenda`]). After the convocation, a real change
/// sends every attendee an update (same UID, SEQUENCE + 1) carrying the agenda as last sent. Returns the meeting and whether emails
/// were queued.
pub fn change(
    conn: &mut Conn,
    settings: &Settings,
    actor: &User,
    meeting_id: Uuid,
    change: MeetingChange,
) -> Result<(MeetingRead, bool), ChangeRefusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator().map_err(Refusal::from)?;
    let meeting = queries::lock(conn, meeting.id)?;
    let send_agenda = change.send_current_agenda;
    let mut next = change.applied_to(&meeting);
    if send_agenda {
        convocation::take_current_agenda(conn, &access, &meeting, &mut next)?;
    }
    let (changed, queued) = convocation::apply_change(conn, settings, &access, &meeting, next)?;
    Ok((MeetingRead::load(conn, changed)?, queued))
}

/// The initiator deletes a meeting still being planned (a draft: nobody was convened), with its
/// slots, answers and records; agreements given to its agenda stay in the history.
pub fn delete(conn: &mut Conn, actor: &User, meeting_id: Uuid) -> Result<(), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    let meeting = queries::lock(conn, meeting.id)?;
    require_planning(&meeting)?;
    if !queries::delete_while_planning(conn, meeting.id)? {
        return Err(no_longer_planning());
    }
    audit(
        conn,
        &access,
        "meeting.deleted",
        None,
        json!({"meeting_id": meeting.id, "title": meeting.title}),
    )?;
    Ok(())
}

/// Proposes a candidate slot (initiator only, while planning); `starts_at` is in the future.
pub fn add_slot(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    starts_at: DateTime<Utc>,
) -> Result<MeetingSlot, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    require_planning(&meeting)?;
    let first = queries::slots(conn, meeting.id)?.is_empty();
    let slot = MeetingSlot {
        id: Uuid::new_v4(),
        meeting_id: meeting.id,
        starts_at,
        ends_at: starts_at + Duration::minutes(i64::from(meeting.duration_minutes)),
        created_by: actor.id,
        created_at: Utc::now(),
    };
    if !queries::insert_slot(conn, &slot)? {
        return Err(Refusal::conflict(
            "slot_exists",
            "this slot is already proposed",
        ));
    }
    audit(
        conn,
        &access,
        "slot.proposed",
        None,
        json!({"meeting_id": meeting.id, "slot_id": slot.id, "starts_at": starts_at}),
    )?;
    super::asking::slot_proposed(conn, &meeting, first, actor.id)?;
    Ok(slot)
}
