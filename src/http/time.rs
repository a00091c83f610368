//! Partners' time (API.md, "Partners' time"): short-notice agreements, who represents each
//! partner at a meeting, time budgets, attendance, the time each partner gives to a project (JSON
//! and CSV), and the caller's meetings across projects. The rules are in `workflow::time`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::Locale;
use crate::domain::input::agreement_answer;
use crate::domain::partners_time::{Attendance, TimeBudget};
use crate::http::perform::{as_caller, for_caller};
use crate::http::views::{
    AgreementView, AttendanceEntry, MyMeetings, PartnerTimeView, Representation, TimeBudgetView,
};
use crate::http::{ApiError, AppState, CurrentUser, register_csv};
use crate::workflow::signing::Signer;
use crate::workflow::time::{self, ShortNoticeConsent};

#[derive(Deserialize)]
pub struct ShortNoticeBody {
    decision: String,
    comment: Option<String>,
    /// The short notice's hash as read from the readiness (optional: checked when given).
    content_hash: Option<String>,
    /// Needed only when the caller belongs to several accepted partners.
    organization_id: Option<Uuid>,
}

/// `POST /api/meetings/{id}/short-notice/agreement`: a partner agrees (or objects) to being
/// convened at the chosen slot with less notice than the project asks → 201 with its receipt.
pub async fn agree_short_notice(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ShortNoticeBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (decision, comment) = agreement_answer(&body.decision, body.comment.as_deref())?;
    let asked = ShortNoticeConsent {
        organization_id: body.organization_id,
        claimed_hash: body.content_hash,
        decision,
        comment,
    };
    let signer = Signer::new(&state.settings);
    let recorded = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        time::agree_short_notice(conn, &signer, actor, meeting_id, asked)
    })
    .await?;
    let current_hash = recorded.agreement.content_hash.clone();
    Ok(HttpResponse::Created().json(AgreementView::recorded(recorded, &current_hash)))
}

