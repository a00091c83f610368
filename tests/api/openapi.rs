//! The OpenAPI document (`src/http/openapi.json`, served at `GET /api/openapi.json`): well
//! formed, and unable to drift from the routes the server really has.
//!
//! Both directions are checked. Every `/api` operation of the document is called without
//! credentials on the real server and must reach a real handler (401, or for the public ones the
//! answer their handler gives an empty request) rather than the unknown-route 404; and every
//! route registered in `src/http/mod.rs` must be in the document. The routes are read from that
//! source file: a plain scan of our own `.route("…", method().to(…))` calls.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use amont::http::openapi::DOCUMENT;
use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::support::TestApp;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Operations of the document that need no credentials, with the status an empty request (no
/// body, no credentials) gets from their handler. Any other operation must answer 401.
const PUBLIC_API: [(&str, &str, u16); 3] = [
    // The contract itself.
    ("GET", "/api/openapi.json", 200),
    // No JSON body: `invalid_input` from the handler's extractor, not `not_found`.
    ("POST", "/api/auth/magic-link", 400),
    ("POST", "/api/auth/session", 400),
];

/// Documented paths whose server route is spelled differently in `mod.rs`.
const ROUTE_ALIASES: [(&str, &str); 1] = [
    // One path segment in the router; the handler requires the `.ics` suffix.
    ("/calendar/{file}", "/calendar/{feed_token}.ics"),
];

/// Documented outside `/api` although `mod.rs` may not mount it: the websocket upgrade belongs
/// to the live co-editing module and is checked by its own tests.
const MOUNTED_ELSEWHERE: [(&str, &str); 1] = [("GET", "/ws/projects/{project_id}")];

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("src/http/openapi.json is JSON")
}

/// Every (METHOD, path) → operation of the document.
fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for (key, op) in item.as_object().expect("a path item is an object") {
            if METHODS.contains(&key.as_str()) {
                out.insert((key.to_uppercase(), path.clone()), op.clone());
            }
        }
    }
    out
}

/// Resolves a local reference (`#/components/...`, JSON pointer escapes included).
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// `{name}` segments of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

#[test]
fn the_document_is_openapi_3_1_with_title_version_and_servers() {
    let doc = document();
    let version = doc["openapi"].as_str().expect("openapi is a string");
    assert!(version.starts_with("3.1."), "OpenAPI 3.1, got {version}");
    assert_eq!(doc["info"]["title"], "Amont");
    assert_eq!(
        doc["info"]["version"],
        env!("CARGO_PKG_VERSION"),
        "info.version follows Cargo.toml"
    );
    assert_eq!(doc["servers"][0]["url"], "/");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["cookieAuth"]["in"], "cookie");
    assert_eq!(schemes["cookieAuth"]["name"], "amont_session");
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    // Pretty-printed, so that diffs of the contract are readable.
    assert!(DOCUMENT.lines().count() > 1000, "pretty-printed JSON");
}

#[test]
fn every_ref_resolves() {
    let doc = document();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 100, "the document uses components");
    let broken: BTreeSet<&String> = found
        .iter()
        .filter(|r| resolve(&doc, r).is_none())
        .collect();
    assert!(broken.is_empty(), "unresolved $ref: {broken:?}");
}

#[test]
fn every_operation_has_a_unique_id_responses_and_its_path_parameters() {
    let doc = document();
    let ops = operations(&doc);
    assert!(ops.len() > 40, "{} operations", ops.len());
    let mut ids = HashSet::new();
    for ((method, path), op) in &ops {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has no responses"));
        assert!(!responses.is_empty(), "{method} {path} has no responses");

        let declared: BTreeSet<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| match p.get("$ref").and_then(Value::as_str) {
                Some(r) => resolve(&doc, r).expect("parameter $ref resolves"),
                None => p,
            })
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            declared,
            template_params(path),
            "{method} {path}: path parameters declared vs. in the template"
        );
    }
}

