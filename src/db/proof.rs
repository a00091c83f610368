//! Queries of the proof-of-consent family: signing keys, consent receipts, attestations, and
//! what the verification page reads of today's state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::{ConcertationRecord, Partnership};
use crate::db::schema::{
    agreements, attestations, concertation_records, consent_receipts, meetings, memberships,
    organizations, partnerships, signing_keys, users,
};

/// Where a signing key came from.
pub const FROM_DATABASE: &str = "database";
pub const FROM_FILE: &str = "file";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys, check_for_backend(diesel::pg::Pg))]
pub struct SigningKeyRow {
    pub kid: String,
    pub public_key: Vec<u8>,
    pub private_key: Option<Vec<u8>>,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Every key ever used, oldest first: the published set.
pub fn all_keys(conn: &mut PgConnection) -> QueryResult<Vec<SigningKeyRow>> {
    signing_keys::table
        .order((signing_keys::created_at.asc(), signing_keys::kid.asc()))
        .select(SigningKeyRow::as_select())
        .load(conn)
}

/// The database key that signs now, if there is one.
pub fn active_database_key(conn: &mut PgConnection) -> QueryResult<Option<SigningKeyRow>> {
    signing_keys::table
        .filter(signing_keys::source.eq(FROM_DATABASE))
        .filter(signing_keys::retired_at.is_null())
        .select(SigningKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a key unless one with the same `kid`, or (for a database key) another active one,
/// is there already; returns whether it was stored.
pub fn insert_key(conn: &mut PgConnection, row: &SigningKeyRow) -> QueryResult<bool> {
    diesel::insert_into(signing_keys::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|n| n == 1)
}

/// Retires the active database key; returns its `kid`.
pub fn retire_database_key(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Option<String>> {
    diesel::update(
        signing_keys::table
            .filter(signing_keys::source.eq(FROM_DATABASE))
            .filter(signing_keys::retired_at.is_null()),
    )
    .set(signing_keys::retired_at.eq(now))
    .returning(signing_keys::kid)
    .get_result(conn)
    .optional()
}

/// Serializes the creation of the first database key (two first consents at once would both
/// find none).
pub fn lock_keys(conn: &mut PgConnection) -> QueryResult<()> {
    // An arbitrary constant of ours: "amont signing keys".
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(0x616d_6f6e_746b_6579_i64)
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consent_receipts, check_for_backend(diesel::pg::Pg))]
pub struct ReceiptRow {
    pub id: Uuid,
    pub kind: String,
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub record_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    pub user_id: Uuid,
    pub content_hash: Option<String>,
    pub decision: String,
    pub at: DateTime<Utc>,
    pub kid: String,
    pub jws: String,
    pub signed_at: DateTime<Utc>,
}

pub fn insert_receipt(conn: &mut PgConnection, row: &ReceiptRow) -> QueryResult<()> {
    diesel::insert_into(consent_receipts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The receipts of recorded consents (agreements), by the record's id.
pub fn receipts_of_records(
    conn: &mut PgConnection,
    record_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, String>> {
    let rows: Vec<(Option<Uuid>, String)> = consent_receipts::table
        .filter(consent_receipts::record_id.eq_any(record_ids))
        .select((consent_receipts::record_id, consent_receipts::jws))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, jws)| id.map(|id| (id, jws)))
        .collect())
}

/// The latest receipt of each (kind, organization, meeting) of a project: the acceptance that
/// stands for each partner, its latest decision on its mission, on each meeting's agenda.
pub fn latest_receipts(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<ReceiptRow>> {
    consent_receipts::table
        .filter(consent_receipts::project_id.eq(project_id))
        .distinct_on((
            consent_receipts::kind,
            consent_receipts::organization_id,
            consent_receipts::meeting_id,
        ))
        .order((
            consent_receipts::kind,
            consent_receipts::organization_id,
            consent_receipts::meeting_id,
            consent_receipts::at.desc(),
            consent_receipts::signed_at.desc(),
        ))
        .select(ReceiptRow::as_select())
        .load(conn)
}

/// Accepted partnerships whose acceptance has no receipt yet (all projects, or one).
pub fn acceptances_without_receipt(
    conn: &mut PgConnection,
    project_id: Option<Uuid>,
) -> QueryResult<Vec<Partnership>> {
    let mut query = partnerships::table
        .filter(partnerships::status.eq("accepted"))
        .filter(partnerships::answered_at.is_not_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            consent_receipts::table
                .filter(consent_receipts::kind.eq("partnership.accepted"))
                .filter(consent_receipts::project_id.eq(partnerships::project_id))
                .filter(consent_receipts::organization_id.eq(partnerships::organization_id))
                .filter(
                    consent_receipts::at
                        .nullable()
                        .eq(partnerships::answered_at),
                ),
        )))
        .select(Partnership::as_select())
        .into_boxed();
    if let Some(id) = project_id {
        query = query.filter(partnerships::project_id.eq(id));
    }
    query.load(conn)
}

/// Agreements without a receipt (all projects, or one), oldest first.
pub fn agreements_without_receipt(
    conn: &mut PgConnection,
    project_id: Option<Uuid>,
) -> QueryResult<Vec<crate::db::models::Agreement>> {
    let mut query = agreements::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            consent_receipts::table
                .filter(consent_receipts::record_id.eq(agreements::id.nullable())),
        )))
        .order(agreements::created_at.asc())
        .select(crate::db::models::Agreement::as_select())
        .into_boxed();
    if let Some(id) = project_id {
        query = query.filter(agreements::project_id.eq(id));
    }
    query.load(conn)
}

