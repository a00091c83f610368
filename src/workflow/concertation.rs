//! The concertation before a convocation: the gate's readiness, the concertation record (with
//! the evidence of what it covers), and who is convened.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::meetings::{audit, incomplete, lock_for_gate, open};
use crate::db::models::{ConcertationRecord, MeetingAttendee, User};
use crate::db::{Conn, meetings as queries};
use crate::domain::gate::{self, Unmet};
use crate::domain::meeting::MeetingStatus;

/// Every unmet rule of the gate, and the meeting's status, for anyone who sees the meeting.
pub fn readiness(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
) -> Result<(Vec<Unmet>, MeetingStatus), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let (_, state) =
        queries::gate_state_now(conn, &meeting, access.project.initiator_organization_id)?;
    Ok((gate::unmet(&state), meeting.status))
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
