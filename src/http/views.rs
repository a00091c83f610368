//! What the API sends: JSON shapes of API.md, separate from database rows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::models::{Agreement, Meeting, Organization, Partnership, Project, User};

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    pub kind: Option<String>,
    pub territory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl From<&Organization> for OrganizationView {
    fn from(org: &Organization) -> Self {
        OrganizationView {
            id: org.id,
            name: org.name.clone(),
            kind: org.kind.clone(),
            territory: org.territory.clone(),
            role: None,
        }
    }
}

impl OrganizationView {
    pub fn with_role(org: &Organization, role: &str) -> Self {
        OrganizationView {
            role: Some(role.to_owned()),
            ..OrganizationView::from(org)
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProjectView {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub initiator_organization_id: Uuid,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Project> for ProjectView {
    fn from(project: &Project) -> Self {
        ProjectView {
            id: project.id,
            title: project.title.clone(),
            summary: project.summary.clone(),
            initiator_organization_id: project.initiator_organization_id,
            status: project.status.clone(),
            created_at: project.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PartnershipView {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: String,
    pub contact_email: Option<String>,
    pub proposed_role: Option<String>,
    pub invited_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
}

impl PartnershipView {
    pub fn new(partnership: &Partnership, organization_name: &str) -> Self {
        PartnershipView {
            organization_id: partnership.organization_id,
            organization_name: organization_name.to_owned(),
            status: partnership.status.clone(),
            contact_email: partnership.contact_email.clone(),
            proposed_role: partnership.proposed_role.clone(),
            invited_at: partnership.invited_at,
            answered_at: partnership.answered_at,
            comment: partnership.comment.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
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
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MeetingView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub duration_minutes: i32,
    pub timezone: String,
    pub location: Option<String>,
    pub video_url: Option<String>,
    pub status: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub sequence: i32,
    pub convened_at: Option<DateTime<Utc>>,
}

impl From<&Meeting> for MeetingView {
    fn from(meeting: &Meeting) -> Self {
        MeetingView {
            id: meeting.id,
            project_id: meeting.project_id,
            title: meeting.title.clone(),
            duration_minutes: meeting.duration_minutes,
            timezone: meeting.timezone.clone(),
            location: meeting.location.clone(),
            video_url: meeting.video_url.clone(),
            status: meeting.status.clone(),
            starts_at: meeting.starts_at,
            ends_at: meeting.ends_at,
            sequence: meeting.sequence,
            convened_at: meeting.convened_at,
        }
    }
}
