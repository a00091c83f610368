//! Accounts, partnerships and recorded consent, through the HTTP API (API.md), with a real SMTP
//! server receiving the emails.

use std::time::Duration;

use reqwest::header;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::support::TestApp;

const ORIGIN: &str = "http://localhost:8080";

fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("a login link in the email") + "token=".len();
    text[start..start + 64].to_owned()
}

/// What a login through the real flow gives back.
struct LoggedIn {
    actor: Actor,
    set_cookie: String,
    token: String,
}

/// Logs in through the real flow: magic link by email, then the session exchange.
async fn log_in_by_email(app: &TestApp, email: &str, already_received: usize) -> LoggedIn {
    let response = app
        .client
        .post(app.url("/api/auth/magic-link"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let mails = app
        .smtp
        .wait_for(already_received + 1, Duration::from_secs(20))
        .await;
    let mail = mails.last().unwrap();
    assert!(
        mail.to.to_lowercase().contains(&email.to_lowercase()),
        "{}",
        mail.to
    );
    let token = token_in(mail.text.as_deref().unwrap());
    let response = app
        .client
        .post(app.url("/api/auth/session"))
        .header(header::ORIGIN, ORIGIN)
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let actor = Actor::with_token(
        app,
        body["user"]["id"].as_str().unwrap().parse().unwrap(),
        email,
        body["api_token"].as_str().unwrap().to_owned(),
    );
    LoggedIn {
        actor,
        set_cookie,
        token,
    }
}

#[actix_web::test]
async fn magic_link_login_creates_the_user_and_a_session() {
    let app = TestApp::spawn().await;
    let LoggedIn {
        actor,
        set_cookie: cookie,
        token,
    } = log_in_by_email(&app, "Claire.Martin@caf.example", 0).await;
    assert!(cookie.starts_with("amont_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "http base URL: no Secure flag ({cookie})"
    );

    // The cookie (kept by the client's store) and the bearer token both authenticate.
    let me: Value = app
        .client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "claire.martin@caf.example");
    assert_eq!(me["user"]["display_name"], "claire.martin");
    assert_eq!(me["organizations"], json!([]));
    assert_eq!(
        actor.read("/api/me").await["user"]["id"],
        json!(actor.user_id)
    );

    // The link is single use.
    let again = app
        .client
        .post(app.url("/api/auth/session"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_body(again).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_input");
    assert_eq!(body["field"], "token");
    assert!(
        body["message"].as_str().unwrap().contains("already used"),
        "{body}"
    );

    // The token is stored hashed only.
    let stored: i64 = {
        use diesel::prelude::*;
        amont::db::schema::magic_links::table
            .filter(amont::db::schema::magic_links::token_hash.eq(token.as_bytes().to_vec()))
            .count()
            .get_result(&mut app.db.connect())
            .unwrap()
    };
    assert_eq!(stored, 0);
}

#[actix_web::test]
async fn expired_and_unknown_links_are_refused() {
    let app = TestApp::spawn().await;
    let email = amont::domain::input::EmailAddress::parse("email", "late@example.org").unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(31);
    let token = amont::auth::links::create(&mut app.db.connect(), &email, None, long_ago).unwrap();
    for (token, expected) in [(token, "expired"), ("0".repeat(64), "not valid")] {
        let response = app
            .client
            .post(app.url("/api/auth/session"))
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, 400);
        assert!(
            body["message"].as_str().unwrap().contains(expected),
            "{body}"
        );
    }
}

#[actix_web::test]
async fn magic_link_requests_are_checked_and_rate_limited() {
    let app = TestApp::spawn().await;
    let post = |email: &'static str| {
        app.client
            .post(app.url("/api/auth/magic-link"))
            .json(&json!({"email": email}))
            .send()
    };
    let (status, body) = status_and_body(post("not an address").await.unwrap()).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("email")));

    for _ in 0..5 {
        assert_eq!(post("someone@example.org").await.unwrap().status(), 202);
    }
    let limited = post("someone@example.org").await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let (_, body) = status_and_body(limited).await;
    assert_eq!(body["error"], "rate_limited");
    // Another address still gets its link.
    assert_eq!(post("other@example.org").await.unwrap().status(), 202);
    app.smtp.wait_for(6, Duration::from_secs(20)).await;
}

