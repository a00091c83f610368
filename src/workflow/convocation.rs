//! Convocations and what follows them: sending the convocation (behind the gate), updates and
//! cancellation, and the current invitation. The answers to it are in `rsvp`, the messages
//! themselves in `invitations`.
//!
//! **No early or double convocation.** [`convene`] locks the meeting row (`FOR UPDATE`), the
//! project document's row (as every agreement and every replacement of a section does) and the
//! project's partnerships (`FOR SHARE`), evaluates the whole gate, then — in the same
//! transaction — moves the meeting from `planning` to `convened` with a conditional update,
//! stores the attendees and queues one email per attendee in the outbox. An edit, an agreement
//! or an answer either commits before (and the gate sees it) or waits until after (and the
//! convocation carries the agenda as it was checked); a second convocation waits for the first
//! and then finds the meeting convened.
//!
//! **SEQUENCE** changes only here: +1 on an update of time, place or title after the
//! convocation, +1 on cancellation. Each email carries fresh personal RSVP links (tokens are
//! stored hashed, so a new email means new links; the latest ones are valid). The organizer is
//! sent a `METHOD:PUBLISH` copy for their calendar, without RSVP links: nobody answers their own
//! meeting.
//!
//! **Update rounds are bounded**: each update after the convocation emails every attendee, so
//! a meeting sends at most [`UPDATE_ROUNDS_PER_DAY`] of them in any 24 hours; beyond, the change
//! is refused ([`ChangeRefusal::TooManyUpdates`], with when the next one is possible) rather
//! than flooding mailboxes.

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::invitations::{self, MeetingFacts};
use super::meetings::{
    audit, incomplete, lock_for_gate, no_longer_planning, open, require_planning,
};
use crate::auth::{ProjectAccess, tokens};
use crate::calendar::{AgendaLine, MeetingEvent, Method};
use crate::config::Settings;
use crate::db::meetings::{self as queries, Convening};
use crate::db::models::{Meeting, MeetingAttendee, User};
use crate::db::{Conn, DbError, convocations};
use crate::domain::meeting::MeetingStatus;
use crate::domain::project::ProjectEvent;
use crate::domain::{Locale, gate};
use crate::mail::templates::ConvocationKind;
use crate::workflow::projects::{acting_organization, advance, lock_document};

/// Sends the convocation (initiator only): the gate, re-checked under locks, then the
/// attendees stored and one email per attendee queued, all in the caller's transaction.
/// Returns the convened meeting and the recipients.
pub fn convene(
    conn: &mut Conn,
    settings: &Settings,
    actor: &User,
    meeting_id: Uuid,
) -> Result<(Meeting, Vec<String>), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let (meeting, doc, gate_state) = lock_for_gate(conn, meeting.id, &access)?;
    let initiator = access.project.initiator_organization_id;
    let unmet = gate::unmet(&gate_state);
    if !unmet.is_empty() {
        return Err(incomplete(unmet));
    }
    let live = doc.agenda(meeting.id);
    let agenda = queries::agenda_lines(conn, &live)?;
    let mut convened = mark_convened(conn, &meeting, &access, &agenda, live.content_hash)?;
    add_attendees(conn, &convened, initiator, actor)?;
    let recipients = invitations::queue(conn, settings, &convened, ConvocationKind::Request)?;
    let count = i32::try_from(recipients.len()).map_err(anyhow::Error::from)?;
    queries::set_convened_recipients(conn, convened.id, count)?;
    convened.convened_recipients = Some(count);
    audit(
        conn,
        &access,
        "meeting.convened",
        Some(initiator),
        json!({
            "meeting_id": convened.id, "sequence": convened.sequence,
            "starts_at": convened.starts_at, "recipients": recipients,
        }),
    )?;
    Ok((convened, recipients))
}

/// `planning` → `convened`, conditionally; the organizer and the agenda as convened frozen.
fn mark_convened(
    conn: &mut Conn,
    meeting: &Meeting,
    access: &ProjectAccess,
    agenda: &[AgendaLine],
    agenda_hash: String,
) -> Result<Meeting, Refusal> {
    let organizer_org = acting_organization(access, access.project.initiator_organization_id);
    advance(
        conn,
        access.project.id,
        access.user_id,
        ProjectEvent::Convened,
    )?;
    let convening = Convening {
        organizer_user_id: access.user_id,
        organizer_organization_id: organizer_org,
        agenda: serde_json::to_value(agenda).map_err(anyhow::Error::from)?,
        agenda_hash,
        at: Utc::now(),
    };
    queries::mark_convened(conn, meeting.id, convening)?.ok_or_else(no_longer_planning)
}

