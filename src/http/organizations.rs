//! Organizations and who speaks for them (`/api/organizations`, `/api/consultations`): creating
//! one, its members and requests to join, roles, verified domains, colleagues invited by an
//! admin, and a consultation read by its contact before being a member. The rules are in
//! `workflow::membership`; these handlers parse, call one use case, and shape the answer.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::input::{EmailAddress, line, optional_line};
use crate::domain::organization::{Role, Siren};
use crate::http::CurrentUser;
use crate::http::perform::{as_caller, for_caller};
use crate::http::views::{
    ColleagueInvitationView, ConsultationView, DomainsView, MembershipView, OrganizationView,
};
use crate::http::{ApiError, AppState};
use crate::workflow::membership::{self as membership, Decision, OrganizationInput};

#[derive(Deserialize)]
pub struct NewOrganization {
    name: String,
    kind: Option<String>,
    territory: Option<String>,
    siren: Option<String>,
}

/// `POST /api/organizations`: the caller becomes its admin; a look-alike of an existing name
/// answers 409 `organization_exists` with that organization.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewOrganization>,
) -> Result<HttpResponse, ApiError> {
    let input = OrganizationInput {
        name: line("name", &body.name, 200)?,
        kind: optional_line("kind", body.kind.as_deref(), 100)?,
        territory: optional_line("territory", body.territory.as_deref(), 200)?,
        siren: match body.siren.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(Siren::parse("siren", raw)?),
        },
    };
    let org = as_caller(&state, &current, move |conn, actor| {
        membership::create_organization(conn, actor, input)
    })
    .await?;
    Ok(HttpResponse::Created().json(OrganizationView::with_role(&org, Role::Admin)))
}

/// `GET /api/organizations/{id}`: visible to its members, to members of any organization that
/// takes part in a project with it, and to the contact of one of its pending consultations.
/// Members also see its verified domains and their role.
pub async fn get(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let read = for_caller(&state, &current, path, membership::organization).await?;
    Ok(HttpResponse::Ok().json(OrganizationView::from(&read)))
}

/// `GET /api/organizations/{id}/members`: active members; admins also see pending requests.
pub async fn members(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let listing = for_caller(&state, &current, path, membership::members).await?;
    Ok(HttpResponse::Ok().json(
        listing
            .entries
            .iter()
            .map(MembershipView::from)
            .collect::<Vec<_>>(),
    ))
}

/// `POST /api/organizations/{id}/join`: 201 with the membership (active at a verified domain,
/// else pending and the admins are emailed); 200 when the same request was already waiting.
pub async fn join(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let joined = for_caller(
        &state,
        &current,
        path,
        move |conn, actor, organization_id| {
            membership::request_to_join(conn, &settings, actor, organization_id, Utc::now())
        },
    )
    .await?;
    state.mailer.wake();
    let view = MembershipView::from(&joined.entry);
    Ok(if joined.created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

#[derive(Deserialize)]
pub struct MemberPath {
    id: Uuid,
    user_id: Uuid,
}

/// `POST /api/organizations/{id}/members/{user_id}/approve` (admins).
pub async fn approve(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    decide(state, current, path, Decision::Approve).await
}

/// `POST /api/organizations/{id}/members/{user_id}/refuse` (admins).
pub async fn refuse(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    decide(state, current, path, Decision::Refuse).await
}

async fn decide(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MemberPath>,
    decision: Decision,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let entry = for_caller(&state, &current, path, move |conn, actor, at| {
        membership::decide(
            conn,
            &settings,
            actor,
            at.id,
            at.user_id,
            decision,
            Utc::now(),
        )
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Ok().json(MembershipView::from(&entry)))
}

#[derive(Deserialize)]
pub struct RoleChange {
    role: String,
}

/// `PATCH /api/organizations/{id}/members/{user_id}` `{"role"}` (admins).
pub async fn change_role(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MemberPath>,
    body: web::Json<RoleChange>,
) -> Result<HttpResponse, ApiError> {
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError::invalid_field("role", "admin or member"))?;
    let entry = for_caller(&state, &current, path, move |conn, actor, at| {
        membership::change_role(conn, actor, at.id, at.user_id, role)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MembershipView::from(&entry)))
}

/// `DELETE /api/organizations/{id}/members/{user_id}`: an admin removes a member, or a member
/// leaves (their own id).
pub async fn remove(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    for_caller(&state, &current, path, |conn, actor, at| {
        membership::remove(conn, actor, at.id, at.user_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct Domains {
    domains: Vec<String>,
}

/// `PUT /api/organizations/{id}/domains` `{"domains"}` (admins).
pub async fn put_domains(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<Domains>,
) -> Result<HttpResponse, ApiError> {
    let wanted = body.into_inner().domains;
    let domains = for_caller(
        &state,
        &current,
        path,
        move |conn, actor, organization_id| {
            membership::set_domains(conn, actor, organization_id, &wanted, Utc::now())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(DomainsView { domains }))
}

#[derive(Deserialize)]
pub struct ColleagueInvitation {
    email: String,
    role: Option<String>,
}

/// `POST /api/organizations/{id}/invitations` `{"email", "role"?}` (admins): emails a link that
/// makes the colleague a member.
pub async fn invite(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ColleagueInvitation>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse("email", &body.email)?;
    let role = match body.role.as_deref() {
        None => Role::Member,
        Some(raw) => {
            Role::parse(raw).ok_or_else(|| ApiError::invalid_field("role", "admin or member"))?
        }
    };
    let settings = state.settings.clone();
    let invited = for_caller(
        &state,
        &current,
        path,
        move |conn, actor, organization_id| {
            let now = Utc::now();
            membership::invite_colleague(conn, &settings, actor, organization_id, &email, role, now)
        },
    )
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Created().json(ColleagueInvitationView {
        email: invited.email,
        role: invited.role,
        expires_at: invited.expires_at,
    }))
}

#[derive(Deserialize)]
pub struct ConsultationPath {
    project_id: Uuid,
    organization_id: Uuid,
}

/// `GET /api/consultations/{project_id}/{organization_id}`: the consultation, read-only, for its
/// contact (while pending) and the consulted organization's members.
pub async fn consultation(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<ConsultationPath>,
) -> Result<HttpResponse, ApiError> {
    let read = for_caller(&state, &current, path, |conn, actor, at| {
        membership::read_consultation(conn, actor, at.project_id, at.organization_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConsultationView::from(&read)))
}
