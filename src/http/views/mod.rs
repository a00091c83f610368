//! What the API sends: JSON shapes of API.md, separate from database rows.

pub mod asking;
pub mod follow_up;
pub mod health;
pub mod meetings;
pub mod page;
pub mod projects;
pub mod proof;
pub mod sessions;
pub mod time;
pub mod todo;
pub use asking::*;
pub use follow_up::*;
pub use health::*;
pub use meetings::*;
pub use projects::*;
pub use proof::*;
pub use sessions::*;
pub use time::*;
pub use todo::*;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::calendar::AgendaLine;
use crate::domain::meeting::MeetingStatus;
use crate::domain::organization::Role;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::project::ProjectStatus;

use crate::db::models::{Agreement, Meeting, Organization, Partnership, Project, User};
use crate::workflow::consent::Recorded;
use crate::workflow::meetings::MeetingRead;
use crate::workflow::membership::OrganizationRead;

#[derive(Debug, Serialize, JsonSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            locale: user.locale.clone(),
        }
    }
}

/// The mail domains an organization vouches for (`PUT /api/organizations/{id}/domains`).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Domains")]
pub struct DomainsView {
    pub domains: Vec<String>,
}

/// A colleague invited by an admin (`POST /api/organizations/{id}/invitations`).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "ColleagueInvitation")]
pub struct ColleagueInvitationView {
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    pub kind: Option<String>,
    pub territory: Option<String>,
    /// The French company number, when given (shown on the sheet).
    pub siren: Option<String>,
    /// The caller's role, when they are a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The domains it vouches for (shown to its members only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
}

impl From<&OrganizationRead> for OrganizationView {
    fn from(read: &OrganizationRead) -> Self {
        match &read.membership {
            Some((role, domains)) => {
                OrganizationView::with_role(&read.organization, *role).with_domains(domains.clone())
            }
            None => OrganizationView::from(&read.organization),
        }
    }
}

impl From<&Organization> for OrganizationView {
    fn from(org: &Organization) -> Self {
        OrganizationView {
            id: org.id,
            name: org.name.clone(),
            kind: org.kind.clone(),
            territory: org.territory.clone(),
            siren: org.siren.clone(),
            role: None,
            domains: None,
        }
    }
}

impl OrganizationView {
    pub fn with_role(org: &Organization, role: Role) -> Self {
        OrganizationView {
            role: Some(role),
            ..OrganizationView::from(org)
        }
    }

