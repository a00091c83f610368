//! Asking people (API.md, "Asking people, and what each person has to do"): the notices a change
//! leaves for the people concerned, reminders to partners (by the initiator, or automatically
//! before the poll's `respond_by`), the watch on gates that became satisfied, and each person's
//! notification preferences.
//!
//! A notice is a row of `notifications`, written in the transaction of the change that causes
//! it; `mail::notices` turns a person's waiting notices of one project into one email, at most
//! every 15 minutes (`domain::asking::send_now`). Nothing here touches the network.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use super::meetings::{audit, no_longer_planning, open, require_planning};
use crate::db::asking::{self as store, NewNotice};
use crate::db::models::{Meeting, User};
use crate::db::{Conn, QueryError, meetings as meeting_queries};
use crate::domain::asking::{self, Event, Owed, Pending, Preferences, SkipReason};
use crate::domain::gate;

/// Leaves `event` for every active member of `organizations` except `actor` (who knows what
/// they did). Returns how many notices were stored.
pub fn tell_members(
    conn: &mut Conn,
    organizations: &[Uuid],
    actor: Option<Uuid>,
    notice: NewNotice<'_>,
) -> Result<usize, QueryError> {
    let people: Vec<Uuid> = store::members(conn, organizations)?
        .into_iter()
        .map(|p| p.user_id)
        .filter(|id| Some(*id) != actor)
        .collect();
    if people.is_empty() {
        return Ok(0);
    }
    store::insert(conn, &notice, &people)
}

/// The accepted partners of the project other than its initiator.
fn partners_but_initiator(conn: &mut Conn, project_id: Uuid) -> Result<Vec<Uuid>, QueryError> {
    let (initiator, _) = store::project(conn, project_id)?;
    Ok(store::accepted_partners(conn, project_id)?
        .into_iter()
        .filter(|id| *id != initiator)
        .collect())
}

/// A slot was proposed: partners' members are asked to answer the poll (the first slot opens
/// it), with its `respond_by`.
pub fn slot_proposed(
    conn: &mut Conn,
    meeting: &Meeting,
    first: bool,
    actor: Uuid,
) -> Result<usize, QueryError> {
    let partners = partners_but_initiator(conn, meeting.project_id)?;
    let details = json!({"meeting_title": meeting.title, "respond_by": meeting.respond_by});
    let event = if first {
        Event::PollOpened
    } else {
        Event::PollSlotsAdded
    };
    tell_members(
        conn,
        &partners,
        Some(actor),
        NewNotice {
            project_id: meeting.project_id,
            meeting_id: Some(meeting.id),
            organization_id: None,
            event,
            details: &details,
        },
    )
}

/// A partner answered the consultation: the initiator's members are told.
pub fn partner_answered(
    conn: &mut Conn,
    project_id: Uuid,
    organization_id: Uuid,
    organization_name: &str,
    status: &str,
    actor: Uuid,
) -> Result<usize, QueryError> {
    let (initiator, _) = store::project(conn, project_id)?;
    let details = json!({"organization_name": organization_name, "status": status});
    let told = tell_members(
        conn,
        &[initiator],
        Some(actor),
        NewNotice {
            project_id,
            meeting_id: None,
            organization_id: Some(organization_id),
            event: Event::PartnerAnswered,
            details: &details,
        },
    )?;
    // An organization that accepted now has a mission to agree to.
    if status == "accepted" && organization_id != initiator {
        let details = json!({"organization_name": organization_name});
        tell_members(
            conn,
            &[organization_id],
            None,
            NewNotice {
                project_id,
                meeting_id: None,
                organization_id: Some(organization_id),
                event: Event::MissionWaiting,
                details: &details,
            },
        )?;
    }
    Ok(told)
}

/// A mission's text changed: its organization's members are asked to agree to it — told their
/// agreement stopped counting, with the texts before and after, when it was agreed.
pub fn mission_changed(
    conn: &mut Conn,
    project_id: Uuid,
    organization_id: Uuid,
    (before, after): (&str, &str),
    agreement_voided: bool,
    actor: Option<Uuid>,
) -> Result<usize, QueryError> {
    let (event, details) = if agreement_voided {
        (
            Event::AgreementVoided,
            json!({"subject": "mission", "before": before, "after": after}),
        )
    } else {
        (Event::MissionWaiting, json!({"subject": "mission"}))
    };
    tell_members(
        conn,
        &[organization_id],
        actor,
        NewNotice {
            project_id,
            meeting_id: None,
            organization_id: Some(organization_id),
            event,
            details: &details,
        },
    )
}

