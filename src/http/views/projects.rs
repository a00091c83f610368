//! What the API sends about projects: a project with the caller's partnerships in it, the
//! document's sections (brief, missions), the partnership sheet and the audit trail.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::{AgreementView, ProjectView};
use crate::auth::ProjectAccess;
use crate::db::follow_up::DecisionView;
use crate::document::Section;
use crate::domain::partnership::PartnershipStatus;
use crate::workflow::consent::Mission;
use crate::workflow::sheet::{self as records, AuditEntry};

/// `ProjectDetail`: a project with the caller's own partnerships in it.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "ProjectDetail")]
pub struct ProjectDetailView {
    #[serde(flatten)]
    pub project: ProjectView,
    pub my_organizations: Vec<MyOrganization>,
    pub is_initiator: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MyOrganization {
    pub organization_id: Uuid,
    pub status: PartnershipStatus,
}

impl From<&ProjectAccess> for ProjectDetailView {
    fn from(access: &ProjectAccess) -> Self {
        ProjectDetailView {
            project: ProjectView::from(&access.project),
            my_organizations: access
                .organizations
                .iter()
                .map(|(organization_id, status)| MyOrganization {
                    organization_id: *organization_id,
                    status: *status,
                })
                .collect(),
            is_initiator: access.is_initiator(),
        }
    }
}

/// `Section`: a section of the project document (the brief, a mission).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Section")]
pub struct SectionView {
    pub text: String,
    pub content_hash: String,
}

impl From<Section> for SectionView {
    fn from(section: Section) -> Self {
        SectionView {
            text: section.text,
            content_hash: section.content_hash,
        }
    }
}

/// `Mission`: an organization's mission with its latest agreement.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Mission")]
pub struct MissionView {
    pub organization_id: Uuid,
    pub text: String,
    pub content_hash: String,
    pub agreement: Option<AgreementView>,
}

impl From<Mission> for MissionView {
    fn from(mission: Mission) -> Self {
        let agreement = mission.agreement.map(|a| {
            AgreementView::new(&a, &mission.section.content_hash).with_receipt(mission.receipt)
        });
        MissionView {
            organization_id: mission.organization_id,
            text: mission.section.text,
            content_hash: mission.section.content_hash,
            agreement,
        }
    }
}

/// The partnership sheet (`GET /api/projects/{id}/sheet`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Sheet {
    pub project: ProjectView,
    pub brief: SectionView,
    pub partners: Vec<SheetPartner>,
    pub consulted: Vec<SheetConsulted>,
    /// What the project's meetings decided, with positions and actions.
    pub decisions: Vec<DecisionView>,
    /// The time each partner gives to the project ("contribution en temps des partenaires").
    pub time: Vec<super::PartnerTimeView>,
    pub generated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SheetPartner {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// The organization's SIREN, when it gave one.
    pub siren: Option<String>,
    pub status: &'static str,
    pub is_initiator: bool,
    pub proposed_role: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub mission: SectionView,
    /// True only when the latest agreement is "agree" on the current text.
    pub mission_agreed: bool,
    pub agreement: Option<SheetAgreement>,
    /// The signed receipt of the acceptance (compact JWS).
    pub receipt: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SheetAgreement {
    pub decision: String,
    pub content_hash: String,
    pub current: bool,
    pub comment: Option<String>,
    pub user_id: Uuid,
    pub user_name: String,
    pub created_at: DateTime<Utc>,
    /// The signed receipt of the agreement (compact JWS).
    pub receipt: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SheetConsulted {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: &'static str,
    pub proposed_role: Option<String>,
    pub invited_at: DateTime<Utc>,
}

impl From<records::Sheet> for Sheet {
    fn from(sheet: records::Sheet) -> Self {
        let initiator = sheet.project.initiator_organization_id;
        Sheet {
            project: ProjectView::from(&sheet.project),
            brief: sheet.brief.into(),
            partners: sheet
                .partners
                .into_iter()
                .map(|partner| SheetPartner {
                    organization_id: partner.organization.id,
                    organization_name: partner.organization.name,
                    siren: partner.organization.siren,
                    status: "accepted",
                    is_initiator: partner.organization.id == initiator,
                    proposed_role: partner.partnership.proposed_role,
                    answered_at: partner.partnership.answered_at,
                    mission: partner.mission.into(),
                    mission_agreed: partner.mission_agreed,
                    agreement: partner.agreement.map(SheetAgreement::from),
                    receipt: partner.receipt,
                })
                .collect(),
            consulted: sheet
                .consulted
                .into_iter()
                .map(|(partnership, organization)| SheetConsulted {
                    organization_id: organization.id,
                    organization_name: organization.name,
                    status: "invited",
                    proposed_role: partnership.proposed_role,
                    invited_at: partnership.invited_at,
                })
                .collect(),
            decisions: sheet.decisions,
            time: sheet
                .time
                .iter()
                .map(super::PartnerTimeView::from)
                .collect(),
            generated_at: sheet.generated_at,
        }
    }
}

impl From<records::SignedAgreement> for SheetAgreement {
    fn from(signed: records::SignedAgreement) -> Self {
        let agreement = signed.agreement;
        SheetAgreement {
            decision: agreement.decision,
            content_hash: agreement.content_hash,
            current: signed.current,
            comment: agreement.comment,
            user_id: agreement.user_id,
            user_name: signed.user_name,
            created_at: agreement.created_at,
            receipt: signed.receipt,
        }
    }
}

/// `AuditEvent`: one row of a project's audit trail, with the names it shows.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "AuditEvent")]
pub struct AuditView {
    pub id: i64,
    pub action: String,
    pub actor_user_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_organization_id: Option<Uuid>,
    pub actor_organization_name: Option<String>,
    pub organization_id: Option<Uuid>,
    pub organization_name: Option<String>,
    /// Action-specific details.
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditView {
    fn from(entry: AuditEntry) -> Self {
        let event = entry.event;
        AuditView {
            id: event.id,
            action: event.action,
            actor_user_id: event.actor_user_id,
            actor_name: entry.actor_name,
            actor_organization_id: event.actor_organization_id,
            actor_organization_name: entry.actor_organization_name,
            organization_id: event.organization_id,
            organization_name: entry.organization_name,
            details: event.details,
            created_at: event.created_at,
        }
    }
}
