//! Meetings before their convocation: creation and changes, the availability poll, the agenda
//! (in the project document) and agreements to it, readiness, and the concertation record.
//!
//! Permissions: the initiator's members create meetings, propose and choose slots, change a
//! meeting and record the concertation; members of accepted partners answer the poll and agree
//! to the agenda for their own organization; any participant (invited or accepted) reads, and
//! co-edits the agenda as they co-edit missions. Others get 404. Every change is conditional on
//! the meeting's status and audited.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::ProjectAccess;
use crate::db::models::{ConcertationRecord, Meeting, MeetingSlot, NewAuditEvent};
use crate::db::schema::{
    availability_answers, concertation_records, meeting_attendees, meeting_slots, meetings,
    partnerships,
};
use crate::db::{self, meetings as queries};
use crate::document::{self, AgendaItemInput};
use crate::domain::content;
use crate::domain::gate::{self, Unmet};
use crate::domain::input::{line, optional_line, optional_paragraph, paragraph};
use crate::domain::meeting::MeetingStatus;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::slots::{self, Availability};
use crate::http::CurrentUser;
use crate::http::agreements as agreement;
use crate::http::projects::{acting_organization, lock_document};
use crate::http::views::{AgreementView, MeetingView};
use crate::http::{ApiError, AppState, convocation};
use crate::workflow::signing::Signer;

/// Runs `f` in one transaction with the meeting and the caller's access to its project;
/// 404 when the meeting does not exist or the caller may not see its project.
pub async fn in_meeting<T, F>(
    state: &AppState,
    user_id: Uuid,
    meeting_id: Uuid,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection, Meeting, ProjectAccess) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let meeting = queries::find(conn, meeting_id)?.ok_or(ApiError::NotFound)?;
            let access = ProjectAccess::load(conn, meeting.project_id, user_id)?;
            f(conn, meeting, access)
        })
    })
    .await
}

/// An audit row for a change to a meeting, by the caller for the organization they act for.
pub fn audit(
    conn: &mut PgConnection,
    access: &ProjectAccess,
    action: &'static str,
    organization_id: Option<Uuid>,
    details: Value,
) -> QueryResult<()> {
    NewAuditEvent {
        project_id: Some(access.project.id),
        actor_user_id: Some(access.user_id),
        actor_organization_id: acting_organization(
            access,
            organization_id.unwrap_or(access.project.initiator_organization_id),
        ),
        action,
        organization_id,
        details,
    }
    .record(conn)
}

/// 409 unless the meeting is still being planned.
pub fn require_planning(meeting: &Meeting) -> Result<(), ApiError> {
    if meeting.status == MeetingStatus::Planning {
        Ok(())
    } else {
        Err(
            ApiError::conflict("not_planning", "the meeting is no longer being planned")
                .with("status", json!(meeting.status)),
        )
    }
}

/// The meeting and what the gate looks at, read with everything it covers held still until the
/// transaction ends — the meeting row, then the document, then the partnerships, always in that
/// order — so no edit can land between the check and what the caller does on its strength.
/// Initiator only; 409 unless the meeting is still being planned.
pub fn lock_for_gate(
    conn: &mut PgConnection,
    meeting_id: Uuid,
    access: &ProjectAccess,
) -> Result<(Meeting, document::ProjectDoc, gate::GateState), ApiError> {
    access.require_initiator()?;
    let meeting = queries::lock(conn, meeting_id)?;
    require_planning(&meeting)?;
    lock_document(conn, meeting.project_id)?;
    queries::lock_partnerships(conn, meeting.project_id)?;
    let (doc, state) =
        queries::gate_state_now(conn, &meeting, access.project.initiator_organization_id)?;
    Ok((meeting, doc, state))
}

/// The gate's refusal (API.md): 409 `concertation_incomplete` with every unmet rule.
pub fn incomplete(unmet: Vec<Unmet>) -> ApiError {
    ApiError::conflict(
        "concertation_incomplete",
        "the upstream concertation is not complete for this meeting",
    )
    .with("unmet", json!(unmet))
}

