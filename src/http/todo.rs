//! `GET /api/me/todo`: what the caller has to do (`workflow::todo`).

use actix_web::{HttpResponse, web};
use chrono::Utc;

use crate::http::perform::perform;
use crate::http::views::TodoView;
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::todo;

/// `GET /api/me/todo` → `{"items": [TodoItem]}`, the soonest due first.
pub async fn mine(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let actor = current.user.clone();
    let items = perform(&state, move |conn| todo::todo(conn, &actor, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(TodoView { items }))
}
