//! The outbox and its worker, against real PostgreSQL and a real SMTP server: transactional
//! enqueueing, delivery, outages, concurrent workers, the file fallback, header injection.

use std::time::{Duration, Instant};

use amont::config::Settings;
use amont::db::schema::outbox;
use amont::domain::Locale;
use amont::mail::{self, Outgoing, templates};
use diesel::prelude::*;
use lettre::message::Mailbox;

use crate::smtp::Received;
use crate::support::{TestApp, TestDb, fast_mail};

fn login_email(to: &str) -> Outgoing {
    let link = url::Url::parse("http://localhost:8080/login?token=abc123").unwrap();
    Outgoing {
        kind: "login_link",
        to: to.parse().unwrap(),
        reply_to: None,
        rendered: templates::login_link(Locale::Fr, &link),
        calendar: None,
    }
}

fn with_subject(to: &str, subject: &str) -> Outgoing {
    let mut email = login_email(to);
    email.rendered.subject = subject.to_owned();
    email
}

/// Queues `email` in its own committed transaction and wakes the worker.
fn enqueue(app: &TestApp, email: Outgoing) -> i64 {
    let mut conn = app.db.connect();
    let id = conn
        .transaction(|conn| mail::enqueue(conn, &app.settings, email))
        .unwrap();
    app.mailer.wake();
    id
}

#[derive(Queryable, Debug)]
struct Row {
    id: i64,
    message_id: String,
    recipient: String,
    attempts: i32,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
    last_error: Option<String>,
}

fn rows(conn: &mut PgConnection) -> Vec<Row> {
    outbox::table
        .select((
            outbox::id,
            outbox::message_id,
            outbox::recipient,
            outbox::attempts,
            outbox::sent_at,
            outbox::last_error,
        ))
        .order(outbox::id)
        .load(conn)
        .unwrap()
}

/// Waits until `done` holds for the outbox rows.
async fn wait_rows(conn: &mut PgConnection, what: &str, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows = rows(conn);
        if done(&rows) {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Long enough for several worker rounds (`fast_mail` polls every 100 ms).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

fn message_ids(messages: &[Received]) -> Vec<String> {
    let mut ids: Vec<String> = messages.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids
}

#[actix_web::test]
async fn a_rolled_back_change_sends_nothing() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect();
    let rolled_back: Result<(), anyhow::Error> = conn.transaction(|conn| {
        mail::enqueue(
            conn,
            &app.settings,
            with_subject("alice@example.org", "Rolled back"),
        )?;
        Err(anyhow::anyhow!(
            "the change failed after the email was queued"
        ))
    });
    assert!(rolled_back.is_err());
    app.mailer.wake();
    enqueue(&app, with_subject("bob@example.org", "Committed"));

    app.wait_for_mail(1, Duration::from_secs(10)).await;
    settle().await;
    let messages = app.smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0].subject, "Committed");
    assert_eq!(rows(&mut conn).len(), 1);
}

#[actix_web::test]
async fn a_queued_email_is_delivered_once_as_rendered() {
    let app = TestApp::spawn().await;
    let id = enqueue(&app, login_email("Zoé Lefèvre <zoe@example.org>"));

    app.wait_for_mail(1, Duration::from_secs(10)).await;
    settle().await;
    let messages = app.smtp.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once: {messages:#?}");
    let received = &messages[0];

    let mut conn = app.db.connect();
    let rows = rows(&mut conn);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.id, id);
    assert!(row.sent_at.is_some());
    assert_eq!(row.attempts, 1);
    assert_eq!(row.recipient, "zoe@example.org");

    // Stable Message-ID: the stored one, on the base URL's host.
    assert_eq!(received.message_id, row.message_id);
    assert!(
        row.message_id.starts_with('<') && row.message_id.ends_with("@localhost>"),
        "{}",
        row.message_id
    );
    assert_eq!(received.from, "Amont <noreply@localhost>");
    assert_eq!(received.to, "Zoé Lefèvre <zoe@example.org>");
    assert_eq!(received.envelope_to, "zoe@example.org");
    assert_eq!(received.subject, "Votre lien de connexion à Amont");
    assert_eq!(received.mimetype, "multipart/alternative");
    assert_eq!(received.part_types, ["text/plain", "text/html"]);
    let text = received.text.as_deref().unwrap();
    let html = received.html.as_deref().unwrap();
    assert!(text.contains("Pour vous connecter à Amont"), "{text}");
    assert!(
        text.contains("http://localhost:8080/login?token=abc123"),
        "{text}"
    );
    assert!(html.contains("Pour vous connecter à Amont"), "{html}");
    assert!(html.contains("token=abc123"), "{html}");
    assert!(!String::from_utf8_lossy(&received.raw).contains("text/calendar"));

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("amont_mail_sent_total 1"), "{metrics}");
    assert!(metrics.contains("amont_mail_pending 0"), "{metrics}");
}

