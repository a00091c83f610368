//! Queries of "asking people": notices waiting to be emailed, people's notification
//! preferences, reminders sent to partners, and what the notice step scans (meetings with a
//! `respond_by`, meetings whose gate may have become satisfied, agreements a live edit may have
//! voided).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::db::agreements::{AGENDA, MISSION};
use crate::db::meetings::while_planning;
use crate::db::models::Agreement;
use crate::db::schema::{
    agreements, availability_answers, meetings, memberships, notification_preferences,
    notifications, partnerships, projects, reminders, users,
};
use crate::domain::asking::{Category, Event, Preference, Preferences, Waiting};
use crate::domain::gate::Decision;

/// A person to tell: their id, address and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: String,
}

/// The active members of `organizations`, each once.
pub fn members(conn: &mut PgConnection, organizations: &[Uuid]) -> QueryResult<Vec<Person>> {
    let rows: Vec<(Uuid, String, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq_any(organizations))
        .select((users::id, users::email, users::display_name, users::locale))
        .distinct()
        .order(users::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, email, display_name, locale)| Person {
            user_id,
            email,
            display_name,
            locale,
        })
        .collect())
}

/// One person.
pub fn person(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Person> {
    let (user_id, email, display_name, locale) = users::table
        .find(user_id)
        .select((users::id, users::email, users::display_name, users::locale))
        .first::<(Uuid, String, String, String)>(conn)?;
    Ok(Person {
        user_id,
        email,
        display_name,
        locale,
    })
}

/// The project's accepted partners.
pub fn accepted_partners(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<Uuid>> {
    partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .filter(partnerships::status.eq("accepted"))
        .select(partnerships::organization_id)
        .load(conn)
}

/// The project's initiator and title.
pub fn project(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<(Uuid, String)> {
    projects::table
        .find(project_id)
        .select((projects::initiator_organization_id, projects::title))
        .first(conn)
}

/// A notice to store.
pub struct NewNotice<'a> {
    pub project_id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub event: Event,
    pub details: &'a Value,
}

/// Stores `notice` for each of `users`.
pub fn insert(
    conn: &mut PgConnection,
    notice: &NewNotice<'_>,
    users: &[Uuid],
) -> QueryResult<usize> {
    let rows: Vec<_> = users
        .iter()
        .map(|user_id| {
            (
                notifications::user_id.eq(*user_id),
                notifications::project_id.eq(notice.project_id),
                notifications::meeting_id.eq(notice.meeting_id),
                notifications::organization_id.eq(notice.organization_id),
                notifications::event.eq(notice.event.as_str()),
                notifications::category.eq(notice.event.category().as_str()),
                notifications::details.eq(notice.details),
            )
        })
        .collect();
    diesel::insert_into(notifications::table)
        .values(rows)
        .execute(conn)
}

/// Every (person, project) with notices waiting.
pub fn waiting_pairs(conn: &mut PgConnection) -> QueryResult<Vec<(Uuid, Uuid)>> {
    notifications::table
        .filter(notifications::sent_at.is_null())
        .select((notifications::user_id, notifications::project_id))
        .distinct()
        .load(conn)
}

/// A waiting notice, as the email tells it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub meeting_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub event: Event,
    pub category: Category,
    pub details: Value,
    pub created_at: DateTime<Utc>,
}

impl Notice {
    pub fn waiting(&self) -> Waiting {
        Waiting {
            id: self.id,
            category: self.category,
            created_at: self.created_at,
        }
    }
}

type NoticeRow = (
    i64,
    Option<Uuid>,
    Option<Uuid>,
    String,
    String,
    Value,
    DateTime<Utc>,
);

/// The person's waiting notices of the project, oldest first, held `FOR UPDATE SKIP LOCKED`: a
/// concurrent run (another instance) skips them rather than sending them twice.
pub fn lock_waiting(
    conn: &mut PgConnection,
    user_id: Uuid,
    project_id: Uuid,
) -> QueryResult<Vec<Notice>> {
    let rows: Vec<NoticeRow> = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::project_id.eq(project_id))
        .filter(notifications::sent_at.is_null())
        .order(notifications::id)
        .select((
            notifications::id,
            notifications::meeting_id,
            notifications::organization_id,
            notifications::event,
            notifications::category,
            notifications::details,
            notifications::created_at,
        ))
        .for_update()
        .skip_locked()
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, meeting_id, organization_id, event, category, details, created_at)| {
                Some(Notice {
                    id,
                    meeting_id,
                    organization_id,
                    event: Event::parse(&event)?,
                    category: Category::parse(&category)?,
                    details,
                    created_at,
                })
            },
        )
        .collect())
}

