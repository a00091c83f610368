//! Login by magic link, sessions, logout, and the current user (`/api/auth/*`, `/api/me`).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::extract::SESSION_COOKIE;
use crate::auth::links::{self, LinkRefusal};
use crate::auth::{CurrentUser, sessions};
use crate::db::models::{NewAuditEvent, User};
use crate::db::schema::{memberships, partnerships, users};
use crate::db::{self, DbError};
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, line};
use crate::http::views::{OrganizationView, UserView};
use crate::http::{ApiError, AppState};
use crate::mail::{self, Outgoing, templates};

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
    let (user, session_token) = db::run(&state.pool, move |conn| {
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
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .json(json!({"user": UserView::from(&user), "api_token": session_token})))
}

/// Uses the link, creates the user on first login, joins the organizations the user was named
/// contact of (a consultation), and opens a session.
fn log_in(
    conn: &mut PgConnection,
    token: &str,
    locale: Locale,
) -> Result<(User, String), ApiError> {
    let now = Utc::now();
    let link = links::consume(conn, token, now)?.map_err(|refusal| {
        ApiError::invalid_field(
            "token",
            match refusal {
                LinkRefusal::Unknown => "this login link is not valid; ask for a new one",
                LinkRefusal::AlreadyUsed => "this login link was already used; ask for a new one",
                LinkRefusal::Expired => "this login link has expired; ask for a new one",
            },
        )
    })?;
    let email = EmailAddress::parse("email", &link.email)?;
    let existing: Option<User> = users::table
        .filter(users::email.eq(email.as_str()))
        .select(User::as_select())
        .first(conn)
        .optional()?;
    let user = match existing {
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
    // The contact named in an invitation joins that organization: following the consultation
    // link proves they own the address the initiator named.
    let mut joined: Vec<(Uuid, Option<Uuid>)> = partnerships::table
        .filter(partnerships::contact_email.eq(email.as_str()))
        .filter(partnerships::status.eq("invited"))
        .select((
            partnerships::organization_id,
            partnerships::project_id.nullable(),
        ))
        .load(conn)?;
    if let Some(org) = link.organization_id {
        joined.push((org, link.project_id));
    }
    for (organization_id, project_id) in joined {
        let inserted = diesel::insert_into(memberships::table)
            .values((
                memberships::organization_id.eq(organization_id),
                memberships::user_id.eq(user.id),
                memberships::role.eq("member"),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if inserted > 0 {
            NewAuditEvent {
                project_id,
                actor_user_id: Some(user.id),
                actor_organization_id: Some(organization_id),
                action: "membership.joined_as_contact",
                organization_id: Some(organization_id),
                details: json!({"email": email.as_str()}),
            }
            .record(conn)?;
        }
    }
    let session_token = sessions::create(conn, user.id, now)?;
    Ok((user, session_token))
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

/// `GET /api/me`.
pub async fn me(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user_id = current.id();
    let organizations = db::run(&state.pool, move |conn| {
        crate::http::organizations::of_user(conn, user_id).map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "user": UserView::from(&current.user),
        "organizations": organizations
            .iter()
            .map(|(org, role)| OrganizationView::with_role(org, role))
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