#[actix_web::test]
async fn an_smtp_outage_loses_nothing_and_duplicates_nothing() {
    let mut app = TestApp::spawn().await;
    app.smtp.stop();
    let mut conn = app.db.connect();
    for n in 0..3 {
        enqueue(
            &app,
            with_subject(&format!("p{n}@example.org"), &format!("Message {n}")),
        );
    }

    // Each row is tried, fails, and waits with its error recorded.
    let failed = wait_rows(&mut conn, "failed attempts", |rows| {
        rows.len() == 3 && rows.iter().all(|r| r.attempts >= 2)
    })
    .await;
    for row in &failed {
        assert!(row.sent_at.is_none(), "{row:?}");
        assert!(
            row.last_error.as_deref().is_some_and(|e| !e.is_empty()),
            "{row:?}"
        );
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("amont_mail_pending 3"), "{metrics}");
    assert!(
        !metrics.contains("amont_mail_failed_attempts_total 0"),
        "{metrics}"
    );

    app.smtp.restart();
    let sent = wait_rows(&mut conn, "deliveries", |rows| {
        rows.iter().all(|r| r.sent_at.is_some())
    })
    .await;
    settle().await;
    let messages = app.smtp.messages();
    let mut expected: Vec<String> = sent.iter().map(|r| r.message_id.clone()).collect();
    expected.sort();
    assert_eq!(message_ids(&messages), expected, "each exactly once");
    for row in &sent {
        assert!(row.last_error.is_none(), "{row:?}");
    }
}

#[actix_web::test]
async fn concurrent_workers_never_send_a_row_twice() {
    let app = TestApp::spawn().await;
    // Three more workers on the same database, each with its own pool and small batches.
    let mut others = Vec::new();
    for _ in 0..3 {
        let pool = amont::db::connect(&app.db.url, 2).unwrap();
        let options = amont::mail::WorkerOptions {
            batch: 1,
            ..fast_mail()
        };
        let registry = prometheus::Registry::new();
        others.push(mail::spawn_with(pool, &app.settings, &registry, options).unwrap());
    }
    let mut conn = app.db.connect();
    let count = 40;
    conn.transaction(|conn| {
        for n in 0..count {
            mail::enqueue(
                conn,
                &app.settings,
                with_subject(&format!("p{n}@example.org"), &format!("Message {n}")),
            )?;
        }
        anyhow::Ok(())
    })
    .unwrap();
    app.mailer.wake();
    for other in &others {
        other.wake();
    }

    app.wait_for_mail(count, Duration::from_secs(20)).await;
    settle().await;
    let messages = app.smtp.messages();
    let ids = message_ids(&messages);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids.len(), count, "one delivery per row");
    assert_eq!(unique.len(), count, "no duplicate");
    let rows = rows(&mut conn);
    assert!(
        rows.iter().all(|r| r.sent_at.is_some() && r.attempts == 1),
        "{rows:#?}"
    );
}

