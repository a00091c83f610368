//! Projects, their brief and missions, and agreements to missions (`/api/projects`). The rules
//! are in `workflow::projects` and `workflow::consent`; these handlers parse, call one use
//! case, and shape the answer.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::input::{agreement_answer, line, paragraph};
use crate::domain::partners_time::parse_min_notice_days;
use crate::http::CurrentUser;
use crate::http::perform::{as_caller, for_caller};
use crate::http::views::{AgreementView, MissionView, ProjectDetailView, ProjectView, SectionView};
use crate::http::{ApiError, AppState};
use crate::workflow::consent::{self, MissionConsent};
use crate::workflow::projects::{self as workflow, ProjectChange, ProjectInput};
use crate::workflow::signing::Signer;

/// The longest brief or mission accepted over HTTP, in characters.
pub const MAX_SECTION_CHARS: usize = 200_000;

#[derive(Deserialize)]
pub struct NewProject {
    title: String,
    #[serde(default)]
    summary: String,
    initiator_organization_id: Uuid,
}

/// `POST /api/projects`: the initiator organization is an accepted partner from the start.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewProject>,
) -> Result<HttpResponse, ApiError> {
    let input = ProjectInput {
        title: line("title", &body.title, 300)?,
        summary: paragraph("summary", &body.summary, 20_000)?,
        initiator_organization_id: body.initiator_organization_id,
    };
    let signer = Signer::new(&state.settings);
    let project = as_caller(&state, &current, move |conn, actor| {
        workflow::create(conn, &signer, actor, input)
    })
    .await?;
    Ok(HttpResponse::Created().json(ProjectView::from(&project)))
}

/// `GET /api/projects`: the projects the caller's organizations take part in.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let found = as_caller(&state, &current, workflow::list).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(ProjectView::from).collect::<Vec<_>>()))
}

/// `GET /api/projects/{id}`, with the caller's own partnerships in it.
pub async fn get(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let access = for_caller(&state, &current, path, workflow::get).await?;
    Ok(HttpResponse::Ok().json(ProjectDetailView::from(&access)))
}

#[derive(Deserialize)]
pub struct TextBody {
    text: String,
}

/// `GET /api/projects/{id}/brief`.
pub async fn get_brief(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let section = for_caller(&state, &current, path, workflow::brief).await?;
    Ok(HttpResponse::Ok().json(SectionView::from(section)))
}

/// `PUT /api/projects/{id}/brief`: replaces the brief in the live document.
pub async fn put_brief(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let text = paragraph("text", &body.text, MAX_SECTION_CHARS)?;
    let max_bytes = state.settings.doc_max_bytes;
    let section = for_caller(&state, &current, path, move |conn, actor, project_id| {
        workflow::replace_brief(conn, actor, project_id, &text, max_bytes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SectionView::from(section)))
}

#[derive(Deserialize)]
pub struct MissionPath {
    id: Uuid,
    organization_id: Uuid,
}

/// `GET /api/projects/{id}/missions/{organization_id}`, with the agreement that backs it.
pub async fn get_mission(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MissionPath>,
) -> Result<HttpResponse, ApiError> {
    let mission = for_caller(&state, &current, path, |conn, actor, at: MissionPath| {
        consent::mission(conn, actor, at.id, at.organization_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MissionView::from(mission)))
}

/// `PUT /api/projects/{id}/missions/{organization_id}`: any participant may co-edit a mission.
/// A change to a mission that was agreed is audited: that agreement no longer counts.
pub async fn put_mission(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MissionPath>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let text = paragraph("text", &body.text, MAX_SECTION_CHARS)?;
    let max_bytes = state.settings.doc_max_bytes;
    let section = for_caller(
        &state,
        &current,
        path,
        move |conn, actor, at: MissionPath| {
            consent::replace_mission(conn, actor, at.id, at.organization_id, &text, max_bytes)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(SectionView::from(section)))
}

#[derive(Deserialize)]
pub struct AgreementBody {
    content_hash: String,
    decision: String,
    comment: Option<String>,
}

/// `POST /api/projects/{id}/missions/{organization_id}/agreement`: only members of that
/// organization, only once it accepted, only on the current text.
pub async fn agree_mission(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MissionPath>,
    body: web::Json<AgreementBody>,
) -> Result<HttpResponse, ApiError> {
    let (decision, comment) = agreement_answer(&body.decision, body.comment.as_deref())?;
    let answer = MissionConsent {
        decision,
        comment,
        claimed_hash: body.content_hash.trim().to_owned(),
    };
    let signer = Signer::new(&state.settings);
    let (recorded, current_hash) = for_caller(&state, &current, path, move |conn, actor, at| {
        consent::agree_to_mission(conn, &signer, actor, at.id, at.organization_id, answer)
    })
    .await?;
    Ok(HttpResponse::Created().json(AgreementView::recorded(recorded, &current_hash)))
}

/// `POST /api/projects/{id}/close`: the initiator ends the project.
pub async fn close(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project = for_caller(&state, &current, path, workflow::close).await?;
    Ok(HttpResponse::Ok().json(ProjectView::from(&project)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectChangeBody {
    title: Option<String>,
    summary: Option<String>,
    min_notice_days: Option<i64>,
}

/// `PATCH /api/projects/{id}` `{"title"?, "summary"?, "min_notice_days"?}` (initiator, open
/// project) → the project.
pub async fn patch(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ProjectChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let change = ProjectChange {
        title: body.title.map(|t| line("title", &t, 300)).transpose()?,
        summary: body
            .summary
            .map(|s| paragraph("summary", &s, 20_000))
            .transpose()?,
        min_notice_days: body
            .min_notice_days
            .map(|d| parse_min_notice_days("min_notice_days", d))
            .transpose()?,
    };
    let project = for_caller(&state, &current, path, move |conn, actor, project_id| {
        workflow::change(conn, actor, project_id, change)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProjectView::from(&project)))
}
