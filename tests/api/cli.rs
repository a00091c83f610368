//! The `amont` binary itself: configuration errors, and the embedded PostgreSQL default.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn amont() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amont"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("SMTP_URL")
        .env("AMONT_STATIC_DIR", crate::support::empty_static_dir())
        .stdin(Stdio::null());
    command
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn unparsable_bind_address_is_one_clear_error() {
    let output = amont()
        .arg("serve")
        .env("AMONT_BIND", "localhost:eighty")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let lines = stderr_lines(&output);
    let first = &lines[0];
    assert!(
        first.contains("invalid value 'localhost:eighty'"),
        "{lines:?}"
    );
    assert!(
        first.contains("AMONT_BIND") || first.contains("--bind"),
        "{lines:?}"
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[test]
fn bad_urls_are_refused_at_start() {
    for (var, value) in [
        ("DATABASE_URL", "mysql://localhost/amont"),
        ("SMTP_URL", "http://mail.example.org"),
        ("AMONT_BASE_URL", "not a url"),
        ("AMONT_MAIL_FROM", "nobody"),
    ] {
        let output = amont().arg("serve").env(var, value).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}");
        let lines = stderr_lines(&output);
        assert!(
            lines[0].starts_with("error: invalid value"),
            "{var}: {lines:?}"
        );
    }
}

#[test]
fn unreachable_database_is_one_line_and_a_failure() {
    let output = amont()
        .arg("serve")
        .env("DATABASE_URL", "postgres://amont:secret@127.0.0.1:9/amont")
        .env("AMONT_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "amont: cannot connect to the database at postgres://amont:***@127.0.0.1:9/amont"
        ),
        "{lines:?}"
    );
    assert!(!lines[0].contains("secret"));
}

