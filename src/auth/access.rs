//! Who may see and do what in a project.
//!
//! A project, and everything under it, is visible only to members of its invited or accepted
//! partner organizations; to anyone else it does not exist (404, never 403). Only members of an
//! organization answer or agree for it; only members of the initiator invite or withdraw.

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::Project;
use crate::db::schema::{memberships, partnerships, projects};
use crate::domain::partnership::PartnershipStatus;

/// Why a project, or an action in it, is out of a user's reach.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The project does not exist for this user (it may for others: nobody is told).
    #[error("not found")]
    NotFound,
    /// The user sees the project but may not do this in it.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// A project as one user may reach it.
#[derive(Debug, Clone)]
pub struct ProjectAccess {
    pub project: Project,
    pub user_id: Uuid,
    /// The user's organizations that have a partnership in the project, with its status.
    pub organizations: Vec<(Uuid, PartnershipStatus)>,
}

impl ProjectAccess {
    /// The project if `user_id` may see it; `NotFound` otherwise (also when it does not exist).
    pub fn load(
        conn: &mut PgConnection,
        project_id: Uuid,
        user_id: Uuid,
    ) -> Result<Self, AccessError> {
        let access = Self::load_any_status(conn, project_id, user_id)?;
        if !access
            .organizations
            .iter()
            .any(|(_, status)| status.takes_part())
        {
            return Err(AccessError::NotFound);
        }
        Ok(access)
    }

    /// The project for a member of any of its partner organizations, whatever the partnership's
    /// status: enough to be told that an answer came too late, not to see the project.
    pub fn load_any_status(
        conn: &mut PgConnection,
        project_id: Uuid,
        user_id: Uuid,
    ) -> Result<Self, AccessError> {
        let project: Project = projects::table
            .find(project_id)
            .select(Project::as_select())
            .first(conn)
            .optional()?
            .ok_or(AccessError::NotFound)?;
        let rows: Vec<(Uuid, String)> = partnerships::table
            .inner_join(
                memberships::table
                    .on(memberships::organization_id.eq(partnerships::organization_id)),
            )
            .filter(partnerships::project_id.eq(project_id))
            .filter(memberships::user_id.eq(user_id))
            .select((partnerships::organization_id, partnerships::status))
            .load(conn)?;
        let organizations: Vec<(Uuid, PartnershipStatus)> = rows
            .into_iter()
            .filter_map(|(org, status)| Some((org, PartnershipStatus::parse(&status)?)))
            .collect();
        if organizations.is_empty() {
            return Err(AccessError::NotFound);
        }
        Ok(ProjectAccess {
            project,
            user_id,
            organizations,
        })
    }

    /// Whether the user belongs to the initiator organization.
    pub fn is_initiator(&self) -> bool {
        self.member_of(self.project.initiator_organization_id)
    }

    /// Whether the user belongs to `organization_id` (among the project's partners).
    pub fn member_of(&self, organization_id: Uuid) -> bool {
        self.organizations
            .iter()
            .any(|(org, _)| *org == organization_id)
    }

    /// Refuses with 403 unless the user belongs to the initiator.
    pub fn require_initiator(&self) -> Result<(), AccessError> {
        if self.is_initiator() {
            Ok(())
        } else {
            Err(AccessError::Forbidden(
                "only members of the initiator organization may do this".into(),
            ))
        }
    }

    /// Refuses with 403 unless the user belongs to `organization_id`.
    pub fn require_member_of(&self, organization_id: Uuid) -> Result<(), AccessError> {
        if self.member_of(organization_id) {
            Ok(())
        } else {
            Err(AccessError::Forbidden(
                "only members of that organization may act for it".into(),
            ))
        }
    }
}
