//! A meeting's agenda (`/api/meetings/{id}/agenda`): read from the live document with each
//! accepted partner's agreement, replaced by any participant, agreed to by accepted partners
//! like a mission. The rules are in `workflow::agenda`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::document::AgendaItemInput;
use crate::domain::input::{InputError, agreement_answer, line, optional_line, paragraph};
use crate::http::perform::for_caller;
use crate::http::perform::perform;
use crate::http::views::{Agenda, AgreementView};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::agenda;
use crate::workflow::signing::Signer;

/// `GET /api/meetings/{id}/agenda`: read from the live document, with each accepted partner's
/// latest agreement and whether it still counts.
pub async fn get_agenda(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let read = for_caller(&state, &current, path, agenda::read).await?;
    Ok(HttpResponse::Ok().json(Agenda::from(&read)))
}

#[derive(Deserialize)]
pub struct AgendaItemBody {
    id: Option<String>,
    title: String,
    duration_min: i64,
    lead_org_id: Option<Uuid>,
    notes: Option<String>,
}

impl AgendaItemBody {
    fn parse(self) -> Result<AgendaItemInput, InputError> {
        Ok(AgendaItemInput {
            id: optional_line("id", self.id.as_deref(), 100)?,
            title: line("title", &self.title, 300)?,
            duration_min: u32::try_from(self.duration_min)
                .ok()
                .filter(|d| *d <= 1440)
                .ok_or_else(|| InputError {
                    field: "duration_min",
                    message: "0 to 1440 minutes".into(),
                })?,
            lead_org_id: self.lead_org_id.map(|id| id.to_string()),
            notes: paragraph("notes", self.notes.as_deref().unwrap_or(""), 5000)?,
        })
    }
}

#[derive(Deserialize)]
pub struct AgendaBody {
    items: Vec<AgendaItemBody>,
}

impl AgendaBody {
    fn parse(self) -> Result<Vec<AgendaItemInput>, InputError> {
        if self.items.len() > 100 {
            return Err(InputError {
                field: "items",
                message: "at most 100 items".into(),
            });
        }
        self.items.into_iter().map(AgendaItemBody::parse).collect()
    }
}

/// `PUT /api/meetings/{id}/agenda`: replaces the agenda in the live document (a minimal edit,
/// ids kept). Any participant co-edits it; a change that voids agreements is audited.
pub async fn put_agenda(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AgendaBody>,
) -> Result<HttpResponse, ApiError> {
    let items = body.into_inner().parse()?;
    let max_bytes = state.settings.doc_max_bytes;
    let after = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        agenda::replace(conn, actor, meeting_id, &items, max_bytes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Agenda::from(&after)))
}

#[derive(Deserialize)]
pub struct AgendaAgreementBody {
    content_hash: String,
    decision: String,
    comment: Option<String>,
    /// Needed only when the caller belongs to several accepted partners.
    organization_id: Option<Uuid>,
}

/// `POST /api/meetings/{id}/agenda/agreement`: like a mission's, on the current agenda only.
pub async fn agree_agenda(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AgendaAgreementBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (decision, comment) = agreement_answer(&body.decision, body.comment.as_deref())?;
    let (meeting_id, actor) = (path.into_inner(), current.user.clone());
    let signer = Signer::new(&state.settings);
    let asked = agenda::AgendaConsent {
        organization_id: body.organization_id,
        claimed_hash: body.content_hash,
        decision,
        comment,
    };
    let (recorded, current_hash) = perform(&state, move |conn| {
        agenda::agree(conn, &signer, &actor, meeting_id, asked)
    })
    .await?;
    Ok(HttpResponse::Created().json(AgreementView::recorded(recorded, &current_hash)))
}
