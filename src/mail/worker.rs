//! The outbox worker: delivers the queued emails, with retries and backoff.
//!
//! Each round claims a few due rows in one statement (`UPDATE … WHERE id IN (SELECT … FOR
//! UPDATE SKIP LOCKED) … RETURNING`), which sets `locked_until` — a lease, so several server
//! instances can run workers on one database without sending a row twice. No transaction is
//! open while a message is on the wire: the claim commits at once, and the result is recorded
//! afterwards with a conditional update (`WHERE sent_at IS NULL`).
//!
//! Retry policy, kept simple: after the n-th failed attempt the row waits `backoff_base × 2^(n-1)`
//! (5 s, 10 s, 20 s, … by default), never more than `backoff_cap` (15 min). A permanent-looking
//! failure (an SMTP 5xx: unknown mailbox, refused sender) waits the cap at once: it may be a
//! misconfiguration fixed later, so it is still retried, but rarely. Nothing is ever given up:
//! an undeliverable row stays pending with its `last_error`, visible in the `mail_pending`
//! gauge. If a worker dies mid-send, its lease expires (`lease`, 10 min) and another worker
//! sends the row again, with the same bytes and Message-ID (ADR 4).
//!
//! Once delivered, a row keeps its recipient, kind, Message-ID and dates, and loses its body.
//!
//! Without `SMTP_URL`, messages are written as `.eml` files under `<data dir>/mail`, and the
//! file, recipient, subject and links are logged — the links with their tokens redacted (logs
//! are kept and read more widely than a developer's mail folder): open the file to follow one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Int4, Text, Timestamptz};
use lettre::address::{Address, Envelope};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use prometheus::{IntCounter, IntGauge, Registry};
use tokio::sync::Notify;

use crate::config::Settings;
use crate::db::{self, DbPool};

/// Asks the worker to look at the outbox now. Cheap to clone.
#[derive(Clone)]
pub struct MailerHandle {
    wake: Arc<Notify>,
}

impl MailerHandle {
    /// Wakes the worker (call it after a commit that enqueued mail); otherwise it looks every
    /// `poll` interval anyway, so a missed wake only delays, it loses nothing.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Timings of the worker. [`WorkerOptions::default`] is what the server uses; tests shorten them.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// How often the outbox is looked at without a wake.
    pub poll: Duration,
    /// The wait after the first failure, doubled at each further failure.
    pub backoff_base: Duration,
    /// The longest wait between two attempts.
    pub backoff_cap: Duration,
    /// How long a claimed row stays reserved for this worker.
    pub lease: Duration,
    /// The longest one delivery may take before it counts as failed.
    pub send_timeout: Duration,
    /// Rows claimed per round.
    pub batch: i64,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            poll: Duration::from_secs(2),
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(15 * 60),
            lease: Duration::from_secs(10 * 60),
            send_timeout: Duration::from_secs(60),
            batch: 10,
        }
    }
}

/// Starts the worker with the default timings. Must be called inside a tokio runtime (the
/// actix system): the worker is a task on it and stops with it.
pub fn spawn(pool: DbPool, settings: &Settings, registry: &Registry) -> Result<MailerHandle> {
    spawn_with(pool, settings, registry, WorkerOptions::default())
}

/// Starts the worker with the given timings.
pub fn spawn_with(
    pool: DbPool,
    settings: &Settings,
    registry: &Registry,
    options: WorkerOptions,
) -> Result<MailerHandle> {
    anyhow::ensure!(
        options.lease > options.send_timeout * 2,
        "the lease must outlast a delivery"
    );
    let transport = Transport::new(settings)?;
    let metrics = WorkerMetrics::register(registry)?;
    let wake = Arc::new(Notify::new());
    let worker = Worker {
        pool,
        transport,
        sender: settings.mail_from.email.clone(),
        metrics,
        options,
        wake: wake.clone(),
    };
    tokio::spawn(worker.run());
    Ok(MailerHandle { wake })
}

