//! Settings read from the environment and the command line, typed and validated at start-up.
//!
//! Every setting has a flag and an environment variable (the flag wins). Flags are global: they
//! may come before or after the subcommand (`amont serve --bind …`, which is what `scripts/run`
//! passes on). Values are parsed into their real types here, so a bad value stops the program
//! with one clear line instead of surfacing later as a runtime error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, ValueEnum};
use ipnet::IpNet;
use lettre::message::Mailbox;
use url::Url;

/// Where the server listens, how it reaches the database and how it sends mail.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// PostgreSQL URL. Unset: a private cluster is started under `<data dir>/pg`.
    #[arg(long, global = true, env = "DATABASE_URL", value_parser = parse_database_url, hide_env_values = true)]
    pub database_url: Option<Url>,

    /// SMTP server in lettre's URL form (`smtp://127.0.0.1:2525`, `smtps://user:pass@host`).
    /// Unset: emails are written as .eml files under `<data dir>/mail`.
    #[arg(long, global = true, env = "SMTP_URL", value_parser = parse_smtp_url, hide_env_values = true)]
    pub smtp_url: Option<Url>,

    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        global = true,
        env = "AMONT_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: SocketAddr,

    /// Public base URL, used in links and invitations.
    #[arg(long, global = true, env = "AMONT_BASE_URL", default_value = "http://localhost:8080", value_parser = parse_base_url)]
    pub base_url: Url,

    /// Sender of every email, as `Name <address>`.
    #[arg(long, global = true, env = "AMONT_MAIL_FROM", default_value = "Amont <noreply@localhost>", value_parser = parse_mailbox)]
    pub mail_from: Mailbox,

    /// Largest websocket message a client may send, in bytes.
    #[arg(long, global = true, env = "AMONT_WS_MAX_MESSAGE", default_value_t = 4 * 1024 * 1024, value_parser = parse_positive_size)]
    pub ws_max_message: usize,

    /// Largest a project document may grow, in bytes of its encoded state: the update that
    /// would take it further is refused (websocket close 1009, HTTP 413).
    #[arg(long, env = "AMONT_DOC_MAX_BYTES", default_value_t = 16 * 1024 * 1024, value_parser = parse_positive_size)]
    pub doc_max_bytes: usize,

    /// Bytes per second a websocket connection, and a user over all their connections, may
    /// send, sustained (bursts: twice `AMONT_WS_MAX_MESSAGE` per connection, a whole document
    /// per user). Over it, the connection is closed.
    #[arg(long, env = "AMONT_WS_BYTES_PER_SECOND", default_value_t = 1024 * 1024, value_parser = parse_rate)]
    pub ws_bytes_per_second: u32,

    /// Websocket connections one user may have open at once on an instance.
    #[arg(long, env = "AMONT_WS_CONNECTIONS_PER_USER", default_value_t = 20, value_parser = parse_positive_size)]
    pub ws_connections_per_user: usize,

    /// Writer threads of the live documents, each with its own connection, committing in
    /// groups. One makes the largest commits, which measured best (README, benchmark); more let
    /// one write while another waits for its flush.
    #[arg(long, env = "AMONT_LIVE_WRITERS", default_value_t = 1, value_parser = parse_positive_size)]
    pub live_writers: usize,

    /// Log format on standard error.
    #[arg(long, global = true, env = "AMONT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Folder of the built front end (`npm run build` in `frontend/`).
    #[arg(
        long,
        global = true,
        env = "AMONT_STATIC_DIR",
        default_value = "frontend/dist"
    )]
    pub static_dir: PathBuf,

    /// Folder for local state: the private PostgreSQL cluster and the .eml mail drop.
    #[arg(long, global = true, env = "AMONT_DATA_DIR", default_value = "var")]
    pub data_dir: PathBuf,

    /// Consultations one person may send per 24 hours (each emails an address outside the
    /// instance: the bound keeps Amont from being used to send mail in bulk).
    #[arg(
        long,
        global = true,
        env = "AMONT_INVITES_PER_DAY",
        default_value_t = 50
    )]
    pub invites_per_day: u32,

    /// Login requests (asking for a link, and using one: each its own budget) a client address
    /// may make per 15 minutes. An office behind one NAT address shares it.
    #[arg(long, global = true, env = "AMONT_LOGIN_LIMIT_PER_IP", default_value_t = 60, value_parser = parse_positive_count)]
    pub login_limit_per_ip: u32,

    /// Reverse proxies whose `X-Forwarded-For` is believed, as comma-separated CIDRs
    /// (`10.0.0.0/8,::1/128`). Empty: the TCP peer is the client.
    // A fully qualified `Vec`: one value, the whole list (which may be empty, as
    // `AMONT_TRUSTED_PROXIES=` in a compose file is), not one value per occurrence.
    #[arg(long, global = true, env = "AMONT_TRUSTED_PROXIES", default_value = "", value_parser = parse_proxies)]
    pub trusted_proxies: ::std::vec::Vec<IpNet>,

    /// Serve `/metrics` on this address only (not on the public one). Unset: on the public one.
    #[arg(long, global = true, env = "AMONT_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// An Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) that signs
    /// consent receipts and attestations. Unset: a key kept in the database, made on first start.
    #[arg(long, global = true, env = "AMONT_SIGNING_KEY_FILE", value_parser = parse_signing_key_file)]
    pub signing_key_file: Option<SigningKeyFile>,

    /// Seconds within which a person gets at most one notice email per project (what happens
    /// meanwhile joins the next one).
    #[arg(long, global = true, env = "AMONT_NOTICE_WINDOW", default_value_t = 15 * 60, value_parser = parse_seconds)]
    pub notice_window: u32,

    /// Seconds between two looks at the waiting notices (and the automatic reminders).
    #[arg(long, global = true, env = "AMONT_NOTICE_EVERY", default_value_t = 60, value_parser = parse_seconds)]
    pub notice_every: u32,
}

