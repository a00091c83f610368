//! The daily follow-up digest: to each member of an organization that owns open actions due
//! within seven days or overdue, one email a day at most, none when there is nothing to say.
//!
//! "At most one a day" is a row of `digests (user_id, sent_on)`, inserted in the transaction that
//! queues the email: a second run the same day (a restart, another instance) finds the row and
//! queues nothing, and two concurrent runs serialize on the primary key.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use chrono::{NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;
use diesel::Connection;
use uuid::Uuid;

use crate::config::Settings;
use crate::db::follow_up::{self as queries, ActionFilter, ActionView, action_views};
use crate::db::{Conn, DbPool};
use crate::domain::Locale;
use crate::domain::follow_up::{self, ActionStatus};
use crate::mail::{self, MailerHandle, Outgoing, templates};

/// Queues today's digests; returns how many were queued.
pub fn send_digests(conn: &mut Conn, settings: &Settings, today: NaiveDate) -> Result<usize> {
    let open = action_views(
        conn,
        &ActionFilter {
            status: Some(ActionStatus::Open),
            ..ActionFilter::default()
        },
        today,
    )?;
    let selected: Vec<ActionView> = open
        .into_iter()
        .filter(|a| follow_up::in_digest(ActionStatus::Open, a.due_on, today))
        .collect();
    // Only actions of organizations still partners of the project.
    let accepted = queries::accepted_partnerships(conn)?;
    let selected: Vec<ActionView> = selected
        .into_iter()
        .filter(|a| accepted.contains(&(a.project_id, a.owner_organization_id)))
        .collect();
    let owners: Vec<Uuid> = selected.iter().map(|a| a.owner_organization_id).collect();
    let mut per_user: BTreeMap<Uuid, (String, String, Vec<&ActionView>)> = BTreeMap::new();
    for member in queries::members_of(conn, &owners)? {
        let entry = per_user
            .entry(member.user_id)
            .or_insert_with(|| (member.email, member.locale, Vec::new()));
        entry.2.extend(
            selected
                .iter()
                .filter(|a| a.owner_organization_id == member.organization_id),
        );
    }
    let mut queued = 0;
    for (user_id, (email, locale, mut items)) in per_user {
        items.sort_by_key(|a| (a.due_on, a.title.clone()));
        items.dedup_by_key(|a| a.id);
        if !follow_up::digest_due(None, today, items.len()) {
            continue;
        }
        let sent = conn.transaction::<bool, anyhow::Error, _>(|conn| {
            if !queries::claim_digest(conn, user_id, today)? {
                return Ok(false);
            }
            let locale = Locale::parse(&locale).unwrap_or_default();
            let lines: Vec<templates::DigestItem<'_>> = items
                .iter()
                .map(|a| templates::DigestItem {
                    project_title: &a.project_title,
                    title: &a.title,
                    organization_name: &a.owner_organization_name,
                    due_on: a.due_on,
                    overdue: a.overdue,
                })
                .collect();
            let to = email.parse::<lettre::Address>()?;
            let outbox_id = mail::enqueue(
                conn,
                settings,
                Outgoing {
                    kind: "digest",
                    to: lettre::message::Mailbox::new(None, to),
                    reply_to: None,
                    rendered: templates::digest(locale, &lines, &settings.link("/actions")),
                    calendar: None,
                },
            )?;
            queries::record_digest(conn, user_id, today, outbox_id)?;
            Ok(true)
        })?;
        if sent {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The hour (Paris time) from which the day's digests go out.
pub const DIGEST_HOUR: u32 = 7;

/// Runs the digest every `every`, from 7:00 Paris time; the table makes repeated runs harmless.
pub fn spawn(pool: DbPool, settings: Settings, mailer: MailerHandle, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            let now = Utc::now().with_timezone(&Paris);
            if now.hour() < DIGEST_HOUR {
                continue;
            }
            let (pool, settings, today) = (pool.clone(), settings.clone(), now.date_naive());
            let outcome = actix_web::web::block(move || -> Result<usize> {
                let mut conn = pool.get()?;
                send_digests(&mut conn, &settings, today)
            })
            .await;
            match outcome {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => {
                    tracing::info!(digests = n, "follow-up digests queued");
                    mailer.wake();
                }
                Ok(Err(err)) => tracing::error!("follow-up digests failed: {err:#}"),
                Err(err) => tracing::error!("follow-up digests task failed: {err}"),
            }
        }
    });
}
