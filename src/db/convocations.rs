//! Queries about who is convened and what they answered: attendees, their RSVP tokens and
//! answers, and the calendar feed addresses that list a person's meetings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::{Meeting, MeetingAttendee, User};
use crate::db::schema::{calendar_feeds, meeting_attendees, meetings, users};

/// Adds an attendee (nothing when that address is already one).
pub fn insert_attendee(conn: &mut PgConnection, attendee: &MeetingAttendee) -> QueryResult<()> {
    diesel::insert_into(meeting_attendees::table)
        .values(attendee.clone())
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|_| ())
}

/// Replaces an attendee's RSVP token (only the latest links are valid).
pub fn set_rsvp_token(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    email: &str,
    token_hash: Vec<u8>,
) -> QueryResult<()> {
    diesel::update(meeting_attendees::table.find((meeting_id, email)))
        .set(meeting_attendees::rsvp_token_hash.eq(token_hash))
        .execute(conn)
        .map(|_| ())
}

/// Resets the answers of every attendee but the organizer (after a change of time).
pub fn reset_partstats(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        meeting_attendees::table
            .filter(meeting_attendees::meeting_id.eq(meeting_id))
            .filter(meeting_attendees::role.ne("CHAIR")),
    )
    .set((
        meeting_attendees::partstat.eq("NEEDS-ACTION"),
        meeting_attendees::responded_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
}

/// Records an attendee's answer, only while the meeting is convened; `None` otherwise.
pub fn record_answer(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    email: &str,
    partstat: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<MeetingAttendee>> {
    let convened = meetings::table
        .filter(meetings::id.eq(meeting_id))
        .filter(meetings::status.eq("convened"))
        .select(meetings::id);
    diesel::update(
        meeting_attendees::table
            .find((meeting_id, email))
            .filter(meeting_attendees::meeting_id.eq_any(convened)),
    )
    .set((
        meeting_attendees::partstat.eq(partstat),
        meeting_attendees::responded_at.eq(Some(now)),
    ))
    .returning(MeetingAttendee::as_returning())
    .get_result(conn)
    .optional()
}

/// The attendee that `user_id` is, if they were convened.
pub fn attendee_of_user(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<MeetingAttendee>> {
    meeting_attendees::table
        .filter(meeting_attendees::meeting_id.eq(meeting_id))
        .filter(meeting_attendees::user_id.eq(user_id))
        .select(MeetingAttendee::as_select())
        .first(conn)
        .optional()
}

/// The attendee whose RSVP token hashes to `token_hash`, with their meeting.
pub fn by_rsvp_token(
    conn: &mut PgConnection,
    token_hash: Vec<u8>,
) -> QueryResult<Option<(MeetingAttendee, Meeting)>> {
    meeting_attendees::table
        .inner_join(meetings::table)
        .filter(meeting_attendees::rsvp_token_hash.eq(token_hash))
        .select((MeetingAttendee::as_select(), Meeting::as_select()))
        .first(conn)
        .optional()
}

/// Stores a new feed address of `user_id` (its token's hash only).
pub fn insert_feed(conn: &mut PgConnection, user_id: Uuid, token_hash: Vec<u8>) -> QueryResult<()> {
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::id.eq(Uuid::new_v4()),
            calendar_feeds::user_id.eq(user_id),
            calendar_feeds::token_hash.eq(token_hash),
        ))
        .execute(conn)
        .map(|_| ())
}

/// How many feed addresses of `user_id` are not revoked.
pub fn active_feeds(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<i64> {
    calendar_feeds::table
        .filter(calendar_feeds::user_id.eq(user_id))
        .filter(calendar_feeds::revoked_at.is_null())
        .count()
        .get_result(conn)
}

/// Revokes every feed address of `user_id`.
pub fn revoke_feeds(conn: &mut PgConnection, user_id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::user_id.eq(user_id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(Some(now)))
    .execute(conn)
    .map(|_| ())
}

/// The owner of a live feed address.
pub fn feed_owner(conn: &mut PgConnection, token_hash: Vec<u8>) -> QueryResult<Option<User>> {
    calendar_feeds::table
        .inner_join(users::table)
        .filter(calendar_feeds::token_hash.eq(token_hash))
        .filter(calendar_feeds::revoked_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// The meetings `user` was convened to (by account or by address), convened or cancelled,
/// earliest first.
pub fn convened_meetings_of(conn: &mut PgConnection, user: &User) -> QueryResult<Vec<Meeting>> {
    meetings::table
        .filter(meetings::status.ne("planning"))
        .filter(meetings::organizer_user_id.is_not_null())
        .filter(
            meetings::id.eq_any(
                meeting_attendees::table
                    .filter(
                        meeting_attendees::user_id
                            .eq(user.id)
                            .or(meeting_attendees::email.eq(&user.email)),
                    )
                    .select(meeting_attendees::meeting_id),
            ),
        )
        .order(meetings::starts_at)
        .select(Meeting::as_select())
        .load(conn)
}
