//! Nothing a participant sends can break a project or the instance (issue 12, the edges). Each
//! test is an attack written out: a mail scanner opening every RSVP link, a feed address minted
//! by a GET, an office behind one NAT address, an initiator mailing attendees in a loop, a page
//! framed by another site, a body without its required field, instances migrating together.

use std::time::Duration;

use amont::db::schema::{audit_events, calendar_feeds, memberships};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::Scene;
use crate::smtp::Received;
use crate::support::TestApp;

const HEADERS: [(&str, &str); 2] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

fn check_security_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    for (name, value) in HEADERS {
        assert_eq!(
            headers.get(name).map(|v| v.to_str().unwrap()),
            Some(value),
            "{what}: {name}"
        );
    }
}

#[actix_web::test]
async fn every_page_and_answer_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let unknown = "0".repeat(64);
    let paths = [
        "/".to_owned(),
        "/projects/42".to_owned(),
        "/assets/app.js".to_owned(),
        "/healthz".to_owned(),
        "/metrics".to_owned(),
        "/api/me".to_owned(),
        "/api/openapi.json".to_owned(),
        "/api/nothing-here".to_owned(),
        format!("/rsvp/{unknown}?answer=accepted"),
        format!("/calendar/{unknown}.ics"),
    ];
    for path in &paths {
        let response = app.get(path).await;
        check_security_headers(&response, path);
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{path}: no HSTS over plain http"
        );
    }
    let response = app
        .client
        .post(app.url("/api/auth/session"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    check_security_headers(&response, "an error of the API");

    let secure = TestApp::spawn_with(|settings| {
        settings.base_url = url::Url::parse("https://amont.example.org").unwrap();
    })
    .await;
    for path in ["/", "/api/me", "/healthz"] {
        let response = secure.get(path).await;
        check_security_headers(&response, path);
        let hsts = response.headers()["strict-transport-security"]
            .to_str()
            .unwrap();
        assert!(hsts.starts_with("max-age="), "{hsts}");
    }
}

/// Two (or four) instances of a rolling deploy start together on a fresh database: every one
/// of them must come up, and the schema be migrated once.
#[test]
fn instances_starting_together_migrate_once() {
    use diesel::Connection;
    for round in 0..3 {
        let name = format!("amont_race_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(crate::support::admin_url().as_str()).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        let mut url = crate::support::admin_url().clone();
        url.set_path(&name);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut conn = PgConnection::establish(url.as_str()).unwrap();
                    barrier.wait();
                    amont::db::migrate(&mut conn).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        let results: Vec<Result<Vec<String>, String>> =
            starts.into_iter().map(|t| t.join().unwrap()).collect();
        let applied: usize = results
            .iter()
            .map(|r| r.as_ref().map(Vec::len).unwrap_or(0))
            .sum();
        let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
        assert!(failures.is_empty(), "round {round}: {failures:?}");
        let expected = {
            use diesel::migration::MigrationSource;
            MigrationSource::<diesel::pg::Pg>::migrations(&amont::db::MIGRATIONS)
                .unwrap()
                .len()
        };
        assert_eq!(
            applied, expected,
            "round {round}: each migration applied once"
        );
    }
}