#[test]
fn the_error_schema_has_the_codes_of_api_md() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let codes: BTreeSet<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "invalid_input",
        "unauthenticated",
        "forbidden",
        "not_found",
        "concertation_incomplete",
        "stale_content",
        "too_large",
        "rate_limited",
    ] {
        assert!(codes.contains(code), "ErrorCode lacks {code}");
    }
    let rules: Vec<&str> = schemas["RuleCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "too_few_partners",
            "partner_not_answered",
            "mission_not_agreed",
            "agenda_empty",
            "agenda_not_agreed",
            "no_slot_chosen",
            "slot_in_past",
            "concertation_not_recorded",
            "concertation_stale",
            "notice_too_short",
            "no_representative",
        ]
    );
    let error = &schemas["Error"]["properties"];
    assert!(error.get("field").is_some() && error.get("unmet").is_some());
    let limited = &doc["components"]["responses"]["RateLimited"];
    assert!(limited["headers"].get("Retry-After").is_some());
}

/// The routes registered in `src/http/mod.rs`, as (METHOD, full path): those of `routes` at the
/// root, those of `api_routes` and of what it `.configure(…)`s under `/api`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/mod.rs"))
        .expect("src/http/mod.rs is readable");
    // Each function's body, by name (top-level `fn` items only).
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        let item = line
            .strip_prefix("pub fn ")
            .or_else(|| line.strip_prefix("fn "))
            .or_else(|| line.strip_prefix("async fn "))
            .or_else(|| line.strip_prefix("pub async fn "));
        if let Some(rest) = item {
            let name = rest.split(['(', '<']).next().unwrap().trim().to_owned();
            current = Some(name);
        } else if line.starts_with('}') {
            current = None;
        }
        if let Some(name) = &current {
            let body = bodies.entry(name.clone()).or_default();
            body.push_str(line);
            body.push('\n');
        }
    }
    // Functions mounted under `/api`: `api_routes` and whatever it configures, transitively.
    let mut api_fns = BTreeSet::from(["api_routes".to_owned()]);
    loop {
        let more: BTreeSet<String> = api_fns
            .iter()
            .flat_map(|f| calls_of(&bodies[f], ".configure("))
            .filter(|f| bodies.contains_key(f))
            .collect();
        if more.is_subset(&api_fns) {
            break;
        }
        api_fns.extend(more);
    }
    let mut out = BTreeSet::new();
    for (name, body) in &bodies {
        let found = route_calls(body);
        if found.is_empty() {
            continue;
        }
        let prefix = if api_fns.contains(name) {
            "/api"
        } else if name == "routes" {
            ""
        } else {
            panic!(
                "src/http/mod.rs: fn {name} registers routes; tell this test where it is mounted"
            )
        };
        for (method, path) in found {
            out.insert((method, format!("{prefix}{path}")));
        }
    }
    out
}