/// What a receipt names besides ids: the project's title, the organization's and the person's
/// names, and the meeting's title.
pub struct Names {
    pub project_title: String,
    pub organization_name: String,
    pub display_name: String,
    pub meeting_title: Option<String>,
}

pub fn names(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
    user_id: Uuid,
    meeting_id: Option<Uuid>,
) -> QueryResult<Names> {
    use crate::db::schema::projects;
    let project_title = projects::table
        .find(project_id)
        .select(projects::title)
        .first(conn)?;
    let organization_name = organizations::table
        .find(organization_id)
        .select(organizations::name)
        .first(conn)?;
    let display_name = users::table
        .find(user_id)
        .select(users::display_name)
        .first(conn)?;
    let meeting_title = match meeting_id {
        Some(id) => Some(
            meetings::table
                .find(id)
                .select(meetings::title)
                .first(conn)?,
        ),
        None => None,
    };
    Ok(Names {
        project_title,
        organization_name,
        display_name,
        meeting_title,
    })
}

/// Whether `user_id` is a member of an organization taking part in the project (invited or
/// accepted), and whether of the initiator.
pub struct Standing {
    pub takes_part: bool,
    pub initiator: bool,
}

pub fn standing_in(
    conn: &mut PgConnection,
    project_id: Uuid,
    initiator_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Standing> {
    let orgs: Vec<(Uuid, String)> = partnerships::table
        .inner_join(
            memberships::table.on(memberships::organization_id.eq(partnerships::organization_id)),
        )
        .filter(partnerships::project_id.eq(project_id))
        .filter(memberships::user_id.eq(user_id))
        .select((partnerships::organization_id, partnerships::status))
        .load(conn)?;
    let taking_part = |status: &str| status == "invited" || status == "accepted";
    Ok(Standing {
        takes_part: orgs.iter().any(|(_, status)| taking_part(status)),
        initiator: orgs
            .iter()
            .any(|(org, status)| *org == initiator_id && taking_part(status)),
    })
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attestations, check_for_backend(diesel::pg::Pg))]
pub struct AttestationRow {
    pub id: Uuid,
    pub project_id: Uuid,
    pub token: String,
    pub created_by: Uuid,
    pub kid: String,
    pub jws: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
}

pub fn insert_attestation(conn: &mut PgConnection, row: &AttestationRow) -> QueryResult<()> {
    diesel::insert_into(attestations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A project's attestations, newest first, with the name of who made each.
pub fn attestations_of(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<(AttestationRow, String)>> {
    attestations::table
        .inner_join(users::table)
        .filter(attestations::project_id.eq(project_id))
        .order(attestations::created_at.desc())
        .select((AttestationRow::as_select(), users::display_name))
        .load(conn)
}

pub fn attestation(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<AttestationRow>> {
    attestations::table
        .find(id)
        .select(AttestationRow::as_select())
        .first(conn)
        .optional()
}

pub fn attestation_by_token(
    conn: &mut PgConnection,
    token: &str,
) -> QueryResult<Option<AttestationRow>> {
    attestations::table
        .filter(attestations::token.eq(token))
        .select(AttestationRow::as_select())
        .first(conn)
        .optional()
}

/// Revokes an attestation that is not revoked yet; returns whether this call did it.
pub fn revoke_attestation(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        attestations::table
            .find(id)
            .filter(attestations::revoked_at.is_null()),
    )
    .set((
        attestations::revoked_at.eq(now),
        attestations::revoked_by.eq(by),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The latest concertation record of each of a project's meetings.
pub fn latest_records(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<HashMap<Uuid, ConcertationRecord>> {
    let rows: Vec<ConcertationRecord> = concertation_records::table
        .filter(concertation_records::project_id.eq(project_id))
        .distinct_on(concertation_records::meeting_id)
        .order((
            concertation_records::meeting_id,
            concertation_records::created_at.desc(),
        ))
        .select(ConcertationRecord::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.meeting_id, r)).collect())
}