/// The representatives of every accepted partner become attendees, and the organizer, the CHAIR.
fn add_attendees(
    conn: &mut Conn,
    meeting: &Meeting,
    initiator: Uuid,
    organizer: &User,
) -> Result<(), Refusal> {
    let now = Utc::now();
    let mut invitees = queries::invitees(conn, meeting.id, meeting.project_id, initiator)?;
    if !invitees.iter().any(|i| i.user_id == organizer.id) {
        invitees.insert(
            0,
            queries::Invitee {
                user_id: organizer.id,
                email: organizer.email.clone(),
                display_name: organizer.display_name.clone(),
                locale: organizer.locale.clone(),
                organization_id: meeting.organizer_organization_id.unwrap_or(initiator),
            },
        );
    }
    for invitee in invitees {
        let chair = Some(invitee.user_id) == meeting.organizer_user_id;
        let attendee = MeetingAttendee {
            meeting_id: meeting.id,
            email: invitee.email,
            user_id: Some(invitee.user_id),
            organization_id: invitee.organization_id,
            display_name: invitee.display_name,
            locale: invitee.locale,
            role: if chair { "CHAIR" } else { "REQ-PARTICIPANT" }.into(),
            partstat: if chair { "ACCEPTED" } else { "NEEDS-ACTION" }.into(),
            rsvp_token_hash: tokens::hash(&tokens::generate()),
            responded_at: None,
            created_at: now,
        };
        convocations::insert_attendee(conn, &attendee)?;
    }
    Ok(())
}

/// Why a change of a meeting was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeRefusal {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The meeting already sent [`UPDATE_ROUNDS_PER_DAY`] updates in the last 24 hours.
    #[error("{message}")]
    TooManyUpdates {
        retry_after_secs: u64,
        message: String,
    },
}

impl From<diesel::result::Error> for ChangeRefusal {
    fn from(error: diesel::result::Error) -> Self {
        ChangeRefusal::Refused(error.into())
    }
}

impl From<DbError> for ChangeRefusal {
    fn from(error: DbError) -> Self {
        ChangeRefusal::Refused(error.into())
    }
}

/// Stores a change of a meeting (`next`, from the locked `meeting`); after the convocation, a
/// real change bumps SEQUENCE and queues an update to every attendee. Returns the meeting and
/// whether emails were queued.
pub fn apply_change(
    conn: &mut Conn,
    settings: &Settings,
    access: &ProjectAccess,
    meeting: &Meeting,
    next: Meeting,
) -> Result<(Meeting, bool), ChangeRefusal> {
    let time_changed = next.starts_at != meeting.starts_at || next.ends_at != meeting.ends_at;
    let agenda_sent = next.convened_agenda_hash != meeting.convened_agenda_hash
        || next.convened_agenda != meeting.convened_agenda;
    let changed = time_changed
        || agenda_sent
        || next.title != meeting.title
        || next.location != meeting.location
        || next.video_url != meeting.video_url
        || next.timezone != meeting.timezone;
    if time_changed && next.starts_at.is_some_and(|s| s <= Utc::now()) {
        return Err(Refusal::from(crate::domain::input::InputError {
            field: "starts_at",
            message: "must be in the future".into(),
        })
        .into());
    }
    let convened = match meeting.status {
        MeetingStatus::Planning => false,
        MeetingStatus::Convened if !changed => return Ok((meeting.clone(), false)),
        MeetingStatus::Convened => true,
        _ => {
            return Err(require_planning(meeting)
                .err()
                .unwrap_or(Refusal::NotFound)
                .into());
        }
    };
    if convened {
        check_update_rounds(conn, meeting)?;
    }
    let sequence = meeting.sequence + i32::from(convened);
    let updated = queries::update_details(conn, meeting, &next, sequence)?.ok_or_else(|| {
        Refusal::conflict(
            "meeting_changed",
            "the meeting changed meanwhile; read it again",
        )
    })?;
    if convened {
        if time_changed {
            convocations::reset_partstats(conn, updated.id)?;
        }
        invitations::queue(conn, settings, &updated, ConvocationKind::Update)?;
    }
    audit(
        conn,
        access,
        "meeting.updated",
        None,
        json!({
            "meeting_id": updated.id, "sequence": updated.sequence, "time_changed": time_changed,
            "title": updated.title, "starts_at": updated.starts_at, "location": updated.location,
            "notified": convened, "agenda_sent": agenda_sent,
            "agenda_hash": updated.convened_agenda_hash,
        }),
    )?;
    Ok((updated, convened))
}