/// The simple identifiers passed to `marker` calls, e.g. `.configure(meeting_routes)`.
fn calls_of(body: &str, marker: &str) -> Vec<String> {
    body.match_indices(marker)
        .map(|(at, _)| {
            body[at + marker.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// `.route("<path>", <method>().to(…))` calls (also `cfg.route`, `web::get()`, line breaks).
fn route_calls(body: &str) -> Vec<(String, String)> {
    let compact: String = body.split_whitespace().collect::<Vec<_>>().join("");
    let mut out = Vec::new();
    for (at, _) in compact.match_indices(".route(\"") {
        let rest = &compact[at + ".route(\"".len()..];
        let (path, rest) = rest.split_once('"').expect("a route path ends");
        let rest = rest.strip_prefix(',').expect("route(path, method)");
        let rest = rest.strip_prefix("web::").unwrap_or(rest);
        let method: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        assert!(
            rest[method.len()..].starts_with("().to("),
            "src/http/mod.rs: unexpected route form near {path}: {}",
            &rest[..rest.len().min(40)]
        );
        assert!(
            METHODS.contains(&method.as_str()),
            "src/http/mod.rs: unknown method {method}() for {path}"
        );
        out.push((method.to_uppercase(), path.to_owned()));
    }
    out
}

#[test]
fn the_route_scan_finds_what_mod_rs_registers() {
    // A guard for the scan itself, so that a change of style in mod.rs cannot make the
    // comparison below vacuous.
    let routes = registered_routes();
    for expected in [
        ("GET", "/healthz"),
        ("GET", "/calendar/{file}"),
        ("POST", "/api/auth/magic-link"),
        ("PATCH", "/api/me"),
        ("GET", "/api/projects/{id}/missions/{organization_id}"),
        ("POST", "/api/meetings/{id}/convocation"),
        ("DELETE", "/api/me/calendar-feed"),
        ("GET", "/api/projects/{id}/decisions.csv"),
        ("GET", "/api/openapi.json"),
    ] {
        let key = (expected.0.to_owned(), expected.1.to_owned());
        assert!(routes.contains(&key), "scan missed {expected:?}");
    }
    assert!(routes.len() > 50, "{} routes", routes.len());
}

#[test]
fn every_registered_route_is_documented_and_every_documented_one_is_registered() {
    let routes = registered_routes();
    let documented: BTreeSet<(String, String)> = operations(&document()).into_keys().collect();
    let alias = |path: &str| -> String {
        ROUTE_ALIASES
            .iter()
            .find(|(server, _)| *server == path)
            .map_or(path, |(_, doc)| doc)
            .to_owned()
    };
    let server: BTreeSet<(String, String)> = routes
        .iter()
        .map(|(method, path)| (method.clone(), alias(path)))
        .collect();

    let undocumented: Vec<_> = server.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "registered in src/http/mod.rs but not in src/http/openapi.json: {undocumented:?}"
    );
    let elsewhere: BTreeSet<(String, String)> = MOUNTED_ELSEWHERE
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let unregistered: Vec<_> = documented
        .difference(&server)
        .filter(|op| !elsewhere.contains(*op))
        .collect();
    assert!(
        unregistered.is_empty(),
        "documented but not registered in src/http/mod.rs: {unregistered:?}"
    );
}

/// The path with every `{param}` filled with a fresh UUID.
fn fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        let (_, after) = after.split_once('}').expect("a closed template parameter");
        out.push_str(before);
        out.push_str(&Uuid::new_v4().to_string());
        rest = after;
    }
    out.push_str(rest);
    out
}

#[actix_web::test]
async fn every_documented_api_operation_reaches_a_real_handler() {
    let app = TestApp::spawn().await;
    // No cookie store, no token: every request is anonymous.
    let client = reqwest::Client::new();
    let doc = document();
    let ops = operations(&doc);

    let public: BTreeSet<(String, String)> = ops
        .iter()
        .filter(|((_, path), op)| {
            path.starts_with("/api/") && op["security"].as_array().is_some_and(Vec::is_empty)
        })
        .map(|(key, _)| key.clone())
        .collect();
    let expected_public: BTreeSet<(String, String)> = PUBLIC_API
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        public, expected_public,
        "the public /api operations (security: []) of the document"
    );

    // The control: what the unknown-route handler answers, for a path and for a method.
    for (method, path) in [
        (Method::GET, "/api/no-such-route"),
        (Method::DELETE, "/api/projects"),
    ] {
        let response = client.request(method, app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
    }

    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, path) in ops.keys().filter(|(_, path)| path.starts_with("/api/")) {
        let url = app.url(&fill(path));
        let response = client
            .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned));
        let expected = PUBLIC_API
            .iter()
            .find(|(m, p, _)| m == method && p == path)
            .map_or(401, |(_, _, status)| *status);
        let expected_code = match expected {
            401 => Some("unauthenticated"),
            400 => Some("invalid_input"),
            _ => None,
        };
        if status != expected || code.as_deref() != expected_code {
            failures.push(format!(
                "{method} {path}: expected {expected} {expected_code:?}, got {status} {code:?}"
            ));
        }
        checked += 1;
    }
    assert!(checked > 40, "{checked} operations checked");
    assert!(
        failures.is_empty(),
        "documented operations that do not reach a handler as expected:\n{}",
        failures.join("\n")
    );
}

#[actix_web::test]
async fn the_server_serves_the_document_publicly_as_json() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, document());
}