/// The signing key read from `AMONT_SIGNING_KEY_FILE` at start-up (so a bad file stops the
/// program at once); its debug print shows the path and the key's id only.
#[derive(Debug, Clone)]
pub struct SigningKeyFile {
    pub path: PathBuf,
    pub key: crate::jose::KeyPair,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Settings for tests and tools: defaults everywhere, the given database.
    pub fn for_database(database_url: Url) -> Self {
        Settings {
            database_url: Some(database_url),
            smtp_url: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            base_url: Url::parse("http://localhost:8080").expect("static URL"),
            mail_from: Mailbox::from_str("Amont <noreply@localhost>").expect("static mailbox"),
            ws_max_message: 4 * 1024 * 1024,
            doc_max_bytes: 16 * 1024 * 1024,
            ws_bytes_per_second: 1024 * 1024,
            ws_connections_per_user: 20,
            live_writers: 1,
            log_format: LogFormat::Text,
            static_dir: PathBuf::from("frontend/dist"),
            data_dir: PathBuf::from("var"),
            invites_per_day: 50,
            login_limit_per_ip: 60,
            trusted_proxies: Vec::new(),
            metrics_bind: None,
            signing_key_file: None,
            notice_window: 15 * 60,
            notice_every: 60,
        }
    }
}

impl Settings {
    /// At most one notice email per person and project in this window.
    pub fn notice_window(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.notice_window))
    }

    /// An absolute link under the base URL (which may itself have a path).
    pub fn link(&self, path_and_query: &str) -> Url {
        let base = self.base_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path_and_query}")).unwrap_or_else(|_| self.base_url.clone())
    }
}

fn parse_database_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "postgres" | "postgresql" => Ok(url),
        other => Err(format!(
            "the scheme must be postgres:// or postgresql://, not {other}://"
        )),
    }
}

fn parse_smtp_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(format!(
            "the scheme must be smtp:// or smtps://, not {}://",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host".into());
    }
    // lettre is the authority on the rest of the form (port, tls parameter, credentials).
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(value)
        .map_err(|e| format!("lettre does not accept it ({e})"))?;
    Ok(url)
}

fn parse_base_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http:// or https://".into());
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err("the URL names no host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the base URL takes no query or fragment".into());
    }
    Ok(url)
}

fn parse_mailbox(value: &str) -> Result<Mailbox, String> {
    Mailbox::from_str(value)
        .map_err(|e| format!("not an address like `Amont <noreply@example.org>` ({e})"))
}

fn parse_positive_size(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a number of bytes ({e})")),
    }
}

fn parse_positive_count(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a count ({e})")),
    }
}

fn parse_seconds(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a number of seconds ({e})")),
    }
}

