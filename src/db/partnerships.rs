//! Queries of partnerships: one, a new one, and its transitions — each a conditional update on
//! the current status (`UPDATE … WHERE status = ANY(from)`), so two concurrent answers cannot
//! both win — and the times of a person's recent invitations (their daily allowance).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::{Organization, Partnership};
use crate::db::schema::{audit_events, organizations, partnerships};
use crate::domain::partnership::{PartnershipStatus, Transition};

/// The partnership of `organization_id` in the project, or `None`.
pub fn find(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
) -> QueryResult<Option<Partnership>> {
    partnerships::table
        .find((project_id, organization_id))
        .select(Partnership::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, partnership: &Partnership) -> QueryResult<()> {
    diesel::insert_into(partnerships::table)
        .values(partnership.clone())
        .execute(conn)
        .map(|_| ())
}

/// Every partnership of a project with its organization, by invitation.
pub fn with_organizations(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<(Partnership, Organization)>> {
    partnerships::table
        .inner_join(organizations::table)
        .filter(partnerships::project_id.eq(project_id))
        .order((partnerships::invited_at.asc(), organizations::name.asc()))
        .select((Partnership::as_select(), Organization::as_select()))
        .load(conn)
}

/// The projects in which one of `organizations` takes part (invited or accepted).
pub fn projects_of(conn: &mut PgConnection, organizations: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    partnerships::table
        .filter(partnerships::organization_id.eq_any(organizations))
        .filter(partnerships::status.eq_any(PartnershipStatus::words(&[
            PartnershipStatus::Invited,
            PartnershipStatus::Accepted,
        ])))
        .select(partnerships::project_id)
        .load(conn)
}

/// What a re-invitation changes.
pub struct Reinvitation<'a> {
    pub contact_email: &'a str,
    pub proposed_role: Option<&'a str>,
    pub invited_by: Uuid,
    pub at: DateTime<Utc>,
}

/// Invites again an organization that declined or was withdrawn: `None` when its partnership
/// is in another state.
pub fn reinvite(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    again: Reinvitation<'_>,
) -> QueryResult<Option<Partnership>> {
    diesel::update(
        partnerships::table
            .find((project_id, organization_id))
            .filter(
                partnerships::status.eq_any(PartnershipStatus::words(Transition::Reinvite.from())),
            ),
    )
    .set((
        partnerships::status.eq(PartnershipStatus::Invited.as_str()),
        partnerships::contact_email.eq(again.contact_email),
        partnerships::proposed_role.eq(again.proposed_role),
        partnerships::invited_by.eq(again.invited_by),
        partnerships::invited_at.eq(again.at),
        partnerships::answered_at.eq(None::<DateTime<Utc>>),
        partnerships::answered_by.eq(None::<Uuid>),
        partnerships::comment.eq(None::<String>),
    ))
    .returning(Partnership::as_returning())
    .get_result(conn)
    .optional()
}

/// Applies an answer or a withdrawal (by `user_id`, at `at`): `None` when the current status
/// does not allow it.
pub fn apply(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    transition: Transition,
    user_id: Uuid,
    comment: Option<&str>,
    at: DateTime<Utc>,
) -> QueryResult<Option<Partnership>> {
    diesel::update(
        partnerships::table
            .find((project_id, organization_id))
            .filter(partnerships::status.eq_any(PartnershipStatus::words(transition.from()))),
    )
    .set((
        partnerships::status.eq(transition.to().as_str()),
        partnerships::answered_at.eq(at),
        partnerships::answered_by.eq(user_id),
        partnerships::comment.eq(comment),
    ))
    .returning(Partnership::as_returning())
    .get_result(conn)
    .optional()
}

/// When `inviter` sent the consultations of the audit trail since `since`, oldest first.
pub fn invitations_since(
    conn: &mut PgConnection,
    inviter: Uuid,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DateTime<Utc>>> {
    audit_events::table
        .filter(audit_events::action.eq("partnership.invited"))
        .filter(audit_events::actor_user_id.eq(inviter))
        .filter(audit_events::created_at.gt(since))
        .order(audit_events::created_at.asc())
        .select(audit_events::created_at)
        .load(conn)
}
