//! Answers to a convocation (PARTSTAT): from the personal links of the email, and in the app.
//!
//! **Opening a link changes nothing.** Mail scanners and link previews open every link of a
//! message, in any order; if `GET /rsvp/{token}?answer=…` recorded the answer, an attendee's
//! answer would be whichever link was fetched last. The link shows a page instead: the meeting
//! (title, time in the meeting's own zone, place), the answer on record, and a form with the
//! link's answer preselected whose button posts it (`POST /rsvp/{token}`, form field
//! `answer`; no JavaScript needed).
//!
//! **Cross-site requests.** The pages are public and the token in the path is the credential
//! (256 random bits, stored hashed); no cookie is read. A form on another site can only post
//! with a token its author already has — and who has it may answer anyway. The pages cannot be
//! framed (`frame-ancestors 'none'`, so no click can be tricked on them), and
//! `Referrer-Policy: same-origin` keeps the token out of the `Referer` of the video link.
//!
//! The form, and `PUT /api/meetings/{id}/rsvp` in the app, both go through
//! `workflow::rsvp::record`: a conditional update of the attendee's row while the meeting is
//! convened, and an audit row. This module shapes the answers and the pages.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError, web};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::calendar;
use crate::config::Settings;
use crate::db;
use crate::domain::Locale;
use crate::domain::rsvp::Answer;
use crate::http::perform::for_caller;
use crate::http::security::page_policy;
use crate::http::views::RsvpResult;
use crate::http::views::page::{Robots, head as page_head};
use crate::http::{ApiError, AppState, CurrentUser};
use crate::workflow::Refusal;
use crate::workflow::rsvp::{self, Found, LinkAnswer};

#[derive(Deserialize)]
pub struct AnswerBody {
    answer: String,
}

/// `PUT /api/meetings/{id}/rsvp` `{"answer"}`: the caller answers for themselves, as their
/// links would. 403 for someone who sees the meeting but was not convened to it.
pub async fn answer_in_app(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<AnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let answer = Answer::parse(&body.answer)
        .ok_or_else(|| ApiError::invalid_field("answer", "accepted, tentative or declined"))?;
    let answered = for_caller(&state, &current, path, move |conn, actor, meeting_id| {
        rsvp::answer_in_app(conn, actor, meeting_id, answer)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RsvpResult::from(answered)))
}

#[derive(Deserialize)]
pub struct LinkQuery {
    answer: Option<String>,
}

/// `GET /rsvp/{token}?answer=accepted|declined|tentative`: the meeting and a form with that
/// answer preselected. Changes nothing.
pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<LinkQuery>,
) -> HttpResponse {
    let token = path.into_inner();
    let asked = query.answer.as_deref().and_then(Answer::parse);
    let lookup = token.clone();
    let found = db::run(&state.pool, move |conn| rsvp::find(conn, &lookup)).await;
    match found {
        Ok(Some(found)) => {
            let selected = asked.or_else(|| Answer::from_partstat(&found.attendee.partstat));
            let shown = Shown {
                selected,
                notice: None,
            };
            respond(&state.settings, StatusCode::OK, &found, &token, shown)
        }
        Ok(None) => unknown(&state.settings),
        Err(refusal) => failed(refusal),
    }
}

/// `POST /rsvp/{token}` (form field `answer`): records the answer, and shows the page again
/// with what was recorded.
pub async fn answer(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let token = path.into_inner();
    let answer = url::form_urlencoded::parse(&body)
        .find(|(key, _)| key == "answer")
        .and_then(|(_, value)| Answer::parse(&value));
    let lookup = token.clone();
    let outcome = db::transaction(&state.pool, move |conn| {
        rsvp::answer_by_link(conn, &lookup, answer)
    })
    .await;
    let settings = &state.settings;
    let (found, outcome) = match outcome {
        Ok(Some(answered)) => answered,
        Ok(None) => return unknown(settings),
        Err(refusal) => return failed(refusal),
    };
    let on_record = Answer::from_partstat(&found.attendee.partstat);
    let (status, selected, notice) = match outcome {
        LinkAnswer::Recorded(answer) => (StatusCode::OK, Some(answer), Some(Notice::Recorded)),
        LinkAnswer::Missing => (StatusCode::BAD_REQUEST, on_record, Some(Notice::NoAnswer)),
        LinkAnswer::NotExpected => (StatusCode::CONFLICT, on_record, None),
    };
    let shown = Shown { selected, notice };
    respond(settings, status, &found, &token, shown)
}

