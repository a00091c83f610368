//! Email: composition (lettre) and the transactional outbox.
//!
//! A change that causes an email calls [`enqueue`] inside its own transaction: the message is
//! rendered there, to the exact bytes that will be sent (stable `Message-ID` included), and
//! stored in the `outbox` table. If the transaction rolls back, there is no email; once it
//! commits, the [`worker`] delivers it, retrying with backoff until the SMTP server accepts it.
//! Nothing touches the network while a transaction is open. ADR 4 explains the guarantees.

pub mod blocks;
pub mod digest;
pub mod membership;
pub mod notices;
pub mod templates;
pub mod worker;

use anyhow::{Context, Result};
use diesel::prelude::*;
use lettre::Message;
use lettre::message::header::{ContentDisposition, ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};

use crate::config::Settings;
use crate::db::schema::outbox;
pub use worker::{MailerHandle, WorkerOptions, spawn, spawn_with};

/// One email to send: who to, what kind (stored in `outbox.kind`, for logs and metrics), and
/// its rendered content.
pub struct Outgoing {
    /// `"login_link"`, `"consultation"`, …
    pub kind: &'static str,
    pub to: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub rendered: templates::Rendered,
    /// An iCalendar object (a convocation, its update or cancellation), if the email carries one.
    pub calendar: Option<CalendarPart>,
}

/// The iCalendar part of an email (RFC 6047): sent as a third alternative,
/// `text/calendar; charset=UTF-8; method=…`, and again as an `invite.ics` attachment, both in
/// base64 (what Outlook itself sends; folded lines would otherwise make lettre pick
/// quoted-printable, which some clients mangle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarPart {
    /// The iTIP method, as in the object's `METHOD` (`REQUEST`, `CANCEL`).
    pub method: &'static str,
    pub ics: String,
}

/// Renders the message (multipart/alternative text + HTML, UTF-8, `From` = the configured
/// sender, `Message-ID` `<uuid@host of the base URL>`) and inserts its outbox row; returns the
/// row's id. Call it inside the transaction of the change that causes the email, then
/// [`MailerHandle::wake`] after the commit.
pub fn enqueue(conn: &mut PgConnection, settings: &Settings, email: Outgoing) -> Result<i64> {
    let host = settings
        .base_url
        .host_str()
        .context("the base URL names no host for the Message-ID")?;
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), host);
    let mut builder = Message::builder()
        .from(settings.mail_from.clone())
        .to(one_line_name(email.to.clone()))
        .subject(one_line(&email.rendered.subject))
        .message_id(Some(message_id.clone()))
        .date_now();
    if let Some(reply_to) = email.reply_to {
        builder = builder.reply_to(one_line_name(reply_to));
    }
    let body = match email.calendar {
        None => MultiPart::alternative_plain_html(email.rendered.text, email.rendered.html),
        Some(calendar) => with_calendar(email.rendered, &calendar)?,
    };
    let message = builder
        .multipart(body)
        .with_context(|| format!("cannot build the {} email", email.kind))?;
    let raw = message.formatted();
    diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(&message_id),
            outbox::kind.eq(email.kind),
            outbox::recipient.eq(email.to.email.to_string()),
            outbox::raw.eq(&raw),
        ))
        .returning(outbox::id)
        .get_result(conn)
        .with_context(|| format!("cannot queue the {} email", email.kind))
}

/// `multipart/mixed[ multipart/alternative(text, HTML, text/calendar), invite.ics ]`.
fn with_calendar(rendered: templates::Rendered, calendar: &CalendarPart) -> Result<MultiPart> {
    let content_type = |value: String| {
        ContentType::parse(&value).with_context(|| format!("invalid content type {value}"))
    };
    let inline = SinglePart::builder()
        .header(content_type(format!(
            "text/calendar; charset=UTF-8; method={}",
            calendar.method
        ))?)
        .body(
            Body::new_with_encoding(calendar.ics.clone(), ContentTransferEncoding::Base64)
                .map_err(|_| anyhow::anyhow!("cannot encode the calendar part"))?,
        );
    let attachment = SinglePart::builder()
        .header(content_type(format!(
            "application/ics; name=\"invite.ics\"; method={}",
            calendar.method
        ))?)
        .header(ContentDisposition::attachment("invite.ics"))
        .body(
            Body::new_with_encoding(calendar.ics.clone(), ContentTransferEncoding::Base64)
                .map_err(|_| anyhow::anyhow!("cannot encode the calendar attachment"))?,
        );
    Ok(MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(rendered.text))
                .singlepart(SinglePart::html(rendered.html))
                .singlepart(inline),
        )
        .singlepart(attachment))
}

/// A subject on one line: any control character (a line break in a project title, say)
/// becomes a space. lettre would encode it harmlessly anyway; this keeps the subject readable.
fn one_line(subject: &str) -> String {
    let replaced: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The mailbox with its display name on one line: lettre refuses (it panics while formatting)
/// a name with a line break, and a user's display name may contain one.
fn one_line_name(mailbox: Mailbox) -> Mailbox {
    let name = mailbox
        .name
        .map(|name| one_line(&name))
        .filter(|name| !name.is_empty());
    Mailbox::new(name, mailbox.email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_one_line() {
        assert_eq!(
            one_line("Projet\r\nBcc: victim@example.org"),
            "Projet Bcc: victim@example.org"
        );
        assert_eq!(one_line("  Été\t2027  "), "Été 2027");
    }

    #[test]
    fn display_names_are_one_line() {
        let email: lettre::Address = "a@example.org".parse().unwrap();
        let hostile = Mailbox::new(Some("Amélie\r\nBcc: x@example.org".into()), email.clone());
        let clean = one_line_name(hostile);
        assert_eq!(clean.name.as_deref(), Some("Amélie Bcc: x@example.org"));
        assert_eq!(
            one_line_name(Mailbox::new(Some("\r\n".into()), email)).name,
            None
        );
        // And lettre formats it (it would panic on the raw name).
        assert!(clean.to_string().contains("<a@example.org>"));
    }
}
