//! The test harness: PostgreSQL for the run, one database per test, the app on port 0.
#![allow(dead_code)] // Helpers serve some test modules and not others.
//!
//! The admin URL is `DATABASE_URL` when set; otherwise a private cluster under
//! `$TMPDIR/amont-test-pg-<uid>` (or `AMONT_TEST_PG_DIR`) is started once and left running for
//! the next run (`scripts/test` stops it at the end). Each test gets a database cloned from a
//! migrated template — cloning takes milliseconds where migrating would take seconds — and
//! drops it when the test ends.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use amont::config::Settings;
use amont::db::embedded::PrivateCluster;
use amont::http::{AppState, metrics::Metrics};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use url::Url;

use crate::smtp::{Received, SmtpServer};

static ADMIN_URL: OnceLock<Url> = OnceLock::new();
static TEMPLATE: OnceLock<String> = OnceLock::new();

/// A URL on which the test process may create and drop databases.
pub fn admin_url() -> &'static Url {
    ADMIN_URL.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Url::parse(&url).expect("DATABASE_URL is a URL"),
        _ => {
            let dir = std::env::var_os("AMONT_TEST_PG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("amont-test-pg-{}", nix::unistd::geteuid()))
                });
            let cluster = PrivateCluster::start(&dir).expect("private test cluster starts");
            let url = cluster.url();
            cluster.detach();
            url
        }
    })
}

fn url_for(database: &str) -> Url {
    let mut url = admin_url().clone();
    url.set_path(database);
    url
}

/// The migrations' fingerprint: a template is reused only while they are unchanged.
fn migrations_fingerprint() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = walk(&root);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(std::fs::read(&file).unwrap());
    }
    hex::encode(&hasher.finalize()[..6])
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The migrated template, made once per migration set (other processes wait on a lock).
fn template() -> &'static str {
    TEMPLATE.get_or_init(|| {
        let name = format!("amont_tpl_{}", migrations_fingerprint());
        let mut admin = PgConnection::establish(admin_url().as_str()).expect("admin connection");
        diesel::sql_query("SELECT pg_advisory_lock(7267661)")
            .execute(&mut admin)
            .unwrap();
        if !database_exists(&mut admin, &name) {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .unwrap();
            {
                let mut conn = PgConnection::establish(url_for(&building).as_str()).unwrap();
                amont::db::migrate(&mut conn).expect("migrations apply");
            }
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .unwrap();
        }
        diesel::sql_query("SELECT pg_advisory_unlock(7267661)")
            .execute(&mut admin)
            .unwrap();
        name
    })
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(conn)
            .unwrap();
    found.n > 0
}

/// A fresh, migrated database, dropped when this value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: Url,
}

impl TestDb {
    pub fn new() -> Self {
        let template = template();
        let name = format!("amont_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url().as_str()).expect("admin connection");
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .expect("test database created from the template");
        let url = url_for(&name);
        TestDb { name, url }
    }

    /// A fresh database with no migration applied (to test a migration on older data).
    pub fn empty() -> Self {
        let name = format!("amont_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url().as_str()).expect("admin connection");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("empty test database created");
        let url = url_for(&name);
        TestDb { name, url }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(self.url.as_str()).expect("test database connection")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(admin_url().as_str()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// The real server on a loopback port, with its own database.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// The SMTP server the app's outbox worker delivers to.
    pub smtp: SmtpServer,
    pub settings: Arc<Settings>,
    pub mailer: amont::mail::MailerHandle,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns the app after `adjust` had its say on the settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDb::new();
        let mut settings = Settings::for_database(db.url.clone());
        settings.static_dir = empty_static_dir();
        adjust(&mut settings);
        let pool = amont::db::connect(&db.url, 4).expect("pool");
        Self::start(settings, pool, db)
    }

    /// Spawns the app on a given pool (for instance one whose database is unreachable), with a
    /// loopback SMTP server that `settings.smtp_url` is pointed at.
    pub fn start(mut settings: Settings, pool: amont::db::DbPool, db: TestDb) -> Self {
        if std::env::var_os("RUST_LOG").is_some() {
            amont::telemetry::init(amont::config::LogFormat::Text);
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let smtp = SmtpServer::start();
        settings.smtp_url = Some(smtp.url());
        let settings = Arc::new(settings);
        let metrics = Metrics::new();
        let mailer =
            amont::mail::spawn_with(pool.clone(), &settings, &metrics.registry, fast_mail())
                .expect("mail worker starts");
        let live = amont::live::Live::start(
            &db.url,
            pool.clone(),
            amont::live::LiveOptions::from_settings(&settings),
            &metrics.registry,
        )
        .expect("live co-editing starts");
        let state = AppState {
            pool,
            settings: settings.clone(),
            metrics,
            mailer: mailer.clone(),
            limits: amont::auth::RateLimits::from_settings(&settings),
            live,
        };
        let server = amont::http::serve(listener, state).expect("server starts");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        TestApp {
            address,
            client,
            db,
            smtp,
            settings,
            mailer,
            handle,
        }
    }

    /// Waits until the SMTP server received at least `count` messages; returns them all.
    pub async fn wait_for_mail(&self, count: usize, timeout: Duration) -> Vec<Received> {
        self.smtp.wait_for(count, timeout).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting at once; the database is dropped right after (FORCE ends sessions).
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

/// Worker timings for tests: retries in a fraction of a second instead of minutes.
pub fn fast_mail() -> amont::mail::WorkerOptions {
    amont::mail::WorkerOptions {
        poll: Duration::from_millis(100),
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(1),
        lease: Duration::from_secs(30),
        send_timeout: Duration::from_secs(5),
        batch: 10,
    }
}

/// A static folder with a recognizable index.html, so tests do not depend on `npm run build`.
pub fn empty_static_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("amont-test-static-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<!doctype html><title>Amont test index</title>",
        )
        .unwrap();
        std::fs::write(dir.join("assets/app.js"), "console.log('amont')").unwrap();
        dir
    })
    .clone()
}
