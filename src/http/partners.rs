//! Partnerships: invitation (a consultation email, never a calendar invitation), answers,
//! withdrawal (`/api/projects/{id}/partners`). Every transition is a conditional update on the
//! current status, with an audit row.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::ProjectAccess;
use crate::auth::links::{self, Consultation};
use crate::db;
use crate::db::models::{NewAuditEvent, Organization, Partnership};
use crate::db::organizations as orgs;
use crate::db::schema::{organizations, partnerships, users};
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, line, optional_line, optional_paragraph};
use crate::domain::partnership::{PartnershipStatus, Transition};
use crate::domain::proof::ConsentKind;
use crate::http::CurrentUser;
use crate::http::auth::mail_box;
use crate::http::views::PartnershipView;
use crate::http::{ApiError, AppState};
use crate::mail::{self, Outgoing, templates};
use crate::workflow::membership;
use crate::workflow::receipts::{self, ConsentFacts};
use crate::workflow::signing::Signer;

#[derive(Deserialize)]
pub struct Invitation {
    organization_name: Option<String>,
    organization_id: Option<Uuid>,
    contact_email: String,
    proposed_role: Option<String>,
}

/// Every partnership of a project with its organization's name, initiator first.
pub fn list_of(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<Vec<(Partnership, Organization)>> {
    crate::db::proof::partnerships_of(conn, project_id)
}

/// `POST /api/projects/{id}/partners`: only the initiator's members invite.
pub async fn invite(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<Invitation>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let body = body.into_inner();
    let contact = EmailAddress::parse("contact_email", &body.contact_email)?;
    let to = mail_box(&contact)?;
    let role = optional_line("proposed_role", body.proposed_role.as_deref(), 300)?;
    let named = match (body.organization_id, body.organization_name.as_deref()) {
        (Some(id), _) => OrgRef::Id(id),
        (None, Some(name)) => OrgRef::Name(line("organization_name", name, 200)?),
        (None, None) => {
            return Err(ApiError::invalid_field(
                "organization_name",
                "name the organization (organization_name) or give its organization_id",
            ));
        }
    };
    let inviter = current.user.clone();
    let app = state.clone();
    let view = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let access = ProjectAccess::load(conn, project_id, inviter.id)?;
            access.require_initiator()?;
            crate::http::projects::require_open(&access.project)?;
            within_daily_invitations(conn, inviter.id, app.settings.invites_per_day)?;
            let org = match named {
                OrgRef::Id(id) => organizations::table
                    .find(id)
                    .select(Organization::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| {
                        ApiError::invalid_field("organization_id", "no such organization")
                    })?,
                // A name a person would take for an existing organization's is that
                // organization: never a look-alike created next to it.
                OrgRef::Name(name) => {
                    orgs::lock_names(conn)?;
                    match orgs::find_look_alike(conn, &name)? {
                        Some(org) => org,
                        None => orgs::insert(
                            conn,
                            orgs::NewOrganization {
                                name: &name,
                                kind: None,
                                territory: None,
                                siren: None,
                            },
                        )?,
                    }
                }
            };
            if org.id == access.project.initiator_organization_id {
                return Err(ApiError::conflict(
                    "already_partner",
                    "the initiator organization is a partner already",
                ));
            }
            let now = Utc::now();
            let existing: Option<Partnership> = partnerships::table
                .find((project_id, org.id))
                .select(Partnership::as_select())
                .first(conn)
                .optional()?;
            let partnership = match existing {
                None => {
                    let partnership = Partnership {
                        project_id,
                        organization_id: org.id,
                        status: PartnershipStatus::Invited,
                        contact_email: Some(contact.as_str().to_owned()),
                        proposed_role: role.clone(),
                        invited_by: Some(inviter.id),
                        invited_at: now,
                        answered_at: None,
                        answered_by: None,
                        comment: None,
                    };
                    diesel::insert_into(partnerships::table)
                        .values(partnership.clone())
                        .execute(conn)?;
                    partnership
                }
                Some(_) => diesel::update(
                    partnerships::table
                        .find((project_id, org.id))
                        .filter(partnerships::status.eq_any(statuses(Transition::Reinvite.from()))),
                )
                .set((
                    partnerships::status.eq(PartnershipStatus::Invited.as_str()),
                    partnerships::contact_email.eq(contact.as_str()),
                    partnerships::proposed_role.eq(&role),
                    partnerships::invited_by.eq(inviter.id),
                    partnerships::invited_at.eq(now),
                    partnerships::answered_at.eq(None::<chrono::DateTime<Utc>>),
                    partnerships::answered_by.eq(None::<Uuid>),
                    partnerships::comment.eq(None::<String>),
                ))
                .returning(Partnership::as_returning())
                .get_result(conn)
                .optional()?
                .ok_or_else(|| {
                    ApiError::conflict(
                        "already_partner",
                        "this organization is already invited to or partner of the project",
                    )
                })?,
            };
            NewAuditEvent {
                project_id: Some(project_id),
                actor_user_id: Some(inviter.id),
                actor_organization_id: Some(access.project.initiator_organization_id),
                action: "partnership.invited",
                organization_id: Some(org.id),
                details: json!({"contact_email": contact.as_str(), "proposed_role": role}),
            }
            .record(conn)?;
            crate::http::projects::advance(
                conn,
                project_id,
                inviter.id,
                crate::domain::project::ProjectEvent::Consulted,
            )?;

            // The consultation: a link to the project that logs the contact in. Links sent
            // earlier for this partnership stop working (a re-invitation names a new contact).
            links::revoke_consultations(conn, project_id, org.id, now)?;
            let token = links::create(
                conn,
                &contact,
                Some(Consultation {
                    organization_id: org.id,
                    project_id,
                }),
                now,
            )?;
            let link = app
                .settings
                .link(&format!("/login?token={token}&project={project_id}"));
            let locale = recipient_locale(conn, &contact)?;
            let initiator: Organization = organizations::table
                .find(access.project.initiator_organization_id)
                .select(Organization::as_select())
                .first(conn)?;
            // An organization that has members answers through them: its admins are told, and
            // the contact alone cannot answer for it (they may ask to join).
            if orgs::member_count(conn, org.id)? > 0 {
                membership::notify_admins_of_consultation(
                    conn,
                    &app.settings,
                    &org,
                    &initiator.name,
                    project_id,
                    &access.project.title,
                    contact.as_str(),
                )?;
            }
            mail::enqueue(
                conn,
                &app.settings,
                Outgoing {
                    kind: "consultation",
                    to,
                    reply_to: mail_box(&EmailAddress::parse("email", &inviter.email)?).ok(),
                    rendered: templates::consultation(
                        locale,
                        &templates::Consultation {
                            project_title: &access.project.title,
                            project_summary: &access.project.summary,
                            initiator_name: &initiator.name,
                            inviter_name: &inviter.display_name,
                            organization_name: &org.name,
                            proposed_role: role.as_deref(),
                            link: &link,
                        },
                    ),
                    calendar: None,
                },
            )?;
            Ok(PartnershipView::new(&partnership, &org.name))
        })
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Created().json(view))
}

