//! Asking people (API.md, "Asking people, and what each person has to do"): reminders to
//! partners (`/api/meetings/{id}/reminders`) and the caller's notification preferences
//! (`/api/me/notifications`). The rules are in `workflow::asking`.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::asking::Preference;
use crate::domain::input::InputError;
use crate::http::perform::for_caller;
use crate::http::perform::perform;
use crate::http::views::{NotificationPreferences, ReminderEntry, ReminderSent, Reminders};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::asking::{self, PreferencesChange};

#[derive(Deserialize)]
pub struct RemindQuery {
    /// Only this partner.
    organization_id: Option<Uuid>,
}

/// `POST /api/meetings/{id}/reminders` (initiator): one reminder to each partner with something
/// pending, at most once per partner per 24 hours → 202.
pub async fn remind(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<RemindQuery>,
) -> Result<HttpResponse, ApiError> {
    let only = query.organization_id;
    let (reminded, skipped) = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        asking::remind(conn, actor, meeting_id, only, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Accepted().json(Reminders {
        reminded: reminded.iter().map(ReminderEntry::from).collect(),
        skipped: skipped.iter().map(ReminderEntry::from).collect(),
    }))
}

/// `GET /api/meetings/{id}/reminders`: the reminders sent about the meeting, newest first.
pub async fn reminders(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let sent = for_caller(&state, &current, path, asking::reminders).await?;
    Ok(HttpResponse::Ok().json(sent.iter().map(ReminderSent::from).collect::<Vec<_>>()))
}

/// `GET /api/me/notifications`.
pub async fn preferences(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let actor = current.user.clone();
    let found = perform(&state, move |conn| asking::preferences(conn, &actor)).await?;
    Ok(HttpResponse::Ok().json(NotificationPreferences::from(found)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    requests: Option<String>,
    updates: Option<String>,
}

fn preference(field: &'static str, raw: Option<String>) -> Result<Option<Preference>, InputError> {
    raw.map(|raw| {
        Preference::parse(&raw).ok_or_else(|| InputError {
            field,
            message: "immediate, daily or off".into(),
        })
    })
    .transpose()
}

/// `PUT /api/me/notifications` `{"requests"?, "updates"?}` → 200 with every preference.
pub async fn set_preferences(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<PreferencesBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let change = PreferencesChange {
        requests: preference("requests", body.requests)?,
        updates: preference("updates", body.updates)?,
    };
    let actor = current.user.clone();
    let found = perform(&state, move |conn| {
        asking::set_preferences(conn, &actor, change)
    })
    .await?;
    Ok(HttpResponse::Ok().json(NotificationPreferences::from(found)))
}