/// A page request that failed on our side: the API's error answer.
fn failed(refusal: Refusal) -> HttpResponse {
    ApiError::from(refusal).error_response()
}

/// What the page shows with the form (which is not shown once no answer is expected).
struct Shown {
    /// The answer preselected.
    selected: Option<Answer>,
    notice: Option<Notice>,
}

enum Notice {
    Recorded,
    NoAnswer,
}

/// The words of the pages.
struct Words {
    kicker: &'static str,
    project: &'static str,
    when: &'static str,
    place: &'static str,
    video: &'static str,
    organizer: &'static str,
    current: &'static str,
    none_yet: &'static str,
    legend: &'static str,
    submit: &'static str,
    note: &'static str,
    recorded: &'static str,
    no_answer: &'static str,
    cancelled: &'static str,
    held: &'static str,
    open_app: &'static str,
}

const FR: Words = Words {
    kicker: "Convocation — votre réponse",
    project: "Projet",
    when: "Quand",
    place: "Lieu",
    video: "Visio",
    organizer: "Organisée par",
    current: "Votre réponse actuelle :",
    none_yet: "Vous n’avez pas encore répondu.",
    legend: "Votre réponse",
    submit: "Envoyer ma réponse",
    note: "Ouvrir le lien du message ne répond pas à votre place : seul ce bouton enregistre \
           votre réponse. Vous pourrez en changer avec le même lien.",
    recorded: "Réponse enregistrée :",
    no_answer: "Choisissez une réponse avant d’envoyer.",
    cancelled: "Réunion annulée : elle n’a plus lieu, aucune réponse n’est attendue.",
    held: "Cette réunion a déjà eu lieu : aucune réponse n’est attendue.",
    open_app: "Ouvrir la réunion dans Amont",
};

const EN: Words = Words {
    kicker: "Meeting invitation — your answer",
    project: "Project",
    when: "When",
    place: "Where",
    video: "Video",
    organizer: "Organized by",
    current: "Your current answer:",
    none_yet: "You have not answered yet.",
    legend: "Your answer",
    submit: "Send my answer",
    note: "Opening the link of the email does not answer for you: only this button records \
           your answer. You can change it with the same link.",
    recorded: "Answer recorded:",
    no_answer: "Choose an answer before sending.",
    cancelled: "Meeting cancelled: it is not taking place, no answer is needed.",
    held: "This meeting has already taken place: no answer is needed.",
    open_app: "Open the meeting in Amont",
};

fn label(answer: Answer, locale: Locale) -> &'static str {
    match (answer, locale) {
        (Answer::Accepted, Locale::Fr) => "Je viendrai",
        (Answer::Tentative, Locale::Fr) => "Peut-être",
        (Answer::Declined, Locale::Fr) => "Je ne viendrai pas",
        (Answer::Accepted, Locale::En) => "I will come",
        (Answer::Tentative, Locale::En) => "Maybe",
        (Answer::Declined, Locale::En) => "I will not come",
    }
}

fn respond(
    settings: &Settings,
    status: StatusCode,
    found: &Found,
    token: &str,
    shown: Shown,
) -> HttpResponse {
    let locale = found.locale;
    let w = match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    };
    let event = &found.event;
    let when = calendar::local_time(event.starts_at, event.ends_at, event.timezone, locale);
    let ended = match found.meeting.status.as_str() {
        "convened" => None,
        "held" => Some(w.held),
        _ => Some(w.cancelled),
    };
    let body = html! {
        p.kicker { (w.kicker) }
        h1 { (event.title) }
        dl {
            dt { (w.project) } dd { (event.project_title) }
            dt { (w.when) } dd { (when) }
            @if let Some(place) = &event.location { dt { (w.place) } dd { (place) } }
            @if let Some(video) = &event.video_url {
                dt { (w.video) } dd { a href=(video) rel="noreferrer" { (video) } }
            }
            dt { (w.organizer) } dd { (event.organizer.label()) }
        }
        @if let Some(ended) = ended {
            p.status.problem role="status" { (ended) }
        } @else {
            (answer_form(w, locale, &found.attendee.partstat, token, shown))
        }
        // The way back to the app: the meeting's page (after a login for whoever has no session).
        p.back { a href=(settings.link(&format!("/meetings/{}", found.meeting.id))) { (w.open_app) } }
    };
    page_response(settings, status, locale, &event.title, body)
}

