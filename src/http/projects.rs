//! Projects, their brief and missions, and agreements to missions (`/api/projects`).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::ProjectAccess;
use crate::db;
use crate::db::models::{Agreement, NewAuditEvent, Partnership, Project};
use crate::db::schema::{agreements, documents, memberships, partnerships, projects};
use crate::document;
use crate::domain::content;
use crate::domain::input::{line, optional_paragraph, paragraph};
use crate::domain::partnership::PartnershipStatus;
use crate::domain::project::{ProjectEvent, ProjectStatus};
use crate::http::CurrentUser;
use crate::http::agreements as agreement;
use crate::http::views::{AgreementView, ProjectView};
use crate::http::{ApiError, AppState};
use crate::workflow::receipts::{self, ConsentFacts};
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
    let title = line("title", &body.title, 300)?;
    let summary = paragraph("summary", &body.summary, 20_000)?;
    let initiator = body.initiator_organization_id;
    let user_id = current.id();
    let signer = Signer::new(&state.settings);
    let project = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let member: bool = diesel::select(diesel::dsl::exists(
                memberships::table
                    .filter(memberships::organization_id.eq(initiator))
                    .filter(memberships::user_id.eq(user_id)),
            ))
            .get_result(conn)?;
            if !member {
                return Err(ApiError::invalid_field(
                    "initiator_organization_id",
                    "you can only start a project for an organization you belong to",
                ));
            }
            let now = Utc::now();
            let project = Project {
                id: Uuid::new_v4(),
                title,
                summary,
                initiator_organization_id: initiator,
                status: ProjectStatus::Draft,
                created_by: user_id,
                created_at: now,
            };
            diesel::insert_into(projects::table)
                .values(project.clone())
                .execute(conn)?;
            let partnership = Partnership {
                project_id: project.id,
                organization_id: initiator,
                status: PartnershipStatus::Accepted,
                contact_email: None,
                proposed_role: None,
                invited_by: Some(user_id),
                invited_at: now,
                answered_at: Some(now),
                answered_by: Some(user_id),
                comment: None,
            };
            diesel::insert_into(partnerships::table)
                .values(partnership.clone())
                .execute(conn)?;
            document::create(conn, project.id, &project.summary)?;
            // The initiator accepts by creating the project: its receipt, like any partner's.
            receipts::sign(
                conn,
                &signer,
                ConsentFacts::acceptance(&partnership).ok_or_else(|| {
                    anyhow::anyhow!("the initiator's partnership is not accepted")
                })?,
            )?;
            NewAuditEvent {
                project_id: Some(project.id),
                actor_user_id: Some(user_id),
                actor_organization_id: Some(initiator),
                action: "project.created",
                organization_id: Some(initiator),
                details: json!({"title": project.title}),
            }
            .record(conn)?;
            Ok(project)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(ProjectView::from(&project)))
}

/// `GET /api/projects`: the projects the caller's organizations take part in.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user_id = current.id();
    let found: Vec<Project> = db::run(&state.pool, move |conn| {
        projects::table
            .filter(
                projects::id.eq_any(
                    partnerships::table
                        .inner_join(
                            memberships::table
                                .on(memberships::organization_id.eq(partnerships::organization_id)),
                        )
                        .filter(memberships::user_id.eq(user_id))
                        .filter(partnerships::status.eq_any(["invited", "accepted"]))
                        .select(partnerships::project_id),
                ),
            )
            .order(projects::created_at.desc())
            .select(Project::as_select())
            .load(conn)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found.iter().map(ProjectView::from).collect::<Vec<_>>()))
}

/// Loads the project as the caller may see it.
pub async fn access(
    state: &AppState,
    project_id: Uuid,
    user_id: Uuid,
) -> Result<ProjectAccess, ApiError> {
    db::run(&state.pool, move |conn| {
        ProjectAccess::load(conn, project_id, user_id).map_err(ApiError::from)
    })
    .await
}

/// `GET /api/projects/{id}`, with the caller's own partnerships in it.
pub async fn get(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let access = access(&state, path.into_inner(), current.id()).await?;
    let mut body =
        serde_json::to_value(ProjectView::from(&access.project)).map_err(anyhow::Error::from)?;
    body["my_organizations"] = json!(
        access
            .organizations
            .iter()
            .map(|(org, status)| json!({"organization_id": org, "status": status}))
            .collect::<Vec<_>>()
    );
    body["is_initiator"] = json!(access.is_initiator());
    Ok(HttpResponse::Ok().json(body))
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
    let project_id = path.into_inner();
    let user_id = current.id();
    let section = db::run(&state.pool, move |conn| {
        ProjectAccess::load(conn, project_id, user_id)?;
        Ok::<_, ApiError>(document::load(conn, project_id)?.brief())
    })
    .await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({"text": section.text, "content_hash": section.content_hash})),
    )
}

