//! Queries of the organizations family: organizations, memberships (active members only),
//! membership requests (people waiting for an admin) and verified domains.
//!
//! A person in `memberships` speaks for the organization; a person with a pending request does
//! not, and no access check reads `membership_requests`: that is what keeps a pending person out
//! of every project by construction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use uuid::Uuid;

use crate::db::models::{Membership, MembershipRequest, Organization, User};
use crate::db::schema::{
    membership_requests, memberships, organization_domains, organizations, partnerships, users,
};
use crate::domain::organization::{Role, name_key};

/// One organization.
pub fn get(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// Locks the organization's row until the end of the transaction: changes to its members are
/// made one at a time, so "is this the last admin?" cannot be answered twice at once.
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .for_update()
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// Serializes the creation of organizations until the end of the transaction, so two
/// look-alike names created at the same moment cannot both pass the check.
pub fn lock_names(conn: &mut PgConnection) -> QueryResult<()> {
    // An arbitrary constant of ours: "amont organization names".
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(0x616d_6f6e_746f_7267_i64)
        .execute(conn)
        .map(|_| ())
}

/// The organization whose name a person would take for `name`, if any.
pub fn find_look_alike(conn: &mut PgConnection, name: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::name_key.eq(name_key(name)))
        .order(organizations::created_at.asc())
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// What a new organization is made of.
pub struct NewOrganization<'a> {
    pub name: &'a str,
    pub kind: Option<&'a str>,
    pub territory: Option<&'a str>,
    pub siren: Option<&'a str>,
}

/// Creates an organization (the caller checked the name is free, under [`lock_names`]).
pub fn insert(conn: &mut PgConnection, new: NewOrganization<'_>) -> QueryResult<Organization> {
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(Uuid::new_v4()),
            organizations::name.eq(new.name),
            organizations::name_key.eq(name_key(new.name)),
            organizations::kind.eq(new.kind),
            organizations::territory.eq(new.territory),
            organizations::siren.eq(new.siren),
        ))
        .returning(Organization::as_returning())
        .get_result(conn)
}

/// Gives a name key to organizations written before keys existed (the migration that added the
/// column cannot compute them: the rule is Rust's). Returns how many it filled.
pub fn backfill_name_keys(conn: &mut PgConnection) -> QueryResult<usize> {
    let missing: Vec<(Uuid, String)> = organizations::table
        .filter(organizations::name_key.is_null())
        .select((organizations::id, organizations::name))
        .load(conn)?;
    for (id, name) in &missing {
        diesel::update(organizations::table.find(id))
            .set(organizations::name_key.eq(name_key(name)))
            .execute(conn)?;
    }
    Ok(missing.len())
}

/// The user's organizations (active memberships) with their role in each, by name.
pub fn of_user(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<(Organization, Role)>> {
    Ok(organizations::table
        .inner_join(memberships::table)
        .filter(memberships::user_id.eq(user_id))
        .order(organizations::name.asc())
        .select((Organization::as_select(), Membership::as_select()))
        .load::<(Organization, Membership)>(conn)?
        .into_iter()
        .map(|(org, m)| (org, m.role))
        .collect())
}

/// The user's role in the organization, when they are an active member.
pub fn role_of(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<Role>> {
    Ok(memberships::table
        .find((organization_id, user_id))
        .select(Membership::as_select())
        .first(conn)
        .optional()?
        .map(|m| m.role))
}

/// How many active members the organization has.
pub fn member_count(conn: &mut PgConnection, organization_id: Uuid) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::organization_id.eq(organization_id))
        .count()
        .get_result(conn)
}

/// How many admins the organization has.
pub fn admin_count(conn: &mut PgConnection, organization_id: Uuid) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::organization_id.eq(organization_id))
        .filter(memberships::role.eq(Role::Admin.as_str()))
        .count()
        .get_result(conn)
}

/// Active members with who they are, admins first, then by name.
pub fn members(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> QueryResult<Vec<(Membership, User)>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(organization_id))
        .order((memberships::role.asc(), users::display_name.asc()))
        .select((Membership::as_select(), User::as_select()))
        .load(conn)
}

/// The organization's admins (the people told about consultations and join requests).
pub fn admins(conn: &mut PgConnection, organization_id: Uuid) -> QueryResult<Vec<User>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(organization_id))
        .filter(memberships::role.eq(Role::Admin.as_str()))
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
}

