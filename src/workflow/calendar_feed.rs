//! The per-user calendar feed: a secret address a calendar subscribes to, listing the user's
//! convened (and cancelled) meetings of the projects they still take part in.
//!
//! Only a hash of each address's token is kept, so an address cannot be shown twice: each
//! [`create`] makes another one; all stay valid until [`revoke`]. The feed is read whenever the
//! calendar polls it, so it applies the rule of the day: a meeting is listed while its project
//! lets the user in (`ProjectAccess::load`). Someone who left the organization, or whose
//! organization is no longer a partner, keeps a working address that no longer shows that
//! project.

use std::collections::BTreeMap;

use chrono::Utc;

use super::Refusal;
use super::invitations::meeting_event;
use crate::auth::{AccessError, ProjectAccess, tokens};
use crate::calendar;
use crate::db::models::User;
use crate::db::{Conn, convocations};
use crate::domain::Locale;

/// Makes a new secret feed address for the caller; returns its token (shown once).
pub fn create(conn: &mut Conn, actor: &User) -> Result<String, Refusal> {
    let token = tokens::generate();
    convocations::insert_feed(conn, actor.id, tokens::hash(&token))?;
    Ok(token)
}

/// How many feed addresses of the caller are live.
pub fn active(conn: &mut Conn, actor: &User) -> Result<i64, Refusal> {
    Ok(convocations::active_feeds(conn, actor.id)?)
}

/// Revokes every feed address of the caller.
pub fn revoke(conn: &mut Conn, actor: &User) -> Result<(), Refusal> {
    Ok(convocations::revoke_feeds(conn, actor.id, Utc::now())?)
}

/// The feed of a live address (an iCalendar document): the owner's convened and cancelled
/// meetings, in the projects they still take part in. Not found for an unknown or revoked one.
pub fn feed(conn: &mut Conn, token: &str) -> Result<String, Refusal> {
    let user = convocations::feed_owner(conn, tokens::hash(token))?.ok_or(Refusal::NotFound)?;
    let locale = Locale::parse(&user.locale).unwrap_or_default();
    // Whether the user still takes part in each project, asked once per project.
    let mut takes_part = BTreeMap::new();
    let mut events = Vec::new();
    for meeting in convocations::convened_meetings_of(conn, &user)? {
        let allowed = match takes_part.get(&meeting.project_id) {
            Some(allowed) => *allowed,
            None => {
                let allowed = match ProjectAccess::load(conn, meeting.project_id, user.id) {
                    Ok(_) => true,
                    Err(AccessError::NotFound) => false,
                    Err(other) => return Err(other.into()),
                };
                takes_part.insert(meeting.project_id, allowed);
                allowed
            }
        };
        if allowed {
            events.push(meeting_event(conn, &meeting, locale)?);
        }
    }
    Ok(calendar::feed(
        &format!("Amont — {}", user.display_name),
        &events,
    ))
}
