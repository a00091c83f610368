//! Magic links: links that log their recipient in, each for a purpose.
//!
//! - A **login** link lives 30 minutes and works once.
//! - A **consultation** link (sent when an organization is invited to a project) lives 14 days,
//!   since people read such emails days later, and may be used again — on another device —
//!   until the partnership is answered or the link expires. Withdrawing or re-inviting the
//!   partner revokes the earlier links.
//! - A **membership** link (an admin adding a colleague) works once and makes its user a member
//!   of the organization with the role given.
//!
//! Only the SHA-256 of a link's secret is stored.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::tokens;
use crate::db::models::MagicLink;
use crate::db::schema::magic_links;
use crate::domain::input::EmailAddress;
use crate::domain::organization::Role;

pub const LOGIN_TTL_MINUTES: i64 = 30;
pub const CONSULTATION_TTL_DAYS: i64 = 14;

/// What a consultation link carries besides the login.
#[derive(Debug, Clone, Copy)]
pub struct Consultation {
    pub organization_id: Uuid,
    pub project_id: Uuid,
}

/// What a link is for, as read back when it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Consultation {
        organization_id: Uuid,
        project_id: Uuid,
    },
    Membership {
        organization_id: Uuid,
        role: Role,
    },
}

impl MagicLink {
    /// The link's purpose; a row the constraints should have refused reads as a plain login.
    pub fn purpose(&self) -> Purpose {
        match (
            self.purpose.as_str(),
            self.organization_id,
            self.project_id,
            self.role.as_deref().and_then(Role::parse),
        ) {
            ("consultation", Some(organization_id), Some(project_id), _) => Purpose::Consultation {
                organization_id,
                project_id,
            },
            ("membership", Some(organization_id), _, Some(role)) => Purpose::Membership {
                organization_id,
                role,
            },
            _ => Purpose::Login,
        }
    }
}

/// Stores a new login or consultation link and returns its token (the only time it exists in
/// clear).
pub fn create(
    conn: &mut PgConnection,
    email: &EmailAddress,
    consultation: Option<Consultation>,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let token = tokens::generate();
    let (purpose, ttl) = match consultation {
        Some(_) => ("consultation", Duration::days(CONSULTATION_TTL_DAYS)),
        None => ("login", Duration::minutes(LOGIN_TTL_MINUTES)),
    };
    diesel::insert_into(magic_links::table)
        .values((
            magic_links::id.eq(Uuid::new_v4()),
            magic_links::email.eq(email.as_str()),
            magic_links::token_hash.eq(tokens::hash(&token)),
            magic_links::purpose.eq(purpose),
            magic_links::organization_id.eq(consultation.map(|c| c.organization_id)),
            magic_links::project_id.eq(consultation.map(|c| c.project_id)),
            magic_links::created_at.eq(now),
            magic_links::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Stores a membership link (an admin adding a colleague); returns its token and expiry.
pub fn create_membership(
    conn: &mut PgConnection,
    email: &EmailAddress,
    organization_id: Uuid,
    role: Role,
    ttl: Duration,
    now: DateTime<Utc>,
) -> QueryResult<(String, DateTime<Utc>)> {
    let token = tokens::generate();
    diesel::insert_into(magic_links::table)
        .values((
            magic_links::id.eq(Uuid::new_v4()),
            magic_links::email.eq(email.as_str()),
            magic_links::token_hash.eq(tokens::hash(&token)),
            magic_links::purpose.eq("membership"),
            magic_links::organization_id.eq(organization_id),
            magic_links::role.eq(role.as_str()),
            magic_links::created_at.eq(now),
            magic_links::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok((token, now + ttl))
}

/// Revokes the consultation links sent so far for one partnership (withdrawn, or invited again
/// with a new link). Returns how many were still usable.
pub fn revoke_consultations(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        magic_links::table
            .filter(magic_links::purpose.eq("consultation"))
            .filter(magic_links::project_id.eq(project_id))
            .filter(magic_links::organization_id.eq(organization_id))
            .filter(magic_links::revoked_at.is_null()),
    )
    .set(magic_links::revoked_at.eq(now))
    .execute(conn)
}

/// Why a link could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Unknown,
    AlreadyUsed,
    Expired,
    /// A consultation link of a partnership since withdrawn or invited again.
    Revoked,
}

/// Uses a link. Login and membership links work once: the conditional update lets only one of
/// two concurrent uses win. A consultation link stays usable until it expires or is revoked
/// (whether its consultation is still open is the caller's check).
pub fn consume(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Result<MagicLink, LinkRefusal>> {
    let hash = tokens::hash(token);
    let used: Option<MagicLink> = diesel::update(
        magic_links::table
            .filter(magic_links::token_hash.eq(&hash))
            .filter(
                magic_links::used_at
                    .is_null()
                    .or(magic_links::purpose.eq("consultation")),
            )
            .filter(magic_links::revoked_at.is_null())
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
        Some(link) if link.revoked_at.is_some() => LinkRefusal::Revoked,
        Some(link) if link.used_at.is_some() && link.purpose != "consultation" => {
            LinkRefusal::AlreadyUsed
        }
        Some(_) => LinkRefusal::Expired,
    }))
}
