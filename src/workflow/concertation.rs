//! The concertation before a convocation: the gate's readiness, the concertation record (with
//! the evidence of what it covers), and who is convened.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::meetings::{MeetingRead, audit, incomplete, lock_for_gate, open};
use crate::db::models::{ConcertationRecord, MeetingAttendee, User};
use crate::db::{Conn, meetings as queries};
use crate::domain::gate::{self, Unmet};
use crate::domain::meeting::MeetingStatus;

/// Where a meeting stands against the gate.
pub struct Readiness {
    /// Every unmet rule; none for a convened meeting (it passed the gate when convened).
    pub unmet: Vec<Unmet>,
    pub status: MeetingStatus,
    /// For a convened meeting only: its agenda as edited since, and what sending it waits for.
    pub agenda_update: Option<AgendaUpdate>,
}

/// A convened meeting's live agenda against the one its attendees were sent.
pub struct AgendaUpdate {
    pub changed_since_convocation: bool,
    /// What sending the live agenda waits for ([`gate::agenda_update_unmet`]).
    pub unmet: Vec<Unmet>,
}

/// Every unmet rule of the gate, and the meeting's status, for anyone who sees the meeting.
/// A convened meeting is not held to the gate again — partners consulted since are not
/// convened to it, and an edited agenda reaches nobody until it is sent — so it reports its
/// agenda's own state instead.
pub fn readiness(conn: &mut Conn, actor: &User, meeting_id: Uuid) -> Result<Readiness, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let (doc, state) =
        queries::gate_state_now(conn, &meeting, access.project.initiator_organization_id)?;
    if meeting.status != MeetingStatus::Convened {
        return Ok(Readiness {
            unmet: gate::unmet(&state),
            status: meeting.status,
            agenda_update: None,
        });
    }
    let attendees = queries::attendee_organizations(conn, meeting.id)?;
    let unmet = gate::agenda_update_unmet(&state, &attendees);
    let read = MeetingRead::new(conn, &doc, meeting)?;
    Ok(Readiness {
        unmet: Vec::new(),
        status: read.meeting.status,
        agenda_update: Some(AgendaUpdate {
            changed_since_convocation: read.agenda_changed_since_convocation,
            unmet,
        }),
    })
}

/// Records the concertation with its evidence (initiator only), only when the upstream rules
/// hold, checked with the meeting, the document and the partnerships locked.
pub fn record(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    summary: String,
) -> Result<ConcertationRecord, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let (meeting, _, state) = lock_for_gate(conn, meeting.id, &access)?;
    let initiator = access.project.initiator_organization_id;
    let unmet = gate::upstream_unmet(&state);
    if !unmet.is_empty() {
        return Err(incomplete(unmet));
    }
    let record = ConcertationRecord {
        id: Uuid::new_v4(),
        meeting_id: meeting.id,
        project_id: meeting.project_id,
        summary,
        recorded_by: actor.id,
        recorded_for: initiator,
        evidence: serde_json::to_value(gate::evidence(&state)).map_err(anyhow::Error::from)?,
        created_at: Utc::now(),
    };
    queries::insert_record(conn, &record)?;
    audit(
        conn,
        &access,
        "concertation.recorded",
        Some(initiator),
        json!({"meeting_id": meeting.id, "record_id": record.id, "evidence": record.evidence}),
    )?;
    Ok(record)
}

/// An attendee as a participant sees them: addresses only for the initiator's members and the
/// person's own organization.
pub struct SeenAttendee {
    pub attendee: MeetingAttendee,
    pub email_visible: bool,
}

/// The meeting's attendees, for anyone who sees the meeting.
pub fn attendees(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
) -> Result<Vec<SeenAttendee>, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    Ok(queries::attendees(conn, meeting.id)?
        .into_iter()
        .map(|attendee| SeenAttendee {
            email_visible: access.is_initiator() || access.member_of(attendee.organization_id),
            attendee,
        })
        .collect())
}