fn timezone(raw: &str) -> Result<Tz, ApiError> {
    raw.trim()
        .parse::<Tz>()
        .map_err(|_| ApiError::invalid_field("timezone", "an IANA time zone, e.g. Europe/Paris"))
}

fn duration(minutes: i64) -> Result<i32, ApiError> {
    i32::try_from(minutes)
        .ok()
        .filter(|m| (5..=1440).contains(m))
        .ok_or_else(|| ApiError::invalid_field("duration_minutes", "between 5 and 1440"))
}

/// An optional web link (`http` or `https`), as the calendar's URL property will carry it.
fn video_url(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => url::Url::parse(raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && raw.len() <= 2000)
            .map(|u| Some(u.to_string()))
            .ok_or_else(|| ApiError::invalid_field("video_url", "an http(s) link")),
    }
}

#[derive(Deserialize)]
pub struct NewMeeting {
    title: String,
    duration_minutes: i64,
    timezone: String,
    location: Option<String>,
    video_url: Option<String>,
}

/// `POST /api/projects/{id}/meetings`: only the initiator's members.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewMeeting>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let title = line("title", &body.title, 300)?;
    let duration_minutes = duration(body.duration_minutes)?;
    let tz = timezone(&body.timezone)?;
    let location = optional_line("location", body.location.as_deref(), 500)?;
    let video_url = video_url(body.video_url.as_deref())?;
    let host = state
        .settings
        .base_url
        .host_str()
        .unwrap_or("amont")
        .to_owned();
    let user_id = current.id();
    let max_bytes = state.settings.doc_max_bytes;
    let meeting = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            let access = ProjectAccess::load(conn, project_id, user_id)?;
            access.require_initiator()?;
            crate::http::projects::require_open(&access.project)?;
            let id = Uuid::new_v4();
            let meeting = Meeting {
                id,
                project_id,
                title,
                duration_minutes,
                timezone: tz.name().to_owned(),
                location,
                video_url,
                status: MeetingStatus::Planning,
                starts_at: None,
                ends_at: None,
                sequence: 0,
                uid: format!("{id}@{host}"),
                organizer_user_id: None,
                organizer_organization_id: None,
                convened_agenda: None,
                convened_at: None,
                cancelled_at: None,
                created_by: user_id,
                created_at: Utc::now(),
            };
            diesel::insert_into(meetings::table)
                .values(meeting.clone())
                .execute(conn)?;
            audit(
                conn,
                &access,
                "meeting.created",
                None,
                json!({"meeting_id": id, "title": meeting.title}),
            )?;
            crate::http::decisions::carry_over_actions(conn, project_id, id, user_id, max_bytes)?;
            Ok(meeting)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(MeetingView::from(&meeting)))
}

