//! Login by magic link, sessions, logout, and the current user (`/api/auth/*`, `/api/me`).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::links::{self, LinkRefusal, Purpose};
use crate::auth::sessions;
use crate::db::models::User;
use crate::db::organizations as orgs;
use crate::db::schema::users;
use crate::db::{self, DbError};
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, line};
use crate::http::CurrentUser;
use crate::http::extract::SESSION_COOKIE;
use crate::http::views::{OrganizationView, UserView};
use crate::http::{ApiError, AppState};
use crate::mail::{self, Outgoing, templates};
use crate::workflow::membership;

#[derive(Deserialize)]
pub struct MagicLinkRequest {
    email: String,
}

/// The user's language: their profile when known, else the browser's.
fn request_locale(req: &HttpRequest) -> Locale {
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
    let browser_locale = request_locale(&req);
    let app = state.clone();
    db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let known: Option<String> = users::table
                .filter(users::email.eq(email.as_str()))
                .select(users::locale)
                .first(conn)
                .optional()?;
            let locale = known
                .as_deref()
                .and_then(Locale::parse)
                .unwrap_or(browser_locale);
            let token = links::create(conn, &email, None, Utc::now())?;
            let link = app.settings.link(&format!("/login?token={token}"));
            mail::enqueue(
                conn,
                &app.settings,
                Outgoing {
                    kind: "login_link",
                    to: mail_box(&email)?,
                    reply_to: None,
                    rendered: templates::login_link(locale, &link),
                    calendar: None,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    state.mailer.wake();
    Ok(HttpResponse::Accepted().json(json!({
        "message": "If the address can receive mail, a login link is on its way."
    })))
}

pub fn mail_box(email: &EmailAddress) -> Result<lettre::message::Mailbox, ApiError> {
    email
        .as_str()
        .parse::<lettre::Address>()
        .map(|address| lettre::message::Mailbox::new(None, address))
        .map_err(|e| ApiError::invalid_field("email", format!("not a deliverable address ({e})")))
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
    let (user, session_token, arrival) = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| log_in(conn, &token, locale))
    })
    .await?;
    let secure = state.settings.base_url.scheme() == "https";
    let cookie = Cookie::build(SESSION_COOKIE, session_token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::days(sessions::IDLE_DAYS))
        .finish();
    let mut body = json!({"user": UserView::from(&user), "api_token": session_token});
    match arrival {
        Arrival::Login => {}
        Arrival::Contact(arrived) => {
            body["consultation"] = json!({
                "project_id": arrived.project_id,
                "organization_id": arrived.organization_id,
                "member": arrived.member,
            });
        }
        Arrival::Member(org) => {
            body["joined"] = json!({"organization_id": org.id, "name": org.name});
        }
    }
    Ok(HttpResponse::Ok().cookie(cookie).json(body))
}

/// What the link used to log in did besides opening a session.
enum Arrival {
    Login,
    /// A consultation link: where its contact goes, member of the organization or not.
    Contact(membership::ContactArrived),
    /// A colleague's invitation: the organization joined.
    Member(crate::db::models::Organization),
}

/// Uses the link, creates the user on first login, does what the link is for, and opens a
/// session. Being named contact of a consultation joins nothing by itself: only following a
/// consultation still pending for that address, of an organization with nobody yet, makes its
/// contact a member (see `workflow::membership::arrive_as_contact`).
fn log_in(
    conn: &mut PgConnection,
    token: &str,
    locale: Locale,
) -> Result<(User, String, Arrival), ApiError> {
    let now = Utc::now();
    let link = links::consume(conn, token, now)?.map_err(|refusal| {
        let (reason, message) = match refusal {
            LinkRefusal::Unknown => ("unknown", "this login link is not valid; ask for a new one"),
            LinkRefusal::AlreadyUsed => (
                "used",
                "this login link was already used; ask for a new one",
            ),
            LinkRefusal::Expired => ("expired", "this login link has expired; ask for a new one"),
            LinkRefusal::Revoked => (
                "revoked",
                "this consultation link was replaced or withdrawn; ask for a login link",
            ),
        };
        token_refused(reason, message)
    })?;
    let email = EmailAddress::parse("email", &link.email)?;
    let user = match crate::db::users::by_email(conn, email.as_str())? {
        Some(user) => user,
        None => {
            let user = User {
                id: Uuid::new_v4(),
                email: email.as_str().to_owned(),
                display_name: email.local_part().to_owned(),
                locale: locale.as_str().to_owned(),
                created_at: now,
            };
            diesel::insert_into(users::table)
                .values(&user)
                .execute(conn)?;
            user
        }
    };
    let arrival = match link.purpose() {
        Purpose::Login => Arrival::Login,
        Purpose::Consultation {
            organization_id,
            project_id,
        } => {
            let arrived = membership::arrive_as_contact(
                conn,
                &user,
                project_id,
                organization_id,
                link.created_at,
            )?
            .ok_or_else(|| {
                token_refused(
                    "consultation_over",
                    "this consultation is no longer open (it was answered, withdrawn or sent \
                     again with a new link); ask for a login link",
                )
            })?;
            Arrival::Contact(arrived)
        }
        Purpose::Membership {
            organization_id,
            role,
        } => Arrival::Member(membership::join_by_invitation(
            conn,
            &user,
            organization_id,
            role,
            now,
        )?),
    };
    let session_token = sessions::create(conn, user.id, now)?;
    Ok((user, session_token, arrival))
}

/// A link that cannot be used: 400 on `token`, with the reason for the page to explain.
fn token_refused(reason: &'static str, message: &str) -> ApiError {
    ApiError::TokenRefused {
        reason,
        message: message.to_owned(),
    }
}

/// `POST /api/auth/logout`: revokes the session (cookie and API token alike).
pub async fn logout(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let session_id = current.session_id;
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            sessions::revoke(conn, session_id, Utc::now())?;
            // Its open websocket connections close too, on every instance.
            crate::live::notify_session_ended(conn, session_id)
        })
        .map_err(DbError::from)
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
    let user = current.user.clone();
    let (organizations, joinable, pending) = db::run(&state.pool, move |conn| {
        Ok::<_, ApiError>((
            orgs::of_user(conn, user.id)?,
            orgs::joinable_by(conn, user.id, &user.email)?,
            orgs::pending_of_user(conn, user.id)?,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "user": UserView::from(&current.user),
        "organizations": organizations
            .iter()
            .map(|(org, role)| OrganizationView::with_role(org, *role))
            .collect::<Vec<_>>(),
        "joinable": joinable.iter().map(OrganizationView::from).collect::<Vec<_>>(),
        "pending": pending
            .iter()
            .map(|(request, org)| json!({
                "organization": OrganizationView::from(org),
                "requested_at": request.requested_at,
            }))
            .collect::<Vec<_>>(),
    })))
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
        .map(|code| {
            Locale::parse(code).ok_or_else(|| ApiError::invalid_field("locale", "fr or en"))
        })
        .transpose()?;
    let user_id = current.id();
    let user = db::run(&state.pool, move |conn| {
        if let Some(name) = &display_name {
            diesel::update(users::table.find(user_id))
                .set(users::display_name.eq(name))
                .execute(conn)?;
        }
        if let Some(locale) = locale {
            diesel::update(users::table.find(user_id))
                .set(users::locale.eq(locale.as_str()))
                .execute(conn)?;
        }
        users::table
            .find(user_id)
            .select(User::as_select())
            .first(conn)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"user": UserView::from(&user)})))
}