/// Where messages go.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    fn new(settings: &Settings) -> Result<Transport> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())
                    .with_context(|| {
                        format!("SMTP_URL is not usable: {}", crate::config::redacted(url))
                    })?
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => Ok(Transport::Files(settings.data_dir.join("mail"))),
        }
    }

    async fn send(&self, row: &Claimed, envelope: &Envelope) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => match smtp.send_raw(envelope, &row.raw).await {
                Ok(_) => Ok(()),
                Err(err) if err.is_permanent() => Err(SendError::Permanent(err.to_string())),
                Err(err) => Err(SendError::Transient(format!("{err:#}"))),
            },
            Transport::Files(dir) => write_eml(dir, row)
                .await
                .map_err(|err| SendError::Transient(format!("{err:#}"))),
        }
    }
}

/// Writes the message as `<dir>/<Message-ID's unique part>.eml` (written again, the same file is
/// replaced), and logs what a developer needs to follow it.
async fn write_eml(dir: &std::path::Path, row: &Claimed) -> Result<()> {
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("cannot create the mail folder {}", dir.display()))?;
    let stem: String = row
        .message_id
        .trim_matches(['<', '>'])
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let stem = if stem.is_empty() {
        format!("outbox-{}", row.id)
    } else {
        stem
    };
    let path = dir.join(format!("{stem}.eml"));
    let partial = dir.join(format!(".{stem}.eml.partial"));
    tokio::fs::write(&partial, &row.raw)
        .await
        .with_context(|| format!("cannot write {}", partial.display()))?;
    tokio::fs::rename(&partial, &path)
        .await
        .with_context(|| format!("cannot move the message to {}", path.display()))?;
    let (subject, links) = summary(&row.raw);
    let links: Vec<String> = links
        .iter()
        .map(|link| crate::telemetry::redact_link(link))
        .collect();
    tracing::info!(
        path = %path.display(),
        recipient = %row.recipient,
        subject = %subject,
        links = ?links,
        "email written to a file (no SMTP_URL)"
    );
    Ok(())
}

/// The subject and the links of the plain-text part, for the log of the file transport.
fn summary(raw: &[u8]) -> (String, Vec<String>) {
    use mailparse::MailHeaderMap;
    let Ok(parsed) = mailparse::parse_mail(raw) else {
        return (String::new(), Vec::new());
    };
    let subject = parsed
        .headers
        .get_first_value("Subject")
        .unwrap_or_default();
    let text = std::iter::once(&parsed)
        .chain(parsed.subparts.iter())
        .find(|part| part.ctype.mimetype == "text/plain")
        .and_then(|part| part.get_body().ok())
        .unwrap_or_default();
    let links = text
        .split_whitespace()
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .map(str::to_owned)
        .collect();
    (subject, links)
}

enum SendError {
    /// Worth retrying soon: the server is down, busy, or answered 4xx.
    Transient(String),
    /// The server refused for good (5xx); retried anyway, but rarely.
    Permanent(String),
}

struct WorkerMetrics {
    sent: IntCounter,
    failed: IntCounter,
    pending: IntGauge,
}

