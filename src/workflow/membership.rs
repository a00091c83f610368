//! Who speaks for an organization: creating one, asking to join, admins deciding, roles,
//! leaving, verified domains, colleagues invited by an admin, and what a consultation's contact
//! may do before being a member.
//!
//! Every change to an organization's members locks its row first ([`orgs::lock`]), so that the
//! "last admin" rule and "one decision per request" hold under concurrent requests, and writes an
//! audit row. A member who leaves or is removed is disconnected from the live documents of the
//! organization's projects, on every instance, at commit.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::Refusal;
use crate::auth::links;
use crate::config::Settings;
use crate::db::audit;
use crate::db::models::{Membership, MembershipRequest, Organization, User};
use crate::db::organizations::{self as orgs, NewOrganization};
use crate::db::schema::{memberships, partnerships, projects};
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, InputError};
use crate::domain::organization::{
    ContactArrival, LastAdmin, MailDomain, Role, Siren, contact_arrival, join_starts_active,
    may_stop_being_admin,
};
use crate::domain::partnership::PartnershipStatus;
use crate::mail::{self, Outgoing, membership as words};

/// How long an admin's invitation of a colleague stays valid.
pub const COLLEAGUE_INVITATION_DAYS: i64 = 7;

/// After a refusal, how long before the same person may ask the same organization again.
pub const REFUSAL_COOLDOWN_DAYS: i64 = 30;

/// The most domains one organization may vouch for.
pub const MAX_DOMAINS: usize = 20;

/// What a new organization is made of, already parsed.
pub struct OrganizationInput {
    pub name: String,
    pub kind: Option<String>,
    pub territory: Option<String>,
    pub siren: Option<Siren>,
}

/// Creates an organization; the creator becomes its admin. A name a person would take for an
/// existing organization's is refused with that organization, so that the person asks to join
/// it instead of making a look-alike.
pub fn create_organization(
    conn: &mut PgConnection,
    actor: &User,
    input: OrganizationInput,
) -> Result<Organization, Refusal> {
    orgs::lock_names(conn)?;
    if let Some(existing) = orgs::find_look_alike(conn, &input.name)? {
        return Err(organization_exists(&existing));
    }
    let org = orgs::insert(
        conn,
        NewOrganization {
            name: &input.name,
            kind: input.kind.as_deref(),
            territory: input.territory.as_deref(),
            siren: input.siren.as_ref().map(Siren::as_str),
        },
    )?;
    orgs::add_member(conn, org.id, actor.id, Role::Admin, None)?;
    audit(
        conn,
        actor.id,
        &org,
        "organization.created",
        json!({"name": org.name}),
    )?;
    Ok(org)
}

/// The 409 that names the organization a look-alike name points to.
pub fn organization_exists(existing: &Organization) -> Refusal {
    Refusal::conflict(
        "organization_exists",
        format!(
            "an organization named “{}” already exists: ask to join it rather than creating \
             another one",
            existing.name
        ),
    )
    .with("organization_id", json!(existing.id))
    .with(
        "organization",
        json!({"id": existing.id, "name": existing.name}),
    )
}

