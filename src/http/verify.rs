//! The public verification page of an attestation (`GET /verify/{token}`): no account, no
//! email, in the visitor's language (`?lang=`, else `Accept-Language`), printable, with its own
//! link and a QR code of it so that a printed grant annex leads back to the live check.
//! `?format=json` gives machines the same verdict.
//!
//! It shows only what the attestation states (names, never addresses) and today's verdict on
//! each consent. An unknown link answers 404 and a revoked one 410, each with a page that says
//! so.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;
use serde_json::json;

use crate::domain::Locale;
use crate::domain::proof::{ACCEPT, AGREE, Change, ConsentKind, ReceiptClaims};
use crate::http::auth::request_locale;
use crate::http::perform::perform;
use crate::http::sheet::when;
use crate::http::views::page::{Robots, head as page_head};
use crate::http::views::{ErrorBody, VerificationView};
use crate::http::{ApiError, AppState};
use crate::jose::NotVerified;
use crate::workflow::attestations::{self, ConsentCheck, Lookup, Verification};

#[derive(Deserialize)]
pub struct VerifyQuery {
    format: Option<String>,
    lang: Option<String>,
}

/// `GET /verify/{token}`.
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    let (json, locale) = query.parse(&req)?;
    let token = path.into_inner();
    // A token is 24 base64url characters: anything else is unknown without asking the database.
    let lookup = if token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        let settings = state.settings.clone();
        perform(&state, move |conn| {
            attestations::check(conn, &settings, &token)
        })
        .await?
    } else {
        Lookup::Unknown
    };
    let mut response = match &lookup {
        Lookup::Unknown => HttpResponse::NotFound(),
        Lookup::Revoked { .. } => HttpResponse::Gone(),
        Lookup::Found(_) => HttpResponse::Ok(),
    };
    // A live check: never served from a cache.
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if json {
        return Ok(as_json(response, &lookup));
    }
    // The page's one inline stylesheet, allowed by its hash (the rest of the policy as
    // everywhere else).
    response.insert_header(crate::http::security::page_policy(&state.settings, CSS));
    Ok(response
        .content_type("text/html; charset=utf-8")
        .body(as_page(&lookup, locale).into_string()))
}

impl VerifyQuery {
    /// Whether JSON is asked for, and the visitor's language (`?lang=`, else the browser's).
    fn parse(&self, req: &HttpRequest) -> Result<(bool, Locale), ApiError> {
        let json = match self.format.as_deref() {
            None | Some("html") => false,
            Some("json") => true,
            Some(_) => return Err(ApiError::invalid_field("format", "html or json")),
        };
        let locale = Locale::named_or("lang", self.lang.as_deref(), || request_locale(req))?;
        Ok((json, locale))
    }
}

/// `?format=json`: the contract's `Verification`, or an error body for a link that leads to
/// nothing.
fn as_json(mut response: HttpResponseBuilder, lookup: &Lookup) -> HttpResponse {
    match lookup {
        Lookup::Unknown => response.json(ErrorBody::new(
            "not_found",
            "no attestation has this link: it does not verify",
        )),
        Lookup::Revoked { at } => {
            let mut body = ErrorBody::new(
                "gone",
                "this attestation was revoked by the project's initiator: it no longer attests \
                 anything",
            );
            body.extra.insert("revoked_at".into(), json!(at));
            response.json(body)
        }
        Lookup::Found(v) => response.json(VerificationView::from(v.as_ref())),
    }
}

/// The page: the attestation, or a notice that the link leads to nothing.
fn as_page(lookup: &Lookup, locale: Locale) -> Markup {
    let w = words(locale);
    match lookup {
        Lookup::Unknown => notice(w, w.unknown_title, w.unknown, None),
        Lookup::Revoked { at } => notice(w, w.revoked_title, w.revoked, Some(when(*at, locale))),
        Lookup::Found(v) => page(v, locale),
    }
}

