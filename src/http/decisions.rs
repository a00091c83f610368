//! Decisions and follow-up after meetings: decisions with each partner's position, action
//! items, overdue tracking, the register (JSON and CSV), and "my organization's actions".

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::ProjectAccess;
use crate::db;
use crate::db::follow_up::{
    self as queries, ActionFilter, ActionView, DecisionFilter, DecisionView,
};
use crate::db::models::{Action, Decision, DecisionPosition, Meeting};
use crate::db::schema::{
    actions, decision_positions, decisions, meetings, memberships, partnerships,
};
use crate::document;
use crate::domain::Locale;
use crate::domain::follow_up::{self, ActionStatus, DecisionStatus, Position, PositionError};
use crate::domain::input::{line, optional_line, optional_paragraph, paragraph};
use crate::http::CurrentUser;
use crate::http::meetings::{audit, in_meeting};
use crate::http::{ApiError, AppState};

/// Today's date where Amont's users are (due dates are calendar days in France).
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Paris).date_naive()
}

fn accepted_partners(conn: &mut PgConnection, project_id: Uuid) -> QueryResult<Vec<Uuid>> {
    partnerships::table
        .filter(partnerships::project_id.eq(project_id))
        .filter(partnerships::status.eq("accepted"))
        .select(partnerships::organization_id)
        .load(conn)
}

fn require_convened_or_held(meeting: &Meeting) -> Result<(), ApiError> {
    if matches!(meeting.status.as_str(), "convened" | "held") {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "not_convened",
            "decisions are recorded for a convened or held meeting",
        )
        .with("status", json!(meeting.status)))
    }
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

