//! What a person has to do (`GET /api/me/todo`): every thing Amont waits for from them, each one
//! click from done — consultations to answer, requests to join to decide, polls to answer,
//! missions and agendas to agree to as they are written now, short notices to accept or refuse,
//! convocations to answer, actions to do. Made from what is stored each time it is asked (nothing to keep in step).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Refusal;
use crate::db::agreements::SHORT_NOTICE;
use crate::db::models::User;
use crate::db::{Conn, agreements, todo as queries};
use crate::document;
use crate::domain::partnership::PartnershipStatus;
use crate::domain::todo::{TodoItem, TodoKind, ordered};
use crate::domain::{content, partners_time};

/// Everything `actor` has to do now, in the order to see it ([`ordered`]).
pub fn todo(conn: &mut Conn, actor: &User, now: DateTime<Utc>) -> Result<Vec<TodoItem>, Refusal> {
    let taking = queries::partnerships_of(conn, actor.id)?;
    let mut items = consultations(conn, actor, &taking)?;
    items.extend(join_requests(conn, actor)?);
    items.extend(agreements_and_polls(conn, actor, &taking, now)?);
    items.extend(convocations(conn, actor, now)?);
    items.extend(actions(conn, actor)?);
    Ok(ordered(items))
}

fn item(
    kind: TodoKind,
    project_id: Uuid,
    project_title: &str,
    title: &str,
    url: String,
) -> TodoItem {
    TodoItem {
        kind,
        project_id: Some(project_id),
        project_title: Some(project_title.to_owned()),
        meeting_id: None,
        organization_id: None,
        organization_name: None,
        title: title.to_owned(),
        due: None,
        url,
    }
}

/// A to-do about a meeting, done on the meeting's page.
fn meeting_item(
    kind: TodoKind,
    project_id: Uuid,
    project_title: &str,
    meeting_id: Uuid,
    title: &str,
) -> TodoItem {
    let url = format!("/meetings/{meeting_id}");
    TodoItem {
        meeting_id: Some(meeting_id),
        ..item(kind, project_id, project_title, title, url)
    }
}

fn for_organization(mut item: TodoItem, id: Uuid, name: &str) -> TodoItem {
    item.organization_id = Some(id);
    item.organization_name = Some(name.to_owned());
    item
}

/// Consultations of one's organizations, and those one is the contact of without being a member
/// (read on the consultation's own page).
fn consultations(
    conn: &mut Conn,
    actor: &User,
    taking: &[queries::Taking],
) -> Result<Vec<TodoItem>, Refusal> {
    let as_member = taking
        .iter()
        .filter(|t| t.status == PartnershipStatus::Invited)
        .map(|t| (t, format!("/projects/{}", t.project_id)));
    let as_contact = queries::consultations_for_contact(conn, actor.id, &actor.email)?;
    let as_contact = as_contact.iter().map(|t| {
        let url = format!("/consultations/{}/{}", t.project_id, t.organization_id);
        (t, url)
    });
    Ok(as_member
        .chain(as_contact)
        .map(|(t, url)| {
            let it = item(
                TodoKind::Consultation,
                t.project_id,
                &t.project_title,
                &t.project_title,
                url,
            );
            for_organization(it, t.organization_id, &t.organization_name)
        })
        .collect())
}

/// Requests to join the organizations one administers.
fn join_requests(conn: &mut Conn, actor: &User) -> Result<Vec<TodoItem>, Refusal> {
    Ok(queries::join_requests(conn, actor.id)?
        .into_iter()
        .map(|r| {
            let url = format!("/organizations/{}", r.organization_id);
            let it = TodoItem {
                kind: TodoKind::JoinRequest,
                project_id: None,
                project_title: None,
                meeting_id: None,
                organization_id: None,
                organization_name: None,
                title: r.requester_name,
                due: None,
                url,
            };
            for_organization(it, r.organization_id, &r.organization_name)
        })
        .collect())
}