struct Words {
    lang: &'static str,
    kicker: &'static str,
    unknown_title: &'static str,
    unknown: &'static str,
    revoked_title: &'static str,
    revoked: &'static str,
    valid_all: &'static str,
    valid_changed: &'static str,
    invalid: &'static str,
    attested_on: &'static str,
    by: &'static str,
    checked_on: &'static str,
    partners: &'static str,
    initiator: &'static str,
    role: &'static str,
    accepted: &'static str,
    mission_agreed: &'static str,
    mission_objected: &'static str,
    agenda_agreed: &'static str,
    agenda_objected: &'static str,
    short_notice: &'static str,
    on: &'static str,
    still_valid: &'static str,
    no_longer: &'static str,
    withdrawn: &'static str,
    declined: &'static str,
    invited_again: &'static str,
    text_changed: &'static str,
    text_changed_undated: &'static str,
    decision_changed: &'static str,
    cancelled: &'static str,
    receipt_invalid: &'static str,
    mission_not_agreed: &'static str,
    fingerprint: &'static str,
    meetings: &'static str,
    concertation: &'static str,
    cancelled_since: &'static str,
    check_yourself: &'static str,
    check_how: &'static str,
    keys: &'static str,
    signed_text: &'static str,
    qr_label: &'static str,
    reasons: fn(&NotVerified) -> &'static str,
}

const FR: Words = Words {
    lang: "fr",
    kicker: "Attestation de partenariat",
    unknown_title: "Lien inconnu",
    unknown: "Aucune attestation ne correspond à ce lien : il ne prouve rien. Vérifiez l'adresse, \
              ou demandez-en une nouvelle au porteur du projet.",
    revoked_title: "Attestation retirée",
    revoked: "Le porteur du projet a retiré cette attestation : elle n'atteste plus rien. Retirée le",
    valid_all: "Attestation valide : la signature est vérifiée, et chaque engagement attesté tient \
                toujours aujourd'hui.",
    valid_changed: "Signature valide, mais des engagements ont changé depuis l'attestation : voir \
                    ci-dessous.",
    invalid: "Cette attestation ne se vérifie pas",
    attested_on: "Attestée le",
    by: "par",
    checked_on: "Vérifiée le",
    partners: "Partenaires attestés",
    initiator: "porteur du projet",
    role: "Rôle",
    accepted: "Partenariat accepté",
    mission_agreed: "Mission approuvée",
    mission_objected: "Objection à la mission",
    agenda_agreed: "Ordre du jour approuvé",
    agenda_objected: "Objection à l'ordre du jour",
    short_notice: "Accord pour une convocation à délai court",
    on: "le",
    still_valid: "toujours valide",
    no_longer: "ne vaut plus",
    withdrawn: "partenariat retiré le",
    declined: "l'organisation a décliné le",
    invited_again: "partenariat interrompu le",
    text_changed: "le texte a changé le",
    text_changed_undated: "le texte a changé depuis",
    decision_changed: "position changée le",
    cancelled: "réunion annulée le",
    receipt_invalid: "reçu non vérifiable",
    mission_not_agreed: "Mission non approuvée au moment de l'attestation.",
    fingerprint: "empreinte",
    meetings: "Réunions convoquées",
    concertation: "concertation consignée le",
    cancelled_since: "annulée depuis",
    check_yourself: "Vérifier soi-même",
    check_how: "Ce lien refait la vérification à chaque visite. La signature (JWS, EdDSA) se \
                vérifie aussi hors ligne avec toute bibliothèque JOSE et les clés publiques de \
                l'instance, ou avec « amont verify ».",
    keys: "Clés publiques",
    signed_text: "Texte signé (JWS)",
    qr_label: "Code QR du lien de vérification",
    reasons: reason_fr,
};

