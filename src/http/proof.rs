//! Proof of consent over HTTP: the published keys (`/.well-known/jwks.json`) and the
//! initiator's attestations (`/api/projects/{id}/attestations`, `/api/attestations/{id}`).
//! The public page of an attestation is `http::verify`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::http::CurrentUser;
use crate::http::perform::{for_caller, perform};
use crate::http::views::{AttestationCreatedView, AttestationView};
use crate::http::{ApiError, AppState};
use crate::workflow::attestations;
use crate::workflow::signing::{self, Signer};

/// `GET /.well-known/jwks.json`: every public key this instance ever signed with.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let set = perform(&state, signing::key_set).await?;
    Ok(HttpResponse::Ok()
        // Short: a verifier that cached the set before a rotation sees the new key soon.
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(set))
}

/// `POST /api/projects/{id}/attestations`: the initiator's members.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let signer = Signer::new(&settings);
    let created = for_caller(&state, &current, path, move |conn, actor, project_id| {
        attestations::attest(conn, &settings, &signer, actor.id, project_id)
    })
    .await?;
    Ok(HttpResponse::Created().json(AttestationCreatedView::from(created)))
}

/// `GET /api/projects/{id}/attestations`: the initiator's members; newest first.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let listed = for_caller(&state, &current, path, |conn, actor, project_id| {
        attestations::list(conn, actor.id, project_id)
    })
    .await?;
    let views: Vec<AttestationView> = listed
        .into_iter()
        .map(|listed| AttestationView::new(&state.settings, listed))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// `DELETE /api/attestations/{id}`: the initiator's members; its link answers 410 afterwards.
pub async fn revoke(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    for_caller(&state, &current, path, |conn, actor, id| {
        attestations::revoke(conn, actor.id, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
