//! Who speaks for an organization (API.md, "Who speaks for an organization"): nobody becomes a
//! member by being named; join requests, admins' decisions and their races, the last admin,
//! verified domains, colleagues' invitations, consultation links, look-alike names, who sees
//! whose address, and the migration of older data.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::smtp::Received;
use crate::support::{TestApp, TestDb};
use crate::yclient::{YClient, refused_status, ws_url};

const WAIT: Duration = Duration::from_secs(20);

fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("a login link in the email") + "token=".len();
    text[start..start + 64].to_owned()
}

/// The latest email to `address` whose subject contains `subject`, waiting for it to arrive.
async fn mail_to(app: &TestApp, address: &str, subject: &str) -> Received {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(mail) = app
            .smtp
            .messages()
            .into_iter()
            .rev()
            .find(|m| m.envelope_to.contains(address) && m.subject.contains(subject))
        {
            return mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no email to {address} about {subject:?}; got: {:?}",
            app.smtp
                .messages()
                .iter()
                .map(|m| (&m.envelope_to, &m.subject))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn mails_to(app: &TestApp, address: &str) -> usize {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.envelope_to.contains(address))
        .count()
}

/// Exchanges a link's token for a session, as the login page does.
async fn use_token(app: &TestApp, token: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/auth/session"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    status_and_body(response).await
}

fn actor_from_session(app: &TestApp, body: &Value) -> Actor {
    Actor::with_token(
        app,
        body["user"]["id"].as_str().unwrap().parse().unwrap(),
        body["user"]["email"].as_str().unwrap(),
        body["api_token"].as_str().unwrap().into(),
    )
}

async fn delete(actor: &Actor, path: &str) -> (u16, Value) {
    status_and_body(actor.call(Method::DELETE, path, None).await).await
}

async fn patch(actor: &Actor, path: &str, body: Value) -> (u16, Value) {
    status_and_body(actor.patch(path, body).await).await
}

async fn post(actor: &Actor, path: &str, body: Value) -> (u16, Value) {
    status_and_body(actor.post(path, body).await).await
}

fn uuid_of(value: &Value) -> Uuid {
    value.as_str().unwrap().parse().unwrap()
}

/// The CAF as the demonstration has it: an institution with an admin, Sophie, and a real
/// project it initiates with the town.
struct Caf {
    id: Uuid,
    sophie: Actor,
    project: Uuid,
}

async fn caf(app: &TestApp) -> Caf {
    let sophie = Actor::new(app, "sophie@caf78.fr", "Sophie Leroy");
    let id = sophie.organization("CAF des Yvelines").await;
    let project = sophie.project(id, "Schéma des familles 2027").await;
    Caf {
        id,
        sophie,
        project,
    }
}

/// A stranger signs up through the real login flow.
async fn stranger(app: &TestApp, email: &str) -> Actor {
    let response = app
        .client
        .post(app.url("/api/auth/magic-link"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let mail = mail_to(app, email, "connexion").await;
    let (status, body) = use_token(app, &token_in(mail.text.as_deref().unwrap())).await;
    assert_eq!(status, 200, "{body}");
    actor_from_session(app, &body)
}

#[actix_web::test]
async fn being_named_contact_of_an_existing_organization_gives_no_seat_in_it() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;

    // The attack: a stranger signs up, creates an organization and a decoy project, and invites
    // the CAF — spelled a little differently — naming themselves as its contact.
    let eve = stranger(&app, "eve@evil.example").await;
    let decoy_org = eve.organization("Association Écran").await;
    let decoy = eve.project(decoy_org, "Projet leurre").await;
    let (status, body) = post(
        &eve,
        &format!("/api/projects/{decoy}/partners"),
        json!({"organization_name": "caf des  Yvelînes", "contact_email": "eve@evil.example"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["organization_id"],
        json!(caf.id),
        "the same organization, no look-alike"
    );

    // The CAF's admin is told; Eve receives the consultation and follows it.
    let notice = mail_to(&app, "sophie@caf78.fr", "consulte").await;
    assert!(notice.text.as_deref().unwrap().contains("eve@evil.example"));
    let consultation = mail_to(&app, "eve@evil.example", "Projet leurre").await;
    let (status, session) = use_token(&app, &token_in(consultation.text.as_deref().unwrap())).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["consultation"]["member"], false);
    assert_eq!(session["consultation"]["organization_id"], json!(caf.id));
    let eve = actor_from_session(&app, &session);

    // Not a member, nothing of the CAF's visible, nothing possible on its behalf.
    let me = eve.read("/api/me").await;
    let names: Vec<&str> = me["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Association Écran"]);
    let projects = eve.read("/api/projects").await;
    assert!(
        projects
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != json!(caf.project)),
        "{projects}"
    );
    for path in [
        format!("/api/projects/{}", caf.project),
        format!("/api/projects/{}/partners", caf.project),
        format!("/api/projects/{}/sheet", caf.project),
        format!("/api/organizations/{}/members", caf.id),
    ] {
        assert_eq!(eve.get(&path).await.status(), 404, "{path}");
    }
    let (status, _) = post(
        &eve,
        &format!("/api/projects/{decoy}/partners/{}/answer", caf.id),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(status, 403, "answering for the CAF");
    let mission = eve
        .get(&format!("/api/projects/{decoy}/missions/{}", caf.id))
        .await;
    let hash = mission.json::<Value>().await.unwrap()["content_hash"].clone();
    let (status, _) = post(
        &eve,
        &format!("/api/projects/{decoy}/missions/{}/agreement", caf.id),
        json!({"content_hash": hash, "decision": "agree"}),
    )
    .await;
    assert_eq!(status, 403, "agreeing for the CAF");

    // What Eve may do: read the consultation, and ask to join — which waits for the CAF.
    let read = eve
        .read(&format!("/api/consultations/{decoy}/{}", caf.id))
        .await;
    assert_eq!(read["member"], false);
    assert_eq!(read["project"]["title"], "Projet leurre");
    let (status, request) = post(
        &eve,
        &format!("/api/organizations/{}/join", caf.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "pending");
    let asked = mail_to(&app, "sophie@caf78.fr", "rejoindre").await;
    assert!(asked.text.as_deref().unwrap().contains("eve@evil.example"));
    // Asking again sends nothing new.
    let before = mails_to(&app, "sophie@caf78.fr");
    let (status, _) = post(
        &eve,
        &format!("/api/organizations/{}/join", caf.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);

    // Pending is not a member: still nothing.
    assert_eq!(
        eve.get(&format!("/api/projects/{}", caf.project))
            .await
            .status(),
        404
    );
    let (status, _) = post(
        &eve,
        &format!("/api/projects/{decoy}/partners/{}/answer", caf.id),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        refused_status(ws_url(app.address, caf.project, &eve.token)).await,
        404
    );
    let me = eve.read("/api/me").await;
    assert_eq!(me["pending"][0]["organization"]["id"], json!(caf.id));

    // Sophie refuses: Eve is told, and cannot ask again at once.
    let members = caf
        .sophie
        .read(&format!("/api/organizations/{}/members", caf.id))
        .await;
    let pending: Vec<&Value> = members
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["email"], "eve@evil.example");
    let (status, body) = post(
        &caf.sophie,
        &format!(
            "/api/organizations/{}/members/{}/refuse",
            caf.id, eve.user_id
        ),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    mail_to(&app, "eve@evil.example", "Votre demande").await;
    assert_eq!(mails_to(&app, "sophie@caf78.fr"), before);
    let (status, body) = post(
        &eve,
        &format!("/api/organizations/{}/join", caf.id),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("join_refused"))
    );
    assert_eq!(
        eve.get(&format!("/api/projects/{}", caf.project))
            .await
            .status(),
        404
    );

    // And the CAF's own sheet never shows a consent it did not give.
    let sheet = caf
        .sophie
        .read(&format!("/api/projects/{}/sheet", caf.project))
        .await;
    assert!(!sheet.to_string().contains("eve@evil.example"));
}

#[actix_web::test]
async fn strangers_cannot_ask_to_join_an_organization_they_cannot_see() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let mallory = Actor::new(&app, "mallory@elsewhere.example", "Mallory");
    let (status, _) = post(
        &mallory,
        &format!("/api/organizations/{}/join", caf.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        mallory
            .get(&format!("/api/organizations/{}", caf.id))
            .await
            .status(),
        404
    );
    assert_eq!(
        mallory
            .get(&format!("/api/consultations/{}/{}", caf.project, caf.id))
            .await
            .status(),
        404
    );
}

#[actix_web::test]
async fn an_address_at_a_verified_domain_joins_at_once() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let path = format!("/api/organizations/{}/domains", caf.id);

    // Verifying: an admin's own domain only, never a public provider, never a member's call.
    let (status, body) = status_and_body(
        caf.sophie
            .put(&path, json!({"domains": ["gmail.com"]}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("domains")),
        "{body}"
    );
    let (status, body) = status_and_body(
        caf.sophie
            .put(&path, json!({"domains": ["evil.example"]}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("domains")),
        "{body}"
    );
    let (status, body) = status_and_body(
        caf.sophie
            .put(&path, json!({"domains": ["CAF78.fr", "caf78.fr"]}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["domains"], json!(["caf78.fr"]));
    let org = caf
        .sophie
        .read(&format!("/api/organizations/{}", caf.id))
        .await;
    assert_eq!(org["domains"], json!(["caf78.fr"]));

    // A colleague at caf78.fr sees it as joinable, and joins at once; the admin gets no email.
    let before = mails_to(&app, "sophie@caf78.fr");
    let lea = Actor::new(&app, "lea@caf78.fr", "Léa");
    let me = lea.read("/api/me").await;
    assert_eq!(me["joinable"][0]["id"], json!(caf.id));
    let (status, body) = post(
        &lea,
        &format!("/api/organizations/{}/join", caf.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "active");
    assert_eq!(body["role"], "member");
    assert_eq!(lea.read("/api/projects").await[0]["id"], json!(caf.project));
    let (status, body) = post(
        &lea,
        &format!("/api/organizations/{}/join", caf.id),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("already_member"))
    );
    // A member is not an admin.
    let (status, _) = status_and_body(lea.put(&path, json!({"domains": []})).await).await;
    assert_eq!(status, 403);
    // Someone at a look-alike domain is not let in.
    let other = Actor::new(&app, "x@caf78.fr.evil.example", "X");
    assert_eq!(other.read("/api/me").await["joinable"], json!([]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mails_to(&app, "sophie@caf78.fr"), before);
}

#[actix_web::test]
async fn of_two_admins_deciding_one_request_at_once_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let second = Actor::new(&app, "marc@caf78.fr", "Marc");
    second.join(&app, caf.id, "admin");
    for round in 0..5 {
        // Someone who shares a project with the CAF asks to join.
        let asker = Actor::new(&app, &format!("asker{round}@ville.example"), "Asker");
        let ville = asker.organization(&format!("Ville {round}")).await;
        let (status, _) = post(
            &caf.sophie,
            &format!("/api/projects/{}/partners", caf.project),
            json!({"organization_id": ville, "contact_email": format!("asker{round}@ville.example")}),
        )
        .await;
        assert_eq!(status, 201);
        let (status, _) = post(
            &asker,
            &format!("/api/organizations/{}/join", caf.id),
            json!({}),
        )
        .await;
        assert_eq!(status, 201);
        let base = format!("/api/organizations/{}/members/{}", caf.id, asker.user_id);
        let (approve_path, refuse_path) = (format!("{base}/approve"), format!("{base}/refuse"));
        let approve = caf.sophie.post(&approve_path, json!({}));
        let refuse = second.post(&refuse_path, json!({}));
        let (a, r) = tokio::join!(approve, refuse);
        let mut statuses = [a.status().as_u16(), r.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
        let loser = if a.status() == 409 { a } else { r };
        let body: Value = loser.json().await.unwrap();
        assert_eq!(body["error"], "invalid_transition");
        assert!(["approved", "refused"].contains(&body["status"].as_str().unwrap()));
    }
    // One audit row per decision.
    let decided: i64 = amont::db::schema::audit_events::table
        .filter(
            amont::db::schema::audit_events::action
                .eq_any(["membership.approved", "membership.refused"]),
        )
        .count()
        .get_result(&mut app.db.connect())
        .unwrap();
    assert_eq!(decided, 5);
}

#[actix_web::test]
async fn the_last_admin_stays_and_a_removed_member_is_disconnected() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let sophie_path = format!(
        "/api/organizations/{}/members/{}",
        caf.id, caf.sophie.user_id
    );
    let (status, body) = delete(&caf.sophie, &sophie_path).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("last_admin")));
    let (status, body) = patch(&caf.sophie, &sophie_path, json!({"role": "member"})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("last_admin")));
    let (status, body) = patch(&caf.sophie, &sophie_path, json!({"role": "owner"})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("role")));

    // A member: not allowed to remove others or change roles; allowed to leave.
    let paul = Actor::new(&app, "paul@caf78.fr", "Paul");
    paul.join(&app, caf.id, "member");
    let paul_path = format!("/api/organizations/{}/members/{}", caf.id, paul.user_id);
    let (status, _) = delete(&paul, &sophie_path).await;
    assert_eq!(status, 403);
    let (status, _) = patch(&paul, &paul_path, json!({"role": "admin"})).await;
    assert_eq!(status, 403);

    // Paul has the project open live; Sophie removes him: his connection closes.
    let live = YClient::connect(&ws_url(app.address, caf.project, &paul.token)).await;
    live.synced().await;
    let (status, _) = delete(&caf.sophie, &paul_path).await;
    assert_eq!(status, 204);
    let frame = live.closed().await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);
    assert_eq!(
        paul.get(&format!("/api/projects/{}", caf.project))
            .await
            .status(),
        404
    );

    // Promote someone, then the former last admin may step down and leave.
    let lea = Actor::new(&app, "lea@caf78.fr", "Léa");
    lea.join(&app, caf.id, "member");
    let lea_path = format!("/api/organizations/{}/members/{}", caf.id, lea.user_id);
    let (status, body) = patch(&caf.sophie, &lea_path, json!({"role": "admin"})).await;
    assert_eq!((status, body["role"].as_str()), (200, Some("admin")));
    let (status, _) = patch(&caf.sophie, &sophie_path, json!({"role": "member"})).await;
    assert_eq!(status, 200);
    let (status, _) = delete(&caf.sophie, &sophie_path).await;
    assert_eq!(status, 204, "leaving");
    let members = lea
        .read(&format!("/api/organizations/{}/members", caf.id))
        .await;
    assert_eq!(members.as_array().unwrap().len(), 1);

    let actions: Vec<String> = amont::db::schema::audit_events::table
        .filter(amont::db::schema::audit_events::organization_id.eq(caf.id))
        .filter(amont::db::schema::audit_events::project_id.is_null())
        .order(amont::db::schema::audit_events::id.asc())
        .select(amont::db::schema::audit_events::action)
        .load(&mut app.db.connect())
        .unwrap();
    assert_eq!(
        actions,
        [
            "organization.created",
            "membership.removed",
            "membership.role_changed",
            "membership.role_changed",
            "membership.left"
        ]
    );
}

#[actix_web::test]
async fn an_admin_adds_a_colleague_by_email() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let path = format!("/api/organizations/{}/invitations", caf.id);
    let (status, body) = post(
        &caf.sophie,
        &path,
        json!({"email": "Nadia@CAF78.fr", "role": "admin"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["email"], "nadia@caf78.fr");
    let mail = mail_to(&app, "nadia@caf78.fr", "Rejoignez").await;
    let token = token_in(mail.text.as_deref().unwrap());
    let (status, session) = use_token(&app, &token).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["joined"]["organization_id"], json!(caf.id));
    let nadia = actor_from_session(&app, &session);
    let me = nadia.read("/api/me").await;
    assert_eq!(me["organizations"][0]["role"], "admin");
    // Single use.
    let (status, body) = use_token(&app, &token).await;
    assert_eq!((status, body["reason"].as_str()), (400, Some("used")));
    // Members cannot invite; an existing member is not invited twice.
    let paul = Actor::new(&app, "paul@caf78.fr", "Paul");
    paul.join(&app, caf.id, "member");
    let (status, _) = post(&paul, &path, json!({"email": "x@caf78.fr"})).await;
    assert_eq!(status, 403);
    let (status, body) = post(&caf.sophie, &path, json!({"email": "paul@caf78.fr"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("already_member"))
    );
}

/// The MJC consults a new organization (created by the invitation) on its project.
async fn consult_new(app: &TestApp, contact: &str) -> (Actor, Uuid, Uuid) {
    let ines = Actor::new(app, "ines@mjc.example", "Inès");
    let mjc = ines.organization("MJC des Quatre Vents").await;
    let project = ines.project(mjc, "Accueil jeunes").await;
    let (status, body) = post(
        &ines,
        &format!("/api/projects/{project}/partners"),
        json!({"organization_name": "Centre social Agora", "contact_email": contact}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (ines, project, uuid_of(&body["organization_id"]))
}

#[actix_web::test]
async fn a_consultation_link_works_on_several_devices_until_it_is_answered_withdrawn_or_renewed() {
    let app = TestApp::spawn().await;
    let (ines, project, agora) = consult_new(&app, "karim@agora.example").await;
    let first = token_in(
        mail_to(&app, "karim@agora.example", "Accueil jeunes")
            .await
            .text
            .as_deref()
            .unwrap(),
    );
    // Two devices: both log in; the first makes Karim the new organization's first admin.
    let (status, phone) = use_token(&app, &first).await;
    assert_eq!(status, 200, "{phone}");
    assert_eq!(phone["consultation"]["member"], true);
    let (status, laptop) = use_token(&app, &first).await;
    assert_eq!(status, 200, "{laptop}");
    let karim = actor_from_session(&app, &laptop);
    assert_eq!(
        karim.read("/api/me").await["organizations"][0]["role"],
        "admin"
    );

    // Withdrawn: the link stops working, and nothing is joined with it.
    let (status, _) = post(
        &ines,
        &format!("/api/projects/{project}/partners/{agora}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = use_token(&app, &first).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (400, Some("revoked")),
        "{body}"
    );

    // Invited again (with another contact): the old link stays dead, the new one works until
    // the answer.
    let (status, _) = post(
        &ines,
        &format!("/api/projects/{project}/partners"),
        json!({"organization_id": agora, "contact_email": "karim@agora.example"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = use_token(&app, &first).await;
    assert_eq!(status, 400);
    let deadline = std::time::Instant::now() + WAIT;
    let second = loop {
        let token = token_in(
            mail_to(&app, "karim@agora.example", "Accueil jeunes")
                .await
                .text
                .as_deref()
                .unwrap(),
        );
        if token != first {
            break token;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no second consultation"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (status, _) = use_token(&app, &second).await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &karim,
        &format!("/api/projects/{project}/partners/{agora}/answer"),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = use_token(&app, &second).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (400, Some("consultation_over"))
    );
}

#[actix_web::test]
async fn a_stale_consultation_link_joins_nothing() {
    let app = TestApp::spawn().await;
    let (ines, project, agora) = consult_new(&app, "karim@agora.example").await;
    let token = token_in(
        mail_to(&app, "karim@agora.example", "Accueil jeunes")
            .await
            .text
            .as_deref()
            .unwrap(),
    );
    // Withdrawn before the contact ever came.
    let (status, _) = post(
        &ines,
        &format!("/api/projects/{project}/partners/{agora}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = use_token(&app, &token).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "token");
    let members: i64 = amont::db::schema::memberships::table
        .filter(amont::db::schema::memberships::organization_id.eq(agora))
        .count()
        .get_result(&mut app.db.connect())
        .unwrap();
    assert_eq!(members, 0);
    let users: i64 = amont::db::schema::users::table
        .filter(amont::db::schema::users::email.eq("karim@agora.example"))
        .count()
        .get_result(&mut app.db.connect())
        .unwrap();
    assert_eq!(users, 0, "no account made from a dead link");
}

#[actix_web::test]
async fn a_login_link_of_the_contact_joins_nothing_either() {
    // The old rule joined every organization whose pending consultation named the address, at
    // any login: the named contact of an existing organization took a seat that way too.
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let ines = Actor::new(&app, "ines@mjc.example", "Inès");
    let mjc = ines.organization("MJC").await;
    let project = ines.project(mjc, "Accueil jeunes").await;
    let (status, _) = post(
        &ines,
        &format!("/api/projects/{project}/partners"),
        json!({"organization_id": caf.id, "contact_email": "referent@caf78.fr"}),
    )
    .await;
    assert_eq!(status, 201);
    let referent = stranger(&app, "referent@caf78.fr").await;
    assert_eq!(referent.read("/api/me").await["organizations"], json!([]));
    assert_eq!(referent.read("/api/projects").await, json!([]));
    // They may read the consultation, as its contact.
    let read = referent
        .read(&format!("/api/consultations/{project}/{}", caf.id))
        .await;
    assert_eq!(read["organization"]["name"], "CAF des Yvelines");
    assert_eq!(read["initiator"]["name"], "MJC");
}

#[actix_web::test]
async fn look_alike_names_are_refused_and_a_siren_must_check() {
    let app = TestApp::spawn().await;
    let caf = caf(&app).await;
    let other = Actor::new(&app, "someone@else.example", "Someone");
    for look_alike in [
        "caf des yvelines",
        "C.A.F. des Yvelines",
        "CAF-des-Yvelînes",
    ] {
        let (status, body) = post(&other, "/api/organizations", json!({"name": look_alike})).await;
        assert_eq!(status, 409, "{look_alike}: {body}");
        assert_eq!(body["error"], "organization_exists");
        assert_eq!(body["organization"]["id"], json!(caf.id));
        assert_eq!(body["organization"]["name"], "CAF des Yvelines");
    }
    let (status, body) = post(
        &other,
        "/api/organizations",
        json!({"name": "Mission locale", "siren": "180 035 025"}),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("siren")));
    let (status, body) = post(
        &other,
        "/api/organizations",
        json!({"name": "Mission locale", "siren": "180 035 024"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["siren"], "180035024");

    // Concurrent creations of look-alikes: one organization.
    let a = other.post("/api/organizations", json!({"name": "Centre social"}));
    let b = other.post("/api/organizations", json!({"name": "centre-social"}));
    let (a, b) = tokio::join!(a, b);
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);

    // The SIREN is on the sheet, once the partner accepted.
    let ml = uuid_of(&body["id"]);
    let (status, _) = post(
        &caf.sophie,
        &format!("/api/projects/{}/partners", caf.project),
        json!({"organization_id": ml, "contact_email": "someone@else.example"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post(
        &other,
        &format!("/api/projects/{}/partners/{ml}/answer", caf.project),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(status, 200);
    let sheet = caf
        .sophie
        .read(&format!("/api/projects/{}/sheet", caf.project))
        .await;
    let partner = sheet["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organization_id"] == json!(ml))
        .unwrap();
    assert_eq!(partner["siren"], "180035024");
    let html = caf
        .sophie
        .get(&format!("/api/projects/{}/sheet?format=html", caf.project))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("SIREN 180035024"));
}

#[actix_web::test]
async fn addresses_are_shown_to_the_initiator_and_the_persons_own_organization_only() {
    let app = TestApp::spawn().await;
    let ines = Actor::new(&app, "ines@mjc.example", "Inès");
    let mjc = ines.organization("MJC").await;
    let project = ines.project(mjc, "Accueil jeunes").await;
    let mut partners = Vec::new();
    for (name, contact) in [
        ("CAF", "sophie@caf.example"),
        ("Ville", "marc@ville.example"),
    ] {
        let person = Actor::new(&app, contact, &format!("{name} person"));
        let org = person.organization(name).await;
        let (status, _) = post(
            &ines,
            &format!("/api/projects/{project}/partners"),
            json!({"organization_id": org, "contact_email": contact}),
        )
        .await;
        assert_eq!(status, 201);
        partners.push((org, person));
    }
    let (caf, sophie) = &partners[0];
    let (ville, marc) = &partners[1];

    let contact_of = |list: &Value, org: &Uuid| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["organization_id"] == json!(org))
            .unwrap()["contact_email"]
            .clone()
    };
    let as_initiator = ines
        .read(&format!("/api/projects/{project}/partners"))
        .await;
    assert_eq!(contact_of(&as_initiator, caf), "sophie@caf.example");
    assert_eq!(contact_of(&as_initiator, ville), "marc@ville.example");
    let as_caf = sophie
        .read(&format!("/api/projects/{project}/partners"))
        .await;
    assert_eq!(contact_of(&as_caf, caf), "sophie@caf.example");
    assert_eq!(contact_of(&as_caf, ville), Value::Null);

    // The audit trail: the CAF reads the town's invitation with a name instead of an address.
    let audit = sophie.read(&format!("/api/projects/{project}/audit")).await;
    let text = audit.to_string();
    assert!(!text.contains("marc@ville.example"), "{text}");
    let town = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "partnership.invited" && e["organization_id"] == json!(ville))
        .unwrap();
    assert_eq!(town["details"]["contact_name"], "Ville person");
    assert!(town["details"].get("contact_email").is_none());
    let own = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "partnership.invited" && e["organization_id"] == json!(caf))
        .unwrap();
    assert_eq!(own["details"]["contact_email"], "sophie@caf.example");
    let full = ines.read(&format!("/api/projects/{project}/audit")).await;
    assert!(full.to_string().contains("marc@ville.example"));
    let _ = marc;
}

#[actix_web::test]
async fn consultations_per_person_and_day_are_bounded() {
    let app = TestApp::spawn_with(|s| s.invites_per_day = 3).await;
    let ines = Actor::new(&app, "ines@mjc.example", "Inès");
    let mjc = ines.organization("MJC").await;
    let project = ines.project(mjc, "Accueil jeunes").await;
    for n in 0..3 {
        let (status, body) = post(
            &ines,
            &format!("/api/projects/{project}/partners"),
            json!({"organization_name": format!("Org {n}"), "contact_email": format!("c{n}@x.example")}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let response = ines
        .post(
            &format!("/api/projects/{project}/partners"),
            json!({"organization_name": "Org 4", "contact_email": "c4@x.example"}),
        )
        .await;
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 23 * 3600 && retry <= 24 * 3600, "{retry}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mails_to(&app, "c4@x.example"), 0);
}

#[actix_web::test]
async fn the_migration_keeps_members_and_makes_contacts_of_existing_organizations_wait() {
    use amont::db::MIGRATIONS;
    let db = TestDb::empty();
    let mut conn = db.connect();
    // The schema as it was before this change (the first four migrations).
    for _ in 0..4 {
        conn.run_next_migration(MIGRATIONS).unwrap();
    }
    let (founder, contact, first_contact, caf, agora) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, display_name) VALUES
            ('{founder}', 'sophie@caf.example', 'Sophie'),
            ('{contact}', 'eve@evil.example', 'Eve'),
            ('{first_contact}', 'karim@agora.example', 'Karim');
         INSERT INTO organizations (id, name) VALUES ('{caf}', 'CAF des Yvelines'), ('{agora}', 'Agora');
         INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES
            ('{caf}', '{founder}', 'admin', now() - interval '10 days'),
            ('{caf}', '{contact}', 'member', now() - interval '1 day'),
            ('{agora}', '{first_contact}', 'member', now() - interval '2 days');
         INSERT INTO audit_events (actor_user_id, actor_organization_id, action, organization_id, details) VALUES
            ('{contact}', '{caf}', 'membership.joined_as_contact', '{caf}', '{{}}'),
            ('{first_contact}', '{agora}', 'membership.joined_as_contact', '{agora}', '{{}}');"
    ))
    .unwrap();

    amont::db::migrate(&mut conn).unwrap();

    let members: Vec<(Uuid, Uuid, String)> = amont::db::schema::memberships::table
        .order(amont::db::schema::memberships::user_id.asc())
        .select((
            amont::db::schema::memberships::organization_id,
            amont::db::schema::memberships::user_id,
            amont::db::schema::memberships::role,
        ))
        .load(&mut conn)
        .unwrap();
    let mut expected = vec![
        (caf, founder, "admin".to_owned()),
        (agora, first_contact, "admin".to_owned()),
    ];
    expected.sort_by_key(|(_, user, _)| *user);
    assert_eq!(
        members, expected,
        "the founder stays; the first contact becomes admin"
    );
    let pending: Vec<(Uuid, Uuid, String)> = amont::db::schema::membership_requests::table
        .select((
            amont::db::schema::membership_requests::organization_id,
            amont::db::schema::membership_requests::user_id,
            amont::db::schema::membership_requests::status,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(pending, [(caf, contact, "pending".to_owned())]);
    let audited: i64 = amont::db::schema::audit_events::table
        .filter(amont::db::schema::audit_events::action.eq("membership.made_pending"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(audited, 1);
    // Names got their keys.
    let keys: Vec<Option<String>> = amont::db::schema::organizations::table
        .order(amont::db::schema::organizations::name.asc())
        .select(amont::db::schema::organizations::name_key)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        keys,
        [Some("agora".to_owned()), Some("cafdesyvelines".to_owned())]
    );
    drop(conn);
}