/// `PUT /api/projects/{id}/brief`: replaces the brief in the live document.
pub async fn put_brief(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let text = paragraph("text", &body.text, MAX_SECTION_CHARS)?;
    let user_id = current.id();
    let max_bytes = state.settings.doc_max_bytes;
    let section = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            ProjectAccess::load(conn, project_id, user_id)?;
            Ok(document::replace_brief(
                conn, project_id, user_id, &text, max_bytes,
            )?)
        })
    })
    .await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({"text": section.text, "content_hash": section.content_hash})),
    )
}

#[derive(Deserialize)]
pub struct MissionPath {
    id: Uuid,
    organization_id: Uuid,
}

/// The partnership of `organization_id` in the project; 404 when it has none.
fn partnership_of(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<Partnership, ApiError> {
    partnerships::table
        .find((project_id, organization_id))
        .select(Partnership::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// The latest agreement of `organization_id` on its mission.
pub fn latest_mission_agreement(
    conn: &mut PgConnection,
    project_id: Uuid,
    organization_id: Uuid,
) -> QueryResult<Option<Agreement>> {
    agreements::table
        .filter(agreements::project_id.eq(project_id))
        .filter(agreements::subject.eq("mission"))
        .filter(agreements::subject_id.eq(organization_id))
        .filter(agreements::organization_id.eq(organization_id))
        .order(agreements::created_at.desc())
        .select(Agreement::as_select())
        .first(conn)
        .optional()
}

/// `GET /api/projects/{id}/missions/{organization_id}`, with the agreement that backs it.
pub async fn get_mission(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MissionPath>,
) -> Result<HttpResponse, ApiError> {
    let MissionPath {
        id: project_id,
        organization_id,
    } = path.into_inner();
    let user_id = current.id();
    let body = db::run(&state.pool, move |conn| {
        ProjectAccess::load(conn, project_id, user_id)?;
        partnership_of(conn, project_id, organization_id)?;
        let mission = document::load(conn, project_id)?.mission(organization_id);
        let agreement = latest_mission_agreement(conn, project_id, organization_id)?;
        let receipts = crate::db::proof::receipts_of_records(
            conn,
            &agreement.iter().map(|a| a.id).collect::<Vec<_>>(),
        )?;
        let agreement = agreement.map(|a| {
            AgreementView::new(&a, &mission.content_hash).with_receipt(receipts.get(&a.id).cloned())
        });
        Ok::<_, ApiError>(json!({
            "organization_id": organization_id,
            "text": mission.text,
            "content_hash": mission.content_hash,
            "agreement": agreement,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `PUT /api/projects/{id}/missions/{organization_id}`: any participant may co-edit a mission.
/// A change to a mission that was agreed is audited: that agreement no longer counts.
pub async fn put_mission(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<MissionPath>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let MissionPath {
        id: project_id,
        organization_id,
    } = path.into_inner();
    let text = paragraph("text", &body.text, MAX_SECTION_CHARS)?;
    let user_id = current.id();
    let max_bytes = state.settings.doc_max_bytes;
    let section = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let access = ProjectAccess::load(conn, project_id, user_id)?;
            let partnership = partnership_of(conn, project_id, organization_id)?;
            if !partnership.status.takes_part() {
                return Err(ApiError::conflict(
                    "not_a_partner",
                    "this organization declined or was withdrawn: its mission cannot be edited",
                ));
            }
            lock_document(conn, project_id)?;
            let before = document::load(conn, project_id)?.mission(organization_id);
            let after = document::replace_mission(
                conn,
                project_id,
                organization_id,
                user_id,
                &text,
                max_bytes,
            )?;
            if before.content_hash != after.content_hash {
                let agreed = latest_mission_agreement(conn, project_id, organization_id)?
                    .is_some_and(|a| {
                        a.decision == "agree" && a.content_hash == before.content_hash
                    });
                NewAuditEvent {
                    project_id: Some(project_id),
                    actor_user_id: Some(user_id),
                    actor_organization_id: acting_organization(&access, organization_id),
                    action: "mission.changed",
                    organization_id: Some(organization_id),
                    details: json!({
                        "previous_hash": before.content_hash,
                        "content_hash": after.content_hash,
                        "agreement_invalidated": agreed,
                        "via": "http",
                    }),
                }
                .record(conn)?;
            }
            Ok(after)
        })
    })
    .await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({"text": section.text, "content_hash": section.content_hash})),
    )
}

/// The organization the user acts for: `preferred` when they belong to it, else their first.
pub fn acting_organization(access: &ProjectAccess, preferred: Uuid) -> Option<Uuid> {
    if access.member_of(preferred) {
        Some(preferred)
    } else {
        access.organizations.first().map(|(org, _)| *org)
    }
}

/// Serializes consent decisions with edits of the project document (row lock until commit).
pub fn lock_document(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<()> {
    documents::table
        .find(project_id)
        .for_update()
        .select(documents::project_id)
        .first::<Uuid>(conn)
        .map(|_| ())
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
    let MissionPath {
        id: project_id,
        organization_id,
    } = path.into_inner();
    let body = body.into_inner();
    let decision = match body.decision.as_str() {
        "agree" | "object" => body.decision,
        _ => return Err(ApiError::invalid_field("decision", "agree or object")),
    };
    let comment = optional_paragraph("comment", body.comment.as_deref(), 2000)?;
    let claimed_hash = body.content_hash.trim().to_owned();
    let user_id = current.id();
    let signer = Signer::new(&state.settings);
    let view = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let access = ProjectAccess::load(conn, project_id, user_id)?;
            access.require_member_of(organization_id)?;
            let partnership = partnership_of(conn, project_id, organization_id)?;
            if partnership.status != PartnershipStatus::Accepted {
                return Err(ApiError::conflict(
                    "not_accepted",
                    "accept the partnership before agreeing to a mission",
                )
                .with("status", json!(partnership.status)));
            }
            // Hold the document still from the hash check to the insert.
            lock_document(conn, project_id)?;
            let mission = document::load(conn, project_id)?.mission(organization_id);
            let recorded = agreement::record(
                conn,
                &signer,
                agreement::Section {
                    subject: "mission",
                    subject_id: organization_id,
                    current_hash: &mission.content_hash,
                    canonical: content::canonical_mission(organization_id, &mission.text),
                    is_empty: mission.text.trim().is_empty(),
                },
                agreement::Consent {
                    project_id,
                    organization_id,
                    user_id,
                    claimed_hash,
                    decision,
                    comment,
                },
            )?;
            Ok(
                AgreementView::new(&recorded.agreement, &mission.content_hash)
                    .with_receipt(Some(recorded.receipt)),
            )
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Moves the project on `event` when it is in one of the states the event starts from; audited
/// when it moved. Returns whether it moved.
pub fn advance(
    conn: &mut PgConnection,
    project_id: Uuid,
    user_id: Uuid,
    event: ProjectEvent,
) -> QueryResult<bool> {
    let moved = diesel::update(
        projects::table
            .find(project_id)
            .filter(projects::status.eq_any(ProjectStatus::words(event.from()))),
    )
    .set(projects::status.eq(event.to().as_str()))
    .execute(conn)?;
    if moved > 0 {
        NewAuditEvent {
            project_id: Some(project_id),
            actor_user_id: Some(user_id),
            actor_organization_id: None,
            action: "project.status_changed",
            organization_id: None,
            details: json!({"status": event.to()}),
        }
        .record(conn)?;
    }
    Ok(moved > 0)
}

/// 409 `project_closed` when the project no longer takes invitations or meetings.
pub fn require_open(project: &Project) -> Result<(), ApiError> {
    if project.status.is_open() {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "project_closed",
            "the project is closed",
        ))
    }
}

/// `POST /api/projects/{id}/close`: the initiator ends the project.
pub async fn close(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let user_id = current.id();
    let project = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let access = ProjectAccess::load(conn, project_id, user_id)?;
            access.require_initiator()?;
            if !advance(conn, project_id, user_id, ProjectEvent::Closed)? {
                return Err(ApiError::conflict(
                    "project_closed",
                    "the project is already closed",
                ));
            }
            Ok(projects::table
                .find(project_id)
                .select(Project::as_select())
                .first(conn)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProjectView::from(&project)))
}
