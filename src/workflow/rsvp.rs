//! Answers to a convocation (PARTSTAT), from the personal links of the email and in the app.
//!
//! Both go through [`record`]: a conditional update of the attendee's row while the meeting is
//! convened (a cancelled or held meeting expects no answer), and an audit row. Opening a link
//! changes nothing (mail scanners open every link): [`find`] only reads.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::invitations::meeting_event;
use super::meetings::open;
use crate::auth::tokens;
use crate::calendar::MeetingEvent;
use crate::db::models::{Meeting, MeetingAttendee, NewAuditEvent, User};
use crate::db::{Conn, convocations};
use crate::domain::Locale;
use crate::domain::rsvp::Answer;

/// How an answer reached us, for the audit.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    Link,
    App,
}

/// Records `answer` for `attendee`, only while the meeting is convened, then the audit row.
pub fn record(
    conn: &mut Conn,
    meeting: &Meeting,
    attendee: &MeetingAttendee,
    answer: Answer,
    via: Via,
) -> Result<MeetingAttendee, Refusal> {
    let updated = convocations::record_answer(
        conn,
        meeting.id,
        &attendee.email,
        answer.partstat(),
        Utc::now(),
    )?
    .ok_or_else(|| {
        Refusal::conflict(
            "not_convened",
            "the meeting is not convened (cancelled or already held): no answer is \
                     expected",
        )
        .with("status", json!(meeting.status))
    })?;
    // Not `audit::event`: an attendee whose account is gone still answers for their
    // organization, and the row says so (an actor organization without an actor user).
    NewAuditEvent {
        project_id: Some(meeting.project_id),
        actor_user_id: attendee.user_id,
        actor_organization_id: Some(attendee.organization_id),
        action: "rsvp.answered",
        organization_id: Some(attendee.organization_id),
        details: json!({
            "meeting_id": meeting.id, "email": attendee.email, "partstat": answer.partstat(),
            "via": match via { Via::Link => "link", Via::App => "app" },
        }),
    }
    .record(conn)?;
    Ok(updated)
}

/// An answer as recorded.
pub struct Answered {
    pub email: String,
    pub organization_id: Uuid,
    pub partstat: String,
    pub responded_at: DateTime<Utc>,
}

/// The caller answers for themselves, as their links would. Forbidden for someone who sees the
/// meeting but was not convened to it.
pub fn answer_in_app(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    answer: Answer,
) -> Result<Answered, Refusal> {
    let (meeting, _) = open(conn, actor.id, meeting_id)?;
    let attendee = convocations::attendee_of_user(conn, meeting.id, actor.id)?
        .ok_or_else(|| Refusal::forbidden("you are not among the attendees of this meeting"))?;
    let updated = record(conn, &meeting, &attendee, answer, Via::App)?;
    let responded_at = updated.responded_at.ok_or_else(|| {
        anyhow::anyhow!("an answer of {} was stored without its time", updated.email)
    })?;
    Ok(Answered {
        email: updated.email,
        organization_id: updated.organization_id,
        partstat: updated.partstat,
        responded_at,
    })
}

/// The attendee and meeting a link's token belongs to, with the meeting as the invitation
/// shows it (in the attendee's language).
pub struct Found {
    pub attendee: MeetingAttendee,
    pub meeting: Meeting,
    pub event: MeetingEvent,
    pub locale: Locale,
}

/// Whose link `token` is; `None` for a token we do not know (or no longer: links are replaced
/// by every new email).
pub fn find(conn: &mut Conn, token: &str) -> Result<Option<Found>, Refusal> {
    let Some((attendee, meeting)) = convocations::by_rsvp_token(conn, tokens::hash(token))? else {
        return Ok(None);
    };
    let locale = Locale::parse(&attendee.locale).unwrap_or_default();
    let event = meeting_event(conn, &meeting, locale)?;
    Ok(Some(Found {
        attendee,
        meeting,
        event,
        locale,
    }))
}

/// What became of an answer posted with a link.
pub enum LinkAnswer {
    Recorded(Answer),
    /// The form was posted without an answer.
    Missing,
    /// The meeting expects no answer any more (cancelled or held).
    NotExpected,
}

/// Records the answer posted with a link; `None` for an unknown token. The attendee in the
/// result is as stored after the answer.
pub fn answer_by_link(
    conn: &mut Conn,
    token: &str,
    answer: Option<Answer>,
) -> Result<Option<(Found, LinkAnswer)>, Refusal> {
    let Some(mut found) = find(conn, token)? else {
        return Ok(None);
    };
    let Some(answer) = answer else {
        return Ok(Some((found, LinkAnswer::Missing)));
    };
    match record(conn, &found.meeting, &found.attendee, answer, Via::Link) {
        Ok(updated) => {
            found.attendee = updated;
            Ok(Some((found, LinkAnswer::Recorded(answer))))
        }
        Err(Refusal::Conflict { .. }) => Ok(Some((found, LinkAnswer::NotExpected))),
        Err(other) => Err(other),
    }
}