/// `GET /api/projects/{id}/meetings`: the project's meetings, oldest first.
pub async fn list(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let user_id = current.id();
    let found: Vec<Meeting> = db::run(&state.pool, move |conn| {
        ProjectAccess::load(conn, project_id, user_id)?;
        Ok::<_, ApiError>(
            meetings::table
                .filter(meetings::project_id.eq(project_id))
                .order(meetings::created_at)
                .select(Meeting::as_select())
                .load(conn)?,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(found.iter().map(MeetingView::from).collect::<Vec<_>>()))
}

/// `GET /api/meetings/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let meeting = in_meeting(&state, current.id(), path.into_inner(), |_, m, _| Ok(m)).await?;
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

#[derive(Deserialize)]
pub struct MeetingChange {
    title: Option<String>,
    duration_minutes: Option<i64>,
    timezone: Option<String>,
    /// An empty string clears it.
    location: Option<String>,
    /// An empty string clears it.
    video_url: Option<String>,
    starts_at: Option<DateTime<Utc>>,
}

/// The meeting with a change applied (not stored).
fn changed(meeting: &Meeting, body: MeetingChange) -> Result<Meeting, ApiError> {
    let mut next = meeting.clone();
    if let Some(title) = body.title {
        next.title = line("title", &title, 300)?;
    }
    if let Some(minutes) = body.duration_minutes {
        next.duration_minutes = duration(minutes)?;
    }
    if let Some(tz) = body.timezone {
        next.timezone = timezone(&tz)?.name().to_owned();
    }
    if let Some(location) = body.location {
        next.location = optional_line("location", Some(&location), 500)?;
    }
    if let Some(video) = body.video_url {
        next.video_url = video_url(Some(&video))?;
    }
    if let Some(start) = body.starts_at {
        next.starts_at = Some(start);
    }
    next.ends_at = next
        .starts_at
        .map(|s| s + Duration::minutes(i64::from(next.duration_minutes)));
    Ok(next)
}

/// `PATCH /api/meetings/{id}`: title, place, time (and duration, zone). After the convocation,
/// a real change sends every attendee an update (same UID, SEQUENCE + 1).
pub async fn patch(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<MeetingChange>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.clone();
    let body = body.into_inner();
    let (meeting, queued) = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        move |conn, m, access| {
            access.require_initiator()?;
            let meeting = queries::lock(conn, m.id)?;
            let next = changed(&meeting, body)?;
            convocation::apply_change(conn, &settings, &access, &meeting, next)
        },
    )
    .await?;
    if queued {
        state.mailer.wake();
    }
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

#[derive(Deserialize)]
pub struct NewSlot {
    starts_at: DateTime<Utc>,
}

/// `POST /api/meetings/{id}/slots`: a candidate slot, in the future.
pub async fn add_slot(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<NewSlot>,
) -> Result<HttpResponse, ApiError> {
    let starts_at = body.starts_at;
    if starts_at <= Utc::now() {
        return Err(ApiError::invalid_field(
            "starts_at",
            "must be in the future",
        ));
    }
    let user_id = current.id();
    let slot = in_meeting(
        &state,
        user_id,
        path.into_inner(),
        move |conn, meeting, access| {
            access.require_initiator()?;
            require_planning(&meeting)?;
            let slot = MeetingSlot {
                id: Uuid::new_v4(),
                meeting_id: meeting.id,
                starts_at,
                ends_at: starts_at + Duration::minutes(i64::from(meeting.duration_minutes)),
                created_by: user_id,
                created_at: Utc::now(),
            };
            let inserted = diesel::insert_into(meeting_slots::table)
                .values(&slot)
                .on_conflict_do_nothing()
                .execute(conn)?;
            if inserted == 0 {
                return Err(ApiError::conflict(
                    "slot_exists",
                    "this slot is already proposed",
                ));
            }
            audit(
                conn,
                &access,
                "slot.proposed",
                None,
                json!({"meeting_id": meeting.id, "slot_id": slot.id, "starts_at": starts_at}),
            )?;
            Ok(slot)
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .json(json!({"id": slot.id, "starts_at": slot.starts_at, "ends_at": slot.ends_at})))
}

#[derive(Deserialize)]
pub struct AvailabilityBody {
    answers: std::collections::HashMap<Uuid, String>,
}

/// `PUT /api/meetings/{id}/availability`: members of accepted partners answer for themselves.
pub async fn put_availability(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AvailabilityBody>,
) -> Result<HttpResponse, ApiError> {
    let mut answers = Vec::new();
    for (slot, answer) in &body.answers {
        let answer = Availability::parse(answer)
            .ok_or_else(|| ApiError::invalid_field("answers", "yes, maybe or no for each slot"))?;
        answers.push((*slot, answer));
    }
    let user_id = current.id();
    in_meeting(
        &state,
        user_id,
        path.into_inner(),
        move |conn, meeting, access| {
            if !access
                .organizations
                .iter()
                .any(|(_, s)| *s == PartnershipStatus::Accepted)
            {
                return Err(ApiError::Forbidden(
                    "only members of accepted partners answer the poll".into(),
                ));
            }
            require_planning(&meeting)?;
            let known: Vec<Uuid> = queries::slots(conn, meeting.id)?
                .iter()
                .map(|s| s.id)
                .collect();
            if let Some((unknown, _)) = answers.iter().find(|(slot, _)| !known.contains(slot)) {
                return Err(ApiError::invalid_field(
                    "answers",
                    format!("{unknown} is not a slot of this meeting"),
                ));
            }
            let now = Utc::now();
            for (slot, answer) in &answers {
                diesel::insert_into(availability_answers::table)
                    .values((
                        availability_answers::slot_id.eq(slot),
                        availability_answers::user_id.eq(user_id),
                        availability_answers::meeting_id.eq(meeting.id),
                        availability_answers::answer.eq(answer.as_str()),
                        availability_answers::updated_at.eq(now),
                    ))
                    .on_conflict((availability_answers::slot_id, availability_answers::user_id))
                    .do_update()
                    .set((
                        availability_answers::answer.eq(answer.as_str()),
                        availability_answers::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            let shown: Value = answers
                .iter()
                .map(|(s, a)| (s.to_string(), json!(a)))
                .collect::<serde_json::Map<_, _>>()
                .into();
            audit(
                conn,
                &access,
                "availability.answered",
                None,
                json!({"meeting_id": meeting.id, "answers": shown}),
            )?;
            Ok(())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"answers": body.answers})))
}

/// `GET /api/meetings/{id}/poll`: tallies, missing partners and the suggested slot.
pub async fn poll(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user_id = current.id();
    let body = in_meeting(
        &state,
        user_id,
        path.into_inner(),
        move |conn, meeting, access| {
            let initiator = access.project.initiator_organization_id;
            let accepted: Vec<(Uuid, String)> =
                queries::partners(conn, meeting.project_id, initiator)?
                    .into_iter()
                    .filter(|p| p.2 == PartnershipStatus::Accepted)
                    .map(|p| (p.0, p.1))
                    .collect();
            let ids: Vec<Uuid> = accepted.iter().map(|p| p.0).collect();
            let candidates = queries::candidates(conn, &meeting, &ids)?;
            let mine: Vec<(Uuid, String)> = availability_answers::table
                .filter(availability_answers::meeting_id.eq(meeting.id))
                .filter(availability_answers::user_id.eq(user_id))
                .select((availability_answers::slot_id, availability_answers::answer))
                .load(conn)?;
            let rows: Vec<Value> = candidates
                .iter()
                .map(|(slot, candidate)| {
                    let t = slots::tally(&ids, &candidate.ballots);
                    let missing: Vec<Value> = accepted
                        .iter()
                        .filter(|(id, _)| t.missing.contains(id))
                        .map(|(id, name)| json!({"organization_id": id, "organization_name": name}))
                        .collect();
                    json!({
                        "id": slot.id, "starts_at": slot.starts_at, "ends_at": slot.ends_at,
                        "yes": t.yes, "maybe": t.maybe, "no": t.no,
                        "covered_organizations": t.covered, "all_covered": t.all_covered,
                        "missing_organizations": missing,
                        "my_answer": mine.iter().find(|(s, _)| *s == slot.id).map(|(_, a)| a),
                    })
                })
                .collect();
            let all: Vec<_> = candidates.into_iter().map(|(_, c)| c).collect();
            let suggested = slots::suggest(&ids, &all, Utc::now());
            Ok(json!({"slots": rows, "suggested_slot_id": suggested}))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct ChosenSlot {
    slot_id: Uuid,
}

/// `POST /api/meetings/{id}/slot`: the initiator chooses the slot (while planning).
pub async fn choose_slot(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ChosenSlot>,
) -> Result<HttpResponse, ApiError> {
    let slot_id = body.slot_id;
    let meeting = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        move |conn, m, access| {
            access.require_initiator()?;
            let slot: MeetingSlot = meeting_slots::table
                .find(slot_id)
                .filter(meeting_slots::meeting_id.eq(m.id))
                .select(MeetingSlot::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::invalid_field("slot_id", "not a slot of this meeting"))?;
            if slot.starts_at <= Utc::now() {
                return Err(ApiError::invalid_field(
                    "slot_id",
                    "this slot is in the past",
                ));
            }
            let meeting: Option<Meeting> = diesel::update(
                meetings::table
                    .find(m.id)
                    .filter(meetings::status.eq("planning")),
            )
            .set((
                meetings::starts_at.eq(slot.starts_at),
                meetings::ends_at.eq(slot.ends_at),
            ))
            .returning(Meeting::as_returning())
            .get_result(conn)
            .optional()?;
            let meeting =
                meeting.ok_or_else(|| require_planning(&m).err().unwrap_or(ApiError::NotFound))?;
            audit(
                conn,
                &access,
                "slot.chosen",
                None,
                json!({"meeting_id": m.id, "slot_id": slot_id, "starts_at": slot.starts_at}),
            )?;
            Ok(meeting)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(MeetingView::from(&meeting)))
}

fn agenda_json(agenda: &document::Agenda) -> Value {
    json!({"items": agenda.items, "content_hash": agenda.content_hash})
}

/// `GET /api/meetings/{id}/agenda`: read from the live document.
pub async fn get_agenda(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        |conn, meeting, access| {
            let agenda = document::load(conn, meeting.project_id)?.agenda(meeting.id);
            let mut body = agenda_json(&agenda);
            // Each accepted partner's latest agreement, and whether it still counts.
            let mut agreed = Vec::new();
            let initiator = access.project.initiator_organization_id;
            for (org, name, status) in queries::partners(conn, meeting.project_id, initiator)? {
                if status != PartnershipStatus::Accepted {
                    continue;
                }
                let latest =
                    queries::latest_agreement(conn, meeting.project_id, "agenda", meeting.id, org)?;
                let receipts = crate::db::proof::receipts_of_records(
                    conn,
                    &latest.iter().map(|a| a.id).collect::<Vec<_>>(),
                )?;
                agreed.push(json!({
                    "organization_id": org,
                    "organization_name": name,
                    "agreement": latest.map(|a| AgreementView::new(&a, &agenda.content_hash)
                        .with_receipt(receipts.get(&a.id).cloned())),
                }));
            }
            body["agreements"] = json!(agreed);
            Ok(body)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct AgendaItemBody {
    id: Option<String>,
    title: String,
    duration_min: i64,
    lead_org_id: Option<Uuid>,
    notes: Option<String>,
}

#[derive(Deserialize)]
pub struct AgendaBody {
    items: Vec<AgendaItemBody>,
}

fn agenda_input(body: AgendaBody) -> Result<Vec<AgendaItemInput>, ApiError> {
    if body.items.len() > 100 {
        return Err(ApiError::invalid_field("items", "at most 100 items"));
    }
    body.items
        .into_iter()
        .map(|item| {
            Ok(AgendaItemInput {
                id: optional_line("id", item.id.as_deref(), 100)?,
                title: line("title", &item.title, 300)?,
                duration_min: u32::try_from(item.duration_min)
                    .ok()
                    .filter(|d| *d <= 1440)
                    .ok_or_else(|| ApiError::invalid_field("duration_min", "0 to 1440 minutes"))?,
                lead_org_id: item.lead_org_id.map(|id| id.to_string()),
                notes: paragraph("notes", item.notes.as_deref().unwrap_or(""), 5000)?,
            })
        })
        .collect()
}

/// `PUT /api/meetings/{id}/agenda`: replaces the agenda in the live document (a minimal edit,
/// ids kept). Any participant co-edits it; a change that voids agreements is audited.
pub async fn put_agenda(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AgendaBody>,
) -> Result<HttpResponse, ApiError> {
    let items = agenda_input(body.into_inner())?;
    let user_id = current.id();
    let max_bytes = state.settings.doc_max_bytes;
    let body = in_meeting(
        &state,
        user_id,
        path.into_inner(),
        move |conn, meeting, access| {
            let partners: Vec<Uuid> = partnerships::table
                .filter(partnerships::project_id.eq(meeting.project_id))
                .select(partnerships::organization_id)
                .load(conn)?;
            if items
                .iter()
                .filter_map(|i| i.lead_org_id.as_deref())
                .any(|id| !partners.iter().any(|p| p.to_string() == id))
            {
                return Err(ApiError::invalid_field(
                    "lead_org_id",
                    "the lead must be a partner of the project",
                ));
            }
            lock_document(conn, meeting.project_id)?;
            let before = document::load(conn, meeting.project_id)?.agenda(meeting.id);
            let after = document::replace_agenda(
                conn,
                meeting.project_id,
                meeting.id,
                user_id,
                &items,
                max_bytes,
            )?;
            if before.content_hash != after.content_hash {
                audit(
                    conn,
                    &access,
                    "agenda.changed",
                    None,
                    json!({
                        "meeting_id": meeting.id, "previous_hash": before.content_hash,
                        "content_hash": after.content_hash, "via": "http",
                    }),
                )?;
            }
            Ok(agenda_json(&after))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct AgendaAgreementBody {
    content_hash: String,
    decision: String,
    comment: Option<String>,
    /// Needed only when the caller belongs to several accepted partners.
    organization_id: Option<Uuid>,
}

/// The accepted partner the caller agrees for.
fn agreeing_organization(access: &ProjectAccess, asked: Option<Uuid>) -> Result<Uuid, ApiError> {
    let accepted: Vec<Uuid> = access
        .organizations
        .iter()
        .filter(|(_, s)| *s == PartnershipStatus::Accepted)
        .map(|(o, _)| *o)
        .collect();
    match asked {
        Some(org) if accepted.contains(&org) => Ok(org),
        Some(org) if access.member_of(org) => Err(ApiError::conflict(
            "not_accepted",
            "accept the partnership before agreeing to an agenda",
        )),
        Some(_) => Err(ApiError::Forbidden(
            "only members of that organization may act for it".into(),
        )),
        None => match accepted.as_slice() {
            [only] => Ok(*only),
            [] => Err(ApiError::conflict(
                "not_accepted",
                "accept the partnership before agreeing to an agenda",
            )),
            _ => Err(ApiError::invalid_field(
                "organization_id",
                "you belong to several partners: say which one agrees",
            )),
        },
    }
}

/// `POST /api/meetings/{id}/agenda/agreement`: like a mission's, on the current agenda only.
pub async fn agree_agenda(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AgendaAgreementBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if gate::Decision::parse(&body.decision).is_none() {
        return Err(ApiError::invalid_field("decision", "agree or object"));
    }
    let comment = optional_paragraph("comment", body.comment.as_deref(), 2000)?;
    let user_id = current.id();
    let signer = Signer::new(&state.settings);
    let view = in_meeting(
        &state,
        user_id,
        path.into_inner(),
        move |conn, meeting, access| {
            let organization_id = agreeing_organization(&access, body.organization_id)?;
            // Hold the document still from the hash check to the insert.
            lock_document(conn, meeting.project_id)?;
            let agenda = document::load(conn, meeting.project_id)?.agenda(meeting.id);
            let recorded = agreement::record(
                conn,
                &signer,
                agreement::Section {
                    subject: "agenda",
                    subject_id: meeting.id,
                    current_hash: &agenda.content_hash,
                    canonical: content::canonical_agenda(meeting.id, &agenda.items),
                    is_empty: agenda.items.is_empty(),
                },
                agreement::Consent {
                    project_id: meeting.project_id,
                    organization_id,
                    user_id,
                    claimed_hash: body.content_hash,
                    decision: body.decision,
                    comment,
                },
            )?;
            Ok(
                AgreementView::new(&recorded.agreement, &agenda.content_hash)
                    .with_receipt(Some(recorded.receipt)),
            )
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// `GET /api/meetings/{id}/readiness`: every unmet rule of the gate.
pub async fn readiness(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        |conn, meeting, access| {
            let (_, gate_state) =
                queries::gate_state_now(conn, &meeting, access.project.initiator_organization_id)?;
            let unmet = gate::unmet(&gate_state);
            Ok(json!({"ready": unmet.is_empty(), "unmet": unmet, "status": meeting.status}))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct ConcertationBody {
    summary: String,
}

/// `POST /api/meetings/{id}/concertation`: records the concertation with its evidence, only
/// when rules 1–5 hold, checked with the meeting, the document and the partnerships locked.
pub async fn record_concertation(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ConcertationBody>,
) -> Result<HttpResponse, ApiError> {
    let summary = paragraph("summary", &body.summary, 20_000)?;
    if summary.trim().is_empty() {
        return Err(ApiError::invalid_field("summary", "must not be empty"));
    }
    let user_id = current.id();
    let record = in_meeting(&state, user_id, path.into_inner(), move |conn, m, access| {
        let (meeting, _, gate_state) = lock_for_gate(conn, m.id, &access)?;
        let initiator = access.project.initiator_organization_id;
        let unmet = gate::upstream_unmet(&gate_state);
        if !unmet.is_empty() {
            return Err(incomplete(unmet));
        }
        let record = ConcertationRecord {
            id: Uuid::new_v4(),
            meeting_id: meeting.id,
            project_id: meeting.project_id,
            summary,
            recorded_by: user_id,
            recorded_for: initiator,
            evidence: serde_json::to_value(gate::evidence(&gate_state)).map_err(anyhow::Error::from)?,
            created_at: Utc::now(),
        };
        diesel::insert_into(concertation_records::table).values(&record).execute(conn)?;
        audit(conn, &access, "concertation.recorded", Some(initiator), json!({"meeting_id": meeting.id, "record_id": record.id, "evidence": record.evidence}))?;
        Ok(record)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "id": record.id, "meeting_id": record.meeting_id, "summary": record.summary,
        "recorded_by": record.recorded_by, "organization_id": record.recorded_for,
        "created_at": record.created_at, "evidence": record.evidence,
    })))
}

/// `GET /api/meetings/{id}/attendees`: `[{email, organization_id, partstat}]`, with names.
pub async fn attendees(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = in_meeting(
        &state,
        current.id(),
        path.into_inner(),
        |conn, meeting, access| {
            Ok(queries::attendees(conn, meeting.id)?
            .iter()
            .map(|a| {
                // Addresses for the initiator's members and the person's own organization only.
                let email_visible = access.is_initiator()
                    || access.member_of(a.organization_id);
                json!({
                    "email": email_visible.then_some(&a.email),
                    "organization_id": a.organization_id, "partstat": a.partstat,
                    "display_name": a.display_name, "role": a.role, "responded_at": a.responded_at,
                })
            })
            .collect::<Vec<_>>())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Resets the answers of every attendee but the organizer (after a change of time).
pub fn reset_partstats(conn: &mut PgConnection, meeting: &Meeting) -> QueryResult<usize> {
    diesel::update(
        meeting_attendees::table
            .filter(meeting_attendees::meeting_id.eq(meeting.id))
            .filter(meeting_attendees::role.ne("CHAIR")),
    )
    .set((
        meeting_attendees::partstat.eq("NEEDS-ACTION"),
        meeting_attendees::responded_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
}