/// A membership or a request, as the members page shows it.
#[derive(Debug, Clone)]
pub struct MemberEntry {
    pub user: User,
    pub role: Role,
    pub active: bool,
    pub requested_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl MemberEntry {
    fn active(membership: Membership, user: User) -> Self {
        MemberEntry {
            user,
            role: membership.role,
            active: true,
            requested_at: membership.requested_at,
            decided_at: membership.decided_at.or(Some(membership.created_at)),
        }
    }

    fn pending(request: MembershipRequest, user: User) -> Self {
        MemberEntry {
            user,
            role: Role::Member,
            active: false,
            requested_at: Some(request.requested_at),
            decided_at: None,
        }
    }
}

/// An organization as its reader may see it: members also see their role and its verified
/// domains.
pub struct OrganizationRead {
    pub organization: Organization,
    /// The caller's role and the verified domains, for a member.
    pub membership: Option<(Role, Vec<String>)>,
}

/// An organization, for its members, members of any organization that takes part in a project
/// with it, and the contact of one of its pending consultations. Anyone else: not found.
pub fn organization(
    conn: &mut PgConnection,
    actor: &User,
    organization_id: Uuid,
) -> Result<OrganizationRead, Refusal> {
    let organization = orgs::get(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    let membership = match orgs::role_of(conn, organization_id, actor.id)? {
        Some(role) => Some((role, orgs::domains(conn, organization_id)?)),
        None if orgs::shares_a_project(conn, organization_id, actor.id)?
            || orgs::is_pending_contact(conn, organization_id, &actor.email)? =>
        {
            None
        }
        None => return Err(Refusal::NotFound),
    };
    Ok(OrganizationRead {
        organization,
        membership,
    })
}

/// What a member sees of their organization.
pub struct Members {
    pub organization: Organization,
    /// The caller's role.
    pub role: Role,
    /// Active members, then (for admins) pending requests.
    pub entries: Vec<MemberEntry>,
    pub domains: Vec<String>,
}

/// The members page: active members; admins also see pending requests. Others: not found.
pub fn members(
    conn: &mut PgConnection,
    actor: &User,
    organization_id: Uuid,
) -> Result<Members, Refusal> {
    let organization = orgs::get(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    let role = orgs::role_of(conn, organization_id, actor.id)?.ok_or(Refusal::NotFound)?;
    let mut entries: Vec<MemberEntry> = orgs::members(conn, organization_id)?
        .into_iter()
        .map(|(m, u)| MemberEntry::active(m, u))
        .collect();
    if role == Role::Admin {
        entries.extend(
            orgs::pending_requests(conn, organization_id)?
                .into_iter()
                .map(|(r, u)| MemberEntry::pending(r, u)),
        );
    }
    let domains = orgs::domains(conn, organization_id)?;
    Ok(Members {
        organization,
        role,
        entries,
        domains,
    })
}

/// The outcome of asking to join.
pub struct Joined {
    pub entry: MemberEntry,
    /// False when the same request was already waiting (nothing new was sent).
    pub created: bool,
}

/// Asks to join an organization: active at once when the caller's address is at one of its
/// verified domains; otherwise a pending request, and its admins are emailed. Only people who
/// may see the organization ask: the contact of one of its pending consultations, or a member of
/// an organization sharing a project with it; anyone else is told it does not exist.
pub fn request_to_join(
    conn: &mut PgConnection,
    settings: &Settings,
    actor: &User,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Joined, Refusal> {
    let org = orgs::lock(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    let domains = verified_domains(conn, organization_id)?;
    let by_domain = join_starts_active(&actor.email, domains.iter());
    let may_see = by_domain
        || orgs::is_pending_contact(conn, organization_id, &actor.email)?
        || orgs::shares_a_project(conn, organization_id, actor.id)?;
    if !may_see {
        return Err(Refusal::NotFound);
    }
    if orgs::role_of(conn, organization_id, actor.id)?.is_some() {
        return Err(Refusal::conflict(
            "already_member",
            format!("you are already a member of {}", org.name),
        ));
    }
    if by_domain {
        orgs::add_member(
            conn,
            organization_id,
            actor.id,
            Role::Member,
            Some((now, now, actor.id)),
        )?;
        orgs::decide_request(conn, organization_id, actor.id, "approved", None, now)?;
        audit(
            conn,
            actor.id,
            &org,
            "membership.joined_by_domain",
            json!({"user_id": actor.id, "name": actor.display_name}),
        )?;
        let (membership, user) = member(conn, organization_id, actor.id)?;
        return Ok(Joined {
            entry: MemberEntry::active(membership, user),
            created: true,
        });
    }
    if let Some(latest) = orgs::latest_request(conn, organization_id, actor.id)? {
        match latest.status.as_str() {
            "pending" => {
                return Ok(Joined {
                    entry: MemberEntry::pending(latest, actor.clone()),
                    created: false,
                });
            }
            "refused"
                if latest
                    .decided_at
                    .is_some_and(|at| now - at < Duration::days(REFUSAL_COOLDOWN_DAYS)) =>
            {
                return Err(Refusal::conflict(
                    "join_refused",
                    format!(
                        "an admin of {} refused your request; ask its people directly",
                        org.name
                    ),
                ));
            }
            _ => {}
        }
    }
    let request = orgs::insert_request(conn, organization_id, actor.id, now)?
        .ok_or_else(|| Refusal::conflict("join_pending", "your request is already waiting"))?;
    audit(
        conn,
        actor.id,
        &org,
        "membership.requested",
        json!({"user_id": actor.id, "name": actor.display_name}),
    )?;
    let link = settings.link(&format!("/organizations/{organization_id}"));
    for admin in orgs::admins(conn, organization_id)? {
        let locale = user_locale(&admin);
        enqueue(
            conn,
            settings,
            "join_request",
            &admin,
            words::join_request(
                locale,
                &words::JoinRequest {
                    organization_name: &org.name,
                    requester_name: &actor.display_name,
                    requester_email: &actor.email,
                    link: &link,
                },
            ),
        )?;
    }
    Ok(Joined {
        entry: MemberEntry::pending(request, actor.clone()),
        created: true,
    })
}

/// An admin's answer to a request to join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse,
}

/// Approves or refuses a pending request. Of two admins deciding the same request at once,
/// exactly one wins (a conditional update); the other is told what became of it.
pub fn decide(
    conn: &mut PgConnection,
    settings: &Settings,
    actor: &User,
    organization_id: Uuid,
    user_id: Uuid,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<MemberEntry, Refusal> {
    let org = require_admin(conn, actor, organization_id)?;
    let outcome = match decision {
        Decision::Approve => "approved",
        Decision::Refuse => "refused",
    };
    let Some(request) =
        orgs::decide_request(conn, organization_id, user_id, outcome, Some(actor.id), now)?
    else {
        return Err(
            match orgs::latest_request(conn, organization_id, user_id)? {
                None => Refusal::NotFound,
                Some(latest) => Refusal::conflict(
                    "invalid_transition",
                    format!("this request is {} already", latest.status),
                )
                .with("status", json!(latest.status)),
            },
        );
    };
    let requester = crate::db::users::by_id(conn, user_id)?.ok_or(Refusal::NotFound)?;
    if decision == Decision::Approve {
        orgs::add_member(
            conn,
            organization_id,
            user_id,
            Role::Member,
            Some((request.requested_at, now, actor.id)),
        )?;
    }
    audit(
        conn,
        actor.id,
        &org,
        match decision {
            Decision::Approve => "membership.approved",
            Decision::Refuse => "membership.refused",
        },
        json!({"user_id": user_id, "name": requester.display_name}),
    )?;
    let link = settings.link("/");
    enqueue(
        conn,
        settings,
        "membership_decision",
        &requester,
        words::membership_decision(
            user_locale(&requester),
            &words::MembershipDecision {
                organization_name: &org.name,
                approved: decision == Decision::Approve,
                link: &link,
            },
        ),
    )?;
    Ok(match decision {
        Decision::Approve => {
            let (membership, user) = member(conn, organization_id, user_id)?;
            MemberEntry::active(membership, user)
        }
        Decision::Refuse => MemberEntry {
            decided_at: request.decided_at,
            ..MemberEntry::pending(request, requester)
        },
    })
}

/// Changes a member's role (admins). The last admin cannot be demoted.
pub fn change_role(
    conn: &mut PgConnection,
    actor: &User,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<MemberEntry, Refusal> {
    let org = require_admin(conn, actor, organization_id)?;
    let current = orgs::role_of(conn, organization_id, user_id)?.ok_or(Refusal::NotFound)?;
    if current != role {
        if role == Role::Member {
            keep_an_admin(conn, organization_id, current)?;
        }
        diesel::update(memberships::table.find((organization_id, user_id)))
            .set(memberships::role.eq(role.as_str()))
            .execute(conn)?;
        audit(
            conn,
            actor.id,
            &org,
            "membership.role_changed",
            json!({"user_id": user_id, "from": current.as_str(), "to": role.as_str()}),
        )?;
    }
    let (membership, user) = member(conn, organization_id, user_id)?;
    Ok(MemberEntry::active(membership, user))
}

/// Removes a member (admins), or leaves (oneself). The last admin can do neither. The person's
/// open live documents of the organization's projects close, on every instance, at commit.
pub fn remove(
    conn: &mut PgConnection,
    actor: &User,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<(), Refusal> {
    let org = orgs::lock(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    let actor_role = orgs::role_of(conn, organization_id, actor.id)?.ok_or(Refusal::NotFound)?;
    let leaving = actor.id == user_id;
    if !leaving && actor_role != Role::Admin {
        return Err(Refusal::forbidden(
            "only an admin of the organization may remove a member",
        ));
    }
    let current = orgs::role_of(conn, organization_id, user_id)?.ok_or(Refusal::NotFound)?;
    keep_an_admin(conn, organization_id, current)?;
    diesel::delete(memberships::table.find((organization_id, user_id))).execute(conn)?;
    let name: Option<String> = crate::db::users::by_id(conn, user_id)?.map(|u| u.display_name);
    audit(
        conn,
        actor.id,
        &org,
        if leaving {
            "membership.left"
        } else {
            "membership.removed"
        },
        json!({"user_id": user_id, "name": name, "role": current.as_str()}),
    )?;
    // Their live rooms re-check who may stay.
    for project_id in crate::db::partnerships::projects_of(conn, &[organization_id])? {
        crate::live::notify_access_changed(conn, project_id)?;
    }
    Ok(())
}

/// Replaces the domains the organization vouches for (admins). A domain is added only by an
/// admin whose own login address is at it — that is what verifies it: the login link proved
/// they receive mail there. Domains already verified may stay.
pub fn set_domains(
    conn: &mut PgConnection,
    actor: &User,
    organization_id: Uuid,
    raw: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>, Refusal> {
    let org = require_admin(conn, actor, organization_id)?;
    if raw.len() > MAX_DOMAINS {
        return Err(InputError {
            field: "domains",
            message: format!("at most {MAX_DOMAINS} domains"),
        }
        .into());
    }
    let mut wanted: Vec<MailDomain> = raw
        .iter()
        .map(|d| MailDomain::parse("domains", d))
        .collect::<Result<_, _>>()?;
    wanted.sort();
    wanted.dedup();
    let before = orgs::domains(conn, organization_id)?;
    for domain in &wanted {
        if !before.iter().any(|b| b == domain.as_str()) && !domain.holds(&actor.email) {
            return Err(InputError {
                field: "domains",
                message: format!(
                    "{}: you can verify only the domain of your own address ({}); ask a \
                     colleague whose address is there to add it",
                    domain.as_str(),
                    actor.email
                ),
            }
            .into());
        }
    }
    let after: Vec<String> = wanted.iter().map(|d| d.as_str().to_owned()).collect();
    if after != before {
        orgs::replace_domains(conn, organization_id, &after, actor.id, now)?;
        let added: Vec<&String> = after.iter().filter(|d| !before.contains(d)).collect();
        let removed: Vec<&String> = before.iter().filter(|d| !after.contains(d)).collect();
        audit(
            conn,
            actor.id,
            &org,
            "organization.domains_changed",
            json!({"added": added, "removed": removed}),
        )?;
    }
    Ok(after)
}

/// An admin's invitation of a colleague, as sent.
pub struct ColleagueInvited {
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Emails a colleague a link that makes them a member (admins). This is how an institution adds
/// its own people; a consultation never does it for an organization that has members.
pub fn invite_colleague(
    conn: &mut PgConnection,
    settings: &Settings,
    actor: &User,
    organization_id: Uuid,
    email: &EmailAddress,
    role: Role,
    now: DateTime<Utc>,
) -> Result<ColleagueInvited, Refusal> {
    let org = require_admin(conn, actor, organization_id)?;
    if let Some(user) = crate::db::users::by_email(conn, email.as_str())?
        && orgs::role_of(conn, organization_id, user.id)?.is_some()
    {
        return Err(Refusal::conflict(
            "already_member",
            format!("{email} is already a member of {}", org.name),
        ));
    }
    let (token, expires_at) = links::create_membership(
        conn,
        email,
        organization_id,
        role,
        Duration::days(COLLEAGUE_INVITATION_DAYS),
        now,
    )?;
    let link = settings.link(&format!("/login?token={token}"));
    let locale = crate::db::users::by_email(conn, email.as_str())?
        .map(|u| user_locale(&u))
        .unwrap_or_default();
    let rendered = words::colleague_invitation(
        locale,
        &words::ColleagueInvitation {
            organization_name: &org.name,
            inviter_name: &actor.display_name,
            admin: role == Role::Admin,
            valid_days: COLLEAGUE_INVITATION_DAYS,
            link: &link,
        },
    );
    mail::enqueue(
        conn,
        settings,
        Outgoing {
            kind: "membership_invitation",
            to: mailbox(email.as_str(), None)?,
            reply_to: mailbox(&actor.email, Some(&actor.display_name)).ok(),
            rendered,
            calendar: None,
        },
    )?;
    audit(
        conn,
        actor.id,
        &org,
        "membership.invited",
        json!({"email": email.as_str(), "role": role.as_str()}),
    )?;
    Ok(ColleagueInvited {
        email: email.as_str().to_owned(),
        role,
        expires_at,
    })
}

/// Following an admin's invitation: the person becomes an active member with the role given
/// (a member already keeps their role). A request of theirs that was waiting is approved.
pub fn join_by_invitation(
    conn: &mut PgConnection,
    user: &User,
    organization_id: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Organization, Refusal> {
    let org = orgs::lock(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    if orgs::add_member(conn, organization_id, user.id, role, None)? {
        orgs::decide_request(conn, organization_id, user.id, "approved", None, now)?;
        audit(
            conn,
            user.id,
            &org,
            "membership.joined_by_invitation",
            json!({"user_id": user.id, "role": role.as_str()}),
        )?;
    }
    Ok(org)
}

/// Where a consultation link leaves its contact.
#[derive(Debug, Clone, Copy)]
pub struct ContactArrived {
    pub project_id: Uuid,
    pub organization_id: Uuid,
    /// Whether they are a member of the consulted organization now (and so may answer).
    pub member: bool,
}

/// Following a consultation link. It joins nothing unless the invitation is still pending for
/// that address; the contact becomes a member only of an organization that has nobody yet (the
/// invitation created it): its first admin. Otherwise they may read the consultation and ask to
/// join. `None`: the consultation is over (answered, withdrawn, or renewed with a newer link).
pub fn arrive_as_contact(
    conn: &mut PgConnection,
    user: &User,
    project_id: Uuid,
    organization_id: Uuid,
    link_created_at: DateTime<Utc>,
) -> Result<Option<ContactArrived>, Refusal> {
    let Some(org) = orgs::lock(conn, organization_id)? else {
        return Ok(None);
    };
    let pending: bool = diesel::select(diesel::dsl::exists(
        partnerships::table
            .find((project_id, organization_id))
            .filter(partnerships::status.eq("invited"))
            .filter(partnerships::contact_email.eq(&user.email))
            .filter(partnerships::invited_at.le(link_created_at)),
    ))
    .get_result(conn)?;
    if !pending {
        return Ok(None);
    }
    let already = orgs::role_of(conn, organization_id, user.id)?.is_some();
    let member = already
        || match contact_arrival(orgs::member_count(conn, organization_id)?) {
            ContactArrival::FirstAdmin => {
                orgs::add_member(conn, organization_id, user.id, Role::Admin, None)?;
                audit::event("membership.joined_as_contact")
                    .project(project_id)
                    .by(user.id, Some(organization_id))
                    .organization(org.id)
                    .details(json!({"email": user.email, "role": Role::Admin.as_str()}))
                    .record(conn)?;
                true
            }
            ContactArrival::Reader => false,
        };
    Ok(Some(ContactArrived {
        project_id,
        organization_id,
        member,
    }))
}

/// What the contact of a consultation reads before being a member.
pub struct ConsultationRead {
    pub project_id: Uuid,
    pub project_title: String,
    pub initiator: Organization,
    pub organization: Organization,
    pub proposed_role: Option<String>,
    pub status: PartnershipStatus,
    pub invited_at: DateTime<Utc>,
    pub brief: String,
    pub member: bool,
    /// The caller's request to join, if any: its status and when it was made.
    pub request: Option<(String, DateTime<Utc>)>,
}

/// The consultation, read-only, for its contact (while it is pending) and for the consulted
/// organization's members. Anyone else: not found.
pub fn read_consultation(
    conn: &mut PgConnection,
    actor: &User,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<ConsultationRead, Refusal> {
    type PartnershipFields = (String, Option<String>, Option<String>, DateTime<Utc>);
    let partnership: Option<PartnershipFields> = partnerships::table
        .find((project_id, organization_id))
        .select((
            partnerships::status,
            partnerships::contact_email,
            partnerships::proposed_role,
            partnerships::invited_at,
        ))
        .first(conn)
        .optional()?;
    let (status, contact, proposed_role, invited_at) = partnership.ok_or(Refusal::NotFound)?;
    let member = orgs::role_of(conn, organization_id, actor.id)?.is_some();
    let status = PartnershipStatus::parse(&status).ok_or(Refusal::NotFound)?;
    let contact_while_pending =
        status == PartnershipStatus::Invited && contact.as_deref() == Some(&actor.email);
    if !member && !contact_while_pending {
        return Err(Refusal::NotFound);
    }
    let (title, initiator_id): (String, Uuid) = projects::table
        .find(project_id)
        .select((projects::title, projects::initiator_organization_id))
        .first(conn)?;
    let initiator = orgs::get(conn, initiator_id)?.ok_or(Refusal::NotFound)?;
    let organization = orgs::get(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    let brief = crate::document::load(conn, project_id)?.brief().text;
    let request =
        orgs::latest_request(conn, organization_id, actor.id)?.map(|r| (r.status, r.requested_at));
    Ok(ConsultationRead {
        project_id,
        project_title: title,
        initiator,
        organization,
        proposed_role,
        status,
        invited_at,
        brief,
        member,
        request,
    })
}

/// Tells the admins of an organization that has members that it is consulted (an invitation
/// of an existing organization): the contact alone cannot answer for it.
pub fn notify_admins_of_consultation(
    conn: &mut PgConnection,
    settings: &Settings,
    organization: &Organization,
    initiator_name: &str,
    project_id: Uuid,
    project_title: &str,
    contact_email: &str,
) -> Result<usize, Refusal> {
    let link = settings.link(&format!("/projects/{project_id}"));
    let admins = orgs::admins(conn, organization.id)?;
    for admin in &admins {
        enqueue(
            conn,
            settings,
            "consultation_notice",
            admin,
            words::consultation_notice(
                user_locale(admin),
                &words::ConsultationNotice {
                    organization_name: &organization.name,
                    initiator_name,
                    project_title,
                    contact_email,
                    link: &link,
                },
            ),
        )?;
    }
    Ok(admins.len())
}

fn require_admin(
    conn: &mut PgConnection,
    actor: &User,
    organization_id: Uuid,
) -> Result<Organization, Refusal> {
    let org = orgs::lock(conn, organization_id)?.ok_or(Refusal::NotFound)?;
    match orgs::role_of(conn, organization_id, actor.id)? {
        Some(Role::Admin) => Ok(org),
        Some(_) => Err(Refusal::forbidden(
            "only an admin of the organization may do this",
        )),
        None => Err(Refusal::NotFound),
    }
}

/// Refuses to leave the organization without an admin (the caller holds the row lock).
fn keep_an_admin(
    conn: &mut PgConnection,
    organization_id: Uuid,
    current: Role,
) -> Result<(), Refusal> {
    let admins = orgs::admin_count(conn, organization_id)?;
    may_stop_being_admin(current, admins).map_err(|LastAdmin| {
        Refusal::conflict(
            "last_admin",
            "the organization needs at least one admin: make someone else admin first",
        )
    })
}

fn verified_domains(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<Vec<MailDomain>, Refusal> {
    // Stored domains were parsed when written; one that no longer parses vouches for nobody.
    Ok(orgs::domains(conn, organization_id)?
        .iter()
        .filter_map(|d| MailDomain::parse("domains", d).ok())
        .collect())
}

fn member(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<(Membership, User), Refusal> {
    orgs::members(conn, organization_id)?
        .into_iter()
        .find(|(m, _)| m.user_id == user_id)
        .ok_or(Refusal::NotFound)
}

fn audit(
    conn: &mut PgConnection,
    actor: Uuid,
    org: &Organization,
    action: &'static str,
    details: serde_json::Value,
) -> QueryResult<()> {
    audit::event(action)
        .by(actor, Some(org.id))
        .organization(org.id)
        .details(details)
        .record(conn)
}

fn user_locale(user: &User) -> Locale {
    Locale::parse(&user.locale).unwrap_or_default()
}

fn mailbox(email: &str, name: Option<&str>) -> Result<lettre::message::Mailbox, Refusal> {
    let address: lettre::Address = email
        .parse()
        .map_err(|e| anyhow::anyhow!("{email} is not a deliverable address: {e}"))?;
    Ok(lettre::message::Mailbox::new(
        name.map(str::to_owned),
        address,
    ))
}

fn enqueue(
    conn: &mut PgConnection,
    settings: &Settings,
    kind: &'static str,
    to: &User,
    rendered: crate::mail::templates::Rendered,
) -> Result<(), Refusal> {
    mail::enqueue(
        conn,
        settings,
        Outgoing {
            kind,
            to: mailbox(&to.email, Some(&to.display_name))?,
            reply_to: None,
            rendered,
            calendar: None,
        },
    )?;
    Ok(())
}
