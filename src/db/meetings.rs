//! Queries about meetings: loading, locking and changing them, the gate's view of a project, the
//! poll's slots and answers, concertation records, attendees. Every function takes the
//! connection, so that the callers compose them in one transaction (the convocation checks the
//! gate and queues its emails in the same one). Each change of a meeting's state is a
//! conditional update that answers `None` when the meeting was no longer in the state it needs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::agreements::{SHORT_NOTICE, consent, latest};
use uuid::Uuid;

use crate::calendar::AgendaLine;
use crate::db::models::{ConcertationRecord, Meeting, MeetingAttendee, MeetingSlot};
use crate::db::schema::{
    availability_answers, concertation_records, meeting_attendees, meeting_slots, meetings,
    memberships, organizations, partnerships, projects, users,
};
use crate::document::{self, Agenda, DocumentError, ProjectDoc};
use crate::domain::gate::{Evidence, GateState, Notice, PartnerState};
use crate::domain::meeting::MeetingStatus;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::slots::{Availability, Ballot, Candidate};

/// The meeting, or `None`.
pub fn find(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Option<Meeting>> {
    meetings::table
        .find(meeting_id)
        .select(Meeting::as_select())
        .first(conn)
        .optional()
}

/// The meeting, its row held `FOR UPDATE` until the transaction ends.
pub fn lock(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Meeting> {
    meetings::table
        .find(meeting_id)
        .for_update()
        .select(Meeting::as_select())
        .first(conn)
}

/// Holds every partnership of the project `FOR SHARE`: no answer or withdrawal lands until the
/// transaction ends (the gate's partner rules stay true from check to commit).
pub fn lock_partnerships(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .select(partnerships::organization_id)
        .for_share()
        .load::<Uuid>(conn)
        .map(|_| ())
}

/// The latest concertation record of the meeting.
pub fn latest_record(
    conn: &mut PgConnection,
    meeting_id: Uuid,
) -> QueryResult<Option<ConcertationRecord>> {
    concertation_records::table
        .filter(concertation_records::meeting_id.eq(meeting_id))
        .order(concertation_records::created_at.desc())
        .select(ConcertationRecord::as_select())
        .first(conn)
        .optional()
}

/// Every partnership with its organization's name: the initiator first, then by name.
pub fn partners(
    conn: &mut PgConnection,
    project_id: Uuid,
    initiator: Uuid,
) -> QueryResult<Vec<(Uuid, String, PartnershipStatus)>> {
    let rows: Vec<(Uuid, String, String)> = partnerships::table
        .inner_join(organizations::table)
        .filter(partnerships::project_id.eq(project_id))
        .select((
            partnerships::organization_id,
            organizations::name,
            partnerships::status,
        ))
        .load(conn)?;
    let mut partners: Vec<_> = rows
        .into_iter()
        .filter_map(|(id, name, status)| Some((id, name, PartnershipStatus::parse(&status)?)))
        .collect();
    partners.sort_by(|a, b| {
        (a.0 != initiator)
            .cmp(&(b.0 != initiator))
            .then(a.1.to_lowercase().cmp(&b.1.to_lowercase()))
    });
    Ok(partners)
}

/// What the gate looks at for `meeting`, read from `doc` and the database, at `now`.
pub fn gate_state(
    conn: &mut PgConnection,
    meeting: &Meeting,
    initiator: Uuid,
    doc: &ProjectDoc,
    now: DateTime<Utc>,
) -> QueryResult<GateState> {
    let project_id = meeting.project_id;
    let represented = crate::db::time::representatives(conn, meeting.id, project_id, initiator)?;
    let mut partner_states = Vec::new();
    for (organization_id, organization_name, status) in partners(conn, project_id, initiator)? {
        partner_states.push(PartnerState {
            short_notice_consent: latest(
                conn,
                project_id,
                SHORT_NOTICE,
                meeting.id,
                organization_id,
            )?
            .as_ref()
            .and_then(consent),
            representatives: represented
                .iter()
                .find(|r| r.organization_id == organization_id)
                .map_or(0, |r| r.people.len()),
            mission_hash: doc.mission(organization_id).content_hash,
            mission_consent: latest(
                conn,
                project_id,
                "mission",
                organization_id,
                organization_id,
            )?
            .as_ref()
            .and_then(consent),
            agenda_consent: latest(conn, project_id, "agenda", meeting.id, organization_id)?
                .as_ref()
                .and_then(consent),
            organization_id,
            organization_name,
            status,
        });
    }
    let agenda = doc.agenda(meeting.id);
    let min_notice_days: i32 = projects::table
        .find(project_id)
        .select(projects::min_notice_days)
        .first(conn)?;
    let record =
        match latest_record(conn, meeting.id)? {
            None => None,
            Some(record) => Some(serde_json::from_value::<Evidence>(record.evidence).map_err(
                |e| DocumentError::Corrupt {
                    project_id,
                    part: format!("concertation record {}", record.id),
                    reason: e.to_string(),
                },
            )?),
        };
    Ok(GateState {
        partners: partner_states,
        agenda_items: agenda.items.len(),
        agenda_hash: agenda.content_hash,
        starts_at: meeting.starts_at,
        now,
        record,
        notice: Notice {
            meeting_id: meeting.id,
            zone: crate::domain::meeting::zone_or_paris(&meeting.timezone),
            min_notice_days: min_notice_days.max(0) as u32,
        },
    })
}

/// Loads the project document and the gate's state in one go.
pub fn gate_state_now(
    conn: &mut PgConnection,
    meeting: &Meeting,
    initiator: Uuid,
) -> QueryResult<(ProjectDoc, GateState)> {
    let doc = document::load(conn, meeting.project_id)?;
    let state = gate_state(conn, meeting, initiator, &doc, Utc::now())?;
    Ok((doc, state))
}

/// The agenda with its leading organizations named, as the invitations show it.
pub fn agenda_lines(conn: &mut PgConnection, agenda: &Agenda) -> QueryResult<Vec<AgendaLine>> {
    let ids: Vec<Uuid> = agenda
        .items
        .iter()
        .filter_map(|i| i.lead_org_id.as_deref()?.parse().ok())
        .collect();
    let names = organization_names(conn, &ids)?;
    Ok(agenda
        .items
        .iter()
        .map(|item| AgendaLine {
            title: item.title.clone(),
            duration_min: item.duration_min,
            lead: item
                .lead_org_id
                .as_deref()
                .and_then(|id| id.parse::<Uuid>().ok())
                .and_then(|id| names.get(&id).cloned()),
            notes: item.notes.clone(),
        })
        .collect())
}

/// The meeting's slots, earliest first.
pub fn slots(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Vec<MeetingSlot>> {
    meeting_slots::table
        .filter(meeting_slots::meeting_id.eq(meeting_id))
        .order((meeting_slots::starts_at, meeting_slots::id))
        .select(MeetingSlot::as_select())
        .load(conn)
}

/// The poll's candidates: each slot with its ballots, each ballot carrying the accepted
/// partners its author belongs to.
pub fn candidates(
    conn: &mut PgConnection,
    meeting: &Meeting,
    accepted: &[Uuid],
) -> QueryResult<Vec<(MeetingSlot, Candidate)>> {
    let answers: Vec<(Uuid, Uuid, String)> = availability_answers::table
        .filter(availability_answers::meeting_id.eq(meeting.id))
        .select((
            availability_answers::slot_id,
            availability_answers::user_id,
            availability_answers::answer,
        ))
        .load(conn)?;
    let voters: Vec<Uuid> = answers.iter().map(|a| a.1).collect();
    let orgs_of = partners_of(conn, &voters, accepted)?;
    Ok(slots(conn, meeting.id)?
        .into_iter()
        .map(|slot| {
            let ballots = answers
                .iter()
                .filter(|(slot_id, _, _)| *slot_id == slot.id)
                .filter_map(|(_, user, answer)| {
                    Some(Ballot {
                        organizations: orgs_of.get(user).cloned().unwrap_or_default(),
                        answer: Availability::parse(answer)?,
                    })
                })
                .collect();
            let candidate = Candidate {
                id: slot.id,
                starts_at: slot.starts_at,
                ballots,
            };
            (slot, candidate)
        })
        .collect())
}

/// The accepted partners each of `users` belongs to (someone in none is left out).
fn partners_of(
    conn: &mut PgConnection,
    users: &[Uuid],
    accepted: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Uuid>>> {
    let mut partners: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (user, org) in memberships::table
        .filter(memberships::user_id.eq_any(users))
        .filter(memberships::organization_id.eq_any(accepted))
        .select((memberships::user_id, memberships::organization_id))
        .load::<(Uuid, Uuid)>(conn)?
    {
        partners.entry(user).or_default().push(org);
    }
    Ok(partners)
}

/// A person's answers to the poll, with the accepted partners they belong to.
pub struct PersonAnswers {
    pub user_id: Uuid,
    pub display_name: String,
    pub organizations: Vec<Uuid>,
    /// Slot id and answer, in the slots' order.
    pub answers: Vec<(Uuid, String)>,
}

/// Everyone who answered the poll, by name, with their answers (the names × slots grid).
pub fn answers_by_person(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    accepted: &[Uuid],
) -> QueryResult<Vec<PersonAnswers>> {
    let rows: Vec<(Uuid, String, Uuid, String)> = availability_answers::table
        .inner_join(users::table)
        .inner_join(meeting_slots::table)
        .filter(availability_answers::meeting_id.eq(meeting_id))
        .order((users::display_name, users::id, meeting_slots::starts_at))
        .select((
            availability_answers::user_id,
            users::display_name,
            availability_answers::slot_id,
            availability_answers::answer,
        ))
        .load(conn)?;
    let voters: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let orgs_of = partners_of(conn, &voters, accepted)?;
    let mut people: Vec<PersonAnswers> = Vec::new();
    for (user_id, display_name, slot_id, answer) in rows {
        if people.last().is_none_or(|p| p.user_id != user_id) {
            people.push(PersonAnswers {
                user_id,
                display_name,
                organizations: orgs_of.get(&user_id).cloned().unwrap_or_default(),
                answers: Vec::new(),
            });
        }
        if let Some(person) = people.last_mut() {
            person.answers.push((slot_id, answer));
        }
    }
    Ok(people)
}

/// Removes a slot of a meeting being planned, with its answers; whether it was there.
pub fn delete_slot(conn: &mut PgConnection, meeting_id: Uuid, slot_id: Uuid) -> QueryResult<bool> {
    diesel::delete(
        availability_answers::table
            .filter(availability_answers::meeting_id.eq(meeting_id))
            .filter(availability_answers::slot_id.eq(slot_id)),
    )
    .execute(conn)?;
    let deleted = diesel::delete(
        meeting_slots::table
            .filter(meeting_slots::meeting_id.eq(meeting_id))
            .filter(meeting_slots::id.eq(slot_id)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// A person a convocation goes to, with the organization they are convened for.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub organization_id: Uuid,
}

/// Who a convocation goes to: the representatives of every accepted partner
/// ([`crate::db::time::representatives`]), once per address (the first organization in partner
/// order when someone represents several).
pub fn invitees(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    project_id: Uuid,
    initiator: Uuid,
) -> QueryResult<Vec<Invitee>> {
    let mut invitees: Vec<Invitee> = Vec::new();
    for represented in crate::db::time::representatives(conn, meeting_id, project_id, initiator)? {
        for person in represented.people {
            if !invitees.iter().any(|i| i.email == person.email) {
                invitees.push(person);
            }
        }
    }
    Ok(invitees)
}

/// The meeting's attendees, in the order they were invited.
pub fn attendees(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Vec<MeetingAttendee>> {
    meeting_attendees::table
        .filter(meeting_attendees::meeting_id.eq(meeting_id))
        .order((meeting_attendees::created_at, meeting_attendees::email))
        .select(MeetingAttendee::as_select())
        .load(conn)
}

/// The names of organizations, by id.
pub fn organization_names(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, String>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect())
}

/// Stores a new meeting.
pub fn insert(conn: &mut PgConnection, meeting: &Meeting) -> QueryResult<()> {
    diesel::insert_into(meetings::table)
        .values(meeting.clone())
        .execute(conn)
        .map(|_| ())
}

/// The project's meetings, oldest first.
pub fn of_project(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<Meeting>> {
    meetings::table
        .filter(meetings::project_id.eq(project_id))
        .order(meetings::created_at)
        .select(Meeting::as_select())
        .load(conn)
}

/// The title of the meeting's project.
pub fn project_title(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<String> {
    projects::table
        .find(project_id)
        .select(projects::title)
        .first(conn)
}

/// Every organization with a partnership in the project, whatever its status.
pub fn partner_ids(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<Uuid>> {
    partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .select(partnerships::organization_id)
        .load(conn)
}

/// Stores a candidate slot; `false` when the meeting already has one at that time.
pub fn insert_slot(conn: &mut PgConnection, slot: &MeetingSlot) -> QueryResult<bool> {
    let inserted = diesel::insert_into(meeting_slots::table)
        .values(slot)
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(inserted > 0)
}

/// One slot of the meeting, or `None`.
pub fn slot(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    slot_id: Uuid,
) -> QueryResult<Option<MeetingSlot>> {
    meeting_slots::table
        .find(slot_id)
        .filter(meeting_slots::meeting_id.eq(meeting_id))
        .select(MeetingSlot::as_select())
        .first(conn)
        .optional()
}

/// Stores (or replaces) one person's answer for one slot.
pub fn put_availability(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    user_id: Uuid,
    slot_id: Uuid,
    answer: Availability,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(availability_answers::table)
        .values((
            availability_answers::slot_id.eq(slot_id),
            availability_answers::user_id.eq(user_id),
            availability_answers::meeting_id.eq(meeting_id),
            availability_answers::answer.eq(answer.as_str()),
            availability_answers::updated_at.eq(now),
        ))
        .on_conflict((availability_answers::slot_id, availability_answers::user_id))
        .do_update()
        .set((
            availability_answers::answer.eq(answer.as_str()),
            availability_answers::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// One person's answers to the meeting's poll: slot id → answer.
pub fn availability_of(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Vec<(Uuid, String)>> {
    availability_answers::table
        .filter(availability_answers::meeting_id.eq(meeting_id))
        .filter(availability_answers::user_id.eq(user_id))
        .select((availability_answers::slot_id, availability_answers::answer))
        .load(conn)
}

/// The meeting, only while it is being planned: what an update or a delete that must not land
/// on a convened or cancelled meeting targets (it then changes no row).
#[diesel::dsl::auto_type(no_type_alias)]
pub fn while_planning(meeting_id: Uuid) -> _ {
    let status: &'static str = MeetingStatus::Planning.as_str();
    meetings::table
        .find(meeting_id)
        .filter(meetings::status.eq(status))
}

/// Sets the meeting's time while it is being planned; `None` when it no longer is.
pub fn set_time_while_planning(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> QueryResult<Option<Meeting>> {
    diesel::update(while_planning(meeting_id))
        .set((
            meetings::starts_at.eq(starts_at),
            meetings::ends_at.eq(ends_at),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .optional()
}

/// Deletes a meeting still being planned (its slots, answers and records go with it); whether
/// it was.
pub fn delete_while_planning(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<bool> {
    let deleted = diesel::delete(while_planning(meeting_id)).execute(conn)?;
    Ok(deleted == 1)
}

/// Clears the meeting's time while it is being planned (its slot was removed); `None` when it
/// no longer is being planned.
pub fn clear_time_while_planning(
    conn: &mut PgConnection,
    meeting_id: Uuid,
) -> QueryResult<Option<Meeting>> {
    diesel::update(while_planning(meeting_id))
        .set((
            meetings::starts_at.eq(None::<DateTime<Utc>>),
            meetings::ends_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .optional()
}

/// Stores a concertation record.
pub fn insert_record(conn: &mut PgConnection, record: &ConcertationRecord) -> QueryResult<()> {
    diesel::insert_into(concertation_records::table)
        .values(record)
        .execute(conn)
        .map(|_| ())
}

/// Who convenes, for which organization, with which agenda.
pub struct Convening {
    pub organizer_user_id: Uuid,
    pub organizer_organization_id: Option<Uuid>,
    pub agenda: serde_json::Value,
    /// The hash of the agenda as convened: what the agreements bound to.
    pub agenda_hash: String,
    pub at: DateTime<Utc>,
}

/// `planning` → `convened`; `None` when the meeting was no longer being planned.
pub fn mark_convened(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    convening: Convening,
) -> QueryResult<Option<Meeting>> {
    diesel::update(while_planning(meeting_id))
        .set((
            meetings::status.eq("convened"),
            meetings::organizer_user_id.eq(convening.organizer_user_id),
            meetings::organizer_organization_id.eq(convening.organizer_organization_id),
            meetings::convened_agenda.eq(convening.agenda),
            meetings::convened_agenda_hash.eq(convening.agenda_hash),
            meetings::convened_at.eq(convening.at),
        ))
        .returning(Meeting::as_returning())
        .get_result(conn)
        .optional()
}

/// How many people the convocation of `meeting_id` was sent to.
pub fn set_convened_recipients(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    recipients: i32,
) -> QueryResult<()> {
    diesel::update(meetings::table.find(meeting_id))
        .set(meetings::convened_recipients.eq(recipients))
        .execute(conn)
        .map(|_| ())
}

/// The organizations of the meeting's attendees (those convened to it).
pub fn attendee_organizations(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Vec<Uuid>> {
    meeting_attendees::table
        .filter(meeting_attendees::meeting_id.eq(meeting_id))
        .select(meeting_attendees::organization_id)
        .distinct()
        .load(conn)
}

/// Stores `next`'s title, time, place and agenda as sent with `sequence`, only if the meeting is still in the
/// status and at the sequence of `current`; `None` when it changed meanwhile.
pub fn update_details(
    conn: &mut PgConnection,
    current: &Meeting,
    next: &Meeting,
    sequence: i32,
) -> QueryResult<Option<Meeting>> {
    diesel::update(
        meetings::table
            .find(current.id)
            .filter(meetings::status.eq(current.status.as_str()))
            .filter(meetings::sequence.eq(current.sequence)),
    )
    .set((
        meetings::title.eq(&next.title),
        meetings::duration_minutes.eq(next.duration_minutes),
        meetings::timezone.eq(&next.timezone),
        meetings::location.eq(&next.location),
        meetings::video_url.eq(&next.video_url),
        meetings::starts_at.eq(next.starts_at),
        meetings::ends_at.eq(next.ends_at),
        meetings::convened_agenda.eq(&next.convened_agenda),
        meetings::convened_agenda_hash.eq(&next.convened_agenda_hash),
        meetings::sequence.eq(sequence),
    ))
    .returning(Meeting::as_returning())
    .get_result(conn)
    .optional()
}

/// `planning` or `convened` → `cancelled` with `sequence`; `None` when it was neither.
pub fn cancel(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    sequence: i32,
    now: DateTime<Utc>,
) -> QueryResult<Option<Meeting>> {
    diesel::update(
        meetings::table
            .find(meeting_id)
            .filter(meetings::status.eq_any(["planning", "convened"])),
    )
    .set((
        meetings::status.eq("cancelled"),
        meetings::cancelled_at.eq(now),
        meetings::sequence.eq(sequence),
    ))
    .returning(Meeting::as_returning())
    .get_result(conn)
    .optional()
}

/// The update rounds a meeting sent its attendees in the last 24 hours, counted from the audit
/// rows of the updates that notified them.
#[derive(QueryableByName)]
pub struct UpdateRounds {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub sent: i64,
    /// When the oldest of them was sent.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub oldest: Option<DateTime<Utc>>,
    /// The database's clock, which the 24 hours are counted on.
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub now: DateTime<Utc>,
}

pub fn update_rounds(conn: &mut PgConnection, meeting: &Meeting) -> QueryResult<UpdateRounds> {
    use diesel::sql_types::{Text, Uuid as SqlUuid};
    diesel::sql_query(
        "SELECT count(*) AS sent, min(created_at) AS oldest, now() AS now FROM audit_events \
         WHERE project_id = $1 AND action = 'meeting.updated' \
           AND details->>'meeting_id' = $2 AND details->>'notified' = 'true' \
           AND created_at > now() - interval '24 hours'",
    )
    .bind::<SqlUuid, _>(meeting.project_id)
    .bind::<Text, _>(meeting.id.to_string())
    .get_result(conn)
}
