//! People acting on the API in tests: a user with a session, calling with a bearer token.

use amont::auth::sessions;
use amont::db::models::User;
use amont::db::schema::{memberships, users};
use diesel::prelude::*;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

pub struct Actor {
    pub user_id: Uuid,
    pub token: String,
    pub client: reqwest::Client,
    base: String,
}

impl Actor {
    /// A user with a session, created straight in the database (the login flow has its own
    /// tests; the other tests need people, not emails).
    pub fn new(app: &TestApp, email: &str, name: &str) -> Actor {
        let mut conn = app.db.connect();
        let user = User {
            id: Uuid::new_v4(),
            email: email.to_owned(),
            display_name: name.to_owned(),
            locale: "fr".into(),
            created_at: chrono::Utc::now(),
        };
        diesel::insert_into(users::table)
            .values(&user)
            .execute(&mut conn)
            .unwrap();
        let token = sessions::create(&mut conn, user.id, chrono::Utc::now()).unwrap();
        Actor::with_token(app, user.id, email, token)
    }

    pub fn with_token(app: &TestApp, user_id: Uuid, email: &str, token: String) -> Actor {
        let _ = email;
        Actor {
            user_id,
            token,
            client: reqwest::Client::new(),
            base: app.url(""),
        }
    }

    /// Adds the user to an organization directly (as its admin or member).
    pub fn join(&self, app: &TestApp, organization_id: Uuid, role: &str) {
        diesel::insert_into(memberships::table)
            .values((
                memberships::organization_id.eq(organization_id),
                memberships::user_id.eq(self.user_id),
                memberships::role.eq(role),
            ))
            .execute(&mut app.db.connect())
            .unwrap();
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// GET, expecting 200, as JSON.
    pub async fn read(&self, path: &str) -> Value {
        let response = self.get(path).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Creates an organization the actor administers.
    pub async fn organization(&self, name: &str) -> Uuid {
        let response = self.post("/api/organizations", json!({"name": name})).await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// Creates a project initiated by `organization_id`.
    pub async fn project(&self, organization_id: Uuid, title: &str) -> Uuid {
        let response = self
            .post(
                "/api/projects",
                json!({"title": title, "summary": "Un projet pour les jeunes du quartier.", "initiator_organization_id": organization_id}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().parse().unwrap()
    }
}

/// The value of `status` and the body of a response.
pub async fn status_and_body(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}