impl WorkerMetrics {
    fn register(registry: &Registry) -> Result<WorkerMetrics> {
        let sent = IntCounter::new("mail_sent_total", "Emails accepted by the SMTP server")?;
        let failed = IntCounter::new(
            "mail_failed_attempts_total",
            "Delivery attempts that failed (each is retried later)",
        )?;
        let pending = IntGauge::new("mail_pending", "Emails in the outbox not yet delivered")?;
        for collector in [
            Box::new(sent.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(failed.clone()),
            Box::new(pending.clone()),
        ] {
            registry
                .register(collector)
                .context("cannot register the mail metrics")?;
        }
        Ok(WorkerMetrics {
            sent,
            failed,
            pending,
        })
    }
}

/// A row this worker holds the lease on.
#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    message_id: String,
    #[diesel(sql_type = Text)]
    recipient: String,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    raw: Vec<u8>,
    #[diesel(sql_type = Int4)]
    attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    locked_until: chrono::DateTime<chrono::Utc>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

struct Worker {
    pool: DbPool,
    transport: Transport,
    sender: Address,
    metrics: WorkerMetrics,
    options: WorkerOptions,
    wake: Arc<Notify>,
}

impl Worker {
    async fn run(self) {
        tracing::info!(
            transport = match self.transport {
                Transport::Smtp(_) => "smtp",
                Transport::Files(_) => "files",
            },
            "mail worker started"
        );
        loop {
            let full_batch = match self.round().await {
                Ok(claimed) => claimed as i64 >= self.options.batch,
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "mail worker round failed");
                    false
                }
            };
            if full_batch {
                // More may be due right now.
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.options.poll) => {}
            }
        }
    }

    /// Claims the due rows and tries each once; returns how many were claimed.
    async fn round(&self) -> Result<usize> {
        let (batch, lease) = (self.options.batch, self.options.lease.as_secs_f64());
        let claimed: Vec<Claimed> = db::run(&self.pool, move |conn| {
            claim(conn, batch, lease).context("cannot claim outbox rows")
        })
        .await?;
        let started = Instant::now();
        let count = claimed.len();
        let mut rows = claimed.into_iter();
        for row in rows.by_ref() {
            self.deliver(row).await?;
            if started.elapsed() + self.options.send_timeout * 2 > self.options.lease {
                // Our lease on the rest could expire mid-send: hand them back.
                break;
            }
        }
        let rest: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
            rows.map(|r| (r.id, r.locked_until)).collect();
        if !rest.is_empty() {
            db::run(&self.pool, move |conn| release(conn, &rest))
                .await
                .context("cannot release outbox rows")?;
        }
        let pending = db::run(&self.pool, |conn| {
            diesel::sql_query("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
                .get_result::<Count>(conn)
                .context("cannot count pending mail")
        })
        .await?;
        self.metrics.pending.set(pending.n);
        Ok(count)
    }

    async fn deliver(&self, row: Claimed) -> Result<()> {
        let outcome = match row.recipient.parse::<Address>() {
            Err(err) => Err(SendError::Permanent(format!(
                "invalid recipient {:?}: {err}",
                row.recipient
            ))),
            Ok(to) => match Envelope::new(Some(self.sender.clone()), vec![to]) {
                Err(err) => Err(SendError::Permanent(format!("invalid envelope: {err}"))),
                Ok(envelope) => {
                    match tokio::time::timeout(
                        self.options.send_timeout,
                        self.transport.send(&row, &envelope),
                    )
                    .await
                    {
                        Ok(result) => result,
                        Err(_) => Err(SendError::Transient(format!(
                            "no answer within {:?}",
                            self.options.send_timeout
                        ))),
                    }
                }
            },
        };
        let id = row.id;
        match outcome {
            Ok(()) => {
                let marked = db::run(&self.pool, move |conn| mark_sent(conn, id))
                    .await
                    .with_context(|| {
                        format!("email {id} was sent but could not be marked as sent")
                    })?;
                if marked {
                    self.metrics.sent.inc();
                    tracing::info!(
                        outbox_id = id,
                        message_id = %row.message_id,
                        recipient = %row.recipient,
                        "email sent"
                    );
                } else {
                    tracing::warn!(outbox_id = id, "email was already marked as sent");
                }
            }
            Err(failure) => {
                self.metrics.failed.inc();
                let (error, delay) = match failure {
                    SendError::Transient(e) => (e, self.backoff(row.attempts)),
                    SendError::Permanent(e) => (e, self.options.backoff_cap),
                };
                tracing::warn!(
                    outbox_id = id,
                    recipient = %row.recipient,
                    attempt = row.attempts + 1,
                    retry_in_s = delay.as_secs_f64(),
                    error = %error,
                    "email not delivered, will retry"
                );
                let lock = row.locked_until;
                db::run(&self.pool, move |conn| {
                    mark_failed(conn, id, lock, &error, delay.as_secs_f64())
                })
                .await
                .with_context(|| format!("cannot record the failure of email {id}"))?;
            }
        }
        Ok(())
    }

    /// The wait after a failure, given the attempts that failed before this one.
    fn backoff(&self, previous_attempts: i32) -> Duration {
        backoff(
            self.options.backoff_base,
            self.options.backoff_cap,
            previous_attempts,
        )
    }
}