#[actix_web::test]
async fn cookie_requests_from_another_origin_are_refused() {
    let app = TestApp::spawn().await;
    log_in_by_email(&app, "ana@example.org", 0).await;
    let create = |origin: Option<&'static str>| {
        let mut request = app
            .client
            .post(app.url("/api/organizations"))
            .json(&json!({"name": format!("Org {}", Uuid::new_v4())}));
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.send()
    };
    let (status, body) = status_and_body(create(Some("http://evil.example")).await.unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    assert_eq!(
        create(None).await.unwrap().status(),
        403,
        "no Origin, no Referer"
    );
    assert_eq!(create(Some(ORIGIN)).await.unwrap().status(), 201);
    // Reads need no origin.
    assert_eq!(
        app.client
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[actix_web::test]
async fn bearer_requests_are_exempt_from_the_origin_rule_and_logout_revokes() {
    let app = TestApp::spawn().await;
    let ana = Actor::new(&app, "ana@example.org", "Ana");
    let response = ana
        .client
        .post(app.url("/api/organizations"))
        .bearer_auth(&ana.token)
        .header(header::ORIGIN, "http://evil.example")
        .json(&json!({"name": "Mairie de Trappes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(ana.post("/api/auth/logout", json!({})).await.status(), 204);
    assert_eq!(ana.get("/api/me").await.status(), 401);
    let (status, body) =
        status_and_body(app.client.get(app.url("/api/me")).send().await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthenticated"))
    );
}

#[actix_web::test]
async fn organizations_are_created_once_and_seen_by_members() {
    let app = TestApp::spawn().await;
    let ana = Actor::new(&app, "ana@example.org", "Ana");
    let bob = Actor::new(&app, "bob@example.org", "Bob");
    let org = ana.organization("Centre social Les Tilleuls").await;
    let me = ana.read("/api/me").await;
    assert_eq!(me["organizations"][0]["role"], "admin");
    assert_eq!(
        ana.read(&format!("/api/organizations/{org}")).await["name"],
        "Centre social Les Tilleuls"
    );
    assert_eq!(
        bob.get(&format!("/api/organizations/{org}")).await.status(),
        404
    );
    let (status, body) = status_and_body(
        bob.post(
            "/api/organizations",
            json!({"name": " centre social les tilleuls "}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("organization_exists"))
    );
    let (status, body) =
        status_and_body(bob.post("/api/organizations", json!({"name": ""})).await).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("name")));
    let (status, body) = status_and_body(
        bob.call(reqwest::Method::POST, "/api/organizations", None)
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_input"))
    );
}

/// An initiator with a project, ready to invite.
async fn initiated(app: &TestApp) -> (Actor, Uuid, Uuid) {
    let initiator = Actor::new(app, "coordination@mjc.example", "Inès (MJC)");
    let org = initiator.organization("MJC des Quatre Vents").await;
    let project = initiator.project(org, "Accueil jeunes 16-25 ans").await;
    (initiator, org, project)
}

async fn invite(initiator: &Actor, project: Uuid, name: &str, contact: &str) -> Uuid {
    let response = initiator
        .post(
            &format!("/api/projects/{project}/partners"),
            json!({"organization_name": name, "contact_email": contact, "proposed_role": "Cofinancement"}),
        )
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "invited");
    body["organization_id"].as_str().unwrap().parse().unwrap()
}

#[actix_web::test]
async fn a_consultation_is_a_link_never_a_calendar_invitation_and_its_contact_is_the_first_admin_of_a_new_organization()
 {
    let app = TestApp::spawn().await;
    let (initiator, _, project) = initiated(&app).await;
    let caf = invite(
        &initiator,
        project,
        "CAF des Yvelines",
        "referente@caf.example",
    )
    .await;

    let mails = app.smtp.wait_for(1, Duration::from_secs(20)).await;
    let consultation = &mails[0];
    assert!(consultation.to.contains("referente@caf.example"));
    assert_eq!(consultation.mimetype, "multipart/alternative");
    assert!(
        consultation
            .part_types
            .iter()
            .all(|t| t == "text/plain" || t == "text/html"),
        "{:?}",
        consultation.part_types
    );
    let raw = String::from_utf8_lossy(&consultation.raw).to_lowercase();
    assert!(
        !raw.contains("text/calendar") && !raw.contains("begin:vcalendar") && !raw.contains(".ics")
    );
    let text = consultation.text.as_deref().unwrap();
    assert!(text.contains("Accueil jeunes 16-25 ans"), "{text}");
    assert!(text.contains(&format!("project={project}")), "{text}");
    assert_eq!(
        consultation.header_values("Reply-To"),
        vec!["coordination@mjc.example".to_owned()]
    );

    // The contact follows the link: logged in, and — the invitation having created the CAF, which
    // has nobody yet — its first admin, consulted on the project.
    let response = app
        .client
        .post(app.url("/api/auth/session"))
        .json(&json!({"token": token_in(text)}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let contact = Actor::with_token(
        &app,
        body["user"]["id"].as_str().unwrap().parse().unwrap(),
        "referente@caf.example",
        body["api_token"].as_str().unwrap().into(),
    );
    let me = contact.read("/api/me").await;
    assert_eq!(me["organizations"][0]["id"], json!(caf));
    assert_eq!(me["organizations"][0]["role"], "admin");
    let projects = contact.read("/api/projects").await;
    assert_eq!(projects[0]["id"], json!(project));
    let audit = initiator
        .read(&format!("/api/projects/{project}/audit"))
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "project.created",
            "partnership.invited",
            "project.status_changed",
            "membership.joined_as_contact"
        ]
    );
}

#[actix_web::test]
async fn answers_are_transitions_that_only_members_make_once() {
    let app = TestApp::spawn().await;
    let (initiator, mjc, project) = initiated(&app).await;
    let caf = invite(&initiator, project, "CAF", "contact@caf.example").await;
    let referente = Actor::new(&app, "contact@caf.example", "Sophie (CAF)");
    referente.join(&app, caf, "member");
    let answer = format!("/api/projects/{project}/partners/{caf}/answer");

    // The initiator cannot answer for the CAF; a bad decision is refused.
    assert_eq!(
        initiator
            .post(&answer, json!({"decision": "accept"}))
            .await
            .status(),
        403
    );
    let (status, body) =
        status_and_body(referente.post(&answer, json!({"decision": "maybe"})).await).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("decision")));

    let (status, body) = status_and_body(
        referente
            .post(
                &answer,
                json!({"decision": "accept", "comment": "Avec plaisir"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["comment"], "Avec plaisir");
    let (status, body) = status_and_body(
        referente
            .post(&answer, json!({"decision": "decline"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), body["status"].as_str()),
        (409, Some("invalid_transition"), Some("accepted"))
    );

    // Nobody withdraws the initiator; only the initiator withdraws others.
    let withdraw = |org: Uuid| format!("/api/projects/{project}/partners/{org}/withdraw");
    assert_eq!(
        initiator.post(&withdraw(mjc), json!({})).await.status(),
        409
    );
    assert_eq!(
        referente.post(&withdraw(caf), json!({})).await.status(),
        403
    );
    let partners = initiator
        .read(&format!("/api/projects/{project}/partners"))
        .await;
    assert_eq!(partners.as_array().unwrap().len(), 2);
    assert_eq!(partners[0]["organization_id"], json!(mjc));
    assert_eq!(partners[0]["status"], "accepted");
}

#[actix_web::test]
async fn two_concurrent_answers_cannot_both_win() {
    let app = TestApp::spawn().await;
    let (initiator, _, project) = initiated(&app).await;
    for round in 0..5 {
        let org = invite(
            &initiator,
            project,
            &format!("Association {round}"),
            &format!("a{round}@asso.example"),
        )
        .await;
        let first = Actor::new(&app, &format!("first{round}@asso.example"), "Premier");
        let second = Actor::new(&app, &format!("second{round}@asso.example"), "Second");
        first.join(&app, org, "member");
        second.join(&app, org, "member");
        let path = format!("/api/projects/{project}/partners/{org}/answer");
        let (a, b) = tokio::join!(
            first.post(&path, json!({"decision": "accept"})),
            second.post(&path, json!({"decision": "decline"}))
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}");
    }
    let audit = initiator
        .read(&format!("/api/projects/{project}/audit"))
        .await;
    let answers = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            matches!(
                e["action"].as_str(),
                Some("partnership.accepted" | "partnership.declined")
            )
        })
        .count();
    assert_eq!(answers, 5, "one audited answer per organization");
}

#[actix_web::test]
async fn a_stranger_gets_404_everywhere() {
    let app = TestApp::spawn().await;
    let (initiator, mjc, project) = initiated(&app).await;
    let caf = invite(&initiator, project, "CAF", "contact@caf.example").await;
    let stranger = Actor::new(&app, "stranger@elsewhere.example", "Stranger");
    stranger.organization("Ailleurs").await;
    for path in [
        format!("/api/projects/{project}"),
        format!("/api/projects/{project}/brief"),
        format!("/api/projects/{project}/partners"),
        format!("/api/projects/{project}/missions/{caf}"),
        format!("/api/projects/{project}/sheet"),
        format!("/api/projects/{project}/sheet?format=html"),
        format!("/api/projects/{project}/audit"),
        format!("/api/organizations/{mjc}"),
        format!("/api/projects/{}", Uuid::new_v4()),
    ] {
        let (status, body) = status_and_body(stranger.get(&path).await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "GET {path}"
        );
    }
    for (path, body) in [
        (
            format!("/api/projects/{project}/partners"),
            json!({"organization_name": "X", "contact_email": "x@x.example"}),
        ),
        (
            format!("/api/projects/{project}/partners/{caf}/answer"),
            json!({"decision": "accept"}),
        ),
        (
            format!("/api/projects/{project}/partners/{caf}/withdraw"),
            json!({}),
        ),
        (
            format!("/api/projects/{project}/missions/{caf}/agreement"),
            json!({"content_hash": "x", "decision": "agree"}),
        ),
    ] {
        assert_eq!(
            stranger.post(&path, body).await.status(),
            404,
            "POST {path}"
        );
    }
    for path in [
        format!("/api/projects/{project}/brief"),
        format!("/api/projects/{project}/missions/{caf}"),
    ] {
        assert_eq!(
            stranger
                .put(&path, json!({"text": "pirate"}))
                .await
                .status(),
            404,
            "PUT {path}"
        );
    }
    assert_eq!(stranger.read("/api/projects").await, json!([]));
}

#[actix_web::test]
async fn agreement_binds_to_the_exact_text() {
    let app = TestApp::spawn().await;
    let (initiator, _, project) = initiated(&app).await;
    let caf = invite(&initiator, project, "CAF", "contact@caf.example").await;
    let sophie = Actor::new(&app, "contact@caf.example", "Sophie (CAF)");
    sophie.join(&app, caf, "member");
    let mission = format!("/api/projects/{project}/missions/{caf}");
    let agreement = format!("{mission}/agreement");

    let written = initiator
        .put(
            &mission,
            json!({"text": "Financer l'animateur à mi-temps."}),
        )
        .await;
    let (status, written) = status_and_body(written).await;
    assert_eq!(status, 200, "{written}");
    let hash = written["content_hash"].as_str().unwrap().to_owned();
    assert!(hash.starts_with("sha256:"));

    // Not yet accepted: no agreement.
    let (status, body) = status_and_body(
        sophie
            .post(
                &agreement,
                json!({"content_hash": hash, "decision": "agree"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("not_accepted"))
    );
    sophie
        .post(
            &format!("/api/projects/{project}/partners/{caf}/answer"),
            json!({"decision": "accept"}),
        )
        .await;

    // Only the CAF agrees for the CAF; a stale hash is refused.
    assert_eq!(
        initiator
            .post(
                &agreement,
                json!({"content_hash": hash, "decision": "agree"})
            )
            .await
            .status(),
        403
    );
    let stale = "sha256:".to_owned() + &"0".repeat(64);
    let (status, body) = status_and_body(
        sophie
            .post(
                &agreement,
                json!({"content_hash": stale, "decision": "agree"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("stale_content"))
    );
    assert_eq!(body["content_hash"], json!(hash));

    let (status, body) = status_and_body(
        sophie
            .post(
                &agreement,
                json!({"content_hash": hash, "decision": "agree", "comment": "OK pour 2027"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["current"], true);
    assert_eq!(body["organization_id"], json!(caf));
    let sheet = sophie.read(&format!("/api/projects/{project}/sheet")).await;
    let caf_row = sheet["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organization_id"] == json!(caf))
        .unwrap()
        .clone();
    assert_eq!(caf_row["mission_agreed"], true);
    assert_eq!(caf_row["agreement"]["user_name"], "Sophie (CAF)");

    // The text changes: the agreement no longer counts, and the change is audited.
    let changed = initiator
        .put(
            &mission,
            json!({"text": "Financer l'animateur à temps plein."}),
        )
        .await;
    let new_hash = status_and_body(changed).await.1["content_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_hash, hash);
    let current = sophie.read(&mission).await;
    assert_eq!(current["agreement"]["current"], false);
    let sheet = sophie.read(&format!("/api/projects/{project}/sheet")).await;
    let caf_row = sheet["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organization_id"] == json!(caf))
        .unwrap()
        .clone();
    assert_eq!(caf_row["mission_agreed"], false);
    assert_eq!(caf_row["agreement"]["current"], false);
    let audit = initiator
        .read(&format!("/api/projects/{project}/audit"))
        .await;
    let change = audit
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "mission.changed")
        .unwrap()
        .clone();
    assert_eq!(change["details"]["agreement_invalidated"], true);
    assert_eq!(change["actor_name"], "Inès (MJC)");
    assert_eq!(change["organization_name"], "CAF");
    let recorded = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "agreement.recorded")
        .count();
    assert_eq!(recorded, 1);

    // Putting the same text back makes the old agreement count again: it is bound to content.
    initiator
        .put(
            &mission,
            json!({"text": "Financer l'animateur à mi-temps."}),
        )
        .await;
    assert_eq!(sophie.read(&mission).await["agreement"]["current"], true);
}

#[actix_web::test]
async fn the_sheet_never_presents_an_unanswered_or_declined_organization_as_partner() {
    let app = TestApp::spawn().await;
    let (initiator, mjc, project) = initiated(&app).await;
    let accepted = invite(
        &initiator,
        project,
        "Ville de Trappes",
        "dgs@trappes.example",
    )
    .await;
    let declined = invite(
        &initiator,
        project,
        "Conseil départemental",
        "cd@cd78.example",
    )
    .await;
    let silent = invite(
        &initiator,
        project,
        "<script>alert(1)</script> Association",
        "asso@asso.example",
    )
    .await;
    let withdrawn = invite(&initiator, project, "Mission locale", "ml@ml.example").await;
    for (org, decision) in [(accepted, "accept"), (declined, "decline")] {
        let member = Actor::new(&app, &format!("{org}@m.example"), "Membre");
        member.join(&app, org, "member");
        assert_eq!(
            member
                .post(
                    &format!("/api/projects/{project}/partners/{org}/answer"),
                    json!({"decision": decision})
                )
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        initiator
            .post(
                &format!("/api/projects/{project}/partners/{withdrawn}/withdraw"),
                json!({"comment": "Hors périmètre"})
            )
            .await
            .status(),
        200
    );

    let sheet = initiator
        .read(&format!("/api/projects/{project}/sheet"))
        .await;
    let partners: Vec<Value> = sheet["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["organization_id"].clone())
        .collect();
    assert_eq!(partners, vec![json!(mjc), json!(accepted)]);
    assert!(
        sheet["partners"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "accepted")
    );
    let consulted: Vec<Value> = sheet["consulted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["organization_id"].clone())
        .collect();
    assert_eq!(consulted, vec![json!(silent)]);
    assert_eq!(
        sheet["brief"]["text"],
        "Un projet pour les jeunes du quartier."
    );

    for (lang, expected) in [
        ("fr", "invitée, pas encore de réponse"),
        ("en", "invited, no answer yet"),
    ] {
        let response = initiator
            .get(&format!(
                "/api/projects/{project}/sheet?format=html&lang={lang}"
            ))
            .await;
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        // Its content in a main landmark, and a way back to the project (not printed).
        assert!(html.contains("<main>"), "{html}");
        assert!(
            html.contains(&format!("<a href=\"/projects/{project}\">")),
            "{html}"
        );
        assert!(html.contains(expected));
        assert!(html.contains("Ville de Trappes"));
        assert!(
            !html.contains("Conseil départemental"),
            "declined organizations are left out"
        );
        assert!(
            !html.contains("Mission locale"),
            "withdrawn organizations are left out"
        );
        assert!(
            !html.contains("<script>alert(1)</script>"),
            "user text is escaped"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Association"));
    }

    // Members of a withdrawn or declined organization no longer see the project.
    let ml = Actor::new(&app, "agent@ml.example", "Agent ML");
    ml.join(&app, withdrawn, "member");
    assert_eq!(
        ml.get(&format!("/api/projects/{project}")).await.status(),
        404
    );
    // A declined organization can be invited again.
    let again = initiator
        .post(
            &format!("/api/projects/{project}/partners"),
            json!({"organization_id": declined, "contact_email": "cd@cd78.example"}),
        )
        .await;
    assert_eq!(again.status(), 201);
    let twice = initiator
        .post(
            &format!("/api/projects/{project}/partners"),
            json!({"organization_id": declined, "contact_email": "cd@cd78.example"}),
        )
        .await;
    let (status, body) = status_and_body(twice).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("already_partner"))
    );
}

#[actix_web::test]
async fn only_the_initiator_invites_and_briefs_are_shared() {
    let app = TestApp::spawn().await;
    let (initiator, _, project) = initiated(&app).await;
    let caf = invite(&initiator, project, "CAF", "contact@caf.example").await;
    let sophie = Actor::new(&app, "contact@caf.example", "Sophie");
    sophie.join(&app, caf, "member");
    let response = sophie
        .post(
            &format!("/api/projects/{project}/partners"),
            json!({"organization_name": "Autre", "contact_email": "a@b.example"}),
        )
        .await;
    assert_eq!(response.status(), 403);
    let (status, body) = status_and_body(
        initiator
            .post(
                &format!("/api/projects/{project}/partners"),
                json!({"organization_name": "Autre", "contact_email": "pas une adresse"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("contact_email"))
    );

    // An invited partner co-edits the brief; everyone reads the same text and hash.
    let (status, body) = status_and_body(
        sophie
            .put(
                &format!("/api/projects/{project}/brief"),
                json!({"text": "Brief co-écrit."}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let read = initiator
        .read(&format!("/api/projects/{project}/brief"))
        .await;
    assert_eq!(read, body);
    let project_view = sophie.read(&format!("/api/projects/{project}")).await;
    assert_eq!(project_view["is_initiator"], false);
    assert_eq!(project_view["my_organizations"][0]["status"], "invited");
}

#[actix_web::test]
async fn profile_language_and_shared_organizations() {
    let app = TestApp::spawn().await;
    let (initiator, mjc, project) = initiated(&app).await;
    let caf = invite(&initiator, project, "CAF", "contact@caf.example").await;
    let sophie = Actor::new(&app, "contact@caf.example", "Sophie");
    sophie.join(&app, caf, "member");

    // Partners of one project see each other's organization.
    assert_eq!(
        sophie.read(&format!("/api/organizations/{mjc}")).await["name"],
        "MJC des Quatre Vents"
    );
    assert_eq!(
        initiator.read(&format!("/api/organizations/{caf}")).await["name"],
        "CAF"
    );

    let response = sophie
        .patch(
            "/api/me",
            json!({"display_name": "Sophie Durand", "locale": "en"}),
        )
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["locale"], "en");
    assert_eq!(body["user"]["display_name"], "Sophie Durand");
    let (status, body) =
        status_and_body(sophie.patch("/api/me", json!({"locale": "de"})).await).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("locale")));
    // The sheet follows the profile's language unless asked otherwise.
    let html = sophie
        .get(&format!("/api/projects/{project}/sheet?format=html"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">"));
}

#[actix_web::test]
async fn the_session_cookie_is_secure_behind_https() {
    let app = TestApp::spawn_with(|settings| {
        settings.base_url = url::Url::parse("https://amont.example.org").unwrap();
    })
    .await;
    let email = amont::domain::input::EmailAddress::parse("email", "a@example.org").unwrap();
    let token = amont::auth::links::create(&mut app.db.connect(), &email, None, chrono::Utc::now())
        .unwrap();
    let response = app
        .client
        .post(app.url("/api/auth/session"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[actix_web::test]
async fn a_project_moves_from_draft_to_concertation_and_can_be_closed() {
    let app = TestApp::spawn().await;
    let (initiator, _, project) = initiated(&app).await;
    let path = format!("/api/projects/{project}");
    assert_eq!(initiator.read(&path).await["status"], "draft");
    let caf = invite(&initiator, project, "CAF", "contact@caf.example").await;
    assert_eq!(initiator.read(&path).await["status"], "concertation");
    let sophie = Actor::new(&app, "contact@caf.example", "Sophie");
    sophie.join(&app, caf, "member");
    assert_eq!(
        sophie
            .post(&format!("{path}/close"), json!({}))
            .await
            .status(),
        403
    );
    let (status, body) =
        status_and_body(initiator.post(&format!("{path}/close"), json!({})).await).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("closed")));
    let (status, body) =
        status_and_body(initiator.post(&format!("{path}/close"), json!({})).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("project_closed"))
    );
    // A closed project takes no new invitation and no new meeting.
    let (status, body) = status_and_body(
        initiator
            .post(
                &format!("{path}/partners"),
                json!({"organization_name": "Autre", "contact_email": "a@b.example"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("project_closed"))
    );
    let (status, body) = status_and_body(
        initiator
            .post(
                &format!("{path}/meetings"),
                json!({"title": "X", "duration_minutes": 60, "timezone": "Europe/Paris"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("project_closed"))
    );
    let audit = initiator.read(&format!("{path}/audit")).await;
    let moves: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "project.status_changed")
        .map(|e| e["details"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(moves, ["concertation", "closed"]);
}
