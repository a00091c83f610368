//! Sessions: one token per login, sent as the session cookie and usable as a bearer API token.
//! A session ends at logout (revoked) or after 30 days without use.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::tokens;
use crate::db::models::User;
use crate::db::schema::{sessions, users};

pub const IDLE_DAYS: i64 = 30;

type LiveAt = diesel::dsl::And<
    diesel::dsl::IsNull<sessions::revoked_at>,
    diesel::dsl::Gt<sessions::last_seen_at, DateTime<Utc>>,
>;

/// What makes a session live at `now`: not revoked, used within [`IDLE_DAYS`].
fn live_at(now: DateTime<Utc>) -> LiveAt {
    sessions::revoked_at
        .is_null()
        .and(sessions::last_seen_at.gt(now - Duration::days(IDLE_DAYS)))
}
/// `last_seen_at` is refreshed at most this often, so reads do not each cost a write.
const TOUCH_MINUTES: i64 = 10;

pub fn create(conn: &mut PgConnection, user_id: Uuid, now: DateTime<Utc>) -> QueryResult<String> {
    let token = tokens::generate();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(Uuid::new_v4()),
            sessions::user_id.eq(user_id),
            sessions::token_hash.eq(tokens::hash(&token)),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Which of `ids` are still live sessions (not revoked, used within [`IDLE_DAYS`]). Those are in
/// use by the caller (an open websocket), so their `last_seen_at` is refreshed like a request's.
pub fn still_live(
    conn: &mut PgConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    let live: Vec<Uuid> = sessions::table
        .filter(sessions::id.eq_any(ids))
        .filter(live_at(now))
        .select(sessions::id)
        .load(conn)?;
    // Still live is checked again in the update itself: a session that expired (or was
    // revoked) between the two statements must not be revived by this refresh.
    diesel::update(
        sessions::table
            .filter(sessions::id.eq_any(&live))
            .filter(live_at(now))
            .filter(sessions::last_seen_at.lt(now - Duration::minutes(TOUCH_MINUTES))),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(conn)?;
    Ok(live)
}

/// The live session of `token` and its user.
pub fn find(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<(Uuid, User)>> {
    let found: Option<(Uuid, DateTime<Utc>, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(tokens::hash(token)))
        .filter(live_at(now))
        .select((sessions::id, sessions::last_seen_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((session_id, last_seen, user)) = found else {
        return Ok(None);
    };
    if now - last_seen > Duration::minutes(TOUCH_MINUTES) {
        diesel::update(sessions::table.find(session_id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((session_id, user)))
}

pub fn revoke(conn: &mut PgConnection, session_id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .map(|_| ())
}