/// A meeting's agenda changed: every accepted partner but the initiator is asked to agree to
/// it; those whose agreement backed the text before are told it stopped counting (`voided`),
/// with the items before and after.
pub fn agenda_changed(
    conn: &mut Conn,
    meeting: &Meeting,
    (before, after): (&str, &str),
    voided: &[Uuid],
    actor: Uuid,
) -> Result<usize, QueryError> {
    let partners = partners_but_initiator(conn, meeting.project_id)?;
    let mut told = 0;
    for partner in partners {
        let (event, details) = if voided.contains(&partner) {
            (
                Event::AgreementVoided,
                json!({"subject": "agenda", "meeting_title": meeting.title,
                       "before": before, "after": after}),
            )
        } else {
            (
                Event::AgendaWaiting,
                json!({"meeting_title": meeting.title}),
            )
        };
        told += tell_members(
            conn,
            &[partner],
            Some(actor),
            NewNotice {
                project_id: meeting.project_id,
                meeting_id: Some(meeting.id),
                organization_id: Some(partner),
                event,
                details: &details,
            },
        )?;
    }
    Ok(told)
}

/// The agenda of `meeting` changed from `before` to `after` (both as the document holds them):
/// partners are asked to agree, and told when their agreement stopped counting.
pub fn agenda_replaced(
    conn: &mut Conn,
    meeting: &Meeting,
    before: &crate::document::Agenda,
    after: &crate::document::Agenda,
    actor: Uuid,
) -> Result<usize, QueryError> {
    let mut voided = Vec::new();
    let mut told = Vec::new();
    for partner in partners_but_initiator(conn, meeting.project_id)? {
        let latest =
            crate::db::agreements::latest(conn, meeting.project_id, "agenda", meeting.id, partner)?;
        if let Some(agreement) = latest.filter(|a| super::consent::backs(a, &before.content_hash)) {
            voided.push(partner);
            told.push(agreement.id);
        }
    }
    store::mark_voided_notified(conn, &told, chrono::Utc::now())?;
    let text = |agenda: &crate::document::Agenda| {
        agenda
            .items
            .iter()
            .map(|i| format!("- {}", i.title))
            .collect::<Vec<_>>()
            .join("\n")
    };
    agenda_changed(conn, meeting, (&text(before), &text(after)), &voided, actor)
}

/// What each partner of the meeting still owes (the initiator excluded), at `now`.
fn pending_on(
    conn: &mut Conn,
    meeting: &Meeting,
    now: DateTime<Utc>,
) -> Result<Vec<Pending>, Refusal> {
    let (initiator, _) = store::project(conn, meeting.project_id)?;
    let doc = crate::document::load(conn, meeting.project_id)?;
    let state = meeting_queries::gate_state(conn, meeting, initiator, &doc, now)?;
    let has_slots = store::has_slots(conn, meeting.id)?;
    let answered = store::poll_answered(conn, meeting.id)?;
    Ok(asking::pending(&state, initiator, has_slots, &answered))
}

/// Sends one reminder to a partner: its members are told what it owes; the reminder is recorded.
/// A partner without any member is not reminded (nobody would get it): `false`, nothing stored.
fn remind_partner(
    conn: &mut Conn,
    meeting: &Meeting,
    pending: &Pending,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, Refusal> {
    if store::members(conn, &[pending.organization_id])?.is_empty() {
        return Ok(false);
    }
    let rules = json!(pending.owed);
    store::insert_reminder(conn, meeting.id, pending.organization_id, &rules, by, now)?;
    let details = json!({"meeting_title": meeting.title, "rules": rules,
                         "respond_by": meeting.respond_by, "automatic": by.is_none()});
    tell_members(
        conn,
        &[pending.organization_id],
        None,
        NewNotice {
            project_id: meeting.project_id,
            meeting_id: Some(meeting.id),
            organization_id: Some(pending.organization_id),
            event: Event::Reminder,
            details: &details,
        },
    )?;
    Ok(true)
}

/// A partner reminded, or skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderOutcome {
    pub organization_id: Uuid,
    pub rules: Vec<Owed>,
    /// For a skipped partner: why.
    pub reason: Option<SkipReason>,
    /// For a partner skipped as reminded recently: when it may be reminded again.
    pub next_at: Option<DateTime<Utc>>,
}

