//! What the meeting routes send: slots and the poll, the agenda and its agreements, readiness,
//! the concertation record, the convocation's result, attendees and answers, the calendar feed.
//! Each type is named as its component of the OpenAPI document.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::{AgreementView, MeetingView};
use crate::db::models::{self, Meeting, MeetingSlot};
use crate::domain::meeting::MeetingStatus;
use crate::domain::slots::Availability;
use crate::workflow::agenda::{AgendaRead, PartnerAgreement};
use crate::workflow::concertation::{self, SeenAttendee};
use crate::workflow::{poll, rsvp};

// Domain values the API shows as they are (their JSON is already the contract's).
pub use crate::domain::content::AgendaItem;
pub use crate::domain::gate::{Evidence, EvidencePartner, Unmet};

/// A candidate slot of a meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Slot {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<&MeetingSlot> for Slot {
    fn from(slot: &MeetingSlot) -> Self {
        Slot {
            id: slot.id,
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
        }
    }
}

/// The answers a person gave to the poll: slot id → answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AvailabilityAnswers {
    pub answers: HashMap<Uuid, Availability>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OrganizationRef {
    pub organization_id: Uuid,
    pub organization_name: String,
}

impl From<&(Uuid, String)> for OrganizationRef {
    fn from((id, name): &(Uuid, String)) -> Self {
        OrganizationRef {
            organization_id: *id,
            organization_name: name.clone(),
        }
    }
}

/// One slot of the poll, tallied.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PollSlot {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub yes: usize,
    pub maybe: usize,
    pub no: usize,
    /// Accepted partners with at least one `yes`.
    pub covered_organizations: usize,
    pub all_covered: bool,
    /// Accepted partners nobody of which answered `yes` or `maybe`.
    pub missing_organizations: Vec<OrganizationRef>,
    pub my_answer: Option<Availability>,
    /// A convocation sent now for this slot would leave less notice than the project asks.
    pub inside_notice: bool,
    /// Partners a meeting at this slot would take past their yearly time budget.
    pub over_budget_organizations: Vec<OrganizationRef>,
}

/// One person's answers to the poll (a row of the names × slots grid).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PollAnswers {
    pub user_id: Uuid,
    pub display_name: String,
    /// The accepted partners they belong to.
    pub organization_ids: Vec<Uuid>,
    /// Slot id → answer.
    pub answers: HashMap<Uuid, Availability>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Poll {
    pub slots: Vec<PollSlot>,
    pub suggested_slot_id: Option<Uuid>,
    /// Accepted partners none of whose members answered yet.
    pub unanswered_organizations: Vec<OrganizationRef>,
    /// Everyone's answers, by name.
    pub answers: Vec<PollAnswers>,
    /// When partners should have answered (a date), if the initiator set one.
    pub respond_by: Option<chrono::NaiveDate>,
}

impl From<&poll::Poll> for Poll {
    fn from(read: &poll::Poll) -> Self {
        let slots = read
            .slots
            .iter()
            .map(|s| PollSlot {
                id: s.slot.id,
                starts_at: s.slot.starts_at,
                ends_at: s.slot.ends_at,
                yes: s.tally.yes,
                maybe: s.tally.maybe,
                no: s.tally.no,
                covered_organizations: s.tally.covered,
                all_covered: s.tally.all_covered,
                missing_organizations: s.missing.iter().map(OrganizationRef::from).collect(),
                my_answer: s.my_answer,
                inside_notice: s.inside_notice,
                over_budget_organizations: s
                    .over_budget
                    .iter()
                    .map(OrganizationRef::from)
                    .collect(),
            })
            .collect();
        Poll {
            slots,
            suggested_slot_id: read.suggested_slot_id,
            unanswered_organizations: read.unanswered.iter().map(OrganizationRef::from).collect(),
            answers: read
                .people
                .iter()
                .map(|p| PollAnswers {
                    user_id: p.user_id,
                    display_name: p.display_name.clone(),
                    organization_ids: p.organizations.clone(),
                    answers: p
                        .answers
                        .iter()
                        .filter_map(|(slot, a)| Some((*slot, Availability::parse(a)?)))
                        .collect(),
                })
                .collect(),
            respond_by: read.respond_by,
        }
    }
}

/// An accepted partner's latest agreement to the agenda, and whether it still counts.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PartnerAgreementState {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub agreement: Option<AgreementView>,
}

impl PartnerAgreementState {
    fn new(partner: &PartnerAgreement, current_hash: &str) -> Self {
        PartnerAgreementState {
            organization_id: partner.organization_id,
            organization_name: partner.organization_name.clone(),
            agreement: partner.agreement.as_ref().map(|(agreement, receipt)| {
                AgreementView::new(agreement, current_hash).with_receipt(receipt.clone())
            }),
        }
    }
}

/// A meeting's agenda; `GET` also says each accepted partner's agreement to it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Agenda {
    pub items: Vec<AgendaItem>,
    pub content_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreements: Option<Vec<PartnerAgreementState>>,
}

impl From<&crate::document::Agenda> for Agenda {
    fn from(agenda: &crate::document::Agenda) -> Self {
        Agenda {
            items: agenda.items.clone(),
            content_hash: agenda.content_hash.clone(),
            agreements: None,
        }
    }
}

impl From<&AgendaRead> for Agenda {
    fn from(read: &AgendaRead) -> Self {
        let hash = &read.agenda.content_hash;
        Agenda {
            agreements: Some(
                read.agreements
                    .iter()
                    .map(|p| PartnerAgreementState::new(p, hash))
                    .collect(),
            ),
            ..Agenda::from(&read.agenda)
        }
    }
}