#[actix_web::test]
async fn without_smtp_url_emails_are_written_as_files() {
    let db = TestDb::new();
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_database(db.url.clone());
    settings.data_dir = data_dir.path().to_owned();
    assert!(settings.smtp_url.is_none());
    let pool = amont::db::connect(&db.url, 2).unwrap();
    let mailer =
        mail::spawn_with(pool, &settings, &prometheus::Registry::new(), fast_mail()).unwrap();

    let mut conn = db.connect();
    conn.transaction(|conn| mail::enqueue(conn, &settings, login_email("zoe@example.org")))
        .unwrap();
    mailer.wake();
    let rows = wait_rows(&mut conn, "the file", |rows| {
        rows.iter().all(|r| r.sent_at.is_some())
    })
    .await;

    let files: Vec<_> = std::fs::read_dir(data_dir.path().join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let received = Received::parse(std::fs::read(&files[0]).unwrap());
    assert_eq!(received.message_id, rows[0].message_id);
    assert_eq!(received.subject, "Votre lien de connexion à Amont");
    assert_eq!(received.part_types, ["text/plain", "text/html"]);
}

#[actix_web::test]
async fn user_text_cannot_inject_headers_or_markup() {
    let app = TestApp::spawn().await;
    let link = url::Url::parse("http://localhost:8080/consultation?token=xyz").unwrap();
    let hostile =
        "Projet\r\nBcc: victim@example.org\r\nX-Injected: yes\r\n\r\n<script>alert(1)</script>";
    let consultation = templates::Consultation {
        project_title: hostile,
        project_summary: "Résumé <img src=x onerror=alert(2)>",
        initiator_name: "Mairie",
        inviter_name: "Amélie",
        organization_name: "CAF",
        proposed_role: None,
        link: &link,
    };
    let reply_to: Mailbox = "Amélie <amelie@example.org>".parse().unwrap();
    let reply_to = Mailbox::new(
        Some("Amélie\r\nBcc: victim2@example.org".into()),
        reply_to.email,
    );
    enqueue(
        &app,
        Outgoing {
            kind: "consultation",
            to: "contact@example.org".parse().unwrap(),
            reply_to: Some(reply_to),
            rendered: templates::consultation(Locale::Fr, &consultation),
            calendar: None,
        },
    );

    let messages = app.wait_for_mail(1, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 1);
    let received = &messages[0];
    assert_eq!(received.envelope_to, "contact@example.org");
    assert!(received.header_values("Bcc").is_empty(), "{received:#?}");
    assert!(
        received.header_values("X-Injected").is_empty(),
        "{received:#?}"
    );
    assert_eq!(received.header_values("Subject").len(), 1);
    assert!(
        received
            .subject
            .contains("Projet Bcc: victim@example.org X-Injected: yes"),
        "{}",
        received.subject
    );
    assert!(!received.subject.contains('\n'));
    assert_eq!(received.header_values("Reply-To").len(), 1);
    assert!(
        received.header_values("Reply-To")[0].contains("<amelie@example.org>"),
        "{:?}",
        received.header_values("Reply-To")
    );
    let html = received.html.as_deref().unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(received.text.as_deref().unwrap().contains("<img src=x"));
}

/// A delivered message keeps what the audit needs (recipient, kind, Message-ID, dates), not its
/// body: the login, consultation and RSVP links it held are not kept in clear forever.
#[actix_web::test]
async fn a_delivered_message_keeps_its_metadata_but_not_its_body() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect();
    let id = enqueue(&app, login_email("alice@example.org"));
    wait_rows(&mut conn, "delivery", |rows| rows[0].sent_at.is_some()).await;
    let received = app.wait_for_mail(1, Duration::from_secs(10)).await;
    assert!(
        received[0]
            .text
            .as_deref()
            .unwrap()
            .contains("token=abc123")
    );

    type At = chrono::DateTime<chrono::Utc>;
    type Kept = (String, String, String, Vec<u8>, At, Option<At>);
    let (message_id, kind, recipient, raw, created_at, sent_at): Kept = outbox::table
        .find(id)
        .select((
            outbox::message_id,
            outbox::kind,
            outbox::recipient,
            outbox::raw,
            outbox::created_at,
            outbox::sent_at,
        ))
        .first(&mut conn)
        .unwrap();
    assert!(raw.is_empty(), "the body is cleared once delivered");
    assert_eq!(message_id, received[0].message_id);
    assert_eq!(
        (kind.as_str(), recipient.as_str()),
        ("login_link", "alice@example.org")
    );
    assert!(sent_at.unwrap() >= created_at);
}
