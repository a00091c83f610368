//! Partnerships (`/api/projects/{id}/partners`): invitation (a consultation email, never a
//! calendar invitation), the list, answers and withdrawal. The rules are in
//! `workflow::partnerships`; these handlers parse, call one use case, and shape the answer.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::input::{EmailAddress, line, optional_line, optional_paragraph};
use crate::domain::partnership::Transition;
use crate::http::CurrentUser;
use crate::http::perform::for_caller;
use crate::http::views::PartnershipView;
use crate::http::{ApiError, AppState};
use crate::workflow::partnerships::{self as workflow, Invitee, Partner};
use crate::workflow::sessions::mail_box;
use crate::workflow::signing::Signer;

#[derive(Deserialize)]
pub struct Invitation {
    organization_name: Option<String>,
    organization_id: Option<Uuid>,
    contact_email: String,
    proposed_role: Option<String>,
}

/// `POST /api/projects/{id}/partners`: only the initiator's members invite.
pub async fn invite(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<Invitation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let contact = EmailAddress::parse("contact_email", &body.contact_email)?;
    let to = mail_box(&contact)?;
    let proposed_role = optional_line("proposed_role", body.proposed_role.as_deref(), 300)?;
    let invitee = match (body.organization_id, body.organization_name.as_deref()) {
        (Some(id), _) => Invitee::Id(id),
        (None, Some(name)) => Invitee::Name(line("organization_name", name, 200)?),
        (None, None) => {
            return Err(ApiError::invalid_field(
                "organization_name",
                "name the organization (organization_name) or give its organization_id",
            ));
        }
    };
    let invitation = workflow::Invitation {
        invitee,
        contact,
        to,
        proposed_role,
    };
    let settings = state.settings.clone();
    let invited = for_caller(&state, &current, path, move |conn, inviter, project_id| {
        workflow::invite(conn, &settings, inviter, project_id, invitation)
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Created().json(view(invited)))
}

/// `GET /api/projects/{id}/partners`.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let partners = for_caller(&state, &current, path, workflow::partners).await?;
    Ok(HttpResponse::Ok().json(partners.into_iter().map(view).collect::<Vec<_>>()))
}

/// A partnership as its reader may see it.
fn view(partner: Partner) -> PartnershipView {
    let view = PartnershipView::new(&partner.partnership, &partner.organization_name)
        .with_receipt(partner.receipt);
    if partner.shows_contact {
        view
    } else {
        view.without_contact()
    }
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
    change(&state, &current, path, transition, comment).await
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
    change(&state, &current, path, Transition::Withdraw, comment).await
}

/// Applies an answer or a withdrawal (see `workflow::partnerships::change`).
async fn change(
    state: &AppState,
    current: &CurrentUser,
    path: web::Path<PartnerPath>,
    transition: Transition,
    comment: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let signer = Signer::new(&state.settings);
    let changed = for_caller(state, current, path, move |conn, actor, at| {
        workflow::change(
            conn,
            &signer,
            actor,
            at.id,
            at.organization_id,
            transition,
            comment,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(changed)))
}
