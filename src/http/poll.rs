//! The availability poll of a meeting (`/api/meetings/{id}/availability`, `…/poll`, `…/slot`):
//! members of accepted partners answer, everyone who sees the meeting reads the tallies, the
//! initiator chooses the slot. The rules are in `workflow::poll`.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::input::InputError;
use crate::domain::slots::Availability;
use crate::http::perform::for_caller;
use crate::http::perform::perform;
use crate::http::views::{AvailabilityAnswers, MeetingView, Poll};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::poll;

#[derive(Deserialize)]
pub struct AvailabilityBody {
    answers: HashMap<Uuid, String>,
}

impl AvailabilityBody {
    fn parse(self) -> Result<HashMap<Uuid, Availability>, InputError> {
        self.answers
            .into_iter()
            .map(|(slot, answer)| {
                let answer = Availability::parse(&answer).ok_or_else(|| InputError {
                    field: "answers",
                    message: "yes, maybe or no for each slot".into(),
                })?;
                Ok((slot, answer))
            })
            .collect()
    }
}

/// `PUT /api/meetings/{id}/availability`: members of accepted partners answer for themselves.
pub async fn put_availability(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AvailabilityBody>,
) -> Result<HttpResponse, ApiError> {
    let answers = body.into_inner().parse()?;
    let given: Vec<(Uuid, Availability)> = answers.iter().map(|(s, a)| (*s, *a)).collect();
    for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        poll::answer(conn, actor, meeting_id, &given)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AvailabilityAnswers { answers }))
}

/// `GET /api/meetings/{id}/poll`: tallies, missing partners and the suggested slot.
pub async fn poll(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let read = for_caller(&state, &current, path, poll::read).await?;
    Ok(HttpResponse::Ok().json(Poll::from(&read)))
}

#[derive(Deserialize)]
pub struct ChosenSlot {
    slot_id: Uuid,
}

/// `POST /api/meetings/{id}/slot`: the initiator chooses the slot (while planning).
pub async fn choose_slot(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ChosenSlot>,
) -> Result<HttpResponse, ApiError> {
    let slot_id = body.slot_id;
    let meeting = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        poll::choose(conn, actor, meeting_id, slot_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

#[derive(Deserialize)]
pub struct SlotPath {
    id: Uuid,
    slot_id: Uuid,
}

/// `DELETE /api/meetings/{id}/slots/{slot_id}` (initiator, while planning) → 204, the slot and
/// its answers gone.
pub async fn remove_slot(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<SlotPath>,
) -> Result<HttpResponse, ApiError> {
    let SlotPath { id, slot_id } = path.into_inner();
    let actor = current.user.clone();
    perform(&state, move |conn| {
        poll::remove_slot(conn, &actor, id, slot_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