const EN: Words = Words {
    lang: "en",
    kicker: "Partnership attestation",
    unknown_title: "Unknown link",
    unknown: "No attestation has this link: it proves nothing. Check the address, or ask the \
              project's initiator for a new one.",
    revoked_title: "Attestation revoked",
    revoked: "The project's initiator revoked this attestation: it no longer attests anything. \
              Revoked on",
    valid_all: "Valid attestation: the signature verifies, and every consent it attests still \
                holds today.",
    valid_changed: "Valid signature, but some consents changed since the attestation: see below.",
    invalid: "This attestation does not verify",
    attested_on: "Attested on",
    by: "by",
    checked_on: "Checked on",
    partners: "Partners attested",
    initiator: "initiator",
    role: "Role",
    accepted: "Partnership accepted",
    mission_agreed: "Mission agreed",
    mission_objected: "Objection to the mission",
    agenda_agreed: "Agenda agreed",
    agenda_objected: "Objection to the agenda",
    short_notice: "Agreed to a convocation at short notice",
    on: "on",
    still_valid: "still valid",
    no_longer: "no longer holds",
    withdrawn: "partnership withdrawn on",
    declined: "the organization declined on",
    invited_again: "partnership interrupted on",
    text_changed: "the text changed on",
    text_changed_undated: "the text changed since",
    decision_changed: "position changed on",
    cancelled: "meeting cancelled on",
    receipt_invalid: "receipt does not verify",
    mission_not_agreed: "Mission not agreed when attested.",
    fingerprint: "fingerprint",
    meetings: "Meetings convened",
    concertation: "concertation recorded on",
    cancelled_since: "cancelled since",
    check_yourself: "Check it yourself",
    check_how: "This link checks again on every visit. The signature (JWS, EdDSA) can also be \
                checked offline with any JOSE library and the instance's public keys, or with \
                “amont verify”.",
    keys: "Public keys",
    signed_text: "Signed text (JWS)",
    qr_label: "QR code of the verification link",
    reasons: reason_en,
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

fn reason_fr(reason: &NotVerified) -> &'static str {
    match reason {
        NotVerified::Malformed(_) => "ce n'est pas une signature JWS lisible",
        NotVerified::Algorithm(_) => "elle n'est pas signée en EdDSA (Ed25519)",
        NotVerified::NoKeyId => "la signature ne désigne aucune clé",
        NotVerified::UnknownKey(_) => "la clé qui l'a signée n'est pas publiée par cette instance",
        NotVerified::BadKey(_) => "la clé publiée n'est pas une clé Ed25519 valide",
        NotVerified::Signature => {
            "la signature ne correspond pas au contenu : il a été modifié, ou signé par une autre clé"
        }
        NotVerified::Content(_) => "le contenu signé n'est pas une attestation d'Amont",
    }
}

fn reason_en(reason: &NotVerified) -> &'static str {
    match reason {
        NotVerified::Malformed(_) => "it is not a readable JWS",
        NotVerified::Algorithm(_) => "it is not signed with EdDSA (Ed25519)",
        NotVerified::NoKeyId => "the signature names no key",
        NotVerified::UnknownKey(_) => "the key that signed it is not published by this instance",
        NotVerified::BadKey(_) => "the published key is not a valid Ed25519 key",
        NotVerified::Signature => {
            "the signature does not match the content: it was altered, or signed by another key"
        }
        NotVerified::Content(_) => "the signed content is not an Amont attestation",
    }
}

/// The page for a link that leads to nothing (unknown, revoked).
fn notice(w: &Words, title: &str, text: &str, date: Option<String>) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(w.lang) {
            (head(w, title))
            body {
                header { p.kicker { (w.kicker) } h1 { (title) } }
                p.verdict.bad { "✖ " (text) @if let Some(date) = date { " " (date) "." } }
            }
        }
    }
}

fn head(w: &Words, title: &str) -> Markup {
    page_head(&format!("{} — {title}", w.kicker), CSS, Robots::NoIndex)
}

/// What one consent is, in words: "Mission agreed", "Agenda agreed — Comité".
fn consent_label(w: &Words, receipt: &ReceiptClaims) -> String {
    let consent = &receipt.consent;
    let agreed = consent.decision == AGREE || consent.decision == ACCEPT;
    let label = match (consent.kind, agreed) {
        (ConsentKind::PartnershipAccepted, _) => w.accepted,
        (ConsentKind::MissionAgreed, true) => w.mission_agreed,
        (ConsentKind::MissionAgreed, false) => w.mission_objected,
        (ConsentKind::AgendaAgreed, true) => w.agenda_agreed,
        (ConsentKind::AgendaAgreed, false) => w.agenda_objected,
        (ConsentKind::ShortNoticeAgreed, _) => w.short_notice,
    };
    match &consent.meeting {
        Some(meeting) => format!("{label} — {}", meeting.title),
        None => label.to_owned(),
    }
}

