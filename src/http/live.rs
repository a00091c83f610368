//! `GET /ws/projects/{project_id}`: the upgrade to the live document (API.md, "Live document").
//!
//! Authenticated by the session cookie or `?token=<api_token>`; members of invited or accepted
//! partners only, everyone else refused before the upgrade (401, or 404 as for any project they
//! may not see). Browsers send cookies with a websocket handshake whatever page opens it, so a
//! cookie only counts from our own origin (a token does not travel by itself). A user with
//! `AMONT_WS_CONNECTIONS_PER_USER` connections open on this instance gets 429 `rate_limited`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::extract::{SESSION_COOKIE, same_origin};
use crate::http::perform::perform;
use crate::http::{ApiError, AppState};
use crate::live;
use crate::workflow::sessions;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// Upgrades to the y-websocket protocol on the project's live document.
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let token = token_of(&req, &state, query.into_inner())?;
    let member = perform(&state, move |conn| {
        sessions::live_member(conn, &token, project_id, Utc::now())
    })
    .await?
    .ok_or(ApiError::Unauthenticated)?;
    // Before the upgrade, so a refused connection costs no socket; the browser's provider
    // retries with its backoff, and gets in once one of the user's connections has closed.
    let slot = state
        .live
        .admit(member.user_id)
        .ok_or(ApiError::RateLimited {
            retry_after_secs: 5,
        })?;
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::invalid(format!("not a websocket handshake: {e}")))?;
    actix_web::rt::spawn(live::serve_connection(
        state.live.clone(),
        project_id,
        member,
        slot,
        session,
        stream,
    ));
    Ok(response)
}

/// The session's token: `?token=`, else the session cookie from Amont's own origin only.
fn token_of(req: &HttpRequest, state: &AppState, query: TokenQuery) -> Result<String, ApiError> {
    match (query.token, req.cookie(SESSION_COOKIE)) {
        (Some(token), _) => Ok(token),
        (None, Some(cookie)) if same_origin(req, &state.settings.base_url) => {
            Ok(cookie.value().to_owned())
        }
        (None, Some(_)) => Err(ApiError::Forbidden(
            "cross-origin websocket refused: open it from Amont's own pages, or with ?token="
                .into(),
        )),
        (None, None) => Err(ApiError::Unauthenticated),
    }
}
