//! The notice emails (API.md, "Asking people"): a person's waiting notices of one project, sent
//! as one email in their language, at most every 15 minutes (`AMONT_NOTICE_WINDOW`,
//! `domain::asking::send_now`).
//!
//! [`run`] is one step: automatic reminders due, gates that became satisfied, agreements voided
//! by edits of the live document, then every person and project with notices waiting. Each (person, project) is one transaction: its
//! waiting rows are locked (`SKIP LOCKED`: another instance's run passes them by), the email is
//! queued in the outbox and the rows closed with it — so a notice is emailed once, or not yet.
//! [`spawn`] runs the step every minute (`AMONT_NOTICE_EVERY`); tests call [`run`] with the time
//! they choose.

use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::Value;
use url::Url;

use crate::config::Settings;
use crate::db::asking::{self as store, Notice};
use crate::db::{Conn, DbPool};
use crate::domain::Locale;
use crate::domain::asking::{Event, Owed, send_now};
use crate::mail::blocks::{Block, Item, Span, para, plain, render, strong};
use crate::mail::templates::Rendered;
use crate::mail::{self, MailerHandle, Outgoing};
use crate::workflow::{Refusal, asking};

/// What one step did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub reminders: usize,
    pub gates: usize,
    /// Agreements found voided by edits of the live document.
    pub voided: usize,
    pub emails: usize,
}

/// One step at `now`: automatic reminders, gates watched, then the emails due.
pub fn run(conn: &mut Conn, settings: &Settings, now: DateTime<Utc>) -> Result<Step> {
    let reminders = conn
        .transaction(|conn| asking::auto_reminders(conn, now))
        .map_err(refusal)?;
    let gates = conn
        .transaction(|conn| asking::watch_gates(conn, now))
        .map_err(refusal)?;
    let voided = conn
        .transaction(|conn| asking::watch_agreements(conn, now))
        .map_err(refusal)?;
    let mut emails = 0;
    for (user_id, project_id) in store::waiting_pairs(conn)? {
        let sent = conn.transaction::<bool, anyhow::Error, _>(|conn| {
            send_one(conn, settings, user_id, project_id, now)
        })?;
        emails += usize::from(sent);
    }
    Ok(Step {
        reminders,
        gates,
        voided,
        emails,
    })
}

fn refusal(refusal: Refusal) -> anyhow::Error {
    anyhow::anyhow!("{refusal:#}")
}

/// Sends (queues) the person's waiting notices of the project when they are due; closes those
/// turned off. Returns whether an email was queued.
fn send_one(
    conn: &mut Conn,
    settings: &Settings,
    user_id: uuid::Uuid,
    project_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let waiting = store::lock_waiting(conn, user_id, project_id)?;
    if waiting.is_empty() {
        return Ok(false);
    }
    let preferences = store::preferences(conn, user_id)?;
    let last = store::last_sent(conn, user_id, project_id)?;
    let decided = send_now(
        &waiting.iter().map(Notice::waiting).collect::<Vec<_>>(),
        preferences,
        last,
        now,
        settings.notice_window(),
    );
    if !decided.drop.is_empty() {
        store::close(conn, &decided.drop, None, now)?;
    }
    if decided.send.is_empty() {
        return Ok(false);
    }
    let person = store::person(conn, user_id)?;
    let (_, project_title) = store::project(conn, project_id)?;
    let notices: Vec<&Notice> = waiting
        .iter()
        .filter(|n| decided.send.contains(&n.id))
        .collect();
    let locale = Locale::parse(&person.locale).unwrap_or_default();
    let rendered = render_notices(locale, &project_title, project_id, &notices, settings);
    let outbox_id = mail::enqueue(
        conn,
        settings,
        Outgoing {
            kind: "notice",
            to: lettre::message::Mailbox::new(
                Some(person.display_name.clone()),
                person.email.parse()?,
            ),
            reply_to: None,
            rendered,
            calendar: None,
        },
    )?;
    store::close(conn, &decided.send, Some(outbox_id), now)?;
    Ok(true)
}

/// The words of a notice email.
struct Words {
    locale: Locale,
}

impl Words {
    fn t(&self, fr: &str, en: &str) -> String {
        match self.locale {
            Locale::Fr => fr.to_owned(),
            Locale::En => en.to_owned(),
        }
    }

