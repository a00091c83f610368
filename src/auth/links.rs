//! Magic links: single-use login links. A login link lives 30 minutes; a consultation link (sent
//! when an organization is invited to a project) lives 14 days, since people read such emails
//! days later, and also makes its user a member of the invited organization.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::tokens;
use crate::db::models::MagicLink;
use crate::db::schema::magic_links;
use crate::domain::input::EmailAddress;

pub const LOGIN_TTL_MINUTES: i64 = 30;
pub const CONSULTATION_TTL_DAYS: i64 = 14;

/// What a consultation link carries besides the login.
#[derive(Debug, Clone, Copy)]
pub struct Consultation {
    pub organization_id: Uuid,
    pub project_id: Uuid,
}

/// Stores a new link and returns its token (the only time it exists in clear).
pub fn create(
    conn: &mut PgConnection,
    email: &EmailAddress,
    consultation: Option<Consultation>,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let token = tokens::generate();
    let ttl = match consultation {
        Some(_) => Duration::days(CONSULTATION_TTL_DAYS),
        None => Duration::minutes(LOGIN_TTL_MINUTES),
    };
    diesel::insert_into(magic_links::table)
        .values((
            magic_links::id.eq(Uuid::new_v4()),
            magic_links::email.eq(email.as_str()),
            magic_links::token_hash.eq(tokens::hash(&token)),
            magic_links::organization_id.eq(consultation.map(|c| c.organization_id)),
            magic_links::project_id.eq(consultation.map(|c| c.project_id)),
            magic_links::created_at.eq(now),
            magic_links::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Why a link could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Unknown,
    AlreadyUsed,
    Expired,
}

/// Uses a link, once: the conditional update lets only one of two concurrent uses win.
pub fn consume(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Result<MagicLink, LinkRefusal>> {
    let hash = tokens::hash(token);
    let used: Option<MagicLink> = diesel::update(
        magic_links::table
            .filter(magic_links::token_hash.eq(&hash))
            .filter(magic_links::used_at.is_null())
            .filter(magic_links::expires_at.gt(now)),
    )
    .set(magic_links::used_at.eq(now))
    .returning(MagicLink::as_returning())
    .get_result(conn)
    .optional()?;
    if let Some(link) = used {
        return Ok(Ok(link));
    }
    let existing: Option<MagicLink> = magic_links::table
        .filter(magic_links::token_hash.eq(&hash))
        .select(MagicLink::as_select())
        .first(conn)
        .optional()?;
    Ok(Err(match existing {
        None => LinkRefusal::Unknown,
        Some(link) if link.used_at.is_some() => LinkRefusal::AlreadyUsed,
        Some(_) => LinkRefusal::Expired,
    }))
}