/// Adds an active member; nothing when they are one already. Returns whether a row was added.
pub fn add_member(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
    decided: Option<(DateTime<Utc>, DateTime<Utc>, Uuid)>,
) -> QueryResult<bool> {
    let (requested_at, decided_at, decided_by) = match decided {
        Some((requested, decided, by)) => (Some(requested), Some(decided), Some(by)),
        None => (None, None, None),
    };
    diesel::insert_into(memberships::table)
        .values((
            memberships::organization_id.eq(organization_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role.as_str()),
            memberships::requested_at.eq(requested_at),
            memberships::decided_at.eq(decided_at),
            memberships::decided_by.eq(decided_by),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|n| n > 0)
}

/// The pending requests to join, oldest first, with who asks.
pub fn pending_requests(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> QueryResult<Vec<(MembershipRequest, User)>> {
    membership_requests::table
        .inner_join(users::table)
        .filter(membership_requests::organization_id.eq(organization_id))
        .filter(membership_requests::status.eq("pending"))
        .order(membership_requests::requested_at.asc())
        .select((MembershipRequest::as_select(), User::as_select()))
        .load(conn)
}

/// The latest request of a person to join an organization, whatever its outcome.
pub fn latest_request(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<MembershipRequest>> {
    membership_requests::table
        .filter(membership_requests::organization_id.eq(organization_id))
        .filter(membership_requests::user_id.eq(user_id))
        .order(membership_requests::requested_at.desc())
        .select(MembershipRequest::as_select())
        .first(conn)
        .optional()
}

/// Records a pending request; `None` when one is pending already (the partial unique index).
pub fn insert_request(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Option<MembershipRequest>> {
    diesel::insert_into(membership_requests::table)
        .values((
            membership_requests::id.eq(Uuid::new_v4()),
            membership_requests::organization_id.eq(organization_id),
            membership_requests::user_id.eq(user_id),
            membership_requests::status.eq("pending"),
            membership_requests::requested_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .returning(MembershipRequest::as_returning())
        .get_result(conn)
        .optional()
}

/// Closes the person's pending request as `outcome`, conditionally: of two admins deciding at
/// once, exactly one gets the row back.
pub fn decide_request(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
    outcome: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> QueryResult<Option<MembershipRequest>> {
    diesel::update(
        membership_requests::table
            .filter(membership_requests::organization_id.eq(organization_id))
            .filter(membership_requests::user_id.eq(user_id))
            .filter(membership_requests::status.eq("pending")),
    )
    .set((
        membership_requests::status.eq(outcome),
        membership_requests::decided_at.eq(now),
        membership_requests::decided_by.eq(by),
    ))
    .returning(MembershipRequest::as_returning())
    .get_result(conn)
    .optional()
}

/// The user's pending requests, with the organization each is for.
pub fn pending_of_user(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> QueryResult<Vec<(MembershipRequest, Organization)>> {
    membership_requests::table
        .inner_join(organizations::table)
        .filter(membership_requests::user_id.eq(user_id))
        .filter(membership_requests::status.eq("pending"))
        .order(organizations::name.asc())
        .select((MembershipRequest::as_select(), Organization::as_select()))
        .load(conn)
}

/// The organization's verified domains, sorted.
pub fn domains(conn: &mut PgConnection, organization_id: Uuid) -> QueryResult<Vec<String>> {
    organization_domains::table
        .filter(organization_domains::organization_id.eq(organization_id))
        .order(organization_domains::domain.asc())
        .select(organization_domains::domain)
        .load(conn)
}

/// Replaces the organization's verified domains; domains kept keep their first verification.
pub fn replace_domains(
    conn: &mut PgConnection,
    organization_id: Uuid,
    domains: &[String],
    by: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        organization_domains::table
            .filter(organization_domains::organization_id.eq(organization_id))
            .filter(organization_domains::domain.ne_all(domains)),
    )
    .execute(conn)?;
    for domain in domains {
        diesel::insert_into(organization_domains::table)
            .values((
                organization_domains::organization_id.eq(organization_id),
                organization_domains::domain.eq(domain),
                organization_domains::verified_by.eq(by),
                organization_domains::verified_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(())
}

/// Organizations that vouch for the domain of `email` and that the user is not a member of.
pub fn joinable_by(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> QueryResult<Vec<Organization>> {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return Ok(Vec::new());
    };
    organizations::table
        .inner_join(organization_domains::table)
        .filter(organization_domains::domain.eq(domain))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            memberships::table
                .filter(memberships::organization_id.eq(organizations::id))
                .filter(memberships::user_id.eq(user_id)),
        )))
        .order(organizations::name.asc())
        .select(Organization::as_select())
        .load(conn)
}

/// Whether the user is the named contact of a consultation of the organization that is still
/// waiting for an answer.
pub fn is_pending_contact(
    conn: &mut PgConnection,
    organization_id: Uuid,
    email: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        partnerships::table
            .filter(partnerships::organization_id.eq(organization_id))
            .filter(partnerships::contact_email.eq(email))
            .filter(partnerships::status.eq("invited")),
    ))
    .get_result(conn)
}

/// Whether the user belongs to an organization that takes part (invited or accepted) in a
/// project where `organization_id` has a partnership: they may see it.
pub fn shares_a_project(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    let (theirs, mine) = diesel::alias!(partnerships as theirs, partnerships as mine);
    diesel::select(diesel::dsl::exists(
        theirs
            .inner_join(
                mine.on(mine
                    .field(partnerships::project_id)
                    .eq(theirs.field(partnerships::project_id))),
            )
            .inner_join(
                memberships::table
                    .on(memberships::organization_id.eq(mine.field(partnerships::organization_id))),
            )
            .filter(
                theirs
                    .field(partnerships::organization_id)
                    .eq(organization_id),
            )
            .filter(memberships::user_id.eq(user_id))
            .filter(
                mine.field(partnerships::status)
                    .eq_any(["invited", "accepted"]),
            ),
    ))
    .get_result(conn)
}
