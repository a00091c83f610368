//! The current user, from the session cookie or an `Authorization: Bearer` API token.
//!
//! Cookie-authenticated requests that change state must come from our own origin (the `Origin`
//! header, or `Referer` when a browser sends no `Origin`): a cookie is sent by the browser
//! whatever page made the request, a bearer token is not, so bearer requests are exempt.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;
use url::Url;
use uuid::Uuid;

use crate::auth::sessions;
use crate::db::{self, DbError, models::User};
use crate::http::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "amont_session";

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session_id: Uuid,
}

impl CurrentUser {
    pub fn id(&self) -> Uuid {
        self.user.id
    }
}

enum Credential {
    Bearer(String),
    Cookie(String),
}

fn credential(req: &HttpRequest) -> Option<Credential> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))?;
        return Some(Credential::Bearer(token.trim().to_owned()));
    }
    req.cookie(SESSION_COOKIE)
        .map(|c| Credential::Cookie(c.value().to_owned()))
}

/// The origin (`scheme://host[:port]`) of a URL, as browsers write it in `Origin`.
fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether a state-changing cookie request comes from our own pages.
pub fn same_origin(req: &HttpRequest, base_url: &Url) -> bool {
    let claimed = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v != "null")
        .map(str::to_owned)
        .or_else(|| {
            let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
            Url::parse(referer).ok().map(|u| origin_of(&u))
        });
    let Some(claimed) = claimed else {
        return false;
    };
    if claimed == origin_of(base_url) {
        return true;
    }
    // The origin the browser actually talked to (a dev server or proxy in front of us).
    let info = req.connection_info();
    claimed == format!("{}://{}", info.scheme(), info.host())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?
                .clone();
            let token = match credential(&req) {
                None => return Err(ApiError::Unauthenticated),
                Some(Credential::Bearer(token)) => token,
                Some(Credential::Cookie(token)) => {
                    if !is_safe(req.method()) && !same_origin(&req, &state.settings.base_url) {
                        return Err(ApiError::Forbidden(
                            "cross-origin request refused: send it from Amont's own pages, or with a bearer token".into(),
                        ));
                    }
                    token
                }
            };
            let found = db::run(&state.pool, move |conn| {
                sessions::find(conn, &token, Utc::now()).map_err(DbError::from)
            })
            .await
            .map_err(ApiError::from)?;
            let (session_id, user) = found.ok_or(ApiError::Unauthenticated)?;
            Ok(CurrentUser { user, session_id })
        })
    }
}

/// The session token the request carries, if any (for logout).
pub fn token_of(req: &HttpRequest) -> Option<String> {
    match credential(req)? {
        Credential::Bearer(token) | Credential::Cookie(token) => Some(token),
    }
}