/// The answer on record (or what just happened to it) and the form to change it.
fn answer_form(w: &Words, locale: Locale, partstat: &str, token: &str, shown: Shown) -> Markup {
    let Shown { selected, notice } = shown;
    html! {
        @match notice {
            Some(Notice::Recorded) => p.status role="status" {
                (w.recorded) " " (selected.map(|a| label(a, locale)).unwrap_or_default())
            },
            Some(Notice::NoAnswer) => p.status.problem role="alert" { (w.no_answer) },
            None => p.current {
                @match Answer::from_partstat(partstat) {
                    Some(current) => { (w.current) " " (label(current, locale)) }
                    None => { (w.none_yet) }
                }
            },
        }
        form method="post" action=(token) {
            fieldset {
                legend { (w.legend) }
                @for answer in Answer::ALL {
                    label.choice {
                        input type="radio" name="answer" value=(answer.as_str())
                            checked[selected == Some(answer)] required;
                        span { (label(answer, locale)) }
                    }
                }
            }
            button type="submit" { (w.submit) }
        }
        p.note { (w.note) }
    }
}

/// The page for a token we do not know (bilingual: we do not know whose it was either).
fn unknown(settings: &Settings) -> HttpResponse {
    let body = html! {
        h1 { "Lien inconnu " span lang="en" { "/ Unknown link" } }
        p { "Ce lien n’est pas (ou plus) valable : utilisez celui du dernier message reçu." }
        p lang="en" { "This link is not (or no longer) valid: use the one in the latest email." }
        p.back { a href=(settings.link("/")) { "Aller sur Amont " span lang="en" { "/ Go to Amont" } } }
    };
    page_response(
        settings,
        StatusCode::NOT_FOUND,
        Locale::Fr,
        "Lien inconnu / Unknown link",
        body,
    )
}

fn page_response(
    settings: &Settings,
    status: StatusCode,
    locale: Locale,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let page = html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            (page_head(&format!("{title} — Amont"), RSVP_CSS, Robots::NoIndex))
            body { main { (body) } }
        }
    };
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header(page_policy(settings, RSVP_CSS))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(page.into_string())
}

/// The pages' stylesheet, inline (allowed by its hash in the page's policy).
const RSVP_CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;\
margin:0;color:#1b1f24;background:#f4f5f7;line-height:1.5}\
main{max-width:36rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #d8dde3;border-radius:8px}\
.kicker{margin:0;color:#52606d;font-size:.85rem;text-transform:uppercase;letter-spacing:.06em}\
h1{font-size:1.5rem;line-height:1.25;margin:.3rem 0 1rem;overflow-wrap:anywhere}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0 0 1.2rem}\
dt{font-weight:600;color:#52606d}dd{margin:0;overflow-wrap:anywhere}\
a{color:#1d4ed8}\
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.3rem;padding:0}\
.choice{display:flex;gap:.7rem;align-items:center;padding:.7rem .9rem;border:1px solid #c5ccd3;\
border-radius:6px;margin:.5rem 0;cursor:pointer}\
.choice:has(input:checked){border-color:#1d4ed8;background:#eef2ff}\
.choice:focus-within{outline:3px solid #93c5fd;outline-offset:1px}\
.choice input{width:1.15rem;height:1.15rem;margin:0;accent-color:#1d4ed8}\
button{font:inherit;font-weight:600;padding:.7rem 1.3rem;border:0;border-radius:6px;background:#1d4ed8;\
color:#fff;cursor:pointer}\
button:hover{background:#1e40af}button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}\
.status,.current{padding:.6rem .9rem;border-radius:6px;margin:0 0 1rem}\
.status{background:#ecfdf3;border:1px solid #86efac}\
.status.problem{background:#fef2f2;border-color:#fca5a5}\
.current{background:#f4f5f7}\
.note{color:#52606d;font-size:.9rem;margin-bottom:0}\
.back{margin:1.2rem 0 0;padding-top:.8rem;border-top:1px solid #d8dde3}\
@media (max-width:32rem){main{margin:0;border:0;border-radius:0;padding:1rem}\
dl{grid-template-columns:1fr;gap:0}dd{margin-bottom:.5rem}button{width:100%}}";