/// Whether the meeting may be convened, and every rule that stops it. A convened meeting
/// passed the gate: it is ready, with nothing unmet, and says how its agenda stands instead.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Readiness {
    pub ready: bool,
    pub unmet: Vec<Unmet>,
    pub status: MeetingStatus,
    /// Only for a convened meeting.
    pub agenda_update: Option<AgendaUpdate>,
    /// Before the convocation, once a slot is chosen: the notice a convocation sent now would
    /// leave (gate rule 7).
    pub notice: Option<NoticeView>,
    /// What does not block the convocation but should be known: partners the meeting would
    /// take past their yearly time budget (`time_budget_exceeded`).
    pub warnings: Vec<ReadinessWarning>,
}

/// The notice a convocation sent now would leave, and who agreed to a short one.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Notice")]
pub struct NoticeView {
    /// The project's `min_notice_days`.
    pub required_days: u32,
    /// Calendar days between today and the meeting, in the meeting's time zone.
    pub days_left: i64,
    /// Whether that is less than required.
    pub short: bool,
    /// What a short-notice agreement binds to now (the meeting, its start, the notice asked).
    pub content_hash: String,
    /// Accepted partners that agreed to the short notice for this slot.
    pub agreed_organizations: Vec<OrganizationRef>,
    /// Accepted partners that have not (empty when the notice is long enough).
    pub missing_organizations: Vec<OrganizationRef>,
}

/// A warning of the readiness (not blocking).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadinessWarning {
    /// `time_budget_exceeded`.
    pub rule: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Hours planned for the partner in the meeting's year, this meeting included.
    pub hours_planned: f64,
    /// Its yearly budget.
    pub hours_budget: u32,
}

/// A convened meeting's live agenda against the one its attendees were sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AgendaUpdate {
    /// The live agenda is no longer the one sent.
    pub changed_since_convocation: bool,
    /// Whether `PATCH /api/meetings/{id}` `{"agenda": "current"}` would send it now.
    pub ready: bool,
    /// What sending it waits for: `agenda_empty`, or `agenda_not_agreed` for each attendee
    /// partner that has not agreed to the live agenda.
    pub unmet: Vec<Unmet>,
}

impl From<concertation::Readiness> for Readiness {
    fn from(readiness: concertation::Readiness) -> Self {
        Readiness {
            ready: readiness.unmet.is_empty(),
            unmet: readiness.unmet,
            status: readiness.status,
            agenda_update: readiness.agenda_update.map(|update| AgendaUpdate {
                changed_since_convocation: update.changed_since_convocation,
                ready: update.unmet.is_empty(),
                unmet: update.unmet,
            }),
            notice: readiness.notice.map(|n| NoticeView {
                required_days: n.required_days,
                days_left: n.days_left,
                short: n.short,
                content_hash: n.content_hash,
                agreed_organizations: n.agreed.iter().map(OrganizationRef::from).collect(),
                missing_organizations: n.missing.iter().map(OrganizationRef::from).collect(),
            }),
            warnings: readiness
                .warnings
                .iter()
                .map(|(over, name)| ReadinessWarning {
                    rule: "time_budget_exceeded".into(),
                    organization_id: over.organization,
                    organization_name: name.clone(),
                    hours_planned: over.hours_planned,
                    hours_budget: over.hours_budget,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConcertationRecord {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub summary: String,
    pub recorded_by: Uuid,
    /// The initiator, for which it was recorded.
    pub organization_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub evidence: Evidence,
}

impl TryFrom<&models::ConcertationRecord> for ConcertationRecord {
    type Error = serde_json::Error;

    fn try_from(record: &models::ConcertationRecord) -> Result<Self, Self::Error> {
        Ok(ConcertationRecord {
            id: record.id,
            meeting_id: record.meeting_id,
            summary: record.summary.clone(),
            recorded_by: record.recorded_by,
            organization_id: record.recorded_for,
            created_at: record.created_at,
            evidence: serde_json::from_value(record.evidence.clone())?,
        })
    }
}

/// What a convocation did: the meeting as convened and who it was sent to.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvocationResult {
    pub sequence: i32,
    pub recipients: Vec<String>,
    pub meeting: MeetingView,
}

impl ConvocationResult {
    pub fn new(meeting: &Meeting, recipients: Vec<String>) -> Self {
        ConvocationResult {
            sequence: meeting.sequence,
            recipients,
            meeting: MeetingView::from(meeting),
        }
    }
}

/// An attendee as a participant sees them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Attendee {
    /// Shown to the initiator's members and to the attendee's own organization only.
    pub email: Option<String>,
    pub organization_id: Uuid,
    pub partstat: String,
    pub display_name: String,
    pub role: String,
    pub responded_at: Option<DateTime<Utc>>,
}

impl From<&SeenAttendee> for Attendee {
    fn from(seen: &SeenAttendee) -> Self {
        let a = &seen.attendee;
        Attendee {
            email: seen.email_visible.then(|| a.email.clone()),
            organization_id: a.organization_id,
            partstat: a.partstat.clone(),
            display_name: a.display_name.clone(),
            role: a.role.clone(),
            responded_at: a.responded_at,
        }
    }
}

/// An answer to a convocation, as recorded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RsvpResult {
    pub email: String,
    pub organization_id: Uuid,
    pub partstat: String,
    pub responded_at: DateTime<Utc>,
}

impl From<rsvp::Answered> for RsvpResult {
    fn from(answered: rsvp::Answered) -> Self {
        RsvpResult {
            email: answered.email,
            organization_id: answered.organization_id,
            partstat: answered.partstat,
            responded_at: answered.responded_at,
        }
    }
}

/// A new calendar feed address, shown once.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CalendarFeed {
    pub url: String,
}

/// How many feed addresses of the caller are live; the address itself is never shown again.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CalendarFeedStatus {
    pub url: (),
    pub active_feeds: i64,
}
