//! The concertation before a convocation (`/api/meetings/{id}/readiness`, `…/concertation`,
//! `…/attendees`): every unmet rule of the gate, the concertation record, and who is convened.
//! The rules are in `workflow::concertation`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::input::{InputError, paragraph};
use crate::http::perform::for_caller;
use crate::http::views::{Attendee, ConcertationRecord, Readiness};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::concertation;

/// `GET /api/meetings/{id}/readiness`: every unmet rule of the gate; for a convened meeting,
/// how its agenda stands against the one sent.
pub async fn readiness(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let readiness = for_caller(&state, &current, path, concertation::readiness).await?;
    Ok(HttpResponse::Ok().json(Readiness::from(readiness)))
}

#[derive(Deserialize)]
pub struct ConcertationBody {
    summary: String,
}

impl ConcertationBody {
    fn parse(self) -> Result<String, InputError> {
        let summary = paragraph("summary", &self.summary, 20_000)?;
        if summary.trim().is_empty() {
            return Err(InputError {
                field: "summary",
                message: "must not be empty".into(),
            });
        }
        Ok(summary)
    }
}

/// `POST /api/meetings/{id}/concertation`: records the concertation with its evidence, only
/// when rules 1–5 hold, checked with the meeting, the document and the partnerships locked.
pub async fn record_concertation(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ConcertationBody>,
) -> Result<HttpResponse, ApiError> {
    let summary = body.into_inner().parse()?;
    let record = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        concertation::record(conn, actor, meeting_id, summary)
    })
    .await?;
    let view = ConcertationRecord::try_from(&record).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Created().json(view))
}

/// `GET /api/meetings/{id}/attendees`: `[{email, organization_id, partstat}]`, with names;
/// addresses only for the initiator's members and the person's own organization.
pub async fn attendees(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let seen = for_caller(&state, &current, path, concertation::attendees).await?;
    Ok(HttpResponse::Ok().json(seen.iter().map(Attendee::from).collect::<Vec<_>>()))
}
