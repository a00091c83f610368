//! A real SMTP server on loopback for the tests: Debian's `python3-aiosmtpd`, storing what it
//! receives in a maildir, read back with an independent parser (`mailparse`).
#![allow(dead_code)] // Helpers serve some test modules and not others.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailparse::MailHeaderMap;

/// An aiosmtpd process on a fixed loopback port, killed when dropped.
pub struct SmtpServer {
    address: SocketAddr,
    maildir: tempfile::TempDir,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts a server on a free port and waits until it accepts connections.
    pub fn start() -> SmtpServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = SmtpServer {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            maildir: tempfile::tempdir().expect("a maildir"),
            child: None,
        };
        server.launch();
        server
    }

    /// `smtp://127.0.0.1:<port>` (plain SMTP, as for a local relay).
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("smtp://{}", self.address)).expect("valid URL")
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Kills the server: connections are refused until [`SmtpServer::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, with the same maildir.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn launch(&mut self) {
        // Debian's package installs into the system Python, which may not be first on PATH.
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut child = Command::new(python)
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(self.address.to_string())
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(self.maildir())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("python3 runs (install python3-aiosmtpd)");
            loop {
                if TcpStream::connect_timeout(&self.address, Duration::from_millis(200)).is_ok() {
                    self.child = Some(child);
                    return;
                }
                if let Some(status) = child.try_wait().expect("aiosmtpd status") {
                    // Usually the port is still held by the previous process: try again.
                    let output = child.wait_with_output().expect("aiosmtpd output");
                    assert!(
                        Instant::now() < deadline,
                        "aiosmtpd exited ({status}) on {}: {} \
                         (is python3-aiosmtpd installed?)",
                        self.address,
                        String::from_utf8_lossy(&output.stderr)
                    );
                    std::thread::sleep(Duration::from_millis(100));
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "aiosmtpd does not accept connections on {}",
                    self.address
                );
                std::thread::sleep(Duration::from_millis(25));
            }
        }
    }

    /// The maildir: a folder Python creates itself (it only lays out one that does not exist).
    fn maildir(&self) -> PathBuf {
        self.maildir.path().join("maildir")
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.maildir().join(sub)).ok())
            .flatten()
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let modified = entry.metadata().ok()?.modified().ok()?;
                Some((modified, entry.path()))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| Received::parse(std::fs::read(&path).expect("maildir file")))
            .collect()
    }

    /// Waits until at least `count` messages arrived, and returns them all.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A received email, parsed back by `mailparse`.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: Vec<u8>,
    /// The envelope recipients, as aiosmtpd recorded them (`X-RcptTo`).
    pub envelope_to: String,
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The top-level MIME type (`multipart/alternative`).
    pub mimetype: String,
    /// The MIME types of the top-level parts, in order.
    pub part_types: Vec<String>,
    pub text: Option<String>,
    pub html: Option<String>,
}

impl Received {
    pub fn parse(raw: Vec<u8>) -> Received {
        let parsed = mailparse::parse_mail(&raw).expect("a parsable email");
        let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
        let body = |mimetype: &str| {
            parsed
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == mimetype)
                .map(|p| p.get_body().expect("a decodable part"))
        };
        Received {
            envelope_to: header("X-RcptTo"),
            message_id: header("Message-ID"),
            from: header("From"),
            to: header("To"),
            subject: header("Subject"),
            mimetype: parsed.ctype.mimetype.clone(),
            part_types: parsed
                .subparts
                .iter()
                .map(|p| p.ctype.mimetype.clone())
                .collect(),
            text: body("text/plain"),
            html: body("text/html"),
            raw: raw.clone(),
        }
    }

    /// Every value of a header (decoded), for the headers this struct does not name.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        mailparse::parse_mail(&self.raw)
            .expect("a parsable email")
            .headers
            .get_all_values(name)
    }
}