#[test]
fn demo_seeds_a_realistic_example_once() {
    use amont::db::schema::{agreements, organizations, partnerships, projects};
    use diesel::prelude::*;
    let db = crate::support::TestDb::new();
    for _ in 0..2 {
        let output = amont()
            .arg("demo")
            .env("DATABASE_URL", db.url.as_str())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            stdout.matches("http://localhost:8080/login?token=").count(),
            5,
            "{stdout}"
        );
        assert!(stdout.contains("CAF des Yvelines"));
    }
    let mut conn = db.connect();
    let count = |n: i64| n;
    assert_eq!(
        count(projects::table.count().get_result(&mut conn).unwrap()),
        1
    );
    assert_eq!(
        count(organizations::table.count().get_result(&mut conn).unwrap()),
        5
    );
    assert_eq!(
        count(agreements::table.count().get_result(&mut conn).unwrap()),
        1
    );
    let mut statuses: Vec<String> = partnerships::table
        .select(partnerships::status)
        .load(&mut conn)
        .unwrap();
    statuses.sort();
    assert_eq!(
        statuses,
        ["accepted", "accepted", "accepted", "declined", "invited"]
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_healthy(child: &mut Child, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("amont serve exited early: {status}");
        }
        if let Ok(body) = http_get(port, "/healthz")
            && body.starts_with("HTTP/1.1 200")
        {
            let json = body.split("\r\n\r\n").nth(1).unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(json, serde_json::json!({"status": "ok", "database": "ok"}));
            return;
        }
        assert!(
            Instant::now() < deadline,
            "amont serve did not become healthy"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A minimal blocking GET (the test runs outside any async runtime).
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

fn postgres_running(data_dir: &Path) -> bool {
    data_dir.join("data/postmaster.pid").exists()
}

fn stop_with(child: &mut Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "amont serve did not stop on {signal}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn private_cluster_starts_stops_with_the_server_and_is_reused() {
    let data_dir =
        std::env::temp_dir().join(format!("amont-cli-test-{}", uuid::Uuid::new_v4().simple()));
    let pg_dir = data_dir.join("pg");
    let port = free_port();
    let start = || {
        amont()
            .arg("serve")
            .env("AMONT_DATA_DIR", &data_dir)
            .env("AMONT_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };

    // First start: initdb, start, migrate, serve. Ctrl-C stops the server and PostgreSQL.
    let mut child = start();
    wait_healthy(&mut child, port);
    assert!(postgres_running(&pg_dir));
    assert!(http_get(port, "/").unwrap().contains("Amont test index"));
    let password = std::fs::read_to_string(pg_dir.join("password")).unwrap();
    stop_with(&mut child, Signal::SIGINT);
    assert!(
        !postgres_running(&pg_dir),
        "PostgreSQL left running after Ctrl-C"
    );

    // Second start: the same cluster and data (no new initdb, migrations already applied).
    let mut child = start();
    wait_healthy(&mut child, port);
    assert_eq!(
        std::fs::read_to_string(pg_dir.join("password")).unwrap(),
        password
    );
    stop_with(&mut child, Signal::SIGTERM);
    assert!(
        !postgres_running(&pg_dir),
        "PostgreSQL left running after SIGTERM"
    );

    let output = amont()
        .arg("migrate")
        .env("AMONT_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("The database is up to date."));
    assert!(
        !postgres_running(&pg_dir),
        "amont migrate left its cluster running"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// `scripts/run --bind …` passes its arguments after `serve`: the settings are accepted there too.
#[test]
fn settings_are_accepted_after_the_subcommand() {
    let output = amont()
        .args(["serve", "--bind", "localhost:eighty"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let lines = stderr_lines(&output);
    assert!(
        lines[0].contains("invalid value 'localhost:eighty'") && lines[0].contains("--bind"),
        "{lines:?}"
    );
    let output = amont()
        .args(["migrate", "--database-url", "mysql://localhost/amont"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let lines = stderr_lines(&output);
    assert!(lines[0].contains("invalid value"), "{lines:?}");
}

/// A child process killed if the test ends (or fails) while it still runs.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A data folder removed when the test ends, its private cluster stopped first if it runs.
struct DataDir(std::path::PathBuf);

impl DataDir {
    fn new(kind: &str) -> DataDir {
        DataDir(std::env::temp_dir().join(format!(
            "amont-cli-{kind}-{}",
            uuid::Uuid::new_v4().simple()
        )))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if postgres_running(&self.0.join("pg")) {
            let _ = amont()
                .arg("db")
                .arg("stop")
                .arg(self.0.join("pg"))
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// After `kill -9` of the server, the next one adopts the cluster left running, and so stops it
/// on Ctrl-C like one it started.
#[test]
fn an_orphaned_private_cluster_is_stopped_by_the_server_that_adopts_it() {
    let data_dir = DataDir::new("orphan");
    let pg_dir = data_dir.0.join("pg");
    let port = free_port();
    let start = || {
        Running(
            amont()
                .arg("serve")
                .env("AMONT_DATA_DIR", &data_dir.0)
                .env("AMONT_BIND", format!("127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    let mut child = start();
    wait_healthy(&mut child.0, port);
    stop_with(&mut child.0, Signal::SIGKILL);
    assert!(postgres_running(&pg_dir), "PostgreSQL outlives a kill -9");

    let mut child = start();
    wait_healthy(&mut child.0, port);
    stop_with(&mut child.0, Signal::SIGINT);
    assert!(
        !postgres_running(&pg_dir),
        "PostgreSQL left running after Ctrl-C of the server that adopted it"
    );
}

/// A server on a test database, without SMTP (mail goes to files), logging at debug level to a
/// file; returns the child, its port and the log file.
fn serve_on(
    db: &crate::support::TestDb,
    data_dir: &Path,
    extra: &[(&str, String)],
) -> (Running, u16, std::path::PathBuf) {
    let port = free_port();
    std::fs::create_dir_all(data_dir).unwrap();
    let log = data_dir.join("amont.log");
    let mut command = amont();
    command
        .arg("serve")
        .env("DATABASE_URL", db.url.as_str())
        .env("AMONT_DATA_DIR", data_dir)
        .env("AMONT_BIND", format!("127.0.0.1:{port}"))
        .env("AMONT_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    for (name, value) in extra {
        command.env(name, value);
    }
    let mut child = Running(command.spawn().unwrap());
    wait_healthy(&mut child.0, port);
    (child, port, log)
}

fn http_request(port: u16, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

/// Tokens reach neither the logs (query strings, token paths, the links of emails written to
/// files) nor, once delivered, the outbox.
#[test]
fn tokens_never_reach_the_logs_and_delivered_bodies_are_cleared() {
    use amont::db::schema::outbox;
    use diesel::prelude::*;
    let db = crate::support::TestDb::new();
    let data_dir = DataDir::new("logs");
    let (mut child, port, log) = serve_on(&db, &data_dir.0, &[]);

    let body = r#"{"email":"agent@mairie.example"}"#;
    let answer = http_request(
        port,
        &format!(
            "POST /api/auth/magic-link HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let mail_dir = data_dir.0.join("mail");
    let deadline = Instant::now() + Duration::from_secs(20);
    let eml = loop {
        let found = std::fs::read_dir(&mail_dir)
            .ok()
            .and_then(|mut entries| entries.find_map(|e| e.ok().map(|e| e.path())))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"));
        if let Some(path) = found {
            break std::fs::read(path).unwrap();
        }
        assert!(Instant::now() < deadline, "no .eml written");
        std::thread::sleep(Duration::from_millis(100));
    };
    let parsed = mailparse::parse_mail(&eml).unwrap();
    let text = std::iter::once(&parsed)
        .chain(parsed.subparts.iter())
        .find(|p| p.ctype.mimetype == "text/plain")
        .unwrap()
        .get_body()
        .unwrap();
    let at = text.find("token=").expect("a login link") + "token=".len();
    let login_token: String = text[at..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(login_token.len(), 64, "{text}");

    let secrets = [
        "a".repeat(64),
        "b".repeat(64),
        "c".repeat(64),
        "d".repeat(64),
    ];
    for path in [
        format!("/api/no-such-route?token={}", secrets[0]),
        format!("/rsvp/{}?answer=accepted", secrets[1]),
        format!("/calendar/{}.ics", secrets[2]),
        format!("/ws/projects/{}?token={}", uuid::Uuid::new_v4(), secrets[3]),
    ] {
        http_get(port, &path).unwrap();
    }
    // The worker has marked the row sent: its body is gone, what the audit needs is kept.
    let mut conn = db.connect();
    let deadline = Instant::now() + Duration::from_secs(10);
    let (kind, recipient, raw, sent_at): (
        String,
        String,
        Vec<u8>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = loop {
        let row: (
            String,
            String,
            Vec<u8>,
            Option<chrono::DateTime<chrono::Utc>>,
        ) = outbox::table
            .select((
                outbox::kind,
                outbox::recipient,
                outbox::raw,
                outbox::sent_at,
            ))
            .first(&mut conn)
            .unwrap();
        if row.3.is_some() || Instant::now() > deadline {
            break row;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    stop_with(&mut child.0, Signal::SIGTERM);
    let logs = std::fs::read_to_string(&log).unwrap();

    assert!(logs.contains("email written to a file"), "{logs}");
    assert!(
        logs.contains("/api/no-such-route"),
        "the requests are in the debug log"
    );
    for secret in std::iter::once(&login_token).chain(secrets.iter()) {
        assert!(
            !logs.contains(secret.as_str()),
            "a token in the logs:\n{logs}"
        );
    }
    assert_eq!(
        (kind.as_str(), recipient.as_str()),
        ("login_link", "agent@mairie.example")
    );
    assert!(sent_at.is_some(), "delivered to the file");
    assert!(raw.is_empty(), "the delivered body is cleared");
}

/// `/metrics` on its own address, and then not on the public one.
#[test]
fn metrics_can_be_served_on_their_own_address() {
    let db = crate::support::TestDb::new();
    let data_dir = DataDir::new("metrics");
    let metrics_port = free_port();
    let (mut child, port, _) = serve_on(
        &db,
        &data_dir.0,
        &[("AMONT_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))],
    );
    let public = http_get(port, "/metrics").unwrap_or_default();
    let private = http_get(metrics_port, "/metrics").unwrap_or_default();
    stop_with(&mut child.0, Signal::SIGTERM);
    assert!(public.starts_with("HTTP/1.1 404"), "{public}");
    assert!(private.starts_with("HTTP/1.1 200"), "{private}");
    assert!(private.contains("amont_http_requests_total"), "{private}");
}