    pub fn with_domains(self, domains: Vec<String>) -> Self {
        OrganizationView {
            domains: Some(domains),
            ..self
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectView {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub initiator_organization_id: Uuid,
    pub status: ProjectStatus,
    pub created_at: DateTime<Utc>,
    /// Days of notice a convocation must leave (gate rule 7).
    pub min_notice_days: i32,
}

impl From<&Project> for ProjectView {
    fn from(project: &Project) -> Self {
        ProjectView {
            id: project.id,
            title: project.title.clone(),
            summary: project.summary.clone(),
            initiator_organization_id: project.initiator_organization_id,
            status: project.status,
            created_at: project.created_at,
            min_notice_days: project.min_notice_days,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PartnershipView {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: PartnershipStatus,
    pub contact_email: Option<String>,
    pub proposed_role: Option<String>,
    pub invited_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    /// The signed receipt of the acceptance (compact JWS), while the partnership is accepted.
    pub receipt: Option<String>,
}

impl PartnershipView {
    pub fn new(partnership: &Partnership, organization_name: &str) -> Self {
        PartnershipView {
            organization_id: partnership.organization_id,
            organization_name: organization_name.to_owned(),
            status: partnership.status,
            contact_email: partnership.contact_email.clone(),
            proposed_role: partnership.proposed_role.clone(),
            invited_at: partnership.invited_at,
            answered_at: partnership.answered_at,
            comment: partnership.comment.clone(),
            receipt: None,
        }
    }

    pub fn with_receipt(self, receipt: Option<String>) -> Self {
        PartnershipView { receipt, ..self }
    }

    /// The same partnership for someone who may not see the contact's address.
    pub fn without_contact(self) -> Self {
        PartnershipView {
            contact_email: None,
            ..self
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AgreementView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub subject: String,
    pub subject_id: Uuid,
    pub content_hash: String,
    pub decision: String,
    pub comment: Option<String>,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Whether the section still hashes to what was agreed.
    pub current: bool,
    /// The signed receipt of this agreement (compact JWS).
    pub receipt: Option<String>,
}

impl AgreementView {
    pub fn new(agreement: &Agreement, current_hash: &str) -> Self {
        AgreementView {
            id: agreement.id,
            project_id: agreement.project_id,
            organization_id: agreement.organization_id,
            subject: agreement.subject.clone(),
            subject_id: agreement.subject_id,
            content_hash: agreement.content_hash.clone(),
            decision: agreement.decision.clone(),
            comment: agreement.comment.clone(),
            user_id: agreement.user_id,
            created_at: agreement.created_at,
            current: crate::domain::content::agreement_counts(
                &agreement.content_hash,
                current_hash,
            ),
            receipt: None,
        }
    }

    pub fn with_receipt(self, receipt: Option<String>) -> Self {
        AgreementView { receipt, ..self }
    }

    /// An agreement just recorded, with its receipt.
    pub fn recorded(recorded: Recorded, current_hash: &str) -> Self {
        AgreementView::new(&recorded.agreement, current_hash).with_receipt(Some(recorded.receipt))
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MeetingView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub duration_minutes: i32,
    pub timezone: String,
    pub location: Option<String>,
    pub video_url: Option<String>,
    pub status: MeetingStatus,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub sequence: i32,
    /// When the convocation was sent.
    pub convened_at: Option<DateTime<Utc>>,
    /// How many people the convocation was sent to (the initiator's members included).
    pub recipients_count: Option<i32>,
    /// The agenda as the attendees were sent it: at the convocation, or in the last update
    /// that sent the current agenda (`PATCH` `{"agenda": "current"}`). Edits after the
    /// convocation change only the live agenda (`GET /api/meetings/{id}/agenda`).
    pub convened_agenda: Option<Vec<ConvenedAgendaItem>>,
    /// True when the meeting is convened and its live agenda is no longer the one sent.
    pub agenda_changed_since_convocation: bool,
    /// When partners should have answered the poll (a date), if set.
    pub respond_by: Option<chrono::NaiveDate>,
}

/// An agenda item as the attendees were sent it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvenedAgendaItem {
    pub title: String,
    pub duration_min: u32,
    /// The leading organization's name.
    pub lead: Option<String>,
    pub notes: String,
}

impl From<AgendaLine> for ConvenedAgendaItem {
    fn from(line: AgendaLine) -> Self {
        ConvenedAgendaItem {
            title: line.title,
            duration_min: line.duration_min,
            lead: line.lead,
            notes: line.notes,
        }
    }
}

impl From<&MeetingRead> for MeetingView {
    fn from(read: &MeetingRead) -> Self {
        MeetingView {
            agenda_changed_since_convocation: read.agenda_changed_since_convocation,
            ..MeetingView::from(&read.meeting)
        }
    }
}

/// The row alone: for a meeting whose agenda cannot have moved since it was sent (being
/// planned, just convened, cancelled, held); a convened one is read as a [`MeetingRead`].
impl From<&Meeting> for MeetingView {
    fn from(meeting: &Meeting) -> Self {
        let convened_agenda = meeting.convened_agenda.as_ref().map(|value| {
            // Stored by the convocation from `AgendaLine`s; anything else is shown as empty
            // rather than failing the whole meeting.
            serde_json::from_value::<Vec<AgendaLine>>(value.clone())
                .unwrap_or_default()
                .into_iter()
                .map(ConvenedAgendaItem::from)
                .collect()
        });
        MeetingView {
            recipients_count: meeting.convened_recipients,
            convened_agenda,
            agenda_changed_since_convocation: false,
            id: meeting.id,
            project_id: meeting.project_id,
            title: meeting.title.clone(),
            duration_minutes: meeting.duration_minutes,
            timezone: meeting.timezone.clone(),
            location: meeting.location.clone(),
            video_url: meeting.video_url.clone(),
            status: meeting.status,
            starts_at: meeting.starts_at,
            ends_at: meeting.ends_at,
            sequence: meeting.sequence,
            convened_at: meeting.convened_at,
            respond_by: meeting.respond_by,
        }
    }
}

/// `Membership` of API.md: an active member, or (for admins) a request waiting for them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MembershipView {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub status: &'static str,
    pub requested_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<&crate::workflow::membership::MemberEntry> for MembershipView {
    fn from(entry: &crate::workflow::membership::MemberEntry) -> Self {
        MembershipView {
            user_id: entry.user.id,
            display_name: entry.user.display_name.clone(),
            email: entry.user.email.clone(),
            role: entry.role,
            status: if entry.active { "active" } else { "pending" },
            requested_at: entry.requested_at,
            decided_at: entry.decided_at,
        }
    }
}

/// What the contact of a consultation reads before being a member
/// (`GET /api/consultations/{project_id}/{organization_id}`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConsultationView {
    pub project: ConsultedProject,
    pub initiator: OrganizationView,
    pub organization: OrganizationView,
    pub proposed_role: Option<String>,
    pub status: PartnershipStatus,
    pub invited_at: DateTime<Utc>,
    pub brief: String,
    /// Whether the caller is a member of the consulted organization (and so may answer).
    pub member: bool,
    /// The caller's request to join: `pending`, `approved`, `refused`, or absent.
    pub join_request: Option<JoinRequestView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConsultedProject {
    pub id: Uuid,
    pub title: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct JoinRequestView {
    pub status: String,
    pub requested_at: DateTime<Utc>,
}

impl From<&crate::workflow::membership::ConsultationRead> for ConsultationView {
    fn from(read: &crate::workflow::membership::ConsultationRead) -> Self {
        ConsultationView {
            project: ConsultedProject {
                id: read.project_id,
                title: read.project_title.clone(),
            },
            initiator: OrganizationView::from(&read.initiator),
            organization: OrganizationView::from(&read.organization),
            proposed_role: read.proposed_role.clone(),
            status: read.status,
            invited_at: read.invited_at,
            brief: read.brief.clone(),
            member: read.member,
            join_request: read.request.as_ref().map(|(status, at)| JoinRequestView {
                status: status.clone(),
                requested_at: *at,
            }),
        }
    }
}