/// `GET /api/meetings/{id}/representatives`: who represents each accepted partner.
pub async fn representatives(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (represented, access) = for_caller(&state, &current, path, time::representatives).await?;
    let views: Vec<Representation> = represented
        .iter()
        .map(|r| Representation::new(r, &access))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentativesBody {
    user_ids: Vec<Uuid>,
}

/// `PUT /api/meetings/{id}/attendees/{organization_id}` `{"user_ids"}`: that partner's members
/// name who represents it, before the convocation → 200 its representation.
pub async fn choose_representatives(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<RepresentativesBody>,
) -> Result<HttpResponse, ApiError> {
    let user_ids = body.into_inner().user_ids;
    let (_, organization_id) = *path;
    let (represented, access) = for_caller(
        &state,
        &current,
        path,
        move |conn, actor, (meeting, org)| {
            time::choose_representatives(conn, actor, meeting, org, user_ids)
        },
    )
    .await?;
    let view = represented
        .iter()
        .find(|r| r.organization_id == organization_id)
        .map(|r| Representation::new(r, &access));
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetBody {
    hours_per_year: f64,
    hourly_value_eur: Option<f64>,
}

/// `PUT /api/projects/{id}/partners/{organization_id}/time-budget`: that partner's members set
/// its yearly budget for the project (whole hours, 0–2,000) and the value of an hour (0–1,000 €).
pub async fn set_budget(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<BudgetBody>,
) -> Result<HttpResponse, ApiError> {
    let budget = TimeBudget::parse(body.hours_per_year, body.hourly_value_eur)?;
    let (_, organization_id) = *path;
    let set = for_caller(
        &state,
        &current,
        path,
        move |conn, actor, (project, org)| time::set_budget(conn, actor, project, org, budget),
    )
    .await?;
    Ok(HttpResponse::Ok().json(TimeBudgetView::new(organization_id, set)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    attendance: Vec<AttendanceItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceItem {
    user_id: Uuid,
    status: String,
}

/// `PUT /api/meetings/{id}/attendance`: the initiator records who came, once the meeting has
/// started (correctable) → 200 every attendee with their attendance.
pub async fn record_attendance(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AttendanceBody>,
) -> Result<HttpResponse, ApiError> {
    let items = body.into_inner().attendance;
    if items.is_empty() || items.len() > 500 {
        return Err(ApiError::invalid_field(
            "attendance",
            "from 1 to 500 people",
        ));
    }
    let entries = items
        .into_iter()
        .map(|item| {
            Attendance::parse(&item.status)
                .map(|status| (item.user_id, status))
                .ok_or_else(|| ApiError::invalid_field("attendance", "present, absent or excused"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let attended = for_caller(&state, &current, path, move |conn, actor, meeting| {
        time::record_attendance(conn, actor, meeting, &entries)
    })
    .await?;
    let views: Vec<AttendanceEntry> = attended.iter().map(AttendanceEntry::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// `GET /api/meetings/{id}/attendance`: every attendee with their attendance (anyone who sees
/// the meeting).
pub async fn attendance(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let attended = for_caller(&state, &current, path, time::attendance).await?;
    let views: Vec<AttendanceEntry> = attended.iter().map(AttendanceEntry::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize)]
pub struct TimeQuery {
    /// Only the meetings of this year (in their own time zone).
    year: Option<i32>,
    /// `fr` or `en`, for the CSV's labels and separator.
    lang: Option<String>,
}

/// `GET /api/projects/{id}/time`: the time each partner gives to the project.
pub async fn project_time(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<TimeQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = time_rows(&state, &current, path, query.year).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// `GET /api/projects/{id}/time.csv`: the same, as the decisions register's CSV (UTF-8 with a
/// BOM, `;` and French labels in French).
pub async fn project_time_csv(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<TimeQuery>,
) -> Result<HttpResponse, ApiError> {
    let profile = || Locale::parse(&current.user.locale).unwrap_or_default();
    let locale = Locale::named_or("lang", query.lang.as_deref(), profile)?;
    let rows = time_rows(&state, &current, path, query.year).await?;
    let body = register_csv::render_time(&rows, locale).map_err(anyhow::Error::from)?;
    Ok(register_csv::download("time.csv", body))
}

async fn time_rows(
    state: &AppState,
    current: &CurrentUser,
    path: web::Path<Uuid>,
    year: Option<i32>,
) -> Result<Vec<PartnerTimeView>, ApiError> {
    if year.is_some_and(|y| !(2000..=2200).contains(&y)) {
        return Err(ApiError::invalid_field(
            "year",
            "a year between 2000 and 2200",
        ));
    }
    let (_, rows) = for_caller(state, current, path, move |conn, actor, project| {
        time::project_time(conn, actor, project, year)
    })
    .await?;
    Ok(rows.iter().map(PartnerTimeView::from).collect())
}

#[derive(Deserialize)]
pub struct MyMeetingsQuery {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// The zone weeks are counted in (default Europe/Paris).
    tz: Option<String>,
}

/// `GET /api/me/meetings?from=&to=&tz=`: the caller's convened meetings across projects (by
/// default from today for eight weeks) and the hours they take per week.
pub async fn my_meetings(
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<MyMeetingsQuery>,
) -> Result<HttpResponse, ApiError> {
    let zone: Tz = match query.tz.as_deref() {
        None => chrono_tz::Europe::Paris,
        Some(name) => name
            .parse()
            .map_err(|_| ApiError::invalid_field("tz", "an IANA time zone, e.g. Europe/Paris"))?,
    };
    let today = Utc::now()
        .with_timezone(&zone)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(zone).earliest())
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc));
    let from = query.from.unwrap_or(today);
    let to = query.to.unwrap_or(from + Duration::weeks(8));
    let load = as_caller(&state, &current, move |conn, actor| {
        time::my_meetings(conn, actor, from, to, zone)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MyMeetings::new(from, to, &load.meetings, &load.weeks)))
}