/// Comma-separated networks; empty entries (and an empty list) are fine.
fn parse_proxies(value: &str) -> Result<Vec<IpNet>, String> {
    value
        .split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(parse_cidr)
        .collect()
}

/// A network in CIDR form; a bare address is that one address (`/32` or `/128`).
fn parse_cidr(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("not a network like 10.0.0.0/8 or 2001:db8::/32: {value:?}"))
}

fn parse_rate(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!(
            "not a number of bytes per second under 4 GiB ({e})"
        )),
    }
}

fn parse_signing_key_file(value: &str) -> Result<SigningKeyFile, String> {
    let path = PathBuf::from(value);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read it ({e})"))?;
    let key = crate::jose::KeyPair::from_pem(&text).map_err(|e| e.to_string())?;
    Ok(SigningKeyFile { path, key })
}

/// The URL with its password replaced, for messages and logs.
pub fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_needs_postgres_scheme() {
        assert!(parse_database_url("postgres://u@localhost/db").is_ok());
        assert!(parse_database_url("postgresql://u@localhost/db").is_ok());
        let err = parse_database_url("mysql://u@localhost/db").unwrap_err();
        assert!(err.contains("mysql://"), "{err}");
        assert!(parse_database_url("not a url").is_err());
    }

    #[test]
    fn smtp_url_is_checked_by_lettre() {
        assert!(parse_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(parse_smtp_url("smtps://user:pass@mail.example.org").is_ok());
        assert!(parse_smtp_url("http://mail.example.org").is_err());
        assert!(parse_smtp_url("smtp://127.0.0.1:2525?tls=bogus").is_err());
    }

    #[test]
    fn base_url_must_be_http() {
        assert!(parse_base_url("https://amont.example.org").is_ok());
        assert!(parse_base_url("ftp://amont.example.org").is_err());
        assert!(parse_base_url("https://amont.example.org/?x=1").is_err());
    }

    #[test]
    fn mailbox_and_size() {
        assert!(parse_mailbox("Amont <noreply@localhost>").is_ok());
        assert!(parse_mailbox("not an address").is_err());
        assert_eq!(parse_positive_size("10"), Ok(10));
        assert!(parse_positive_size("0").is_err());
        assert!(parse_positive_size("-1").is_err());
        assert_eq!(parse_rate("1048576"), Ok(1_048_576));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("5000000000").is_err());
    }

    #[test]
    fn proxies_are_networks_or_addresses() {
        assert_eq!(parse_cidr("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            parse_cidr(" 192.0.2.7 ").unwrap().to_string(),
            "192.0.2.7/32"
        );
        assert_eq!(
            parse_cidr("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("proxy.example.org").is_err());
        assert_eq!(parse_proxies(""), Ok(Vec::new()));
        assert_eq!(parse_proxies("10.0.0.0/8, ::1").unwrap().len(), 2);
        assert!(parse_proxies("10.0.0.0/8,nope").is_err());
        assert_eq!(parse_positive_count("60"), Ok(60));
        assert!(parse_positive_count("0").is_err());
    }

    #[test]
    fn links_keep_the_base_path() {
        let mut settings = Settings::for_database(Url::parse("postgres://x@y/z").unwrap());
        settings.base_url = Url::parse("https://example.org/amont/").unwrap();
        assert_eq!(
            settings.link("/login?token=abc").as_str(),
            "https://example.org/amont/login?token=abc"
        );
    }

    #[test]
    fn the_signing_key_file_must_hold_an_ed25519_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.pem");
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n\
                   -----END PRIVATE KEY-----\n";
        std::fs::write(&good, pem).unwrap();
        let read = parse_signing_key_file(good.to_str().unwrap()).unwrap();
        assert_eq!(
            read.key.kid(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        assert!(
            !format!("{read:?}").contains("MC4C"),
            "the key never prints"
        );
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "hello").unwrap();
        assert!(parse_signing_key_file(bad.to_str().unwrap()).is_err());
        let missing = parse_signing_key_file("/nonexistent/key.pem").unwrap_err();
        assert!(missing.contains("cannot read"), "{missing}");
    }

    #[test]
    fn redaction_hides_password() {
        let url = Url::parse("postgres://amont:secret@db:5432/amont").unwrap();
        assert_eq!(redacted(&url), "postgres://amont:***@db:5432/amont");
    }
}
