//! Proof of consent (API.md, "Proof of consent"): receipts signed with every consent and
//! verified with the published keys, attestations and their public page (what still holds
//! after a withdrawal or a mission edit), revocation, tampering and foreign keys, key rotation,
//! a key file, the migration of earlier consents, and `amont verify`.
//!
//! The same receipts and attestations are checked by an independent JOSE implementation (Node's
//! `jose`) in `tests/node/proof.test.js`.

use std::process::{Command, Output, Stdio};

use amont::config::SigningKeyFile;
use amont::domain::proof::{ConsentKind, ReceiptClaims};
use amont::jose::{self, KeyPair, NotVerified};
use amont::workflow::verification;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use jsonwebtoken::jwk::JwkSet;
use reqwest::header;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::{Scene, agree};
use crate::support::{TestApp, TestDb};

/// RFC 8037's example key (appendix A.1), as `openssl genpkey -algorithm ed25519` writes a key.
const RFC_8037_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
                            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n\
                            -----END PRIVATE KEY-----\n";
const RFC_8037_KID: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

async fn key_set(app: &TestApp) -> JwkSet {
    let response = reqwest::get(app.url("/.well-known/jwks.json"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn receipt_of(jws: &Value, keys: &JwkSet) -> ReceiptClaims {
    let jws = jws
        .as_str()
        .unwrap_or_else(|| panic!("a receipt, got {jws}"));
    jose::verify::<ReceiptClaims>(jws, keys)
        .unwrap_or_else(|e| panic!("the receipt does not verify: {e}"))
        .claims
}

fn header_of(jws: &str) -> Value {
    let part = jws.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// One byte of the part `index` (1 payload, 2 signature) changed, still base64url.
fn tamper(jws: &str, index: usize) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut bytes = URL_SAFE_NO_PAD.decode(&parts[index]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    parts[index] = URL_SAFE_NO_PAD.encode(bytes);
    parts.join(".")
}

fn find(rows: &Value, organization_id: Uuid) -> &Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["organization_id"] == json!(organization_id))
        .unwrap_or_else(|| panic!("{organization_id} in {rows}"))
}

/// Claire writes the CAF's mission and agrees to it; returns the text's answer and the agreement.
async fn write_and_agree(scene: &Scene, text: &str) -> (Value, Value) {
    let mission = format!("/api/projects/{}/missions/{}", scene.project, scene.caf);
    let written = scene
        .claire
        .put(&mission, json!({ "text": text }))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let (status, agreed) = status_and_body(
        scene
            .claire
            .post(
                &format!("{mission}/agreement"),
                json!({"content_hash": written["content_hash"], "decision": "agree"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{agreed}");
    (written, agreed)
}

/// Attests the project as the initiator; returns the answer and the link's token.
pub async fn attest(scene: &Scene) -> (Value, String) {
    let (status, body) = status_and_body(
        scene
            .ines
            .post(
                &format!("/api/projects/{}/attestations", scene.project),
                json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let url = body["url"].as_str().unwrap();
    let token = url
        .strip_prefix("http://localhost:8080/verify/")
        .unwrap_or_else(|| panic!("{url}"))
        .to_owned();
    (body, token)
}

pub async fn verification_json(app: &TestApp, token: &str) -> Value {
    let response = reqwest::get(app.url(&format!("/verify/{token}?format=json")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn verification_page(app: &TestApp, token: &str, language: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(app.url(&format!("/verify/{token}")))
        .header(header::ACCEPT_LANGUAGE, language)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn no_address_in(page: &str) {
    for address in [
        "ines@mjc.example",
        "claire@caf.example",
        "referente@caf.example",
    ] {
        assert!(!page.contains(address), "{address} on the page");
    }
}

#[actix_web::test]
async fn every_consent_comes_with_a_receipt_that_verifies_with_the_published_keys() {
    let scene = Scene::new().await;
    let keys = key_set(&scene.app).await;
    assert_eq!(keys.keys.len(), 1, "one key, made on first use");
    let jwk = serde_json::to_value(&keys.keys[0]).unwrap();
    assert_eq!(
        (&jwk["kty"], &jwk["crv"]),
        (&json!("OKP"), &json!("Ed25519"))
    );
    assert!(jwk.get("d").is_none(), "no private part is published");
    let partners_path = format!("/api/projects/{}/partners", scene.project);

    // The initiator accepted by creating the project; the invited partner has no receipt yet.
    let partners = scene.ines.read(&partners_path).await;
    let initiator = receipt_of(&find(&partners, scene.mjc)["receipt"], &keys);
    assert_eq!(initiator.consent.kind, ConsentKind::PartnershipAccepted);
    assert_eq!(initiator.consent.by.display_name, "Inès Martin");
    // The very instant the partnership holds (as stored, to the microsecond).
    assert_eq!(
        json!(initiator.consent.at),
        find(&partners, scene.mjc)["answered_at"]
    );
    assert_eq!(find(&partners, scene.caf)["receipt"], Value::Null);

    // The acceptance: signed in its transaction, returned with it.
    let (status, answered) = status_and_body(
        scene
            .claire
            .post(
                &format!("{partners_path}/{}/answer", scene.caf),
                json!({"decision": "accept"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    let acceptance = receipt_of(&answered["receipt"], &keys);
    assert_eq!(acceptance.iss, "http://localhost:8080");
    assert_eq!(acceptance.consent.kind, ConsentKind::PartnershipAccepted);
    assert_eq!(acceptance.consent.project.id, scene.project);
    assert_eq!(acceptance.consent.project.title, "Accueil jeunes 16-25 ans");
    assert_eq!(acceptance.consent.organization.id, scene.caf);
    assert_eq!(acceptance.consent.organization.name, "CAF du Rhône");
    assert_eq!(acceptance.consent.by.user_id, scene.claire.user_id);
    assert_eq!(acceptance.consent.by.display_name, "Claire Dubois");
    assert_eq!(acceptance.consent.decision, "accept");
    assert_eq!(acceptance.consent.content_hash, None);
    assert_eq!(json!(acceptance.consent.at), answered["answered_at"]);
    let header = header_of(answered["receipt"].as_str().unwrap());
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], jwk["kid"]);
    // Listed on the partners.
    let partners = scene.claire.read(&partners_path).await;
    assert_eq!(find(&partners, scene.caf)["receipt"], answered["receipt"]);

    // A mission agreement: the receipt names the hash of the text agreed to.
    let mission = format!("/api/projects/{}/missions/{}", scene.project, scene.caf);
    let (written, agreed) =
        write_and_agree(&scene, "Cofinancer l'accueil à hauteur de 30 %.").await;
    let receipt = receipt_of(&agreed["receipt"], &keys);
    assert_eq!(receipt.consent.kind, ConsentKind::MissionAgreed);
    assert_eq!(json!(receipt.consent.content_hash), written["content_hash"]);
    assert_eq!(receipt.consent.decision, "agree");
    assert_eq!(json!(receipt.consent.at), agreed["created_at"]);
    let read = scene.claire.read(&mission).await;
    assert_eq!(read["agreement"]["receipt"], agreed["receipt"]);
    assert_eq!(
        read["agreement"]["created_at"], agreed["created_at"],
        "as answered, as read"
    );
    // On the sheet too.
    let sheet = scene
        .ines
        .read(&format!("/api/projects/{}/sheet", scene.project))
        .await;
    let row = find(&sheet["partners"], scene.caf);
    assert_eq!(row["receipt"], answered["receipt"]);
    assert_eq!(row["agreement"]["receipt"], agreed["receipt"]);

    // An objection is a recorded position too: receipted, with its decision.
    let (status, objected) = status_and_body(
        scene
            .claire
            .post(
                &format!("{mission}/agreement"),
                json!({"content_hash": written["content_hash"], "decision": "object", "comment": "Trop tôt."}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{objected}");
    assert_eq!(
        receipt_of(&objected["receipt"], &keys).consent.decision,
        "object"
    );

    // An agenda agreement names its meeting.
    let meeting = scene.meeting().await;
    let hash = scene.write_agenda(meeting, "Budget 2027").await;
    let (status, agenda) = status_and_body(
        scene
            .claire
            .post(
                &format!("/api/meetings/{meeting}/agenda/agreement"),
                json!({"content_hash": hash, "decision": "agree"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{agenda}");
    let receipt = receipt_of(&agenda["receipt"], &keys);
    assert_eq!(receipt.consent.kind, ConsentKind::AgendaAgreed);
    assert_eq!(json!(receipt.consent.content_hash), hash);
    let named = receipt.consent.meeting.expect("the meeting");
    assert_eq!(
        (named.id, named.title.as_str()),
        (meeting, "Comité de pilotage")
    );
    let listed = scene
        .claire
        .read(&format!("/api/meetings/{meeting}/agenda"))
        .await;
    assert_eq!(
        find(&listed["agreements"], scene.caf)["agreement"]["receipt"],
        agenda["receipt"]
    );

    // Receipts name people, never their addresses.
    for jws in [&answered["receipt"], &agreed["receipt"], &agenda["receipt"]] {
        let payload = jose::unverified_claims(jws.as_str().unwrap()).unwrap();
        assert!(!payload.to_string().contains('@'), "{payload}");
    }
}

#[actix_web::test]
async fn an_attestation_verifies_then_shows_a_withdrawal_with_its_date() {
    let scene = Scene::new().await;
    let (meeting, _) = scene.upstream_done().await;
    let (status, body) = scene.record(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = scene.convene(meeting).await;
    assert_eq!(status, 201, "{body}");
    let (created, token) = attest(&scene).await;

    // What it says, checked here with the published keys.
    let keys = key_set(&scene.app).await;
    let (claims, receipts) =
        verification::check_attestation(created["jws"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(claims.project.id, scene.project);
    assert_eq!(claims.initiator.id, scene.mjc);
    assert_eq!(claims.by.display_name, "Inès Martin");
    assert_eq!(json!(claims.url), created["url"]);
    let names: Vec<&str> = claims
        .partners
        .iter()
        .map(|p| p.organization.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["MJC des Quatre Vents", "CAF du Rhône"],
        "initiator first"
    );
    assert!(claims.partners.iter().all(|p| p.mission_agreed));
    assert_eq!(claims.meetings.len(), 1);
    assert_eq!(claims.meetings[0].id, meeting);
    assert!(
        claims.meetings[0].concertation.is_some(),
        "its concertation record"
    );
    // Each partner: its acceptance, its mission, the meeting's agenda.
    assert_eq!(receipts.len(), 6);
    assert!(receipts.iter().all(|r| r.result.is_ok()));

    // The page, as a machine reads it.
    let json = verification_json(&scene.app, &token).await;
    assert_eq!(json["jws"], created["jws"]);
    assert_eq!(json["signature_valid"], true);
    assert_eq!(json["all_hold"], true);
    let consents = json["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 6);
    assert!(consents.iter().all(|c| c["still_valid"] == true), "{json}");
    let kinds: Vec<&str> = consents
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "partnership.accepted",
            "mission.agreed",
            "agenda.agreed",
            "partnership.accepted",
            "mission.agreed",
            "agenda.agreed"
        ]
    );

    // As a person reads it: in French by default, printable, with its QR code and no address.
    let (status, page) = verification_page(&scene.app, &token, "fr-FR,fr;q=0.9").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(page.contains("Attestation valide"), "{page}");
    assert!(page.contains("toujours valide"));
    assert!(page.contains("CAF du Rhône") && page.contains("Claire Dubois"));
    assert!(page.contains("<svg class=\"qr\""), "the QR code, inline");
    assert!(
        page.contains(created["url"].as_str().unwrap()),
        "the link itself"
    );
    assert!(page.contains("@media print"));
    no_address_in(&page);
    let (_, english) = verification_page(&scene.app, &token, "en-GB,en;q=0.8").await;
    assert!(english.contains("Valid attestation"), "{english}");
    let forced = reqwest::get(scene.app.url(&format!("/verify/{token}?lang=en")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(forced.contains("still valid"));

    // The initiator ends the CAF's partnership: every consent of the CAF stops holding, dated.
    let (status, withdrawn) = status_and_body(
        scene
            .ines
            .post(
                &format!(
                    "/api/projects/{}/partners/{}/withdraw",
                    scene.project, scene.caf
                ),
                json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{withdrawn}");
    let json = verification_json(&scene.app, &token).await;
    assert_eq!(
        json["signature_valid"], true,
        "the signature still verifies"
    );
    assert_eq!(json["all_hold"], false);
    for consent in json["consents"].as_array().unwrap() {
        if consent["organization_id"] == json!(scene.caf) {
            assert_eq!(consent["still_valid"], false, "{consent}");
            assert_eq!(consent["reason"], "withdrawn");
            assert_eq!(consent["changed_at"], withdrawn["answered_at"]);
        } else {
            assert_eq!(consent["still_valid"], true, "{consent}");
        }
    }
    let (_, page) = verification_page(&scene.app, &token, "fr").await;
    assert!(page.contains("partenariat retiré le"), "{page}");
    assert!(page.contains("des engagements ont changé"));
    no_address_in(&page);
}

#[actix_web::test]
async fn a_mission_edit_after_the_attestation_is_shown_with_its_date() {
    let scene = Scene::new().await;
    scene.accept().await;
    scene.agree_missions().await;
    let (_, token) = attest(&scene).await;
    assert_eq!(
        verification_json(&scene.app, &token).await["all_hold"],
        true
    );

    let mission = format!("/api/projects/{}/missions/{}", scene.project, scene.caf);
    let response = scene
        .ines
        .put(
            &mission,
            json!({"text": "Cofinancer, et animer deux ateliers."}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let audit = scene
        .ines
        .read(&format!("/api/projects/{}/audit", scene.project))
        .await;
    let edited_at = audit
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["action"] == "mission.changed")
        .unwrap()["created_at"]
        .clone();

    let json = verification_json(&scene.app, &token).await;
    assert_eq!(json["all_hold"], false);
    for consent in json["consents"].as_array().unwrap() {
        let caf_mission =
            consent["organization_id"] == json!(scene.caf) && consent["kind"] == "mission.agreed";
        if caf_mission {
            assert_eq!(consent["still_valid"], false, "{consent}");
            assert_eq!(consent["reason"], "text_changed");
            assert_eq!(consent["changed_at"], edited_at);
        } else {
            assert_eq!(consent["still_valid"], true, "{consent}");
        }
    }
    let (_, page) = verification_page(&scene.app, &token, "en").await;
    assert!(page.contains("the text changed on"), "{page}");

    // Agreed again to the new text: the attested agreement is still the old one, and says so;
    // a new attestation holds.
    let current = scene.claire.read(&mission).await;
    agree(
        &scene.claire,
        &format!("{mission}/agreement"),
        &current["content_hash"],
    )
    .await;
    let json = verification_json(&scene.app, &token).await;
    assert_eq!(json["all_hold"], false);
    let (_, fresh) = attest(&scene).await;
    assert_eq!(
        verification_json(&scene.app, &fresh).await["all_hold"],
        true
    );
}

#[actix_web::test]
async fn only_the_initiator_attests_and_a_revoked_link_answers_410() {
    let scene = Scene::new().await;
    scene.accept().await;
    let path = format!("/api/projects/{}/attestations", scene.project);
    let stranger = Actor::new(&scene.app, "eve@elsewhere.example", "Eve");
    let (status, body) = status_and_body(scene.claire.post(&path, json!({})).await).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, _) = status_and_body(stranger.post(&path, json!({})).await).await;
    assert_eq!(status, 404);
    assert_eq!(scene.claire.get(&path).await.status(), 403);
    assert_eq!(stranger.get(&path).await.status(), 404);

    let (created, token) = attest(&scene).await;
    let listed = scene.ines.read(&path).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["url"], created["url"]);
    assert_eq!(listed[0]["created_by"]["display_name"], "Inès Martin");
    assert_eq!(listed[0]["revoked_at"], Value::Null);

    let revoke = format!("/api/attestations/{}", created["id"].as_str().unwrap());
    let delete = reqwest::Method::DELETE;
    let refused = scene.claire.call(delete.clone(), &revoke, None).await;
    assert_eq!(refused.status(), 403);
    let unseen = stranger.call(delete.clone(), &revoke, None).await;
    assert_eq!(unseen.status(), 404);
    let revoked = scene.ines.call(delete.clone(), &revoke, None).await;
    assert_eq!(revoked.status(), 204);
    let (status, body) = status_and_body(scene.ines.call(delete, &revoke, None).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("already_revoked"))
    );
    assert!(scene.ines.read(&path).await[0]["revoked_at"].is_string());

    // The link: 410, a page that says so, and the same for machines.
    let (status, page) = verification_page(&scene.app, &token, "fr").await;
    assert_eq!(status, 410);
    assert!(page.contains("Attestation retirée"), "{page}");
    assert!(
        !page.contains("CAF du Rhône"),
        "nothing of what it attested"
    );
    let response = reqwest::get(scene.app.url(&format!("/verify/{token}?format=json")))
        .await
        .unwrap();
    assert_eq!(response.status(), 410);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "gone");
    assert!(body["revoked_at"].is_string());

    // Unknown links: 404 with a clear page, whatever they look like.
    for unknown in [
        "AAAAAAAAAAAAAAAAAAAAAAAA",
        "..%2F..%2Fetc",
        &"x".repeat(300),
    ] {
        let (status, page) = verification_page(&scene.app, unknown, "fr").await;
        assert_eq!(status, 404, "{unknown}");
        assert!(page.contains("Lien inconnu"), "{page}");
    }
    let response = reqwest::get(
        scene
            .app
            .url("/verify/AAAAAAAAAAAAAAAAAAAAAAAA?format=json"),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "not_found"
    );
    let response = reqwest::get(scene.app.url(&format!("/verify/{token}?format=pdf")))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[actix_web::test]
async fn tampered_or_foreign_signatures_do_not_verify_and_say_why() {
    let scene = Scene::new().await;
    scene.accept().await;
    scene.agree_missions().await;
    let (created, token) = attest(&scene).await;
    let keys = key_set(&scene.app).await;
    let partners = scene
        .ines
        .read(&format!("/api/projects/{}/partners", scene.project))
        .await;
    let receipt = find(&partners, scene.caf)["receipt"]
        .as_str()
        .unwrap()
        .to_owned();

    // A receipt: one byte of its payload, one of its signature, another key, a kid not in the set.
    let check = |jws: &str| jose::verify::<ReceiptClaims>(jws, &keys).unwrap_err();
    assert_eq!(check(&tamper(&receipt, 1)), NotVerified::Signature);
    assert_eq!(check(&tamper(&receipt, 2)), NotVerified::Signature);
    let other = KeyPair::generate();
    let claims = jose::unverified_claims(&receipt).unwrap();
    let foreign = other.sign(&claims).unwrap();
    assert_eq!(
        check(&foreign),
        NotVerified::UnknownKey(other.kid().to_owned())
    );
    let kid = header_of(&receipt)["kid"].as_str().unwrap().to_owned();
    let mut posing = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    posing.kid = Some(kid);
    let der = other.to_pkcs8_der().unwrap();
    let posing = jsonwebtoken::encode(
        &posing,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(&der),
    )
    .unwrap();
    assert_eq!(check(&posing), NotVerified::Signature);

    // The stored attestation altered behind the server's back: the page says it does not
    // verify, and why (never a 500).
    let jws = created["jws"].as_str().unwrap();
    for (altered, code) in [
        (tamper(jws, 1), "bad_signature"),
        (tamper(jws, 2), "bad_signature"),
        (
            other.sign(&jose::unverified_claims(jws).unwrap()).unwrap(),
            "unknown_kid",
        ),
        ("not.a.jws".to_owned(), "malformed"),
    ] {
        diesel::update(amont::db::schema::attestations::table)
            .set(amont::db::schema::attestations::jws.eq(&altered))
            .execute(&mut scene.app.db.connect())
            .unwrap();
        let json = verification_json(&scene.app, &token).await;
        assert_eq!(json["signature_valid"], false, "{code}");
        assert_eq!(json["signature_error"]["code"], code, "{json}");
        assert_eq!(json["all_hold"], false);
        let (status, page) = verification_page(&scene.app, &token, "fr").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Cette attestation ne se vérifie pas"),
            "{page}"
        );
    }

    // An attestation that verifies but carries an altered receipt: that consent says so.
    let key = stored_signing_key(&scene.app);
    let mut claims: Value = jose::unverified_claims(jws).unwrap();
    let receipts = claims["partners"][1]["receipts"].as_array_mut().unwrap();
    receipts[0] = json!(tamper(receipts[0].as_str().unwrap(), 1));
    diesel::update(amont::db::schema::attestations::table)
        .set(amont::db::schema::attestations::jws.eq(key.sign(&claims).unwrap()))
        .execute(&mut scene.app.db.connect())
        .unwrap();
    let json = verification_json(&scene.app, &token).await;
    assert_eq!(json["signature_valid"], true);
    let broken: Vec<&Value> = json["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["receipt_valid"] == false)
        .collect();
    assert_eq!(broken.len(), 1, "{json}");
    assert_eq!(broken[0]["organization_id"], json!(scene.caf));
    assert_eq!(broken[0]["reason"], "receipt_invalid");
    assert_eq!(broken[0]["receipt_error"]["code"], "bad_signature");
    let (_, page) = verification_page(&scene.app, &token, "fr").await;
    assert!(page.contains("reçu non vérifiable"), "{page}");
}

/// The instance's signing key, read from its database (to forge what only it could sign).
fn stored_signing_key(app: &TestApp) -> KeyPair {
    use amont::db::schema::signing_keys;
    let der: Option<Vec<u8>> = signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .select(signing_keys::private_key)
        .first(&mut app.db.connect())
        .unwrap();
    KeyPair::from_pkcs8_der(&der.unwrap()).unwrap()
}

fn amont(database: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amont"));
    command
        .env("DATABASE_URL", database.url.as_str())
        .env_remove("SMTP_URL")
        .env_remove("AMONT_SIGNING_KEY_FILE")
        .stdin(Stdio::null());
    command
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[actix_web::test]
async fn a_rotation_keeps_what_older_keys_signed_verifying() {
    let scene = Scene::new().await;
    scene.accept().await;
    let partners_path = format!("/api/projects/{}/partners", scene.project);
    let old_receipt = find(&scene.ines.read(&partners_path).await, scene.caf)["receipt"].clone();
    let old_kid = header_of(old_receipt.as_str().unwrap())["kid"].clone();
    let (_, token) = attest(&scene).await;

    let output = amont(&scene.app.db)
        .args(["keys", "rotate"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stdout(&output);
    assert!(
        said.contains(&format!(
            "retired {} (still published)",
            old_kid.as_str().unwrap()
        )),
        "{said}"
    );

    // Both keys are published; the old receipt and the old attestation still verify.
    let keys = key_set(&scene.app).await;
    assert_eq!(keys.keys.len(), 2);
    receipt_of(&old_receipt, &keys);
    let json = verification_json(&scene.app, &token).await;
    assert_eq!(json["signature_valid"], true);
    assert_eq!(json["all_hold"], true);

    // What is signed from now on names the new key.
    let (_, agreed) = write_and_agree(&scene, "Animer un atelier.").await;
    let new_kid = header_of(agreed["receipt"].as_str().unwrap())["kid"].clone();
    assert_ne!(new_kid, old_kid);
    assert!(said.contains(&format!("signing with {}", new_kid.as_str().unwrap())));
    receipt_of(&agreed["receipt"], &keys);

    let listed = amont(&scene.app.db)
        .args(["keys", "list"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed = stdout(&listed);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("retired"), "{listed}");
}

#[actix_web::test]
async fn a_key_file_signs_and_only_its_public_half_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signing.pem");
    std::fs::write(&path, RFC_8037_PEM).unwrap();
    let app = TestApp::spawn_with(|settings| {
        settings.signing_key_file = Some(SigningKeyFile {
            path: path.clone(),
            key: KeyPair::from_pem(RFC_8037_PEM).unwrap(),
        });
    })
    .await;
    let ines = Actor::new(&app, "ines@mjc.example", "Inès Martin");
    let mjc = ines.organization("MJC des Quatre Vents").await;
    let project = ines.project(mjc, "Accueil jeunes").await;
    let partners = ines
        .read(&format!("/api/projects/{project}/partners"))
        .await;
    let receipt = find(&partners, mjc)["receipt"].as_str().unwrap().to_owned();
    assert_eq!(header_of(&receipt)["kid"], RFC_8037_KID);
    let keys = key_set(&app).await;
    assert_eq!(keys.keys.len(), 1);
    assert_eq!(keys.keys[0].common.key_id.as_deref(), Some(RFC_8037_KID));
    receipt_of(&json!(receipt), &keys);
    use amont::db::schema::signing_keys;
    let stored: Vec<(String, Option<Vec<u8>>)> = signing_keys::table
        .select((signing_keys::source, signing_keys::private_key))
        .load(&mut app.db.connect())
        .unwrap();
    assert_eq!(stored, [("file".to_owned(), None)]);

    // Rotating is replacing the file: the command refuses to make a key that would sign nothing.
    let output = amont(&app.db)
        .args(["keys", "rotate"])
        .env("AMONT_SIGNING_KEY_FILE", &path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("AMONT_SIGNING_KEY_FILE"),
        "{}",
        stderr(&output)
    );
}

#[actix_web::test]
async fn the_migration_signs_receipts_for_earlier_consents_with_their_dates() {
    use amont::db::MIGRATIONS;
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;
    let db = TestDb::empty();
    let mut conn = db.connect();
    // The schema as it was before receipts (every migration before this one).
    loop {
        let pending = conn.pending_migrations(MIGRATIONS).unwrap();
        let next = pending.first().expect("the receipts migration is pending");
        if next.name().to_string().contains("proof_of_consent") {
            break;
        }
        conn.run_next_migration(MIGRATIONS).unwrap();
    }
    let (ines, claire, mjc, caf, project, agreement) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, display_name) VALUES
            ('{ines}', 'ines@mjc.example', 'Inès'), ('{claire}', 'claire@caf.example', 'Claire');
         INSERT INTO organizations (id, name) VALUES ('{mjc}', 'MJC'), ('{caf}', 'CAF');
         INSERT INTO projects (id, title, initiator_organization_id, created_by, created_at)
            VALUES ('{project}', 'Accueil', '{mjc}', '{ines}', '2026-10-01T08:00:00Z');
         INSERT INTO partnerships (project_id, organization_id, status, invited_at, answered_at, answered_by) VALUES
            ('{project}', '{mjc}', 'accepted', '2026-10-01T08:00:00Z', '2026-10-01T08:00:00Z', '{ines}'),
            ('{project}', '{caf}', 'accepted', '2026-10-02T08:00:00Z', '2026-10-05T14:30:00Z', '{claire}');
         INSERT INTO agreements (id, project_id, organization_id, subject, subject_id, content_hash, content, decision, user_id, created_at)
            VALUES ('{agreement}', '{project}', '{caf}', 'mission', '{caf}', 'sha256:00', '{{}}', 'agree', '{claire}', '2026-10-06T09:15:00Z');"
    ))
    .unwrap();

    amont::db::migrate(&mut conn).unwrap();
    let settings = amont::config::Settings::for_database(db.url.clone());
    let signer = amont::workflow::signing::Signer::new(&settings);
    let signed = amont::workflow::receipts::sign_missing(&mut conn, &signer, None).unwrap();
    assert_eq!(signed, 3, "two acceptances and one agreement");
    assert_eq!(
        amont::workflow::receipts::sign_missing(&mut conn, &signer, None).unwrap(),
        0,
        "once"
    );

    let keys = amont::workflow::signing::key_set(&mut conn).unwrap();
    use amont::db::schema::consent_receipts;
    let rows: Vec<(String, String)> = consent_receipts::table
        .order(consent_receipts::at.asc())
        .select((consent_receipts::kind, consent_receipts::jws))
        .load(&mut conn)
        .unwrap();
    let receipts: Vec<ReceiptClaims> = rows
        .iter()
        .map(|(_, jws)| receipt_of(&json!(jws), &keys))
        .collect();
    let dates: Vec<String> = receipts.iter().map(|r| r.consent.at.to_rfc3339()).collect();
    assert_eq!(
        dates,
        [
            "2026-10-01T08:00:00+00:00",
            "2026-10-05T14:30:00+00:00",
            "2026-10-06T09:15:00+00:00"
        ],
        "their original dates"
    );
    assert_eq!(receipts[1].consent.by.display_name, "Claire");
    assert_eq!(receipts[2].consent.kind, ConsentKind::MissionAgreed);
    assert_eq!(
        receipts[2].consent.content_hash.as_deref(),
        Some("sha256:00")
    );
    assert!(
        receipts.iter().all(|r| r.iat > r.consent.at.timestamp()),
        "signed later"
    );
    drop(conn);
}

#[actix_web::test]
async fn amont_verify_says_what_a_saved_file_attests_or_why_it_does_not_verify() {
    let scene = Scene::new().await;
    scene.accept().await;
    scene.agree_missions().await;
    let (_, token) = attest(&scene).await;
    let dir = tempfile::tempdir().unwrap();
    let partners = scene
        .ines
        .read(&format!("/api/projects/{}/partners", scene.project))
        .await;
    let receipt_file = dir.path().join("receipt.jws");
    std::fs::write(
        &receipt_file,
        find(&partners, scene.caf)["receipt"].as_str().unwrap(),
    )
    .unwrap();
    let saved = reqwest::get(scene.app.url(&format!("/verify/{token}?format=json")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let attestation_file = dir.path().join("attestation.json");
    std::fs::write(&attestation_file, &saved).unwrap();
    let jwks_file = dir.path().join("jwks.json");
    let jwks = reqwest::get(scene.app.url("/.well-known/jwks.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::write(&jwks_file, &jwks).unwrap();
    let verify = |file: &std::path::Path, keys: &str| {
        amont(&scene.app.db)
            .env_remove("DATABASE_URL")
            .arg("verify")
            .arg(file)
            .args(["--jwks", keys])
            .output()
            .unwrap()
    };

    let output = verify(&receipt_file, jwks_file.to_str().unwrap());
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stdout(&output);
    assert!(said.contains("Valid consent receipt"), "{said}");
    assert!(
        said.contains("partnership.accepted") && said.contains("CAF du Rhône"),
        "{said}"
    );

    let output = verify(&attestation_file, jwks_file.to_str().unwrap());
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stdout(&output);
    assert!(said.contains("Valid attestation"), "{said}");
    assert!(
        said.contains("Partner CAF du Rhône") && said.contains("mission.agreed"),
        "{said}"
    );
    // The keys fetched from the instance itself.
    let output = verify(&attestation_file, &scene.app.url("/.well-known/jwks.json"));
    assert!(output.status.success(), "{}", stderr(&output));

    // Why not: altered, signed by another key, not a JWS at all.
    let tampered = dir.path().join("tampered.jws");
    let original = std::fs::read_to_string(&receipt_file).unwrap();
    std::fs::write(&tampered, tamper(&original, 1)).unwrap();
    let output = verify(&tampered, jwks_file.to_str().unwrap());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("does not verify: the signature does not match the content"),
        "{}",
        stderr(&output)
    );
    let other_keys = dir.path().join("other.json");
    std::fs::write(
        &other_keys,
        serde_json::to_string(&jose::key_set([&KeyPair::generate().public_key()])).unwrap(),
    )
    .unwrap();
    let output = verify(&receipt_file, other_keys.to_str().unwrap());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not in the published key set"),
        "{}",
        stderr(&output)
    );
    let garbage = dir.path().join("garbage.txt");
    std::fs::write(&garbage, "hello").unwrap();
    let output = verify(&garbage, jwks_file.to_str().unwrap());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("does not verify: it is not a compact JWS"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"));
}