    /// How often these emails come at most, and where to change what comes.
    fn how_often(&self, window: chrono::Duration) -> String {
        let minutes = (window.num_seconds() + 59) / 60;
        let (fr, en) = match minutes {
            15 => (
                "par quart d’heure".to_owned(),
                "per quarter of an hour".to_owned(),
            ),
            ..=1 => ("par minute".to_owned(), "per minute".to_owned()),
            n => (
                format!("toutes les {n} minutes"),
                format!("every {n} minutes"),
            ),
        };
        match self.locale {
            Locale::Fr => format!(
                "Vous recevez ces messages au plus une fois {fr} et par projet ; vos préférences sont sur votre page de compte."
            ),
            Locale::En => format!(
                "You get these messages at most once {en} per project; your preferences are on your account page."
            ),
        }
    }

    fn subject(&self, project: &str, count: usize) -> String {
        match (self.locale, count) {
            (Locale::Fr, 1) => format!("{project} : du nouveau dans la concertation"),
            (Locale::Fr, n) => format!("{project} : {n} nouvelles dans la concertation"),
            (Locale::En, 1) => format!("{project}: news from the concertation"),
            (Locale::En, n) => format!("{project}: {n} updates from the concertation"),
        }
    }

    fn owed(&self, owed: Owed) -> String {
        match owed {
            Owed::PartnerNotAnswered => {
                self.t("répondre à la consultation", "answer the consultation")
            }
            Owed::PollNotAnswered => self.t("répondre au sondage de dates", "answer the poll"),
            Owed::MissionNotAgreed => self.t(
                "donner votre accord sur votre mission",
                "agree to your mission",
            ),
            Owed::AgendaNotAgreed => self.t(
                "donner votre accord sur l’ordre du jour",
                "agree to the agenda",
            ),
            Owed::ShortNoticeNotAgreed => self.t(
                "dire si vous acceptez le délai court de la réunion",
                "say whether you accept the meeting's short notice",
            ),
        }
    }

    fn respond_by(&self, details: &Value) -> String {
        let date = details["respond_by"]
            .as_str()
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            .map(|d| crate::calendar::long_date(d, self.locale));
        match date {
            Some(date) => match self.locale {
                Locale::Fr => format!(" Merci de répondre avant le {date}."),
                Locale::En => format!(" Please answer by {date}."),
            },
            None => String::new(),
        }
    }