/// Today's verdict on one consent.
fn verdict(w: &Words, check: &ConsentCheck, locale: Locale) -> Markup {
    let Some(standing) = check.standing else {
        let reason = check
            .receipt
            .as_ref()
            .err()
            .map(w.reasons)
            .unwrap_or_default();
        return html! { span.bad { "✖ " (w.receipt_invalid) " : " (reason) } };
    };
    if standing.still_valid {
        return html! { span.ok { "✔ " (w.still_valid) } };
    }
    let what = match standing.reason {
        Some(Change::Withdrawn) => w.withdrawn,
        Some(Change::Declined) => w.declined,
        Some(Change::InvitedAgain) => w.invited_again,
        Some(Change::TextChanged) if standing.changed_at.is_some() => w.text_changed,
        Some(Change::TextChanged) => w.text_changed_undated,
        Some(Change::DecisionChanged) => w.decision_changed,
        Some(Change::MeetingCancelled) => w.cancelled,
        None => "",
    };
    html! {
        span.bad {
            "✖ " (w.no_longer) " : " (what)
            @if let Some(at) = standing.changed_at { " " (when(at, locale)) }
        }
    }
}

/// The QR code of the link, as inline SVG (the library's own output, without its XML prolog).
fn qr_code(url: &str, label: &str) -> Markup {
    let Ok(code) = QrCode::new(url.as_bytes()) else {
        return html! {};
    };
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(176, 176)
        .quiet_zone(true)
        .build();
    let svg = svg.find("<svg").map_or("", |at| &svg[at..]);
    // The label is one of our own fixed strings, never user text.
    let svg = svg.replacen(
        "<svg ",
        &format!(r#"<svg class="qr" role="img" aria-label="{label}" "#),
        1,
    );
    html! { (PreEscaped(svg)) }
}

/// The page of an attestation that was found.
pub fn page(v: &Verification, locale: Locale) -> Markup {
    let w = words(locale);
    let title = v
        .claims
        .as_ref()
        .map_or(w.kicker, |c| c.project.title.as_str());
    let changed = v
        .consents
        .iter()
        .filter(|c| !c.standing.is_some_and(|s| s.still_valid))
        .count();
    html! {
        (DOCTYPE)
        html lang=(w.lang) {
            (head(w, title))
            body {
                header {
                    p.kicker { (w.kicker) }
                    h1 { (title) }
                }
                @match (&v.signature, &v.claims) {
                    (Err(reason), _) => {
                        p.verdict.bad { "✖ " (w.invalid) " : " ((w.reasons)(reason)) "." }
                    }
                    (Ok(()), Some(claims)) => {
                        @if changed == 0 {
                            p.verdict.ok { "✔ " (w.valid_all) }
                        } @else {
                            p.verdict.warn { "⚠ " (w.valid_changed) }
                        }
                        p {
                            (w.attested_on) " " (when(claims.at, locale)) " " (w.by) " "
                            (claims.by.display_name) " (" (claims.initiator.name) ")."
                            br;
                            span.muted { (w.checked_on) " " (when(v.checked_at, locale)) "." }
                        }
                        section {
                            h2 { (w.partners) }
                            @for (index, partner) in claims.partners.iter().enumerate() {
                                article.partner {
                                    h3 {
                                        (partner.organization.name)
                                        @if partner.is_initiator { " " span.tag { (w.initiator) } }
                                    }
                                    @if let Some(role) = &partner.proposed_role {
                                        p.muted { (w.role) " : " (role) }
                                    }
                                    ul.consents {
                                        @for check in consents_of(v, claims, index) {
                                            li {
                                                @match &check.receipt {
                                                    Ok(r) => {
                                                        strong { (consent_label(w, r)) }
                                                        " — " (w.on) " " (when(r.consent.at, locale))
                                                        ", " (w.by) " " (r.consent.by.display_name)
                                                        br;
                                                        (verdict(w, check, locale))
                                                        @if let Some(hash) = &r.consent.content_hash {
                                                            br; small.muted { (w.fingerprint) " " code { (hash) } }
                                                        }
                                                    }
                                                    Err(_) => { (verdict(w, check, locale)) }
                                                }
                                            }
                                        }
                                    }
                                    @if !partner.mission_agreed {
                                        p.warn { "○ " (w.mission_not_agreed) }
                                    }
                                }
                            }
                        }
                        @if !claims.meetings.is_empty() {
                            section {
                                h2 { (w.meetings) }
                                ul {
                                    @for meeting in &claims.meetings {
                                        li {
                                            strong { (meeting.title) }
                                            @if let Some(starts) = meeting.starts_at { " — " (when(starts, locale)) }
                                            @if let Some(record) = &meeting.concertation {
                                                br; span.muted { (w.concertation) " " (when(record.recorded_at, locale)) }
                                            }
                                            @if v.meetings_today.get(&meeting.id).is_some_and(|s| s == "cancelled") {
                                                br; span.bad { "✖ " (w.cancelled_since) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (Ok(()), None) => {}
                }
                section.check {
                    h2 { (w.check_yourself) }
                    div.link {
                        (qr_code(&v.url, w.qr_label))
                        p {
                            a href=(v.url) { (v.url) }
                            br;
                            span.muted { (w.check_how) }
                            br;
                            (w.keys) " : " a href=(keys_url(&v.url)) { (keys_url(&v.url)) }
                        }
                    }
                    details {
                        summary { (w.signed_text) }
                        pre.jws { (v.jws) }
                    }
                }
            }
        }
    }
}

/// The checks of the receipts listed under partner `index`.
fn consents_of<'a>(
    v: &'a Verification,
    claims: &'a crate::domain::proof::AttestationClaims,
    index: usize,
) -> impl Iterator<Item = &'a ConsentCheck> {
    let id = claims.partners[index].organization.id;
    v.consents.iter().filter(move |c| c.organization.id == id)
}

/// The key set's address next to a verification link (`…/verify/T` → `…/.well-known/jwks.json`).
fn keys_url(verify_url: &str) -> String {
    match verify_url.rfind("/verify/") {
        Some(at) => format!("{}/.well-known/jwks.json", &verify_url[..at]),
        None => "/.well-known/jwks.json".into(),
    }
}

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}\
h1{margin:.2rem 0 1rem;overflow-wrap:anywhere}.kicker{text-transform:uppercase;letter-spacing:.08em;color:#555;margin:0}\
h2{border-bottom:2px solid #1b1b1b;padding-bottom:.2rem;margin-top:2rem}\
.verdict{font-weight:600;padding:.6rem .9rem;border-radius:6px;border:2px solid}\
.verdict.ok{color:#0a5c2b;background:#eaf6ee;border-color:#0a5c2b}.verdict.warn{color:#8a3b00;background:#fff4e5;border-color:#8a3b00}\
.verdict.bad{color:#8f1111;background:#fdecec;border-color:#8f1111}\
.partner{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0;break-inside:avoid}\
.partner h3{margin:.3rem 0}.consents{padding-left:1.1rem}.consents li{margin:.4rem 0}\
.tag{font-size:.75rem;background:#eee;border-radius:3px;padding:.1rem .4rem;font-weight:normal;white-space:nowrap}\
.ok{color:#0a5c2b}.warn{color:#8a3b00}.bad{color:#8f1111}.muted{color:#555}\
code{font-size:.75rem;word-break:break-all}\
.link{display:flex;gap:1rem;align-items:flex-start;flex-wrap:wrap}.link p{flex:1;min-width:14rem;margin:0;overflow-wrap:anywhere}\
.qr{width:176px;height:176px;flex:none}\
.jws{white-space:pre-wrap;word-break:break-all;font-size:.7rem;background:#f7f7f7;padding:.5rem}\
@media (max-width:30rem){h1{font-size:1.5rem}}\
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}details{display:none}.verdict{border-width:1px}}";
