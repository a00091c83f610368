//! Queries of projects: creating one, those a person takes part in, status moves (conditional
//! on the current status), the document row lock that serializes consent with edits, and the
//! audit trail with the names it shows.

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::{AuditEvent, Project};
use crate::db::schema::{audit_events, documents, memberships, partnerships, projects};
use crate::domain::partnership::PartnershipStatus;
use crate::domain::project::{ProjectEvent, ProjectStatus};

pub fn insert(conn: &mut PgConnection, project: &Project) -> QueryResult<()> {
    diesel::insert_into(projects::table)
        .values(project.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Project> {
    projects::table
        .find(project_id)
        .select(Project::as_select())
        .first(conn)
}

/// The projects in which one of the user's organizations is invited or a partner, newest first.
/// Changes the title, the summary and the minimum notice of an open project; `None` when it is
/// closed.
pub fn change(
    conn: &mut PgConnection,
    project_id: Uuid,
    title: &str,
    summary: &str,
    min_notice_days: i32,
) -> QueryResult<Option<Project>> {
    diesel::update(
        projects::table
            .find(project_id)
            .filter(projects::status.ne(ProjectStatus::Closed.as_str())),
    )
    .set((
        projects::title.eq(title),
        projects::summary.eq(summary),
        projects::min_notice_days.eq(min_notice_days),
    ))
    .returning(Project::as_returning())
    .get_result(conn)
    .optional()
}

pub fn visible_to(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<Project>> {
    let taking_part: Vec<&str> = PartnershipStatus::ALL
        .iter()
        .filter(|status| status.takes_part())
        .map(|status| status.as_str())
        .collect();
    projects::table
        .filter(
            projects::id.eq_any(
                partnerships::table
                    .inner_join(
                        memberships::table
                            .on(memberships::organization_id.eq(partnerships::organization_id)),
                    )
                    .filter(memberships::user_id.eq(user_id))
                    .filter(partnerships::status.eq_any(taking_part))
                    .select(partnerships::project_id),
            ),
        )
        .order(projects::created_at.desc())
        .select(Project::as_select())
        .load(conn)
}

/// Moves the project on `event` when it is in one of the states the event starts from;
/// returns whether it moved.
pub fn advance(
    conn: &mut PgConnection,
    project_id: Uuid,
    event: ProjectEvent,
) -> QueryResult<bool> {
    let moved = diesel::update(
        projects::table
            .find(project_id)
            .filter(projects::status.eq_any(ProjectStatus::words(event.from()))),
    )
    .set(projects::status.eq(event.to().as_str()))
    .execute(conn)?;
    Ok(moved > 0)
}

/// Holds the project's document row until the transaction ends: consent decisions and edits of
/// the document are serialized by it.
pub fn lock_document(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    documents::table
        .find(project_id)
        .for_update()
        .select(documents::project_id)
        .first::<Uuid>(conn)
        .map(|_| ())
}

/// The project's audit events, oldest first: every one, or only those whose action is one of
/// `only`.
pub fn audit_trail(
    conn: &mut PgConnection,
    project_id: Uuid,
    only: Option<&[&str]>,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(audit_events::project_id.eq(project_id))
        .order(audit_events::id.asc())
        .select(AuditEvent::as_select())
        .into_boxed();
    if let Some(actions) = only {
        query = query.filter(audit_events::action.eq_any(actions));
    }
    query.load(conn)
}