    /// The line that tells one notice.
    fn line(&self, n: &Notice) -> String {
        let d = &n.details;
        let meeting = d["meeting_title"].as_str().unwrap_or_default();
        let organization = d["organization_name"].as_str().unwrap_or_default();
        let fr = self.locale == Locale::Fr;
        match n.event {
            Event::PollOpened if fr => format!(
                "Le sondage de dates de la réunion « {meeting} » est ouvert : indiquez vos disponibilités.{}",
                self.respond_by(d)
            ),
            Event::PollOpened => format!(
                "The poll for the meeting “{meeting}” is open: tell when you are available.{}",
                self.respond_by(d)
            ),
            Event::PollSlotsAdded if fr => format!(
                "De nouveaux créneaux sont proposés pour la réunion « {meeting} » : indiquez vos disponibilités.{}",
                self.respond_by(d)
            ),
            Event::PollSlotsAdded => format!(
                "New slots are proposed for the meeting “{meeting}”: tell when you are available.{}",
                self.respond_by(d)
            ),
            Event::MissionWaiting => self.t(
                "Votre mission dans le projet attend votre accord.",
                "Your mission in the project is waiting for your agreement.",
            ),
            Event::AgendaWaiting if fr => {
                format!("L’ordre du jour de la réunion « {meeting} » attend votre accord.")
            }
            Event::AgendaWaiting => {
                format!("The agenda of the meeting “{meeting}” is waiting for your agreement.")
            }
            Event::AgreementVoided => match (d["subject"].as_str(), fr) {
                (Some("agenda"), true) => format!(
                    "L’ordre du jour de la réunion « {meeting} » a changé : votre accord ne compte plus. Relisez-le et donnez de nouveau votre accord."
                ),
                (Some("agenda"), false) => format!(
                    "The agenda of the meeting “{meeting}” changed: your agreement no longer counts. Read it again and agree anew."
                ),
                (_, true) => "Le texte de votre mission a changé : votre accord ne compte plus. Relisez-le et donnez de nouveau votre accord.".to_owned(),
                (_, false) => "The text of your mission changed: your agreement no longer counts. Read it again and agree anew.".to_owned(),
            },
            Event::PartnerAnswered => match (d["status"].as_str(), fr) {
                (Some("accepted"), true) => format!("{organization} a accepté la consultation."),
                (Some("accepted"), false) => format!("{organization} accepted the consultation."),
                (_, true) => format!("{organization} a décliné la consultation."),
                (_, false) => format!("{organization} declined the consultation."),
            },
            Event::GateSatisfied if fr => format!(
                "La concertation de la réunion « {meeting} » est complète : vous pouvez l’enregistrer puis convoquer."
            ),
            Event::GateSatisfied => format!(
                "The concertation for the meeting “{meeting}” is complete: you can record it, then send the convocation."
            ),
            Event::Reminder => {
                let owed: Vec<String> = d["rules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| Owed::parse(r.as_str()?))
                    .map(|o| self.owed(o))
                    .collect();
                let owed = owed.join(", ");
                match self.locale {
                    Locale::Fr => format!(
                        "Rappel pour la réunion « {meeting} » : il reste à {owed}.{}",
                        self.respond_by(d)
                    ),
                    Locale::En => format!(
                        "Reminder for the meeting “{meeting}”: still to do: {owed}.{}",
                        self.respond_by(d)
                    ),
                }
            }
        }
    }
}

/// Where a notice leads: the meeting, or the project.
fn link_of(n: &Notice, project_id: uuid::Uuid, settings: &Settings) -> Url {
    match n.meeting_id {
        Some(meeting) => settings.link(&format!("/meetings/{meeting}")),
        None => settings.link(&format!("/projects/{project_id}")),
    }
}

/// One email for the notices: a line each (with the texts before and after for a voided
/// agreement), each with its direct link.
pub fn render_notices(
    locale: Locale,
    project_title: &str,
    project_id: uuid::Uuid,
    notices: &[&Notice],
    settings: &Settings,
) -> Rendered {
    let words = Words { locale };
    let mut blocks = vec![Block::Para(vec![
        plain(words.t("Du nouveau dans le projet ", "News from the project ")),
        strong(project_title),
        plain(" :"),
    ])];
    for n in notices {
        blocks.push(para(words.line(n)));
        if n.event == Event::AgreementVoided {
            let before = n.details["before"].as_str().unwrap_or_default();
            let after = n.details["after"].as_str().unwrap_or_default();
            blocks.push(Block::List {
                numbered: false,
                items: vec![
                    Item {
                        text: words.t("Avant :", "Before:"),
                        notes: before.to_owned(),
                    },
                    Item {
                        text: words.t("Maintenant :", "Now:"),
                        notes: after.to_owned(),
                    },
                ],
            });
        }
        blocks.push(Block::Button {
            link: link_of(n, project_id, settings),
            label: words.t("Ouvrir dans Amont", "Open in Amont"),
        });
    }
    blocks.push(Block::Para(vec![Span::Plain(
        words.how_often(settings.notice_window()),
    )]));
    blocks.push(Block::Button {
        link: settings.link("/account"),
        label: words.t("Mes préférences", "My preferences"),
    });
    render(locale, words.subject(project_title, notices.len()), &blocks)
}

/// Runs the step every `every`.
pub fn spawn(pool: DbPool, settings: Settings, mailer: MailerHandle, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            let (pool, settings) = (pool.clone(), settings.clone());
            let outcome = actix_web::web::block(move || -> Result<Step> {
                let mut conn = pool.get()?;
                run(&mut conn, &settings, Utc::now())
            })
            .await;
            match outcome {
                Ok(Ok(step)) if step.emails > 0 => {
                    tracing::info!(
                        emails = step.emails,
                        reminders = step.reminders,
                        "notices queued"
                    );
                    mailer.wake();
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::error!("notices failed: {err:#}"),
                Err(err) => tracing::error!("notices task failed: {err}"),
            }
        }
    });
}