/// `next` carrying the meeting's current agenda as the one its attendees are sent (initiator,
/// convened meeting; API.md, "The convened agenda is frozen"). The gate's agenda rule is passed
/// again — the agenda is not empty and each accepted partner among the attendees agreed to its
/// current content — with the document and the partnerships held still after the meeting's row
/// (the order of [`lock_for_gate`]), so the agenda sent is the one checked.
pub fn take_current_agenda(
    conn: &mut Conn,
    access: &ProjectAccess,
    meeting: &Meeting,
    next: &mut Meeting,
) -> Result<(), Refusal> {
    if meeting.status != MeetingStatus::Convened {
        return Err(Refusal::conflict(
            "not_convened",
            "only a convened meeting's agenda is sent as an update (the convocation sends it)",
        )
        .with("status", json!(meeting.status)));
    }
    lock_document(conn, meeting.project_id)?;
    queries::lock_partnerships(conn, meeting.project_id)?;
    let (doc, state) =
        queries::gate_state_now(conn, meeting, access.project.initiator_organization_id)?;
    let attendees = queries::attendee_organizations(conn, meeting.id)?;
    let unmet = gate::agenda_update_unmet(&state, &attendees);
    if !unmet.is_empty() {
        return Err(incomplete(unmet));
    }
    let live = doc.agenda(meeting.id);
    let lines = queries::agenda_lines(conn, &live)?;
    next.convened_agenda = Some(serde_json::to_value(lines).map_err(anyhow::Error::from)?);
    next.convened_agenda_hash = Some(live.content_hash);
    Ok(())
}

/// Update rounds (an email to every attendee each) a meeting may send in any 24 hours. A
/// coordinator fixing a time, then a room, then a typo stays well under it; a script, or an
/// initiator using attendees' mailboxes as a chat, does not.
pub const UPDATE_ROUNDS_PER_DAY: i64 = 5;

/// Refuses one more update round of `meeting` when [`UPDATE_ROUNDS_PER_DAY`] were sent in the
/// last 24 hours, saying when the next is possible. The caller holds the meeting's row lock, so
/// two concurrent changes cannot both pass the count.
fn check_update_rounds(conn: &mut Conn, meeting: &Meeting) -> Result<(), ChangeRefusal> {
    let rounds = queries::update_rounds(conn, meeting)?;
    if rounds.sent < UPDATE_ROUNDS_PER_DAY {
        return Ok(());
    }
    let next = rounds.oldest.unwrap_or(rounds.now) + Duration::hours(24);
    let wait = (next - rounds.now).num_seconds().max(1);
    Err(ChangeRefusal::TooManyUpdates {
        retry_after_secs: u64::try_from(wait).unwrap_or(1),
        message: format!(
            "this meeting already sent {UPDATE_ROUNDS_PER_DAY} updates to its attendees in the \
             last 24 hours; the next change can be sent in {} h {:02} min",
            wait / 3600,
            (wait % 3600) / 60
        ),
    })
}

/// Cancels a meeting (initiator only): a convened one gets `METHOD:CANCEL` sent to every
/// attendee (SEQUENCE + 1); one still being planned is cancelled without any email.
pub fn cancel(
    conn: &mut Conn,
    settings: &Settings,
    actor: &User,
    meeting_id: Uuid,
) -> Result<Meeting, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    let meeting = queries::lock(conn, meeting.id)?;
    let convened = meeting.status == MeetingStatus::Convened;
    let sequence = meeting.sequence + i32::from(convened);
    let cancelled = queries::cancel(conn, meeting.id, sequence, Utc::now())?.ok_or_else(|| {
        Refusal::conflict(
            "not_cancellable",
            "the meeting is already cancelled or held",
        )
        .with("status", json!(meeting.status))
    })?;
    let recipients = if convened {
        invitations::queue(conn, settings, &cancelled, ConvocationKind::Cancel)?
    } else {
        Vec::new()
    };
    audit(
        conn,
        &access,
        "meeting.cancelled",
        None,
        json!({
            "meeting_id": cancelled.id, "sequence": cancelled.sequence, "recipients": recipients,
        }),
    )?;
    Ok(cancelled)
}

/// The current iTIP object of a convened (or cancelled) meeting, in `locale`: REQUEST, or
/// CANCEL. For anyone who sees the meeting.
pub fn current_invitation(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    locale: Locale,
) -> Result<(MeetingEvent, Method), Refusal> {
    let (meeting, _) = open(conn, actor.id, meeting_id)?;
    if meeting.status == MeetingStatus::Planning || meeting.organizer_user_id.is_none() {
        return Err(Refusal::conflict(
            "not_convened",
            "the meeting is not convened yet",
        ));
    }
    let method = if meeting.status == MeetingStatus::Cancelled {
        Method::Cancel
    } else {
        Method::Request
    };
    Ok((MeetingFacts::load(conn, &meeting)?.event(locale), method))
}