/// Refuses a consultation beyond the inviter's daily allowance (`AMONT_INVITES_PER_DAY`): 429
/// with the wait until the oldest of the last 24 hours' invitations leaves the window.
fn within_daily_invitations(
    conn: &mut PgConnection,
    inviter: Uuid,
    per_day: u32,
) -> Result<(), ApiError> {
    use crate::db::schema::audit_events;
    let since = Utc::now() - chrono::Duration::hours(24);
    let recent: Vec<chrono::DateTime<Utc>> = audit_events::table
        .filter(audit_events::action.eq("partnership.invited"))
        .filter(audit_events::actor_user_id.eq(inviter))
        .filter(audit_events::created_at.gt(since))
        .order(audit_events::created_at.asc())
        .select(audit_events::created_at)
        .load(conn)?;
    if recent.len() < per_day as usize {
        return Ok(());
    }
    let oldest = recent.first().copied().unwrap_or(since);
    let wait = (oldest - since).num_seconds().max(1) as u64;
    Err(ApiError::RateLimited {
        retry_after_secs: wait,
    })
}

enum OrgRef {
    Id(Uuid),
    Name(String),
}

fn statuses(list: &[PartnershipStatus]) -> Vec<&'static str> {
    list.iter().map(|s| s.as_str()).collect()
}

/// A known user's language, French for someone new.
fn recipient_locale(conn: &mut PgConnection, email: &EmailAddress) -> QueryResult<Locale> {
    let code: Option<String> = users::table
        .filter(users::email.eq(email.as_str()))
        .select(users::locale)
        .first(conn)
        .optional()?;
    Ok(code.as_deref().and_then(Locale::parse).unwrap_or_default())
}

/// `GET /api/projects/{id}/partners`.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let user_id = current.id();
    let (access, rows, receipts) = db::run(&state.pool, move |conn| {
        let access = ProjectAccess::load(conn, project_id, user_id)?;
        let receipts = acceptance_receipts(conn, project_id)?;
        Ok::<_, ApiError>((access, list_of(conn, project_id)?, receipts))
    })
    .await?;
    // A contact's address is for the initiator's members and the contact's own organization.
    let initiator = access.is_initiator();
    Ok(HttpResponse::Ok().json(
        rows.iter()
            .map(|(p, o)| {
                let receipt = receipts
                    .get(&o.id)
                    .filter(|(at, _)| {
                        p.status == PartnershipStatus::Accepted && Some(*at) == p.answered_at
                    })
                    .map(|(_, jws)| jws.clone());
                let view = PartnershipView::new(p, &o.name).with_receipt(receipt);
                if initiator || access.member_of(o.id) {
                    view
                } else {
                    view.without_contact()
                }
            })
            .collect::<Vec<_>>(),
    ))
}

