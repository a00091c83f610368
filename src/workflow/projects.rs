//! Projects: starting one (its initiator accepts by creating it), the projects a person takes
//! part in, reading one, its brief, and closing it; with the helpers the other use cases share
//! — the organization a person acts for, the project's status moves, "is it still open".

use chrono::Utc;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use crate::auth::ProjectAccess;
use crate::db::audit;
use crate::db::models::{Partnership, Project, User};
use crate::db::organizations as orgs;
use crate::db::partnerships;
use crate::db::projects;
use crate::document::{self, Section};
use crate::domain::input::InputError;
use crate::domain::partners_time::DEFAULT_MIN_NOTICE_DAYS;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::project::{ProjectEvent, ProjectStatus};
use crate::workflow::receipts::{self, ConsentFacts};
use crate::workflow::signing::Signer;

/// What a new project is made of, already parsed.
pub struct ProjectInput {
    pub title: String,
    pub summary: String,
    pub initiator_organization_id: Uuid,
}

/// Starts a project for one of the actor's organizations, which becomes its initiator and an
/// accepted partner at once (with its signed receipt, like any partner's acceptance).
pub fn create(
    conn: &mut PgConnection,
    signer: &Signer,
    actor: &User,
    input: ProjectInput,
) -> Result<Project, Refusal> {
    let initiator = input.initiator_organization_id;
    if orgs::role_of(conn, initiator, actor.id)?.is_none() {
        return Err(InputError {
            field: "initiator_organization_id",
            message: "you can only start a project for an organization you belong to".into(),
        }
        .into());
    }
    let now = Utc::now();
    let project = Project {
        id: Uuid::new_v4(),
        title: input.title,
        summary: input.summary,
        initiator_organization_id: initiator,
        status: ProjectStatus::Draft,
        created_by: actor.id,
        created_at: now,
        min_notice_days: DEFAULT_MIN_NOTICE_DAYS as i32,
    };
    projects::insert(conn, &project)?;
    let partnership = Partnership {
        project_id: project.id,
        organization_id: initiator,
        status: PartnershipStatus::Accepted,
        contact_email: None,
        proposed_role: None,
        invited_by: Some(actor.id),
        invited_at: now,
        answered_at: Some(now),
        answered_by: Some(actor.id),
        comment: None,
    };
    partnerships::insert(conn, &partnership)?;
    document::create(conn, project.id, &project.summary)?;
    let facts = ConsentFacts::acceptance(&partnership)
        .ok_or_else(|| anyhow::anyhow!("the initiator's partnership is not accepted"))?;
    receipts::sign(conn, signer, facts)?;
    audit::event("project.created")
        .project(project.id)
        .by(actor.id, Some(initiator))
        .organization(initiator)
        .details(json!({"title": project.title}))
        .record(conn)?;
    Ok(project)
}

/// The projects the actor's organizations are invited to or partners of, newest first.
pub fn list(conn: &mut PgConnection, actor: &User) -> Result<Vec<Project>, Refusal> {
    Ok(projects::visible_to(conn, actor.id)?)
}

/// The project as the actor may see it, with their own partnerships in it.
pub fn get(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
) -> Result<ProjectAccess, Refusal> {
    Ok(ProjectAccess::load(conn, project_id, actor.id)?)
}

/// The project's brief as it is now.
pub fn brief(conn: &mut PgConnection, actor: &User, project_id: Uuid) -> Result<Section, Refusal> {
    ProjectAccess::load(conn, project_id, actor.id)?;
    Ok(document::load(conn, project_id)?.brief())
}

/// Replaces the brief in the live document (refused when the document would grow past
/// `max_bytes`).
pub fn replace_brief(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    text: &str,
    max_bytes: usize,
) -> Result<Section, Refusal> {
    ProjectAccess::load(conn, project_id, actor.id)?;
    Ok(document::replace_brief(
        conn, project_id, actor.id, text, max_bytes,
    )?)
}

/// A change of a project's words, already parsed; `None` leaves a field as it is.
pub struct ProjectChange {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub min_notice_days: Option<u32>,
}

/// The initiator renames the project, rewrites its summary or changes the notice it asks
/// before a meeting (while it is open). The summary is the project's card in lists; the brief,
/// co-edited, is the document's. A changed notice makes the concertation records made under
/// the old one stale (the gate's rule 6).
pub fn change(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    change: ProjectChange,
) -> Result<Project, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    access.require_initiator()?;
    require_open(&access.project)?;
    let before = &access.project;
    let title = change.title.unwrap_or_else(|| before.title.clone());
    let summary = change.summary.unwrap_or_else(|| before.summary.clone());
    let notice = change
        .min_notice_days
        .map_or(before.min_notice_days, |d| d as i32);
    let changed = projects::change(conn, project_id, &title, &summary, notice)?
        .ok_or_else(|| Refusal::conflict("project_closed", "the project is closed"))?;
    audit::event("project.changed")
        .project(project_id)
        .by(actor.id, Some(before.initiator_organization_id))
        .details(json!({
            "title": {"before": before.title, "after": changed.title},
            "summary_changed": before.summary != changed.summary,
            "min_notice_days": {"before": before.min_notice_days, "after": changed.min_notice_days},
        }))
        .record(conn)?;
    Ok(changed)
}

/// The initiator ends the project; 409 `project_closed` when it already is.
pub fn close(conn: &mut PgConnection, actor: &User, project_id: Uuid) -> Result<Project, Refusal> {
    let access = ProjectAccess::load(conn, project_id, actor.id)?;
    access.require_initiator()?;
    if !advance(conn, project_id, actor.id, ProjectEvent::Closed)? {
        return Err(Refusal::conflict(
            "project_closed",
            "the project is already closed",
        ));
    }
    Ok(projects::get(conn, project_id)?)
}

/// The organization the user acts for: `preferred` when they belong to it, else their first.
pub fn acting_organization(access: &ProjectAccess, preferred: Uuid) -> Option<Uuid> {
    if access.member_of(preferred) {
        Some(preferred)
    } else {
        access.organizations.first().map(|(org, _)| *org)
    }
}

/// Serializes consent decisions with edits of the project document (row lock until commit).
pub fn lock_document(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    projects::lock_document(conn, project_id)
}

/// Moves the project on `event` when it is in one of the states the event starts from; audited
/// when it moved. Returns whether it moved.
pub fn advance(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Uuid,
    event: ProjectEvent,
) -> QueryResult<bool> {
    let moved = projects::advance(conn, project_id, event)?;
    if moved {
        audit::event("project.status_changed")
            .project(project_id)
            .by(user_id, None)
            .details(json!({"status": event.to()}))
            .record(conn)?;
    }
    Ok(moved)
}

/// 409 `project_closed` when the project no longer takes invitations or meetings.
pub fn require_open(project: &Project) -> Result<(), Refusal> {
    if project.status.is_open() {
        Ok(())
    } else {
        Err(Refusal::conflict("project_closed", "the project is closed"))
    }
}