/// `POST /api/meetings/{id}/decisions`: the initiator's members record what was decided.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewDecision>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let title = line("title", &body.title, 300)?;
    let text = paragraph("text", &body.text, 20_000)?;
    let status = DecisionStatus::parse(&body.status)
        .ok_or_else(|| ApiError::invalid_field("status", "adopted, rejected or deferred"))?;
    let agenda_item_id = optional_line("agenda_item_id", body.agenda_item_id.as_deref(), 100)?;
    let mut positions = Vec::new();
    for p in body.positions {
        let position = Position::parse(&p.position).ok_or_else(|| {
            ApiError::invalid_field("positions", "consent, objection or abstention")
        })?;
        positions.push((
            p.organization_id,
            position,
            optional_paragraph("positions", p.comment.as_deref(), 2000)?,
        ));
    }
    let view = in_meeting(&state, current.id(), path.into_inner(), move |conn, meeting, access| {
        access.require_initiator()?;
        require_convened_or_held(&meeting)?;
        let accepted = accepted_partners(conn, meeting.project_id)?;
        let claimed: Vec<Uuid> = positions.iter().map(|p| p.0).collect();
        follow_up::check_positions(&accepted, &claimed).map_err(|e| match e {
            PositionError::NotAPartner(org) => ApiError::invalid_field(
                "positions",
                format!("organization {org} is not an accepted partner: it cannot hold a position"),
            ),
            PositionError::Duplicate(org) => {
                ApiError::invalid_field("positions", format!("two positions for organization {org}"))
            }
        })?;
        if let Some(item) = &agenda_item_id {
            let agenda = document::load(conn, meeting.project_id)?.agenda(meeting.id);
            if !agenda.items.iter().any(|i| &i.id == item) {
                return Err(ApiError::invalid_field("agenda_item_id", "no such item in the meeting's agenda"));
            }
        }
        let decision = Decision {
            id: Uuid::new_v4(),
            project_id: meeting.project_id,
            meeting_id: meeting.id,
            agenda_item_id,
            title,
            text,
            status: status.as_str().into(),
            created_by: access.user_id,
            created_at: Utc::now(),
        };
        diesel::insert_into(decisions::table).values(&decision).execute(conn)?;
        let rows: Vec<DecisionPosition> = positions
            .into_iter()
            .map(|(organization_id, position, comment)| DecisionPosition {
                decision_id: decision.id,
                organization_id,
                position: position.as_str().into(),
                comment,
            })
            .collect();
        diesel::insert_into(decision_positions::table).values(&rows).execute(conn)?;
        audit(conn, &access, "decision.recorded", None, json!({
            "decision_id": decision.id, "meeting_id": meeting.id, "status": decision.status, "title": decision.title,
        }))?;
        one_decision(conn, meeting.project_id, decision.id)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

fn one_decision(
    conn: &mut PgConnection,
    project_id: Uuid,
    id: Uuid,
) -> Result<DecisionView, ApiError> {
    let filter = DecisionFilter {
        id: Some(id),
        ..DecisionFilter::default()
    };
    queries::decision_views(conn, project_id, &filter, today())?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// `POST /api/meetings/{id}/held`: a convened meeting that has started is marked as held.
pub async fn mark_held(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let meeting = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        move |conn, meeting, access| {
            access.require_initiator()?;
            if meeting.starts_at.is_some_and(|start| start > Utc::now()) {
                return Err(ApiError::conflict(
                    "not_started",
                    "the meeting has not started yet",
                ));
            }
            let held: Option<Meeting> = diesel::update(
                meetings::table
                    .find(meeting.id)
                    .filter(meetings::status.eq("convened")),
            )
            .set(meetings::status.eq("held"))
            .returning(Meeting::as_returning())
            .get_result(conn)
            .optional()?;
            let held = held.ok_or_else(|| {
                ApiError::conflict(
                    "not_convened",
                    "only a convened meeting can be marked as held",
                )
                .with("status", json!(meeting.status))
            })?;
            audit(
                conn,
                &access,
                "meeting.held",
                None,
                json!({"meeting_id": meeting.id}),
            )?;
            Ok(held)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(crate::http::views::MeetingView::from(&meeting)))
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
        if let Some(status) = &self.status
            && DecisionStatus::parse(status).is_none()
        {
            return Err(ApiError::invalid_field(
                "status",
                "adopted, rejected or deferred",
            ));
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

async fn register(
    state: &AppState,
    user_id: Uuid,
    project_id: Uuid,
    filter: DecisionFilter,
) -> Result<Vec<DecisionView>, ApiError> {
    db::run(&state.pool, move |conn| {
        ProjectAccess::load(conn, project_id, user_id)?;
        Ok(queries::decision_views(conn, project_id, &filter, today())?)
    })
    .await
}

/// `GET /api/projects/{id}/decisions?status=&meeting_id=&from=&to=`.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = register(&state, current.id(), path.into_inner(), query.filter()?).await?;
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
    let locale = match query.lang.as_deref() {
        Some(code) => {
            Locale::parse(code).ok_or_else(|| ApiError::invalid_field("lang", "fr or en"))?
        }
        None => Locale::parse(&current.user.locale).unwrap_or_default(),
    };
    let found = register(&state, current.id(), path.into_inner(), query.filter()?).await?;
    let body = crate::http::register_csv::render(&found, locale).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"decisions.csv\"",
        ))
        .body(body))
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
    let decision_id = path.into_inner();
    let body = body.into_inner();
    let title = line("title", &body.title, 300)?;
    let user_id = current.id();
    let view = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let decision: Decision = decisions::table
                .find(decision_id)
                .select(Decision::as_select())
                .first(conn)
                .optional()?
                .ok_or(ApiError::NotFound)?;
            let access = ProjectAccess::load(conn, decision.project_id, user_id)?;
            access.require_initiator()?;
            if !accepted_partners(conn, decision.project_id)?.contains(&body.owner_organization_id) {
                return Err(ApiError::invalid_field("owner_organization_id", "the owner must be an accepted partner"));
            }
            let now = Utc::now();
            let action = Action {
                id: Uuid::new_v4(),
                project_id: decision.project_id,
                decision_id,
                title,
                owner_organization_id: body.owner_organization_id,
                due_on: body.due_on,
                status: ActionStatus::Open.as_str().into(),
                created_by: user_id,
                created_at: now,
                updated_by: user_id,
                updated_at: now,
            };
            diesel::insert_into(actions::table).values(&action).execute(conn)?;
            audit(conn, &access, "action.created", Some(action.owner_organization_id), json!({
                "action_id": action.id, "decision_id": decision_id, "title": action.title, "due_on": action.due_on,
            }))?;
            one_action(conn, action.id)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

fn one_action(conn: &mut PgConnection, id: Uuid) -> Result<ActionView, ApiError> {
    let filter = ActionFilter {
        id: Some(id),
        ..ActionFilter::default()
    };
    queries::action_views(conn, &filter, today())?
        .pop()
        .ok_or(ApiError::NotFound)
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
    let action_id = path.into_inner();
    let target = ActionStatus::parse(&body.status)
        .ok_or_else(|| ApiError::invalid_field("status", "open, done or cancelled"))?;
    let user_id = current.id();
    let view = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let action: Action = actions::table
                .find(action_id)
                .select(Action::as_select())
                .first(conn)
                .optional()?
                .ok_or(ApiError::NotFound)?;
            let access = ProjectAccess::load(conn, action.project_id, user_id)?;
            if !access.is_initiator() && !access.member_of(action.owner_organization_id) {
                return Err(ApiError::Forbidden(
                    "only the owner organization or the initiator changes an action's status"
                        .into(),
                ));
            }
            let from: Vec<&str> = target.allowed_from().iter().map(|s| s.as_str()).collect();
            let updated = diesel::update(
                actions::table
                    .find(action_id)
                    .filter(actions::status.eq_any(from)),
            )
            .set((
                actions::status.eq(target.as_str()),
                actions::updated_by.eq(user_id),
                actions::updated_at.eq(Utc::now()),
            ))
            .execute(conn)?;
            if updated == 0 {
                return Err(ApiError::conflict(
                    "invalid_transition",
                    format!(
                        "the action is {}: it cannot become {}",
                        action.status,
                        target.as_str()
                    ),
                )
                .with("status", json!(action.status)));
            }
            audit(
                conn,
                &access,
                "action.status_changed",
                Some(action.owner_organization_id),
                json!({
                    "action_id": action_id, "from": action.status, "to": target.as_str(),
                }),
            )?;
            one_action(conn, action_id)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
pub struct ActionsQuery {
    overdue: Option<bool>,
    status: Option<String>,
    owner_organization_id: Option<Uuid>,
}

impl ActionsQuery {
    fn filter(&self) -> Result<ActionFilter, ApiError> {
        let status = match &self.status {
            None => None,
            Some(s) => Some(
                ActionStatus::parse(s)
                    .ok_or_else(|| ApiError::invalid_field("status", "open, done or cancelled"))?,
            ),
        };
        Ok(ActionFilter {
            status,
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
    let project_id = path.into_inner();
    let mut filter = query.filter()?;
    filter.project_id = Some(project_id);
    let user_id = current.id();
    let found = db::run(&state.pool, move |conn| {
        ProjectAccess::load(conn, project_id, user_id)?;
        Ok::<_, ApiError>(queries::action_views(conn, &filter, today())?)
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
    let user_id = current.id();
    let found = db::run(&state.pool, move |conn| {
        let mine: Vec<Uuid> = memberships::table
            .filter(memberships::user_id.eq(user_id))
            .select(memberships::organization_id)
            .load(conn)?;
        filter.owners = Some(match filter.owners.take() {
            Some(asked) => asked.into_iter().filter(|o| mine.contains(o)).collect(),
            None => mine.clone(),
        });
        let taking_part: Vec<Uuid> = partnerships::table
            .filter(partnerships::organization_id.eq_any(&mine))
            .filter(partnerships::status.eq_any(["invited", "accepted"]))
            .select(partnerships::project_id)
            .load(conn)?;
        let all = queries::action_views(conn, &filter, today())?;
        Ok::<_, ApiError>(
            all.into_iter()
                .filter(|a| taking_part.contains(&a.project_id))
                .collect::<Vec<_>>(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Each partner's open actions become a proposed item of a new meeting's agenda
/// ("Suivi des actions — ⟨organization⟩", led by that partner), so follow-up is on the table.
pub fn carry_over_actions(
    conn: &mut PgConnection,
    project_id: Uuid,
    meeting_id: Uuid,
    user_id: Uuid,
    max_bytes: usize,
) -> Result<(), ApiError> {
    let filter = ActionFilter {
        project_id: Some(project_id),
        status: Some(ActionStatus::Open),
        ..ActionFilter::default()
    };
    let open = queries::action_views(conn, &filter, today())?;
    if open.is_empty() {
        return Ok(());
    }
    let mut by_owner: std::collections::BTreeMap<(String, Uuid), Vec<&ActionView>> =
        std::collections::BTreeMap::new();
    for action in &open {
        by_owner
            .entry((
                action.owner_organization_name.clone(),
                action.owner_organization_id,
            ))
            .or_default()
            .push(action);
    }
    let items: Vec<document::AgendaItemInput> = by_owner
        .into_iter()
        .map(|((name, org), actions)| document::AgendaItemInput {
            id: None,
            title: format!("Suivi des actions — {name}"),
            duration_min: (5 * actions.len() as u32).clamp(5, 30),
            lead_org_id: Some(org.to_string()),
            notes: actions
                .iter()
                .map(|a| {
                    let late = if a.overdue { ", en retard" } else { "" };
                    format!(
                        "- {} (échéance {}{late})",
                        a.title,
                        a.due_on.format("%d/%m/%Y")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    document::replace_agenda(conn, project_id, meeting_id, user_id, &items, max_bytes)?;
    Ok(())
}