/// The receipt of each organization's latest acceptance, with its date.
pub fn acceptance_receipts(
    conn: &mut PgConnection,
    project_id: Uuid,
) -> QueryResult<std::collections::HashMap<Uuid, (chrono::DateTime<Utc>, String)>> {
    Ok(crate::db::proof::latest_receipts(conn, project_id)?
        .into_iter()
        .filter(|r| r.kind == ConsentKind::PartnershipAccepted.as_str())
        .map(|r| (r.organization_id, (r.at, r.jws)))
        .collect())
}

#[derive(Deserialize)]
pub struct PartnerPath {
    id: Uuid,
    organization_id: Uuid,
}

#[derive(Deserialize)]
pub struct Answer {
    decision: String,
    comment: Option<String>,
}

/// `POST /api/projects/{id}/partners/{organization_id}/answer`: members of that organization.
pub async fn answer(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<PartnerPath>,
    body: web::Json<Answer>,
) -> Result<HttpResponse, ApiError> {
    let transition = match body.decision.as_str() {
        "accept" => Transition::Accept,
        "decline" => Transition::Decline,
        _ => return Err(ApiError::invalid_field("decision", "accept or decline")),
    };
    let comment = optional_paragraph("comment", body.comment.as_deref(), 2000)?;
    change(&state, current.id(), path.into_inner(), transition, comment).await
}

#[derive(Deserialize, Default)]
pub struct Withdrawal {
    comment: Option<String>,
}

/// `POST /api/projects/{id}/partners/{organization_id}/withdraw`: the initiator's members.
pub async fn withdraw(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<PartnerPath>,
    body: Option<web::Json<Withdrawal>>,
) -> Result<HttpResponse, ApiError> {
    let comment = optional_paragraph(
        "comment",
        body.and_then(|b| b.into_inner().comment).as_deref(),
        2000,
    )?;
    let path = path.into_inner();
    change(&state, current.id(), path, Transition::Withdraw, comment).await
}

/// Applies a transition as a conditional update; 409 `invalid_transition` when the current
/// status does not allow it (for instance when another answer won the race).
async fn change(
    state: &AppState,
    user_id: Uuid,
    PartnerPath {
        id: project_id,
        organization_id,
    }: PartnerPath,
    transition: Transition,
    comment: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let signer = Signer::new(&state.settings);
    let view = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            // An answer that lost the race to a decline must hear 409, not 404.
            let access = match transition {
                Transition::Accept | Transition::Decline => {
                    ProjectAccess::load_any_status(conn, project_id, user_id)?
                }
                _ => ProjectAccess::load(conn, project_id, user_id)?,
            };
            let acting_for = match transition {
                Transition::Withdraw => {
                    access.require_initiator()?;
                    if organization_id == access.project.initiator_organization_id {
                        return Err(ApiError::conflict(
                            "invalid_transition",
                            "the initiator cannot withdraw itself from its own project",
                        ));
                    }
                    access.project.initiator_organization_id
                }
                _ => {
                    access.require_member_of(organization_id)?;
                    organization_id
                }
            };
            let now = Utc::now();
            let updated: Option<Partnership> = diesel::update(
                partnerships::table
                    .find((project_id, organization_id))
                    .filter(partnerships::status.eq_any(statuses(transition.from()))),
            )
            .set((
                partnerships::status.eq(transition.to().as_str()),
                partnerships::answered_at.eq(now),
                partnerships::answered_by.eq(user_id),
                partnerships::comment.eq(&comment),
            ))
            .returning(Partnership::as_returning())
            .get_result(conn)
            .optional()?;
            let Some(partnership) = updated else {
                let status: Option<String> = partnerships::table
                    .find((project_id, organization_id))
                    .select(partnerships::status)
                    .first(conn)
                    .optional()?;
                let status = status.ok_or(ApiError::NotFound)?;
                return Err(ApiError::conflict(
                    "invalid_transition",
                    format!("the partnership is {status}: it cannot be changed this way"),
                )
                .with("status", json!(status)));
            };
            NewAuditEvent {
                project_id: Some(project_id),
                actor_user_id: Some(user_id),
                actor_organization_id: Some(acting_for),
                action: transition.audit_action(),
                organization_id: Some(organization_id),
                details: json!({"comment": comment}),
            }
            .record(conn)?;
            // An acceptance is a consent: signed in this transaction, returned with it.
            let receipt = match ConsentFacts::acceptance(&partnership) {
                Some(facts) => Some(receipts::sign(conn, &signer, facts)?.jws),
                None => None,
            };
            // A withdrawn consultation's links stop working.
            if transition == Transition::Withdraw {
                links::revoke_consultations(conn, project_id, organization_id, now)?;
            }
            // Live clients of a partner that left are disconnected at commit.
            crate::live::notify_access_changed(conn, project_id)?;
            let name: String = organizations::table
                .find(organization_id)
                .select(organizations::name)
                .first(conn)?;
            Ok(PartnershipView::new(&partnership, &name).with_receipt(receipt))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
