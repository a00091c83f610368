//! Structured logs with `tracing`: human-readable by default, JSON with `AMONT_LOG_FORMAT=json`.
//! The level comes from `RUST_LOG` (default `info`).
//!
//! Logs are read by more people, and kept longer, than the secrets that pass through requests:
//! login and API tokens in query strings (`/login?token=`, `/ws/projects/{id}?token=`), RSVP
//! and calendar-feed tokens in paths. Whatever writes a URL to a log writes
//! [`redact_target`]'s version of it.

use tracing_subscriber::EnvFilter;
use url::Url;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialization (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// What replaces a secret in a log line.
pub const REDACTED: &str = "[redacted]";

/// Path segments that are followed by a secret (`/rsvp/{token}`, `/calendar/{token}.ics`,
/// `/verify/{token}`).
const TOKEN_PATHS: [&str; 3] = ["rsvp", "calendar", "verify"];

/// A request target (path and query) fit for a log: every query value is replaced (the keys
/// stay, to say what was asked), and so is every path segment that is a token — after one of
/// [`TOKEN_PATHS`], or anything that looks like one (32 characters or more of letters, digits,
/// `-` and `_`, UUIDs excepted: those are ids, not secrets).
pub fn redact_target(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    let mut previous = "";
    let segments: Vec<&str> = path
        .split('/')
        .map(|segment| {
            let secret = (TOKEN_PATHS.contains(&previous) && !segment.is_empty())
                || looks_like_a_token(segment);
            previous = segment;
            if secret { REDACTED } else { segment }
        })
        .collect();
    let mut out = segments.join("/");
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) => format!("{key}={REDACTED}"),
                None if pair.is_empty() => String::new(),
                None => REDACTED.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// A link (of an email, say) fit for a log: scheme, host and port kept, the rest redacted.
pub fn redact_link(link: &str) -> String {
    match Url::parse(link) {
        Ok(url) => {
            let origin = url.origin().ascii_serialization();
            let target = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            format!("{origin}{}", redact_target(&target))
        }
        Err(_) => REDACTED.to_owned(),
    }
}

fn looks_like_a_token(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or_default();
    stem.len() >= 32
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && uuid::Uuid::parse_str(stem).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_queries_and_token_paths_are_redacted() {
        let token = "ab12".repeat(16);
        let id = "4b8e2f4e-1d5c-4c8a-9d3e-2f1a0b9c8d7e";
        for (target, shown) in [
            (
                format!("/login?token={token}"),
                "/login?token=[redacted]".to_owned(),
            ),
            (
                format!("/ws/projects/{id}?token={token}"),
                format!("/ws/projects/{id}?token=[redacted]"),
            ),
            (
                format!("/rsvp/{token}?answer=accepted"),
                "/rsvp/[redacted]?answer=[redacted]".to_owned(),
            ),
            (format!("/rsvp/{token}"), "/rsvp/[redacted]".to_owned()),
            (
                format!("/calendar/{token}.ics"),
                "/calendar/[redacted]".to_owned(),
            ),
            ("/verify/short".to_owned(), "/verify/[redacted]".to_owned()),
            (
                format!("/anything/{token}/x"),
                "/anything/[redacted]/x".to_owned(),
            ),
            (
                format!("/api/projects/{id}/sheet"),
                format!("/api/projects/{id}/sheet"),
            ),
            ("/api/projects".to_owned(), "/api/projects".to_owned()),
            ("/".to_owned(), "/".to_owned()),
            ("/rsvp/".to_owned(), "/rsvp/".to_owned()),
            (format!("/x?{token}"), "/x?[redacted]".to_owned()),
        ] {
            assert_eq!(redact_target(&target), shown, "{target}");
        }
    }

    #[test]
    fn links_keep_their_origin_only() {
        let token = "f".repeat(64);
        assert_eq!(
            redact_link(&format!(
                "https://amont.example.org:8443/login?token={token}&project=x"
            )),
            "https://amont.example.org:8443/login?token=[redacted]&project=[redacted]"
        );
        assert_eq!(
            redact_link(&format!(
                "http://localhost:8080/rsvp/{token}?answer=declined"
            )),
            "http://localhost:8080/rsvp/[redacted]?answer=[redacted]"
        );
        assert_eq!(redact_link("not a link"), "[redacted]");
    }
}
