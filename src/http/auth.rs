//! Login by magic link, sessions, logout, and the current user (`/api/auth/*`, `/api/me`). The
//! steps are in `workflow::sessions`; these handlers check the rate limits, parse, call one use
//! case, and set or clear the session cookie.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::auth::sessions as session_rules;
use crate::db;
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, line};
use crate::http::CurrentUser;
use crate::http::extract::SESSION_COOKIE;
use crate::http::perform::{as_caller, perform};
use crate::http::views::{MeView, MessageView, SessionView, UserEnvelope};
use crate::http::{ApiError, AppState};
use crate::workflow::sessions::{self, LogInRefusal};

#[derive(Deserialize)]
pub struct MagicLinkRequest {
    email: String,
}

/// The browser's language (`Accept-Language`), French when it names none of ours.
pub fn request_locale(req: &HttpRequest) -> Locale {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or_default()
}

/// The client's address, behind the trusted reverse proxies if any.
fn client_ip(state: &AppState, req: &HttpRequest) -> Option<std::net::IpAddr> {
    crate::http::client_ip::of(req, &state.settings.trusted_proxies)
}

/// `POST /api/auth/magic-link`: 202 whether or not the address is known.
pub async fn request_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<MagicLinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse("email", &body.email)?;
    if let Some(ip) = client_ip(&state, &req) {
        state.limits.check_link_request(ip)?;
    }
    state.limits.check_address(email.as_str())?;
    let (settings, browser_locale) = (state.settings.clone(), request_locale(&req));
    perform(&state, move |conn| {
        sessions::request_login_link(conn, &settings, &email, browser_locale, Utc::now())
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Accepted().json(MessageView {
        message: "If the address can receive mail, a login link is on its way.",
    }))
}

#[derive(Deserialize)]
pub struct SessionRequest {
    token: String,
}

/// `POST /api/auth/session`: exchanges a magic-link token for a session.
pub async fn create_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SessionRequest>,
) -> Result<HttpResponse, ApiError> {
    if let Some(ip) = client_ip(&state, &req) {
        state.limits.check_session_request(ip)?;
    }
    let token = body.into_inner().token;
    if token.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "token",
            "the login token is missing",
        ));
    }
    let locale = request_locale(&req);
    let logged_in = db::transaction(&state.pool, move |conn| {
        sessions::log_in(conn, &token, locale, Utc::now())
    })
    .await?;
    let cookie = Cookie::build(SESSION_COOKIE, logged_in.token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.base_url.scheme() == "https")
        .max_age(CookieDuration::days(session_rules::IDLE_DAYS))
        .finish();
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .json(SessionView::from(&logged_in)))
}

impl From<LogInRefusal> for ApiError {
    /// A link that cannot be used: 400 on `token`, with the reason for the page to explain.
    fn from(refusal: LogInRefusal) -> Self {
        match refusal {
            LogInRefusal::Token { reason, message } => ApiError::TokenRefused {
                reason,
                message: message.to_owned(),
            },
            LogInRefusal::Refused(refusal) => refusal.into(),
        }
    }
}

/// `POST /api/auth/logout`: revokes the session (cookie and API token alike).
pub async fn logout(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let session_id = current.session_id;
    perform(&state, move |conn| {
        sessions::log_out(conn, session_id, Utc::now())
    })
    .await?;
    let mut expired = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    expired.make_removal();
    Ok(HttpResponse::NoContent().cookie(expired).finish())
}

/// `GET /api/me`: the user, their organizations (active memberships) with their role, the
/// organizations they may join at once (a verified domain of theirs), and their requests to
/// join that wait for an admin.
pub async fn me(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let belonging = as_caller(&state, &current, sessions::belonging).await?;
    Ok(HttpResponse::Ok().json(MeView::new(&current.user, &belonging)))
}

#[derive(Deserialize)]
pub struct ProfileUpdate {
    display_name: Option<String>,
    locale: Option<String>,
}

/// `PATCH /api/me`: the display name and the language of emails and pages.
pub async fn update_me(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<ProfileUpdate>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let display_name = body
        .display_name
        .as_deref()
        .map(|name| line("display_name", name, 120))
        .transpose()?;
    let locale = body
        .locale
        .as_deref()
        .map(|code| Locale::named("locale", code))
        .transpose()?;
    let user = as_caller(&state, &current, move |conn, actor| {
        sessions::update_profile(conn, actor.id, display_name, locale)
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserEnvelope {
        user: (&user).into(),
    }))
}
