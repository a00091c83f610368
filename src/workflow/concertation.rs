//! The concertation before a convocation: the gate's readiness, the concertation record (with
//! the evidence of what it covers), and who is convened.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::meetings::{MeetingRead, audit, incomplete, lock_for_gate, open};
use crate::db::models::{ConcertationRecord, MeetingAttendee, User};
use crate::db::{Conn, meetings as queries, time as time_queries};
use crate::domain::gate::{self, Unmet};
use crate::domain::meeting::MeetingStatus;
use crate::domain::partners_time::OverBudget;
use crate::domain::partnership::PartnershipStatus;
use crate::workflow::time;

/// Where a meeting stands against the gate.
pub struct Readiness {
    /// Every unmet rule; none for a convened meeting (it passed the gate when convened).
    pub unmet: Vec<Unmet>,
    pub status: MeetingStatus,
    /// For a convened meeting only: its agenda as edited since, and what sending it waits for.
    pub agenda_update: Option<AgendaUpdate>,
    /// Before the convocation, with a slot chosen: the notice it would leave (rule 7).
    pub notice: Option<NoticeState>,
    /// Partners the meeting would take past their yearly time budget (not blocking), with
    /// their names.
    pub warnings: Vec<(OverBudget, String)>,
}

/// The notice a convocation sent now would leave, and who agreed to a short one.
pub struct NoticeState {
    pub required_days: u32,
    pub days_left: i64,
    pub short: bool,
    /// What a short-notice agreement binds to now.
    pub content_hash: String,
    /// Accepted partners that agreed to the short notice for this slot.
    pub agreed: Vec<(Uuid, String)>,
    /// Accepted partners that have not (empty when the notice is long enough).
    pub missing: Vec<(Uuid, String)>,
}

impl NoticeState {
    fn of(state: &gate::GateState) -> Option<NoticeState> {
        let check = state.notice_check()?;
        let content_hash = state.short_notice_hash()?;
        let accepted = state
            .partners
            .iter()
            .filter(|p| p.status == PartnershipStatus::Accepted);
        let named = |p: &gate::PartnerState| (p.organization_id, p.organization_name.clone());
        Some(NoticeState {
            required_days: check.required,
            days_left: check.days_left,
            short: check.is_short(),
            agreed: accepted
                .clone()
                .filter(|p| {
                    p.short_notice_consent
                        .as_ref()
                        .is_some_and(|c| c.backs(&content_hash))
                })
                .map(named)
                .collect(),
            missing: accepted
                .filter(|p| check.missing_agreements.contains(&p.organization_id))
                .map(named)
                .collect(),
            content_hash,
        })
    }
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
        let warnings = match (meeting.status, meeting.starts_at) {
            (MeetingStatus::Planning, Some(starts_at)) => {
                let initiator = access.project.initiator_organization_id;
                let represented =
                    time_queries::representatives(conn, meeting.id, meeting.project_id, initiator)?;
                time::BudgetCheck::load(conn, &meeting, initiator, &represented)?
                    .over_budget(starts_at)
                    .into_iter()
                    .map(|over| {
                        let name = represented
                            .iter()
                            .find(|r| r.organization_id == over.organization)
                            .map(|r| r.organization_name.clone())
                            .unwrap_or_default();
                        (over, name)
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        return Ok(Readiness {
            unmet: gate::unmet(&state),
            status: meeting.status,
            agenda_update: None,
            notice: NoticeState::of(&state),
            warnings,
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
        notice: None,
        warnings: Vec::new(),
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
