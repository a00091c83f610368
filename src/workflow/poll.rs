//! The availability poll of a meeting being planned: members of accepted partners answer for
//! the proposed slots, everyone who sees the meeting reads the tallies and the suggested slot,
//! and the initiator chooses the slot.

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Refusal;
use super::meetings::{audit, open, require_planning};
use crate::db::models::{Meeting, MeetingSlot, User};
use crate::db::{Conn, meetings as queries, time as time_queries};
use crate::domain::input::InputError;
use crate::domain::meeting::MeetingStatus;
use crate::domain::partners_time;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::slots::{self, Availability, Tally};
use crate::workflow::time;

/// Stores the caller's answers (slot → availability), for themselves; only members of accepted
/// partners answer, only while the meeting is being planned, only for its own slots.
pub fn answer(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    answers: &[(Uuid, Availability)],
) -> Result<(), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    if !access
        .organizations
        .iter()
        .any(|(_, s)| *s == PartnershipStatus::Accepted)
    {
        return Err(Refusal::forbidden(
            "only members of accepted partners answer the poll",
        ));
    }
    require_planning(&meeting)?;
    let known: Vec<Uuid> = queries::slots(conn, meeting.id)?
        .iter()
        .map(|s| s.id)
        .collect();
    if let Some((unknown, _)) = answers.iter().find(|(slot, _)| !known.contains(slot)) {
        return Err(InputError {
            field: "answers",
            message: format!("{unknown} is not a slot of this meeting"),
        }
        .into());
    }
    let now = Utc::now();
    for (slot, answer) in answers {
        queries::put_availability(conn, meeting.id, actor.id, *slot, *answer, now)?;
    }
    let shown: Value = answers
        .iter()
        .map(|(s, a)| (s.to_string(), json!(a)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    audit(
        conn,
        &access,
        "availability.answered",
        None,
        json!({"meeting_id": meeting.id, "answers": shown}),
    )?;
    Ok(())
}

/// One slot of the poll as the caller reads it.
pub struct SlotTally {
    pub slot: MeetingSlot,
    pub tally: Tally,
    /// The accepted partners nobody of which answered `yes` or `maybe`: id and name.
    pub missing: Vec<(Uuid, String)>,
    pub my_answer: Option<Availability>,
    /// A convocation sent now for this slot would leave less notice than the project asks.
    pub inside_notice: bool,
    /// Partners this slot's meeting would take past their yearly time budget.
    pub over_budget: Vec<(Uuid, String)>,
}

/// The poll: every slot's tally, the slot the rules suggest, the accepted partners none of
/// whose members answered yet, and everyone's answers (the names × slots grid).
pub struct Poll {
    pub slots: Vec<SlotTally>,
    pub suggested_slot_id: Option<Uuid>,
    pub unanswered: Vec<(Uuid, String)>,
    pub people: Vec<queries::PersonAnswers>,
    /// When partners should have answered.
    pub respond_by: Option<chrono::NaiveDate>,
}

/// Tallies, missing partners and the suggested slot, for anyone who sees the meeting.
pub fn read(conn: &mut Conn, actor: &User, meeting_id: Uuid) -> Result<Poll, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    let initiator = access.project.initiator_organization_id;
    let mut accepted: Vec<(Uuid, String)> = queries::partners(conn, meeting.project_id, initiator)?
        .into_iter()
        .filter(|p| p.2 == PartnershipStatus::Accepted)
        .map(|p| (p.0, p.1))
        .collect();
    // Once convened, the poll is what the convened partners answered: one accepted since is
    // not an attendee, so it is not missing from it.
    if meeting.status != MeetingStatus::Planning {
        let attendees = queries::attendee_organizations(conn, meeting.id)?;
        accepted.retain(|(id, _)| attendees.contains(id));
    }
    let ids: Vec<Uuid> = accepted.iter().map(|p| p.0).collect();
    let candidates = queries::candidates(conn, &meeting, &ids)?;
    let mine = queries::availability_of(conn, meeting.id, actor.id)?;
    let people = queries::answers_by_person(conn, meeting.id, &ids)?;
    let answered_by: Vec<Vec<Uuid>> = people.iter().map(|p| p.organizations.clone()).collect();
    let silent = slots::unanswered(&ids, &answered_by);
    let unanswered = accepted
        .iter()
        .filter(|(id, _)| silent.contains(id))
        .cloned()
        .collect();
    let suggested_slot_id = {
        let all: Vec<_> = candidates.iter().map(|(_, c)| c.clone()).collect();
        slots::suggest(&ids, &all, Utc::now())
    };
    let now = Utc::now();
    let zone = time::zone_of(&meeting);
    let min_notice = i64::from(access.project.min_notice_days.max(0));
    // Budgets matter while planning: read once, checked against each slot.
    let budgets = if meeting.status == MeetingStatus::Planning {
        let represented =
            time_queries::representatives(conn, meeting.id, meeting.project_id, initiator)?;
        Some(time::BudgetCheck::load(
            conn,
            &meeting,
            initiator,
            &represented,
        )?)
    } else {
        None
    };
    let mut over_budget = Vec::new();
    for (slot, _) in &candidates {
        let over = budgets
            .as_ref()
            .map(|check| check.over_budget(slot.starts_at))
            .unwrap_or_default();
        over_budget.push(
            accepted
                .iter()
                .filter(|(id, _)| over.iter().any(|o| o.organization == *id))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    let slots = candidates
        .into_iter()
        .zip(over_budget)
        .map(|((slot, candidate), over_budget)| {
            let tally = slots::tally(&ids, &candidate.ballots);
            let missing = accepted
                .iter()
                .filter(|(id, _)| tally.missing.contains(id))
                .cloned()
                .collect();
            let my_answer = mine
                .iter()
                .find(|(s, _)| *s == slot.id)
                .and_then(|(_, a)| Availability::parse(a));
            SlotTally {
                inside_notice: meeting.status == MeetingStatus::Planning
                    && partners_time::notice_days(now, slot.starts_at, zone) < min_notice,
                over_budget,
                slot,
                tally,
                missing,
                my_answer,
            }
        })
        .collect();
    Ok(Poll {
        slots,
        suggested_slot_id,
        unanswered,
        people,
        respond_by: meeting.respond_by,
    })
}

/// The initiator chooses one of the meeting's slots, in the future, while planning.
pub fn choose(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    slot_id: Uuid,
) -> Result<Meeting, Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    let not_a_slot = |message: &str| InputError {
        field: "slot_id",
        message: message.to_owned(),
    };
    let slot = queries::slot(conn, meeting.id, slot_id)?
        .ok_or_else(|| not_a_slot("not a slot of this meeting"))?;
    if slot.starts_at <= Utc::now() {
        return Err(not_a_slot("this slot is in the past").into());
    }
    let chosen = queries::set_time_while_planning(conn, meeting.id, slot.starts_at, slot.ends_at)?
        .ok_or_else(|| {
            require_planning(&meeting)
                .err()
                .unwrap_or(Refusal::NotFound)
        })?;
    audit(
        conn,
        &access,
        "slot.chosen",
        None,
        json!({"meeting_id": meeting.id, "slot_id": slot_id, "starts_at": slot.starts_at}),
    )?;
    Ok(chosen)
}

/// The initiator removes a slot while the meeting is being planned, with the answers given to
/// it; when it was the chosen one, the meeting has no time any more (one must be chosen again).
pub fn remove_slot(
    conn: &mut Conn,
    actor: &User,
    meeting_id: Uuid,
    slot_id: Uuid,
) -> Result<(), Refusal> {
    let (meeting, access) = open(conn, actor.id, meeting_id)?;
    access.require_initiator()?;
    let meeting = queries::lock(conn, meeting.id)?;
    require_planning(&meeting)?;
    let slot = queries::slot(conn, meeting.id, slot_id)?.ok_or(Refusal::NotFound)?;
    let was_chosen = meeting.starts_at == Some(slot.starts_at);
    queries::delete_slot(conn, meeting.id, slot.id)?;
    if was_chosen {
        queries::clear_time_while_planning(conn, meeting.id)?;
    }
    audit(
        conn,
        &access,
        "slot.removed",
        None,
        json!({"meeting_id": meeting.id, "slot_id": slot.id, "starts_at": slot.starts_at,
               "was_chosen": was_chosen}),
    )?;
    Ok(())
}