/// The initiator reminds every partner with something pending on the meeting (while it is
/// planned): one reminder each, at most once per partner per 24 hours — the others are skipped,
/// and so are partners without any member (nobody to email). With `only`, that partner alone.
pub fn remind(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    only: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(Vec<ReminderOutcome>, Vec<ReminderOutcome>), Refusal> {
    let (_, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    // One reminder round at a time per meeting: the 24-hour rule holds under concurrency.
    let meeting = meeting_queries::lock(conn, meeting_id)?;
    require_planning(&meeting)?;
    let sent = store::reminders_of(conn, meeting.id)?;
    let (mut reminded, mut skipped) = (Vec::new(), Vec::new());
    for pending in pending_on(conn, &meeting, now)?
        .into_iter()
        .filter(|p| only.is_none_or(|id| id == p.organization_id))
    {
        let last = sent
            .iter()
            .find(|r| r.organization_id == pending.organization_id)
            .map(|r| r.sent_at);
        let outcome = |reason, next_at| ReminderOutcome {
            organization_id: pending.organization_id,
            rules: pending.owed.clone(),
            reason,
            next_at,
        };
        match asking::may_remind(last, now) {
            Ok(()) if remind_partner(conn, &meeting, &pending, Some(actor.id), now)? => {
                reminded.push(outcome(None, None));
            }
            Ok(()) => skipped.push(outcome(Some(SkipReason::NoMember), None)),
            Err(next) => skipped.push(outcome(Some(SkipReason::RemindedRecently), Some(next))),
        }
    }
    audit(
        conn,
        &access,
        "reminders.sent",
        None,
        json!({"meeting_id": meeting.id,
               "reminded": reminded.iter().map(|r| r.organization_id).collect::<Vec<_>>(),
               "skipped": skipped.iter().map(|r| r.organization_id).collect::<Vec<_>>(),
               "without_member": skipped.iter()
                   .filter(|r| r.reason == Some(SkipReason::NoMember))
                   .map(|r| r.organization_id).collect::<Vec<_>>()}),
    )?;
    Ok((reminded, skipped))
}

/// The meeting's reminders, newest first, for anyone who sees the meeting.
pub fn reminders(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
) -> Result<Vec<store::Reminder>, Refusal> {
    let (meeting, _) = open(conn, actor.id, meeting_id)?;
    Ok(store::reminders_of(conn, meeting.id)?)
}

/// Sets the meeting's `respond_by` (initiator only, while it is planned).
pub fn set_respond_by(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    respond_by: Option<chrono::NaiveDate>,
) -> Result<(), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    require_planning(&meeting)?;
    if !store::set_respond_by(conn, meeting.id, respond_by)? {
        return Err(no_longer_planning());
    }
    audit(
        conn,
        &access,
        "meeting.respond_by_set",
        None,
        json!({"meeting_id": meeting.id, "respond_by": respond_by}),
    )?;
    Ok(())
}

/// The automatic reminders due at `now`: partners still pending on meetings whose `respond_by`
/// is two days away or less. Returns how many partners were reminded.
pub fn auto_reminders(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, Refusal> {
    // A day's margin for time zones ahead of UTC.
    let from = (now - chrono::Duration::days(1)).date_naive();
    let mut reminded = 0;
    for meeting_id in store::awaiting_answers(conn, from)? {
        let meeting = meeting_queries::lock(conn, meeting_id)?;
        let (Some(respond_by), Ok(zone)) = (meeting.respond_by, meeting.timezone.parse::<Tz>())
        else {
            continue;
        };
        let sent = store::reminders_of(conn, meeting.id)?;
        for pending in pending_on(conn, &meeting, now)? {
            let of_partner = sent
                .iter()
                .filter(|r| r.organization_id == pending.organization_id);
            let last = of_partner.clone().map(|r| r.sent_at).max();
            let already = of_partner.clone().any(|r| r.automatic);
            if asking::auto_reminder_due(respond_by, zone, now, last, already)
                && remind_partner(conn, &meeting, &pending, None, now)?
            {
                reminded += 1;
            }
        }
    }
    Ok(reminded)
}

/// Watches the gates of meetings being planned: when one becomes satisfied (rules 1–5 hold:
/// the concertation can be recorded), the initiator's members are told once; when it stops
/// being satisfied, they will be told again the next time. Returns how many were told.
pub fn watch_gates(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, Refusal> {
    let mut told = 0;
    for (meeting_id, notified) in store::gate_candidates(conn, now)? {
        let Some(meeting) = meeting_queries::find(conn, meeting_id)? else {
            continue;
        };
        let (initiator, _) = store::project(conn, meeting.project_id)?;
        let doc = crate::document::load(conn, meeting.project_id)?;
        let state = meeting_queries::gate_state(conn, &meeting, initiator, &doc, now)?;
        let satisfied = gate::upstream_unmet(&state).is_empty();
        if satisfied && !notified && store::set_ready_notified(conn, meeting.id, Some(now))? {
            let details = json!({"meeting_title": meeting.title});
            tell_members(
                conn,
                &[initiator],
                None,
                NewNotice {
                    project_id: meeting.project_id,
                    meeting_id: Some(meeting.id),
                    organization_id: None,
                    event: Event::GateSatisfied,
                    details: &details,
                },
            )?;
            told += 1;
        } else if !satisfied && notified {
            store::set_ready_notified(conn, meeting.id, None)?;
        }
    }
    Ok(told)
}

/// How long after an edit of a project's document the step still looks at it: the step runs every
/// minute, so an edit is looked at about ten times (a restart in between loses nothing).
const EDITS_WATCHED_FOR: chrono::Duration = chrono::Duration::minutes(10);

/// Watches agreements that an edit of the live document may have voided — the same notices as an
/// edit through the API (`mission_changed`, `agenda_replaced`), for edits made in the browser,
/// which reach the server as CRDT updates with no section named. For each project edited
/// lately, each organization's latest agreement to a mission or an agenda that no longer matches
/// the text is told once (its members get the texts before and after) and audited. Returns how
/// many agreements were found voided.
pub fn watch_agreements(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, Refusal> {
    let mut voided = 0;
    for (project_id, editor) in store::recently_edited(conn, now - EDITS_WATCHED_FOR)? {
        let watched = store::agreements_to_watch(conn, project_id)?;
        if watched.is_empty() {
            continue;
        }
        let doc = crate::document::load(conn, project_id)?;
        for agreement in watched {
            if told_voided(conn, &doc, &agreement, editor)? {
                store::mark_voided_notified(conn, &[agreement.id], now)?;
                crate::db::audit::event("agreement.voided")
                    .project(project_id)
                    .organization(agreement.organization_id)
                    .details(json!({
                        "agreement_id": agreement.id,
                        "subject": agreement.subject,
                        "subject_id": agreement.subject_id,
                        "content_hash": agreement.content_hash,
                        "via": "live",
                    }))
                    .record(conn)?;
                voided += 1;
            }
        }
    }
    Ok(voided)
}

/// Tells the agreeing organization that its agreement stopped counting when the text it agreed
/// to is no longer the document's; whether it did.
fn told_voided(
    conn: &mut Conn,
    doc: &crate::document::ProjectDoc,
    agreement: &crate::db::models::Agreement,
    editor: Option<Uuid>,
) -> Result<bool, Refusal> {
    let agreed: serde_json::Value =
        serde_json::from_str(&agreement.content).unwrap_or(serde_json::Value::Null);
    match agreement.subject.as_str() {
        "mission" => {
            let mission = doc.mission(agreement.subject_id);
            if mission.content_hash == agreement.content_hash {
                return Ok(false);
            }
            let before = agreed["text"].as_str().unwrap_or_default();
            mission_changed(
                conn,
                agreement.project_id,
                agreement.organization_id,
                (before, &mission.text),
                true,
                editor,
            )?;
            Ok(true)
        }
        "agenda" => {
            let Some(meeting) = meeting_queries::find(conn, agreement.subject_id)? else {
                return Ok(false);
            };
            let agenda = doc.agenda(meeting.id);
            if agenda.content_hash == agreement.content_hash
                || meeting.status == crate::domain::meeting::MeetingStatus::Cancelled
            {
                return Ok(false);
            }
            let before: Vec<String> = agreed["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| format!("- {}", i["title"].as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            let after: Vec<String> = agenda
                .items
                .iter()
                .map(|i| format!("- {}", i.title))
                .collect();
            let details = json!({"subject": "agenda", "meeting_title": meeting.title,
                                 "before": before.join("\n"), "after": after.join("\n")});
            tell_members(
                conn,
                &[agreement.organization_id],
                editor,
                NewNotice {
                    project_id: meeting.project_id,
                    meeting_id: Some(meeting.id),
                    organization_id: Some(agreement.organization_id),
                    event: Event::AgreementVoided,
                    details: &details,
                },
            )?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The caller's notification preferences.
pub fn preferences(conn: &mut Conn, actor: &User) -> Result<Preferences, Refusal> {
    Ok(store::preferences(conn, actor.id)?)
}

/// A change of preferences: `None` keeps a kind as it is.
pub struct PreferencesChange {
    pub requests: Option<asking::Preference>,
    pub updates: Option<asking::Preference>,
}

/// Changes the caller's notification preferences; returns them all.
pub fn set_preferences(
    conn: &mut Conn,
    actor: &User,
    change: PreferencesChange,
) -> Result<Preferences, Refusal> {
    let mut preferences = store::preferences(conn, actor.id)?;
    if let Some(requests) = change.requests {
        preferences.requests = requests;
    }
    if let Some(updates) = change.updates {
        preferences.updates = updates;
    }
    store::set_preferences(conn, actor.id, preferences)?;
    Ok(preferences)
}
