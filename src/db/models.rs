//! Database rows, as diesel reads and writes them. API types live in `http`, not here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::*;
use crate::domain::meeting::MeetingStatus;
use crate::domain::organization::Role;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::project::ProjectStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations, check_for_backend(diesel::pg::Pg))]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: Option<String>,
    pub territory: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `domain::organization::name_key` of the name (filled at start for older rows).
    pub name_key: Option<String>,
    pub siren: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships, check_for_backend(diesel::pg::Pg))]
pub struct Membership {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// When the member asked to join, if they did.
    pub requested_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
}

/// A request to join an organization: `pending` until an admin approves or refuses it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = membership_requests, check_for_backend(diesel::pg::Pg))]
pub struct MembershipRequest {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = magic_links, check_for_backend(diesel::pg::Pg))]
pub struct MagicLink {
    pub id: Uuid,
    pub email: String,
    pub token_hash: Vec<u8>,
    pub organization_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// `login`, `consultation` or `membership` (see `auth::links`).
    pub purpose: String,
    /// The role a membership link gives.
    pub role: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects, check_for_backend(diesel::pg::Pg))]
pub struct Project {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub initiator_organization_id: Uuid,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ProjectStatus,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub min_notice_days: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partnerships, check_for_backend(diesel::pg::Pg))]
pub struct Partnership {
    pub project_id: Uuid,
    pub organization_id: Uuid,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: PartnershipStatus,
    pub contact_email: Option<String>,
    pub proposed_role: Option<String>,
    pub invited_by: Option<Uuid>,
    pub invited_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<Uuid>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreements, check_for_backend(diesel::pg::Pg))]
pub struct Agreement {
    pub id: Uuid,
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub subject: String,
    pub subject_id: Uuid,
    pub content_hash: String,
    pub content: String,
    pub decision: String,
    pub comment: Option<String>,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct AuditEvent {
    pub id: i64,
    pub project_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor_organization_id: Option<Uuid>,
    pub action: String,
    pub organization_id: Option<Uuid>,
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub project_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor_organization_id: Option<Uuid>,
    pub action: &'static str,
    pub organization_id: Option<Uuid>,
    pub details: serde_json::Value,
}

impl NewAuditEvent {
    pub fn record(self, conn: &mut PgConnection) -> QueryResult<()> {
        diesel::insert_into(audit_events::table)
            .values(&self)
            .execute(conn)
            .map(|_| ())
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meetings, check_for_backend(diesel::pg::Pg))]
pub struct Meeting {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub duration_minutes: i32,
    pub timezone: String,
    pub location: Option<String>,
    pub video_url: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: MeetingStatus,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub sequence: i32,
    pub uid: String,
    pub organizer_user_id: Option<Uuid>,
    pub organizer_organization_id: Option<Uuid>,
    pub convened_agenda: Option<serde_json::Value>,
    pub convened_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// When partners should have answered the poll (API.md, "Asking people").
    pub respond_by: Option<chrono::NaiveDate>,
    /// The hash of the agenda as convened (or as last sent in an update): what the partners'
    /// agreements bound to. `None` before the convocation, and for meetings convened before
    /// it was kept.
    pub convened_agenda_hash: Option<String>,
    /// How many people the convocation was sent to.
    pub convened_recipients: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_slots, check_for_backend(diesel::pg::Pg))]
pub struct MeetingSlot {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = availability_answers, check_for_backend(diesel::pg::Pg))]
pub struct AvailabilityAnswer {
    pub slot_id: Uuid,
    pub user_id: Uuid,
    pub meeting_id: Uuid,
    pub answer: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = concertation_records, check_for_backend(diesel::pg::Pg))]
pub struct ConcertationRecord {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub project_id: Uuid,
    pub summary: String,
    pub recorded_by: Uuid,
    pub recorded_for: Uuid,
    pub evidence: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_attendees, check_for_backend(diesel::pg::Pg))]
pub struct MeetingAttendee {
    pub meeting_id: Uuid,
    pub email: String,
    pub user_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub display_name: String,
    pub locale: String,
    pub role: String,
    pub partstat: String,
    pub rsvp_token_hash: Vec<u8>,
    pub responded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_feeds, check_for_backend(diesel::pg::Pg))]
pub struct CalendarFeed {
    pub id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions, check_for_backend(diesel::pg::Pg))]
pub struct Decision {
    pub id: Uuid,
    pub project_id: Uuid,
    pub meeting_id: Uuid,
    pub agenda_item_id: Option<String>,
    pub title: String,
    pub text: String,
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decision_positions, check_for_backend(diesel::pg::Pg))]
pub struct DecisionPosition {
    pub decision_id: Uuid,
    pub organization_id: Uuid,
    pub position: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = actions, check_for_backend(diesel::pg::Pg))]
pub struct Action {
    pub id: Uuid,
    pub project_id: Uuid,
    pub decision_id: Uuid,
    pub title: String,
    pub owner_organization_id: Uuid,
    pub due_on: chrono::NaiveDate,
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_by: Uuid,
    pub updated_at: DateTime<Utc>,
}
