//! Queries of the agreements table: recording one, the latest one of an organization on a
//! subject (one query for missions and agendas alike), and the latest of every partner on its
//! mission with the name of who agreed (the sheet).

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::Agreement;
use crate::db::schema::{agreements, users};
use crate::domain::gate::{Consent, Decision};

/// The subject of an agreement to an organization's mission (its `subject_id` is the
/// organization).
pub const MISSION: &str = "mission";
/// The subject of an agreement to a meeting's agenda (its `subject_id` is the meeting).
pub const AGENDA: &str = "agenda";
/// The subject of an agreement to a convocation at short notice (its `subject_id` is the
/// meeting).
pub const SHORT_NOTICE: &str = "short_notice";

pub fn insert(conn: &mut PgConnection, agreement: &Agreement) -> QueryResult<()> {
    diesel::insert_into(agreements::table)
        .values(agreement)
        .execute(conn)
        .map(|_| ())
}

/// The latest agreement of `organization_id` on a subject ([`MISSION`] of an organization,
/// [`AGENDA`] of a meeting), or `None`.
pub fn latest(
    conn: &mut PgConnection,
    project_id: Uuid,
    subject: &str,
    subject_id: Uuid,
    organization_id: Uuid,
) -> QueryResult<Option<Agreement>> {
    agreements::table
        .filter(agreements::project_id.eq(project_id))
        .filter(agreements::subject.eq(subject))
        .filter(agreements::subject_id.eq(subject_id))
        .filter(agreements::organization_id.eq(organization_id))
        .order(agreements::created_at.desc())
        .select(Agreement::as_select())
        .first(conn)
        .optional()
}

/// Each organization's latest agreement on its own mission, with the display name of who
/// recorded it, by organization.
pub fn latest_on_missions(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<HashMap<Uuid, (Agreement, String)>> {
    let all: Vec<(Agreement, String)> = agreements::table
        .inner_join(users::table)
        .filter(agreements::project_id.eq(project_id))
        .filter(agreements::subject.eq(MISSION))
        .order(agreements::created_at.desc())
        .select((Agreement::as_select(), users::display_name))
        .load(conn)?;
    let mut latest = HashMap::new();
    for (agreement, name) in all {
        if agreement.subject_id == agreement.organization_id {
            latest
                .entry(agreement.organization_id)
                .or_insert((agreement, name));
        }
    }
    Ok(latest)
}

/// The row as the domain reads a consent (`None` for a decision word it does not know).
pub fn consent(agreement: &Agreement) -> Option<Consent> {
    Some(Consent {
        agreement_id: agreement.id,
        decision: Decision::parse(&agreement.decision)?,
        content_hash: agreement.content_hash.clone(),
    })
}
