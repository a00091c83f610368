//! Operations endpoints, errors, and the front end's static serving.

use serde_json::{Value, json};

use crate::support::{TestApp, TestDb};

#[actix_web::test]
async fn healthz_reports_the_database() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"status": "ok", "database": "ok"}));
}

#[actix_web::test]
async fn healthz_is_503_when_the_database_is_unreachable() {
    // A pool on a port where nothing listens: built unchecked, as if the database went away.
    let db = TestDb::new();
    let dead = url::Url::parse("postgres://nobody@127.0.0.1:9/none").unwrap();
    let pool = diesel::r2d2::Pool::builder()
        .min_idle(Some(0))
        .connection_timeout(std::time::Duration::from_secs(1))
        .build_unchecked(diesel::r2d2::ConnectionManager::new(dead.as_str()));
    let mut settings = amont::config::Settings::for_database(dead);
    settings.static_dir = crate::support::empty_static_dir();
    let app = TestApp::start(settings, pool, db);

    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "unreachable");
}

#[actix_web::test]
async fn unknown_api_routes_answer_json_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/nothing-here",
        "/api",
        "/api/projects/not-a-uuid/whatever",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
        assert!(body["message"].is_string());
    }
    let response = app.client.delete(app.url("/api/x")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern() {
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/api/unknown/123").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"amont_http_requests_total{method="GET",route="/healthz",status="200"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"amont_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 2"#),
        "{text}"
    );
    // The raw path of an unknown route never becomes a label.
    assert!(!text.contains("/api/unknown/123"), "{text}");
}

#[actix_web::test]
async fn front_end_is_served_with_client_side_routes() {
    let app = TestApp::spawn().await;
    for path in ["/", "/projects/42/meetings"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.text().await.unwrap().contains("Amont test index"));
    }
    let asset = app.get("/assets/app.js").await;
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.text().await.unwrap(), "console.log('amont')");
    for reserved in [
        "/ws/projects/nothing",
        "/calendar/unknown.ics",
        "/rsvp/unknown?answer=accepted",
    ] {
        let response = app.get(reserved).await;
        assert_eq!(response.status(), 404, "{reserved}");
    }
    let post = app.client.post(app.url("/somewhere")).send().await.unwrap();
    assert_eq!(post.status(), 405, "static files are read-only");
}