/// `base × 2^previous_attempts`, at most `cap`.
fn backoff(base: Duration, cap: Duration, previous_attempts: i32) -> Duration {
    let exponent = u32::try_from(previous_attempts).unwrap_or(0).min(30);
    base.saturating_mul(1 << exponent).min(cap)
}

/// Reserves up to `batch` due rows for `lease_s` seconds, in one statement (so one short
/// transaction). `SKIP LOCKED` lets concurrent workers take different rows instead of waiting.
fn claim(conn: &mut PgConnection, batch: i64, lease_s: f64) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "UPDATE outbox SET locked_until = now() + make_interval(secs => $2) \
         WHERE id IN ( \
             SELECT id FROM outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= now() \
               AND (locked_until IS NULL OR locked_until <= now()) \
             ORDER BY next_attempt_at, id \
             LIMIT $1 \
             FOR UPDATE SKIP LOCKED) \
         RETURNING id, message_id, recipient, raw, attempts, locked_until",
    )
    .bind::<BigInt, _>(batch)
    .bind::<Double, _>(lease_s)
    .load(conn)
}

/// Records the delivery, and clears the body: a delivered message keeps what the audit needs
/// (recipient, kind, Message-ID, dates), not the login, consultation or RSVP links it held.
/// False when the row was already marked (by nobody, in theory).
fn mark_sent(conn: &mut PgConnection, id: i64) -> Result<bool> {
    let updated = diesel::sql_query(
        "UPDATE outbox SET sent_at = now(), attempts = attempts + 1, locked_until = NULL, \
         last_error = NULL, raw = ''::bytea WHERE id = $1 AND sent_at IS NULL",
    )
    .bind::<BigInt, _>(id)
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a failed attempt and when to try again, if this worker still holds the row.
fn mark_failed(
    conn: &mut PgConnection,
    id: i64,
    lock: chrono::DateTime<chrono::Utc>,
    error: &str,
    delay_s: f64,
) -> Result<()> {
    diesel::sql_query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
         next_attempt_at = now() + make_interval(secs => $3), locked_until = NULL \
         WHERE id = $1 AND sent_at IS NULL AND locked_until = $4",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(truncate(error, 2000))
    .bind::<Double, _>(delay_s)
    .bind::<Timestamptz, _>(lock)
    .execute(conn)
    .map_err(|e| anyhow!(e))?;
    Ok(())
}

/// Hands rows back without counting an attempt.
fn release(conn: &mut PgConnection, rows: &[(i64, chrono::DateTime<chrono::Utc>)]) -> Result<()> {
    for (id, lock) in rows {
        diesel::sql_query(
            "UPDATE outbox SET locked_until = NULL WHERE id = $1 AND locked_until = $2",
        )
        .bind::<BigInt, _>(id)
        .bind::<Timestamptz, _>(lock)
        .execute(conn)?;
    }
    Ok(())
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let (base, cap) = (Duration::from_secs(5), Duration::from_secs(900));
        assert_eq!(backoff(base, cap, 0), Duration::from_secs(5));
        assert_eq!(backoff(base, cap, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, cap, 3), Duration::from_secs(40));
        assert_eq!(backoff(base, cap, 8), cap);
        assert_eq!(backoff(base, cap, i32::MAX), cap);
        assert_eq!(backoff(base, cap, -1), base);
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("éééé", 2), "éé");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn the_file_log_names_subject_and_links() {
        let raw =
            b"Subject: =?utf-8?b?w4l0w6k=?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
                    Ouvrez https://amont.example.org/login?token=T ici\r\n";
        let (subject, links) = summary(raw);
        assert_eq!(subject, "Été");
        assert_eq!(links, vec!["https://amont.example.org/login?token=T"]);
    }
}