/// When the last notice email about the project went to the person.
pub fn last_sent(
    conn: &mut PgConnection,
    user_id: Uuid,
    project_id: Uuid,
) -> QueryResult<Option<DateTime<Utc>>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::project_id.eq(project_id))
        .filter(notifications::outbox_id.is_not_null())
        .select(diesel::dsl::max(notifications::sent_at))
        .first(conn)
}

/// Closes notices: sent in the email `outbox_id`, or dropped (`None`).
pub fn close(
    conn: &mut PgConnection,
    ids: &[i64],
    outbox_id: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq_any(ids))
            .filter(notifications::sent_at.is_null()),
    )
    .set((
        notifications::sent_at.eq(now),
        notifications::outbox_id.eq(outbox_id),
    ))
    .execute(conn)
}

/// The person's preferences (the defaults without a row).
pub fn preferences(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Preferences> {
    let row: Option<(String, String)> = notification_preferences::table
        .find(user_id)
        .select((
            notification_preferences::requests,
            notification_preferences::updates,
        ))
        .first(conn)
        .optional()?;
    let default = Preferences::default();
    Ok(row.map_or(default, |(requests, updates)| Preferences {
        requests: Preference::parse(&requests).unwrap_or(default.requests),
        updates: Preference::parse(&updates).unwrap_or(default.updates),
    }))
}

/// Stores the person's preferences.
pub fn set_preferences(
    conn: &mut PgConnection,
    user_id: Uuid,
    preferences: Preferences,
) -> QueryResult<()> {
    diesel::insert_into(notification_preferences::table)
        .values((
            notification_preferences::user_id.eq(user_id),
            notification_preferences::requests.eq(preferences.requests.as_str()),
            notification_preferences::updates.eq(preferences.updates.as_str()),
        ))
        .on_conflict(notification_preferences::user_id)
        .do_update()
        .set((
            notification_preferences::requests.eq(preferences.requests.as_str()),
            notification_preferences::updates.eq(preferences.updates.as_str()),
            notification_preferences::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A reminder sent to a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub organization_id: Uuid,
    pub rules: Value,
    pub automatic: bool,
    pub sent_at: DateTime<Utc>,
}

/// The meeting's reminders, newest first.
pub fn reminders_of(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Vec<Reminder>> {
    let rows: Vec<(Uuid, Value, bool, DateTime<Utc>)> = reminders::table
        .filter(reminders::meeting_id.eq(meeting_id))
        .order(reminders::sent_at.desc())
        .select((
            reminders::organization_id,
            reminders::rules,
            reminders::automatic,
            reminders::sent_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(organization_id, rules, automatic, sent_at)| Reminder {
            organization_id,
            rules,
            automatic,
            sent_at,
        })
        .collect())
}

/// Records a reminder.
pub fn insert_reminder(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    organization_id: Uuid,
    rules: &Value,
    sent_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(reminders::table)
        .values((
            reminders::meeting_id.eq(meeting_id),
            reminders::organization_id.eq(organization_id),
            reminders::rules.eq(rules),
            reminders::automatic.eq(sent_by.is_none()),
            reminders::sent_by.eq(sent_by),
            reminders::sent_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The organizations of which someone answered the meeting's poll.
pub fn poll_answered(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<Vec<Uuid>> {
    availability_answers::table
        .inner_join(memberships::table.on(memberships::user_id.eq(availability_answers::user_id)))
        .filter(availability_answers::meeting_id.eq(meeting_id))
        .select(memberships::organization_id)
        .distinct()
        .load(conn)
}

/// Whether the meeting has slots.
pub fn has_slots(conn: &mut PgConnection, meeting_id: Uuid) -> QueryResult<bool> {
    use crate::db::schema::meeting_slots;
    diesel::select(diesel::dsl::exists(
        meeting_slots::table.filter(meeting_slots::meeting_id.eq(meeting_id)),
    ))
    .get_result(conn)
}

/// Meetings being planned with a `respond_by` on or after `from`.
pub fn awaiting_answers(conn: &mut PgConnection, from: NaiveDate) -> QueryResult<Vec<Uuid>> {
    meetings::table
        .filter(meetings::status.eq("planning"))
        .filter(meetings::respond_by.ge(from))
        .select(meetings::id)
        .load(conn)
}

/// Meetings being planned with a slot in the future: their gate may become satisfied. With
/// whether their initiator was told it is.
pub fn gate_candidates(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, bool)>> {
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = meetings::table
        .filter(meetings::status.eq("planning"))
        .filter(meetings::starts_at.gt(now))
        .select((meetings::id, meetings::ready_notified_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, at)| (id, at.is_some()))
        .collect())
}

/// Marks the meeting's gate as told satisfied (`Some(now)`) or no longer (`None`), if it was
/// not already; answers whether this call changed it (two concurrent runs: one tells).
pub fn set_ready_notified(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    at: Option<DateTime<Utc>>,
) -> QueryResult<bool> {
    let target = meetings::table.find(meeting_id);
    let changed = match at {
        Some(at) => diesel::update(target.filter(meetings::ready_notified_at.is_null()))
            .set(meetings::ready_notified_at.eq(at))
            .execute(conn)?,
        None => diesel::update(target.filter(meetings::ready_notified_at.is_not_null()))
            .set(meetings::ready_notified_at.eq(None::<DateTime<Utc>>))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Sets the meeting's `respond_by` while it is being planned; false when it no longer is.
pub fn set_respond_by(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    respond_by: Option<NaiveDate>,
) -> QueryResult<bool> {
    diesel::update(while_planning(meeting_id))
        .set(meetings::respond_by.eq(respond_by))
        .execute(conn)
        .map(|n| n == 1)
}

/// The projects whose document was edited since `since`, each with who edited it last.
///
/// One index probe per document (its latest logged update, on `(project_id, id)`), not a scan
/// of the log: under heavy editing the log holds hundreds of thousands of rows from the last
/// minutes, and reading them all back at every notice step kept megabytes in memory (seen with
/// heaptrack under the live bench) and the database busy.
pub fn recently_edited(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, Option<Uuid>)>> {
    #[derive(QueryableByName)]
    struct Edited {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        project_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
        user_id: Option<Uuid>,
    }
    let rows: Vec<Edited> = diesel::sql_query(
        "SELECT d.project_id, latest.user_id \
         FROM documents d \
         CROSS JOIN LATERAL ( \
             SELECT u.user_id, u.created_at FROM document_updates u \
             WHERE u.project_id = d.project_id ORDER BY u.id DESC LIMIT 1) latest \
         WHERE latest.created_at > $1 \
         ORDER BY d.project_id",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.project_id, r.user_id))
        .collect())
}

/// The agreements to missions and agendas of the project that are their organization's latest
/// word on their subject, an agreement (not an objection), edited since they were given, and
/// not yet told to have stopped counting: those a change of the text may have voided.
pub fn agreements_to_watch(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<Agreement>> {
    let all: Vec<(Agreement, Option<DateTime<Utc>>)> = agreements::table
        .filter(agreements::project_id.eq(project_id))
        .filter(agreements::subject.eq_any([MISSION, AGENDA]))
        .order(agreements::created_at.desc())
        .select((Agreement::as_select(), agreements::voided_notified_at))
        .load(conn)?;
    let mut seen: Vec<(String, Uuid, Uuid)> = Vec::new();
    let mut watched = Vec::new();
    for (agreement, notified) in all {
        let key = (
            agreement.subject.clone(),
            agreement.subject_id,
            agreement.organization_id,
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        if agreement.decision == Decision::Agree.as_str() && notified.is_none() {
            watched.push(agreement);
        }
    }
    Ok(watched)
}

/// Marks agreements as told to have stopped counting.
pub fn mark_voided_notified(
    conn: &mut PgConnection,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        agreements::table
            .filter(agreements::id.eq_any(ids))
            .filter(agreements::voided_notified_at.is_null()),
    )
    .set(agreements::voided_notified_at.eq(Some(at)))
    .execute(conn)
}
