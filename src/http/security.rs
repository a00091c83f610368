//! Security headers on every page and API answer (API.md, "Defences").
//!
//! - `Content-Security-Policy`: `default-src 'self'` (the built front end loads its script, its
//!   stylesheet and its websocket from its own origin, and nothing inline), `frame-ancestors
//!   'none'` (no page of Amont — the RSVP form, the sheet — can be framed by another site to
//!   trick a click), no `<base>`, no plugins, forms posted to ourselves only. The websocket's
//!   origin is named too (`ws://`/`wss://` of the base URL), for browsers whose `'self'` does not
//!   cover it.
//! - Server-rendered pages (the sheet, the RSVP pages) keep their small stylesheet inline and
//!   set their own policy with [`page_policy`], which allows exactly that stylesheet, by hash;
//!   this middleware leaves a policy already set alone.
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (a page reached by a
//!   token does not give it away in the `Referer` of a link followed from it), and
//!   `Strict-Transport-Security` when the base URL is https.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::config::Settings;

/// The headers every answer gets, computed once from the settings.
pub struct SecurityHeaders {
    policy: HeaderValue,
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    pub fn new(settings: &Settings) -> Self {
        let hsts = (settings.base_url.scheme() == "https")
            .then(|| HeaderValue::from_static("max-age=31536000"));
        SecurityHeaders {
            policy: HeaderValue::from_str(&policy(settings, None))
                .unwrap_or_else(|_| HeaderValue::from_static(BASE_POLICY)),
            hsts,
        }
    }

    fn apply(&self, headers: &mut HeaderMap) {
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, self.policy.clone());
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        if let Some(hsts) = &self.hsts {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
    }
}

const BASE_POLICY: &str = "default-src 'self'; base-uri 'none'; object-src 'none'; \
                           form-action 'self'; frame-ancestors 'none'";

/// The policy, with the websocket origin of the base URL, and an inline stylesheet allowed by
/// its hash when given.
fn policy(settings: &Settings, inline_style: Option<&str>) -> String {
    let base = &settings.base_url;
    let ws_scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    let host = base.host_str().unwrap_or("localhost");
    let websocket = match base.port() {
        Some(port) => format!("{ws_scheme}://{host}:{port}"),
        None => format!("{ws_scheme}://{host}"),
    };
    let mut policy = format!("{BASE_POLICY}; connect-src 'self' {websocket}");
    if let Some(css) = inline_style {
        let digest = Sha256::digest(css.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        policy.push_str(&format!("; style-src 'self' 'sha256-{hash}'"));
    }
    policy
}

/// The `Content-Security-Policy` header of a server-rendered page whose only inline content is
/// the stylesheet `css` (the exact text between `<style>` and `</style>`).
pub fn page_policy(settings: &Settings, css: &str) -> (header::HeaderName, String) {
    (header::CONTENT_SECURITY_POLICY, policy(settings, Some(css)))
}

/// Middleware adding the headers to every answer, errors included: handlers' and extractors'
/// errors reach it as responses (actix turns them into responses at the route). It is the
/// outermost layer, so only a failure of the framework itself would pass it by.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let security = req.app_data::<web::Data<SecurityHeaders>>().cloned();
    let mut response = next.call(req).await?;
    if let Some(security) = security {
        security.apply(response.headers_mut());
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_websocket_origin_and_hashes_inline_styles() {
        let mut settings = Settings::for_database(url::Url::parse("postgres://x@y/z").unwrap());
        let plain = policy(&settings, None);
        assert!(plain.starts_with("default-src 'self';"), "{plain}");
        assert!(plain.contains("frame-ancestors 'none'"), "{plain}");
        assert!(
            plain.ends_with("connect-src 'self' ws://localhost:8080"),
            "{plain}"
        );
        settings.base_url = url::Url::parse("https://amont.example.org/").unwrap();
        let secure = policy(&settings, Some("body{margin:0}"));
        assert!(
            secure.contains("connect-src 'self' wss://amont.example.org;"),
            "{secure}"
        );
        // echo -n 'body{margin:0}' | openssl dgst -sha256 -binary | base64
        assert!(
            secure.ends_with(
                "style-src 'self' 'sha256-IAdwN3biDCQ3brrgp1m8kBEsPQYyqfREKOEfeoREopc='"
            ),
            "{secure}"
        );
        assert!(SecurityHeaders::new(&settings).hsts.is_some());
    }
}
