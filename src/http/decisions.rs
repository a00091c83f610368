//! Decisions and follow-up after meetings: a meeting marked held, decisions with each partner's
//! position, action items, overdue tracking, the register (JSON and CSV), and "my
//! organization's actions". The rules are in `workflow::follow_up`; these handlers parse, call
//! one use case, and shape the answer.

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::follow_up::{ActionFilter, DecisionFilter};
use crate::domain::Locale;
use crate::domain::follow_up::{ActionStatus, DecisionStatus, Position};
use crate::domain::input::{line, optional_line, optional_paragraph, paragraph};
use crate::http::CurrentUser;
use crate::http::perform::{as_caller, for_caller};
use crate::http::views::{DecisionView, MeetingView};
use crate::http::{ApiError, AppState, register_csv};
use crate::workflow::follow_up::{self as follow_up, ActionInput, DecisionInput, today};

/// A decision's `status` as a body or a query gives it.
fn decision_status(word: &str) -> Result<DecisionStatus, ApiError> {
    DecisionStatus::parse(word)
        .ok_or_else(|| ApiError::invalid_field("status", "adopted, rejected or deferred"))
}

/// An action's `status` as a body or a query gives it.
fn action_status(word: &str) -> Result<ActionStatus, ApiError> {
    ActionStatus::parse(word)
        .ok_or_else(|| ApiError::invalid_field("status", "open, done or cancelled"))
}

#[derive(Deserialize)]
pub struct PositionBody {
    organization_id: Uuid,
    position: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
pub struct NewDecision {
    title: String,
    #[serde(default)]
    text: String,
    agenda_item_id: Option<String>,
    status: String,
    #[serde(default)]
    positions: Vec<PositionBody>,
}

impl NewDecision {
    fn parse(self) -> Result<DecisionInput, ApiError> {
        let title = line("title", &self.title, 300)?;
        let text = paragraph("text", &self.text, 20_000)?;
        let status = decision_status(&self.status)?;
        let agenda_item_id = optional_line("agenda_item_id", self.agenda_item_id.as_deref(), 100)?;
        let mut positions = Vec::new();
        for p in self.positions {
            let position = Position::parse(&p.position).ok_or_else(|| {
                ApiError::invalid_field("positions", "consent, objection or abstention")
            })?;
            let comment = optional_paragraph("positions", p.comment.as_deref(), 2000)?;
            positions.push((p.organization_id, position, comment));
        }
        Ok(DecisionInput {
            title,
            text,
            agenda_item_id,
            status,
            positions,
        })
    }
}

/// `POST /api/meetings/{id}/decisions`: the initiator's members record what was decided.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewDecision>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().parse()?;
    let decision = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        follow_up::record_decision(conn, actor.id, meeting_id, input)
    })
    .await?;
    Ok(HttpResponse::Created().json(decision))
}

/// `POST /api/meetings/{id}/held`: a convened meeting that has started is marked as held.
pub async fn mark_held(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let meeting = for_caller(&state, &current, path, |conn, actor, meeting_id| {
        follow_up::mark_held(conn, actor.id, meeting_id, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    status: Option<String>,
    meeting_id: Option<Uuid>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    lang: Option<String>,
}

impl RegisterQuery {
    fn filter(&self) -> Result<DecisionFilter, ApiError> {
        if let Some(status) = &self.status {
            decision_status(status)?;
        }
        Ok(DecisionFilter {
            status: self.status.clone(),
            meeting_id: self.meeting_id,
            from: self.from,
            to: self.to,
            id: None,
        })
    }
}

/// `GET /api/projects/{id}/decisions?status=&meeting_id=&from=&to=`.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = register(&state, &current, path, &query).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// `GET /api/projects/{id}/decisions.csv`: one row per decision, UTF-8 with a BOM so that Excel
/// reads accents right; `;`-separated in French (what French Excel expects), `,` in English.
pub async fn csv(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    let profile = || Locale::parse(&current.user.locale).unwrap_or_default();
    let locale = Locale::named_or("lang", query.lang.as_deref(), profile)?;
    let found = register(&state, &current, path, &query).await?;
    let body = register_csv::render(&found, locale).map_err(anyhow::Error::from)?;
    Ok(register_csv::download("decisions.csv", body))
}

/// The decisions of the project in the path that the query selects.
async fn register(
    state: &AppState,
    current: &CurrentUser,
    path: web::Path<Uuid>,
    query: &RegisterQuery,
) -> Result<Vec<DecisionView>, ApiError> {
    let filter = query.filter()?;
    for_caller(state, current, path, move |conn, actor, project_id| {
        follow_up::register(conn, actor.id, project_id, filter)
    })
    .await
}

#[derive(Deserialize)]
pub struct NewAction {
    title: String,
    owner_organization_id: Uuid,
    due_on: NaiveDate,
}

/// `POST /api/decisions/{id}/actions`: the initiator's members; the owner is an accepted partner.
pub async fn create_action(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewAction>,
) -> Result<HttpResponse, ApiError> {
    let input = ActionInput {
        title: line("title", &body.title, 300)?,
        owner_organization_id: body.owner_organization_id,
        due_on: body.due_on,
    };
    let action = for_caller(&state, &current, path, move |conn, actor, decision_id| {
        follow_up::create_action(conn, actor.id, decision_id, input)
    })
    .await?;
    Ok(HttpResponse::Created().json(action))
}

#[derive(Deserialize)]
pub struct ActionChange {
    status: String,
}

/// `PATCH /api/actions/{id}`: members of the owner organization or of the initiator change its
/// status, as a conditional update on the current one.
pub async fn patch_action(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ActionChange>,
) -> Result<HttpResponse, ApiError> {
    let target = action_status(&body.status)?;
    let action = for_caller(&state, &current, path, move |conn, actor, action_id| {
        follow_up::change_action(conn, actor.id, action_id, target)
    })
    .await?;
    Ok(HttpResponse::Ok().json(action))
}

#[derive(Deserialize)]
pub struct ActionsQuery {
    overdue: Option<bool>,
    status: Option<String>,
    owner_organization_id: Option<Uuid>,
}

impl ActionsQuery {
    fn filter(&self) -> Result<ActionFilter, ApiError> {
        Ok(ActionFilter {
            status: self.status.as_deref().map(action_status).transpose()?,
            owners: self.owner_organization_id.map(|o| vec![o]),
            overdue_on: self.overdue.unwrap_or(false).then(today),
            ..ActionFilter::default()
        })
    }
}

/// `GET /api/projects/{id}/actions?overdue=true&status=&owner_organization_id=`.
pub async fn list_actions(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<ActionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let found = for_caller(&state, &current, path, move |conn, actor, project_id| {
        follow_up::project_actions(conn, actor.id, project_id, filter)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// `GET /api/me/actions?status=`: the actions owned by the caller's organizations (open ones by
/// default), overdue first, in the projects they take part in.
pub async fn my_actions(
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<ActionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut filter = query.filter()?;
    if query.status.is_none() && query.overdue.is_none() {
        filter.status = Some(ActionStatus::Open);
    }
    let found = as_caller(&state, &current, move |conn, actor| {
        follow_up::my_actions(conn, actor.id, filter)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}
