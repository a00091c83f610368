//! Getting in and out: a login link asked for by address, the session a link opens (with what
//! the link was for besides: a consultation, a colleague's invitation), logging out, and what a
//! person sees and changes of themselves, and who a session is in a project's live document.

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use uuid::Uuid;

use super::Refusal;
use super::membership::{self, ContactArrived};
use crate::auth::links::{self, LinkRefusal, Purpose};
use crate::auth::{ProjectAccess, sessions};
use crate::config::Settings;
use crate::db::models::{MembershipRequest, Organization, User};
use crate::db::organizations as orgs;
use crate::db::{Conn, DbError, users};
use crate::domain::Locale;
use crate::domain::input::{EmailAddress, InputError};
use crate::domain::organization::Role;
use crate::live::Member;
use crate::mail::{self, Outgoing, templates};

/// An address as a mail recipient; refused on `email` when mail cannot be sent to it.
pub fn mail_box(email: &EmailAddress) -> Result<Mailbox, Refusal> {
    email
        .as_str()
        .parse::<lettre::Address>()
        .map(|address| Mailbox::new(None, address))
        .map_err(|e| {
            Refusal::Invalid(InputError {
                field: "email",
                message: format!("not a deliverable address ({e})"),
            })
        })
}

/// Queues a login link to `email`, in the language of its user when known, else the browser's.
/// Whether the address is known is not told (the answer is the same).
pub fn request_login_link(
    conn: &mut Conn,
    settings: &Settings,
    email: &EmailAddress,
    browser_locale: Locale,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let locale = users::by_email(conn, email.as_str())?
        .and_then(|user| Locale::parse(&user.locale))
        .unwrap_or(browser_locale);
    let token = links::create(conn, email, None, now)?;
    let link = settings.link(&format!("/login?token={token}"));
    mail::enqueue(
        conn,
        settings,
        Outgoing {
            kind: "login_link",
            to: mail_box(email)?,
            reply_to: None,
            rendered: templates::login_link(locale, &link),
            calendar: None,
        },
    )?;
    Ok(())
}

/// What the link used to log in did besides opening a session.
pub enum Arrival {
    Login,
    /// A consultation link: where its contact goes, member of the organization or not.
    Contact(ContactArrived),
    /// A colleague's invitation: the organization joined.
    Member(Organization),
}

/// A session opened by a link.
pub struct LoggedIn {
    pub user: User,
    /// The session's token (the cookie's value, and the API token).
    pub token: String,
    pub arrival: Arrival,
}

/// Why a link did not log anyone in.
#[derive(Debug, thiserror::Error)]
pub enum LogInRefusal {
    /// The link cannot be used; `reason` is the contract's (`unknown`, `used`, `expired`,
    /// `revoked`, `consultation_over`), for the page to explain.
    #[error("{message}")]
    Token {
        reason: &'static str,
        message: &'static str,
    },
    #[error(transparent)]
    Refused(#[from] Refusal),
}

impl From<DbError> for LogInRefusal {
    fn from(error: DbError) -> Self {
        LogInRefusal::Refused(error.into())
    }
}

impl From<diesel::result::Error> for LogInRefusal {
    fn from(error: diesel::result::Error) -> Self {
        LogInRefusal::Refused(error.into())
    }
}

fn token_refused(reason: &'static str, message: &'static str) -> LogInRefusal {
    LogInRefusal::Token { reason, message }
}

/// Uses the link, creates the user on first login, does what the link is for, and opens a
/// session. Being named contact of a consultation joins nothing by itself: only following a
/// consultation still pending for that address, of an organization with nobody yet, makes its
/// contact a member (see `workflow::membership::arrive_as_contact`).
pub fn log_in(
    conn: &mut Conn,
    token: &str,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<LoggedIn, LogInRefusal> {
    let link = links::consume(conn, token, now)?.map_err(|refusal| match refusal {
        LinkRefusal::Unknown => {
            token_refused("unknown", "this login link is not valid; ask for a new one")
        }
        LinkRefusal::AlreadyUsed => token_refused(
            "used",
            "this login link was already used; ask for a new one",
        ),
        LinkRefusal::Expired => {
            token_refused("expired", "this login link has expired; ask for a new one")
        }
        LinkRefusal::Revoked => token_refused(
            "revoked",
            "this consultation link was replaced or withdrawn; ask for a login link",
        ),
    })?;
    let email = EmailAddress::parse("email", &link.email).map_err(Refusal::from)?;
    let user = user_of(conn, &email, locale, now)?;
    let arrival = match link.purpose() {
        Purpose::Login => Arrival::Login,
        Purpose::Consultation {
            organization_id,
            project_id,
        } => Arrival::Contact(
            membership::arrive_as_contact(
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
            })?,
        ),
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
    let token = sessions::create(conn, user.id, now)?;
    Ok(LoggedIn {
        user,
        token,
        arrival,
    })
}

/// The user of an address, created at their first login (named after the address, in the
/// language of the browser).
fn user_of(
    conn: &mut Conn,
    email: &EmailAddress,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<User, Refusal> {
    if let Some(user) = users::by_email(conn, email.as_str())? {
        return Ok(user);
    }
    let user = User {
        id: Uuid::new_v4(),
        email: email.as_str().to_owned(),
        display_name: email.local_part().to_owned(),
        locale: locale.as_str().to_owned(),
        created_at: now,
    };
    users::insert(conn, &user)?;
    Ok(user)
}

/// Revokes a session; its open websocket connections close too, on every instance.
pub fn log_out(conn: &mut Conn, session_id: Uuid, now: DateTime<Utc>) -> Result<(), Refusal> {
    sessions::revoke(conn, session_id, now)?;
    crate::live::notify_session_ended(conn, session_id)?;
    Ok(())
}

/// What a person sees of themselves besides their profile.
pub struct Belonging {
    /// Their organizations (active memberships), with their role, by name.
    pub organizations: Vec<(Organization, Role)>,
    /// Organizations they may join at once (a verified domain of their address).
    pub joinable: Vec<Organization>,
    /// Their requests to join that wait for an admin.
    pub pending: Vec<(MembershipRequest, Organization)>,
}

pub fn belonging(conn: &mut Conn, user: &User) -> Result<Belonging, Refusal> {
    Ok(Belonging {
        organizations: orgs::of_user(conn, user.id)?,
        joinable: orgs::joinable_by(conn, user.id, &user.email)?,
        pending: orgs::pending_of_user(conn, user.id)?,
    })
}

/// Changes the display name and the language of emails and pages (either may be left as is).
pub fn update_profile(
    conn: &mut Conn,
    user_id: Uuid,
    display_name: Option<String>,
    locale: Option<Locale>,
) -> Result<User, Refusal> {
    Ok(users::update_profile(
        conn,
        user_id,
        display_name.as_deref(),
        locale.map(|l| l.as_str()),
    )?)
}

/// Who a session's token is in a project's live document, if they may take part in it; `None`
/// when the token opens no session (not logged in).
pub fn live_member(
    conn: &mut Conn,
    token: &str,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Member>, Refusal> {
    let Some((session_id, user)) = sessions::find(conn, token, now)? else {
        return Ok(None);
    };
    let access = ProjectAccess::load(conn, project_id, user.id)?;
    let taking_part: Vec<Uuid> = access
        .organizations
        .iter()
        .filter(|(_, status)| status.takes_part())
        .map(|(org, _)| *org)
        .collect();
    Ok(Some(Member {
        user_id: user.id,
        session_id,
        name: user.display_name,
        organizations: users::organization_names(conn, &taking_part)?,
    }))
}
