//! A meeting's agenda (`/api/meetings/{id}/agenda`): read from the live document with each
//! accepted partner's agreement, replaced by any participant, agreed to by accepted partners
//! like a mission. The rules are in `workflow::agenda`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::db;
use crate::document::AgendaItemInput;
use crate::domain::content;
use crate::domain::gate;
use crate::domain::input::{InputError, line, optional_line, optional_paragraph, paragraph};
use crate::http::agreements as agreement;
use crate::http::meetings::on_meeting;
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
    let read = on_meeting(&state, &current, path, agenda::read).await?;
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
    let after = on_meeting(&state, &current, path, move |conn, actor, meeting_id| {
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
    if gate::Decision::parse(&body.decision).is_none() {
        return Err(ApiError::invalid_field("decision", "agree or object"));
    }
    let comment = optional_paragraph("comment", body.comment.as_deref(), 2000)?;
    let (meeting_id, actor) = (path.into_inner(), current.user.clone());
    let signer = Signer::new(&state.settings);
    // Two steps in one transaction, not one use case, while `agreements::record` answers an
    // `ApiError` (issue 11 moves it to `workflow/`; then `agenda` records the agreement itself).
    let view = db::transaction(&state.pool, move |conn| {
        let held = agenda::to_agree(conn, &actor, meeting_id, body.organization_id)?;
        let (section, consent) = agreement_of(&held, actor.id, body, comment);
        let recorded = agreement::record(conn, &signer, section, consent)?;
        Ok::<_, ApiError>(
            AgreementView::new(&recorded.agreement, &held.agenda.content_hash)
                .with_receipt(Some(recorded.receipt)),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The agreement a caller gives to the agenda they hold: the section as it is now, and their
/// consent to what they read.
fn agreement_of(
    held: &agenda::AgendaToAgree,
    user_id: Uuid,
    body: AgendaAgreementBody,
    comment: Option<String>,
) -> (agreement::Section<'_>, agreement::Consent) {
    let (meeting, agenda) = (&held.meeting, &held.agenda);
    let section = agreement::Section {
        subject: "agenda",
        subject_id: meeting.id,
        current_hash: &agenda.content_hash,
        canonical: content::canonical_agenda(meeting.id, &agenda.items),
        is_empty: agenda.items.is_empty(),
    };
    let consent = agreement::Consent {
        project_id: meeting.project_id,
        organization_id: held.organization_id,
        user_id,
        claimed_hash: body.content_hash,
        decision: body.decision,
        comment,
    };
    (section, consent)
}