/// In the projects where one's organization accepted: its mission and the agendas of meetings
/// being planned that it has not agreed to as they are written now (an empty text cannot be
/// agreed to: it is not asked), and the polls one has not answered.
fn agreements_and_polls(
    conn: &mut Conn,
    actor: &User,
    taking: &[queries::Taking],
    now: DateTime<Utc>,
) -> Result<Vec<TodoItem>, Refusal> {
    let accepted: Vec<&queries::Taking> = taking
        .iter()
        .filter(|t| t.status == PartnershipStatus::Accepted)
        .collect();
    let mut project_ids: Vec<Uuid> = accepted.iter().map(|t| t.project_id).collect();
    project_ids.sort();
    project_ids.dedup();
    let planned = queries::planned_meetings(conn, &project_ids, actor.id, now)?;
    let mut items = Vec::new();
    for project_id in project_ids {
        let doc = document::load(conn, project_id)?;
        let meetings: Vec<&queries::Planned> = planned
            .iter()
            .filter(|m| m.project_id == project_id)
            .collect();
        for t in accepted.iter().filter(|t| t.project_id == project_id) {
            let mission = doc.mission(t.organization_id);
            let org = t.organization_id;
            if !mission.text.trim().is_empty()
                && !backs(conn, project_id, "mission", org, org, &mission.content_hash)?
            {
                let url = format!("/projects/{project_id}");
                let it = item(
                    TodoKind::MissionAgreement,
                    project_id,
                    &t.project_title,
                    &t.project_title,
                    url,
                );
                items.push(for_organization(it, org, &t.organization_name));
            }
            for m in &meetings {
                let agenda = doc.agenda(m.id);
                if !agenda.items.is_empty()
                    && !backs(conn, project_id, "agenda", m.id, org, &agenda.content_hash)?
                {
                    let it = meeting_item(
                        TodoKind::AgendaAgreement,
                        project_id,
                        &t.project_title,
                        m.id,
                        &m.title,
                    );
                    items.push(for_organization(it, org, &t.organization_name));
                }
                if let Some(hash) = short_notice_asked(m, now)
                    && !backs(conn, project_id, SHORT_NOTICE, m.id, org, &hash)?
                {
                    let mut it = meeting_item(
                        TodoKind::ShortNoticeAgreement,
                        project_id,
                        &t.project_title,
                        m.id,
                        &m.title,
                    );
                    it.due = m.starts_at;
                    items.push(for_organization(it, org, &t.organization_name));
                }
            }
        }
        let title = &accepted
            .iter()
            .find(|t| t.project_id == project_id)
            .map(|t| t.project_title.clone())
            .unwrap_or_default();
        for m in meetings.iter().filter(|m| m.has_future_slot && !m.answered) {
            items.push(meeting_item(
                TodoKind::Poll,
                project_id,
                title,
                m.id,
                &m.title,
            ));
        }
    }
    Ok(items)
}

/// When a meeting's chosen slot is closer than the project's notice: what agreeing to the short
/// notice binds to (gate rule 7).
fn short_notice_asked(m: &queries::Planned, now: DateTime<Utc>) -> Option<String> {
    let starts_at = m.starts_at.filter(|start| *start > now)?;
    let zone = crate::domain::meeting::zone_or_paris(&m.timezone);
    let required = m.min_notice_days.max(0) as u32;
    (partners_time::notice_days(now, starts_at, zone) < i64::from(required))
        .then(|| content::short_notice_hash(m.id, starts_at, required))
}

/// Whether the organization's latest word on a subject is an agreement to this very text.
fn backs(
    conn: &mut Conn,
    project_id: Uuid,
    subject: &str,
    subject_id: Uuid,
    organization_id: Uuid,
    current_hash: &str,
) -> Result<bool, Refusal> {
    let latest = agreements::latest(conn, project_id, subject, subject_id, organization_id)?;
    Ok(latest
        .as_ref()
        .and_then(agreements::consent)
        .is_some_and(|consent| consent.backs(current_hash)))
}

/// Convocations still to come one has not answered (in the app or from the email).
fn convocations(
    conn: &mut Conn,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<Vec<TodoItem>, Refusal> {
    Ok(queries::unanswered_convocations(conn, actor.id, now)?
        .into_iter()
        .map(|c| {
            let mut it = meeting_item(
                TodoKind::Rsvp,
                c.project_id,
                &c.project_title,
                c.meeting_id,
                &c.title,
            );
            it.organization_id = Some(c.organization_id);
            it.due = c.starts_at;
            it
        })
        .collect())
}

/// The open actions one's organizations own (due at the start of their day).
fn actions(conn: &mut Conn, actor: &User) -> Result<Vec<TodoItem>, Refusal> {
    let mine = crate::db::follow_up::organizations_of(conn, actor.id)?;
    Ok(queries::open_actions(conn, &mine)?
        .into_iter()
        .map(|a| {
            let url = "/actions".to_owned();
            let mut it = item(
                TodoKind::Action,
                a.project_id,
                &a.project_title,
                &a.title,
                url,
            );
            it.due = a.due_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
            for_organization(it, a.organization_id, &a.organization_name)
        })
        .collect())
}
