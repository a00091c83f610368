//! The partnership sheet (`GET /api/projects/{id}/sheet`, `?format=html` to print) and the
//! audit trail (`GET /api/projects/{id}/audit`).
//!
//! What the sheet holds is decided in `workflow::sheet` (accepted partners only, a mission shown
//! as agreed only while its text still hashes to the agreement); here are the handlers and the
//! printable page, in French or English.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::Locale;
use crate::http::CurrentUser;
use crate::http::perform::for_caller;
use crate::http::views::page::{Robots, head as page_head};
use crate::http::views::{AuditView, PartnerTimeView, Sheet};
use crate::http::{ApiError, AppState};
use crate::workflow::follow_up::today;
use crate::workflow::sheet as records;

#[derive(Deserialize)]
pub struct SheetQuery {
    format: Option<String>,
    lang: Option<String>,
}

/// `GET /api/projects/{id}/sheet`.
pub async fn sheet(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
    query: web::Query<SheetQuery>,
) -> Result<HttpResponse, ApiError> {
    let profile = || Locale::parse(&current.user.locale).unwrap_or_default();
    let locale = Locale::named_or("lang", query.lang.as_deref(), profile)?;
    let sheet = for_caller(&state, &current, path, |conn, actor, project_id| {
        records::sheet(conn, actor, project_id, Utc::now(), today())
    })
    .await?;
    let sheet = Sheet::from(sheet);
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(sheet)),
        Some("html") => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            // Its stylesheet is inline (the page prints on its own): allowed by its hash.
            .insert_header(crate::http::security::page_policy(
                &state.settings,
                SHEET_CSS,
            ))
            .body(render_html(&sheet, locale).into_string())),
        Some(_) => Err(ApiError::invalid_field("format", "json or html")),
    }
}

struct Words {
    lang: &'static str,
    title: &'static str,
    brief: &'static str,
    partners: &'static str,
    consulted: &'static str,
    consulted_note: &'static str,
    no_answer: &'static str,
    initiator: &'static str,
    role: &'static str,
    mission: &'static str,
    empty: &'static str,
    agreed: &'static str,
    agreed_by: &'static str,
    objected_by: &'static str,
    not_agreed: &'static str,
    changed_since: &'static str,
    fingerprint: &'static str,
    generated: &'static str,
    none: &'static str,
    decisions: &'static str,
    positions: &'static str,
    actions: &'static str,
    due: &'static str,
    time: &'static str,
    time_note: &'static str,
    time_header: [&'static str; 5],
    before_meeting: &'static str,
    back: &'static str,
}

const FR: Words = Words {
    lang: "fr",
    title: "Fiche partenariale",
    brief: "Le projet",
    partners: "Partenaires (ayant accepté)",
    consulted: "Organisations consultées",
    consulted_note: "Ces organisations ne sont pas partenaires tant qu'elles n'ont pas accepté.",
    no_answer: "invitée, pas encore de réponse",
    initiator: "porteur du projet",
    role: "Rôle proposé",
    mission: "Mission",
    empty: "Mission non rédigée.",
    agreed: "Mission approuvée",
    agreed_by: "Approuvée par",
    objected_by: "Objection de",
    not_agreed: "Mission non approuvée",
    changed_since: "le texte a changé depuis l'accord, qui ne vaut plus",
    fingerprint: "empreinte",
    generated: "Fiche générée le",
    none: "Aucun partenaire n'a encore accepté.",
    decisions: "Décisions",
    positions: "Positions",
    actions: "Actions",
    due: "échéance",
    time: "Contribution en temps des partenaires",
    time_note: "Heures prévues : durée des réunions convoquées × personnes convoquées ; heures de présence : durée × personnes présentes. Valorisation au taux horaire déclaré par le partenaire.",
    time_header: [
        "Partenaire",
        "Budget annuel",
        "Prévues",
        "Présence",
        "Valorisation",
    ],
    before_meeting: "Enregistrée avant le début de la réunion.",
    back: "Retour au projet",
};

const EN: Words = Words {
    lang: "en",
    title: "Partnership sheet",
    brief: "The project",
    partners: "Partners (accepted)",
    consulted: "Organizations consulted",
    consulted_note: "These organizations are not partners until they accept.",
    no_answer: "invited, no answer yet",
    initiator: "initiator",
    role: "Proposed role",
    mission: "Mission",
    empty: "Mission not written yet.",
    agreed: "Mission agreed",
    agreed_by: "Agreed by",
    objected_by: "Objection from",
    not_agreed: "Mission not agreed",
    changed_since: "the text changed since the agreement, which no longer counts",
    fingerprint: "fingerprint",
    generated: "Sheet generated on",
    none: "No partner has accepted yet.",
    decisions: "Decisions",
    positions: "Positions",
    actions: "Actions",
    due: "due",
    time: "Partners' contribution in time",
    time_note: "Hours planned: duration of convened meetings × people convened; hours attended: duration × people present. Valued at the hourly rate each partner declared.",
    time_header: ["Partner", "Yearly budget", "Planned", "Attended", "Value"],
    before_meeting: "Recorded before the meeting started.",
    back: "Back to the project",
};

/// A date and time as the printed pages show it (Paris time).
pub fn when(at: DateTime<Utc>, locale: Locale) -> String {
    let local = at.with_timezone(&Paris);
    match locale {
        Locale::Fr => local
            .format("%d/%m/%Y à %H:%M (heure de Paris)")
            .to_string(),
        Locale::En => local.format("%Y-%m-%d %H:%M (Paris time)").to_string(),
    }
}

/// A status or position in words (the sheet, the CSV register).
pub fn label(code: &str, locale: Locale) -> &str {
    match (code, locale) {
        ("adopted", Locale::Fr) => "adoptée",
        ("rejected", Locale::Fr) => "rejetée",
        ("deferred", Locale::Fr) => "reportée",
        ("consent", Locale::Fr) => "consentement",
        ("objection", Locale::Fr) => "objection",
        ("abstention", Locale::Fr) => "abstention",
        ("open", Locale::Fr) => "ouverte",
        ("done", Locale::Fr) => "faite",
        ("cancelled", Locale::Fr) => "annulée",
        ("adopted", Locale::En) => "adopted",
        ("rejected", Locale::En) => "rejected",
        ("deferred", Locale::En) => "deferred",
        ("consent", Locale::En) => "consent",
        ("objection", Locale::En) => "objection",
        ("abstention", Locale::En) => "abstention",
        ("open", Locale::En) => "open",
        ("done", Locale::En) => "done",
        ("cancelled", Locale::En) => "cancelled",
        (other, _) => other,
    }
}

/// Paragraphs of a text, each line break kept; maud escapes every piece of user text.
fn paragraphs(text: &str) -> Markup {
    html! {
        @for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
            p {
                @for (i, line) in block.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// The printable sheet.
pub fn render_html(sheet: &Sheet, locale: Locale) -> Markup {
    let w = match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    };
    let title = format!("{} — {}", w.title, sheet.project.title);
    html! {
        (DOCTYPE)
        html lang=(w.lang) {
            (page_head(&title, SHEET_CSS, Robots::Index))
            body {
                nav.back { a href=(format!("/projects/{}", sheet.project.id)) { span aria-hidden="true" { "← " } (w.back) } }
                main {
                    header {
                        p.kicker { (w.title) }
                        h1 { (sheet.project.title) }
                    }
                    section {
                        h2 { (w.brief) }
                        (paragraphs(&sheet.brief.text))
                    }
                    section {
                        h2 { (w.partners) }
                        @if sheet.partners.is_empty() { p { (w.none) } }
                        @for partner in &sheet.partners {
                            article.partner {
                                h3 {
                                    (partner.organization_name)
                                    @if partner.is_initiator { " " span.tag { (w.initiator) } }
                                }
                                @if let Some(siren) = &partner.siren {
                                    p.muted { "SIREN " (siren) }
                                }
                                @if let Some(role) = &partner.proposed_role {
                                    p { strong { (w.role) " : " } (role) }
                                }
                                h4 { (w.mission) }
                                @if partner.mission.text.trim().is_empty() {
                                    p.muted { (w.empty) }
                                } @else {
                                    div.mission { (paragraphs(&partner.mission.text)) }
                                }
                                @match &partner.agreement {
                                    Some(a) if partner.mission_agreed => {
                                        p.ok { "✔ " (w.agreed) " — " (w.agreed_by) " " (a.user_name) ", " (when(a.created_at, locale))
                                            br; small { (w.fingerprint) " " code { (a.content_hash) } } }
                                    }
                                    Some(a) if a.current => {
                                        p.warn { "✖ " (w.objected_by) " " (a.user_name) ", " (when(a.created_at, locale))
                                            @if let Some(c) = &a.comment { " — « " (c) " »" } }
                                    }
                                    Some(_) => { p.warn { "⚠ " (w.not_agreed) " : " (w.changed_since) } }
                                    None => { p.warn { "○ " (w.not_agreed) } }
                                }
                            }
                        }
                    }
                    @if !sheet.consulted.is_empty() {
                        section {
                            h2 { (w.consulted) }
                            p.muted { (w.consulted_note) }
                            ul {
                                @for c in &sheet.consulted {
                                    li { (c.organization_name) " — " (w.no_answer) }
                                }
                            }
                        }
                    }
                    @if !sheet.decisions.is_empty() {
                        section {
                            h2 { (w.decisions) }
                            @for d in &sheet.decisions {
                                article.partner {
                                    h3 { (d.title) " " span.tag { (label(&d.status, locale)) } }
                                    p.muted { (d.meeting_title) " — " (when(d.created_at, locale)) }
                                    @if d.recorded_before_meeting { p.warn.before-meeting { (w.before_meeting) } }
                                    @if !d.text.trim().is_empty() { (paragraphs(&d.text)) }
                                    @if !d.positions.is_empty() {
                                        h4 { (w.positions) }
                                        ul { @for p in &d.positions {
                                            li { (p.organization_name) " : " (label(&p.position, locale))
                                                @if let Some(c) = &p.comment { " — « " (c) " »" } }
                                        } }
                                    }
                                    @if !d.actions.is_empty() {
                                        h4 { (w.actions) }
                                        ul { @for a in &d.actions {
                                            li { (a.title) " — " (a.owner_organization_name) ", " (w.due) " "
                                                (a.due_on.format("%d/%m/%Y").to_string()) " — " (label(&a.status, locale)) }
                                        } }
                                    }
                                }
                            }
                        }
                    }
                    (time_section(&sheet.time, w, locale))
                }
                footer { p.muted { (w.generated) " " (when(sheet.generated_at, locale)) } }
            }
        }
    }
}

/// Hours as the pages show them ("12,5 h" in French, "12.5 h" in English).
fn hours(value: f64, locale: Locale) -> String {
    let text = format!("{value}");
    match locale {
        Locale::Fr => format!("{} h", text.replace('.', ",")),
        Locale::En => format!("{text} h"),
    }
}

/// Euros as the pages show them ("1 234,50 €" in French, "€1,234.50" in English).
fn euros(value: f64, locale: Locale) -> String {
    let cents = (value * 100.0).round() as u64;
    let (units, rest) = (cents / 100, cents % 100);
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(if locale == Locale::Fr {
                '\u{202f}'
            } else {
                ','
            });
        }
        grouped.push(c);
    }
    match locale {
        Locale::Fr => format!("{grouped},{rest:02}\u{a0}€"),
        Locale::En => format!("€{grouped}.{rest:02}"),
    }
}

/// The partners' time, when any meeting was convened.
fn time_section(rows: &[PartnerTimeView], w: &Words, locale: Locale) -> Markup {
    let any = rows
        .iter()
        .any(|r| r.hours_planned > 0.0 || r.hours_attended > 0.0 || r.hours_budget.is_some());
    html! {
        @if any {
            section {
                h2 { (w.time) }
                table.time {
                    thead { tr { @for h in w.time_header { th scope="col" { (h) } } } }
                    tbody {
                        @for r in rows {
                            tr {
                                th scope="row" { (r.organization_name) }
                                td { @if let Some(b) = r.hours_budget { (hours(f64::from(b), locale)) } @else { "—" } }
                                td { (hours(r.hours_planned, locale)) }
                                td { (hours(r.hours_attended, locale)) }
                                td { @if let Some(v) = r.value_eur { (euros(v, locale)) } @else { "—" } }
                            }
                        }
                    }
                }
                p.muted { small { (w.time_note) } }
            }
        }
    }
}

const SHEET_CSS: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5;overflow-wrap:anywhere}\
h1{margin:.2rem 0 1.5rem}.kicker{text-transform:uppercase;letter-spacing:.08em;color:#555;margin:0}\
h2{border-bottom:2px solid #1b1b1b;padding-bottom:.2rem;margin-top:2rem}\
.partner{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0;break-inside:avoid}\
.tag{font-size:.75rem;background:#eee;border-radius:3px;padding:.1rem .4rem;font-weight:normal}\
.mission{background:#f7f7f7;padding:.1rem .8rem;border-left:3px solid #888}\
.ok{color:#0a5c2b}.warn{color:#8a3b00}.muted{color:#555}code{font-size:.75rem;word-break:break-all}\
table.time{border-collapse:collapse;width:100%}.time th,.time td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:right}\
.time th[scope=row],.time thead th:first-child{text-align:left}\
.back{margin:0 0 1rem}.back a{color:#1b1b1b}\
@media print{body{margin:0;max-width:none}a{color:inherit}.back{display:none}}";

/// `GET /api/projects/{id}/audit`: every consent-relevant event, oldest first.
pub async fn audit(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let trail = for_caller(&state, &current, path, records::audit_trail).await?;
    Ok(HttpResponse::Ok().json(trail.into_iter().map(AuditView::from).collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::content;
    use crate::http::views::{
        ProjectView, SectionView, SheetAgreement, SheetConsulted, SheetPartner,
    };

    use crate::domain::partnership::PartnershipStatus;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn example() -> Sheet {
        let id = |n: u128| Uuid::from_u128(n);
        let agreed_hash = content::mission_hash(id(2), "Mettre à disposition le local.");
        Sheet {
            project: ProjectView {
                id: id(100),
                title: "Accueil jeunes <16-25 ans>".into(),
                summary: String::new(),
                initiator_organization_id: id(1),
                status: crate::domain::project::ProjectStatus::Concertation,
                created_at: at(1, 9),
                min_notice_days: 14,
            },
            brief: SectionView {
                text: "Ouvrir un accueil.\n\nObjectifs : « renouer » & orienter.".into(),
                content_hash: content::brief_hash("x"),
            },
            partners: vec![
                SheetPartner {
                    organization_id: id(1),
                    organization_name: "MJC des Quatre Vents".into(),
                    siren: None,
                    status: "accepted",
                    is_initiator: true,
                    proposed_role: None,
                    answered_at: Some(at(1, 9)),
                    mission: SectionView {
                        text: String::new(),
                        content_hash: content::mission_hash(id(1), ""),
                    },
                    mission_agreed: false,
                    agreement: None,
                    receipt: None,
                },
                SheetPartner {
                    organization_id: id(2),
                    organization_name: "Ville de Trappes".into(),
                    siren: None,
                    status: "accepted",
                    is_initiator: false,
                    proposed_role: Some("Local & cofinancement".into()),
                    answered_at: Some(at(3, 10)),
                    mission: SectionView {
                        text: "Mettre à disposition le local.".into(),
                        content_hash: agreed_hash.clone(),
                    },
                    mission_agreed: true,
                    agreement: Some(SheetAgreement {
                        decision: "agree".into(),
                        content_hash: agreed_hash,
                        current: true,
                        comment: None,
                        user_id: id(20),
                        user_name: "Marc Lefèvre".into(),
                        created_at: at(5, 14),
                        receipt: None,
                    }),
                    receipt: None,
                },
                SheetPartner {
                    organization_id: id(3),
                    organization_name: "Centre social".into(),
                    siren: None,
                    status: "accepted",
                    is_initiator: false,
                    proposed_role: None,
                    answered_at: Some(at(4, 10)),
                    mission: SectionView {
                        text: "Repérer, orienter.".into(),
                        content_hash: content::mission_hash(id(3), "Repérer, orienter."),
                    },
                    mission_agreed: false,
                    agreement: Some(SheetAgreement {
                        decision: "agree".into(),
                        content_hash: content::mission_hash(id(3), "Repérer."),
                        current: false,
                        comment: None,
                        user_id: id(30),
                        user_name: "Karim Haddad".into(),
                        created_at: at(6, 16),
                        receipt: None,
                    }),
                    receipt: None,
                },
            ],
            consulted: vec![SheetConsulted {
                organization_id: id(4),
                organization_name: "CAF des Yvelines".into(),
                status: "invited",
                proposed_role: None,
                invited_at: at(2, 11),
            }],
            decisions: Vec::new(),
            time: vec![
                PartnerTimeView {
                    organization_id: id(1),
                    organization_name: "MJC des Quatre Vents".into(),
                    status: PartnershipStatus::Accepted,
                    hours_budget: Some(40),
                    hourly_value_eur: Some(35.5),
                    hours_planned: 4.5,
                    hours_attended: 3.0,
                    value_eur: Some(106.5),
                },
                PartnerTimeView {
                    organization_id: id(3),
                    organization_name: "Centre social <Nord>".into(),
                    status: PartnershipStatus::Accepted,
                    hours_budget: None,
                    hourly_value_eur: None,
                    hours_planned: 1234.75,
                    hours_attended: 0.0,
                    value_eur: None,
                },
            ],
            generated_at: at(28, 12),
        }
    }

    #[test]
    fn the_printable_sheet_in_french() {
        insta::assert_snapshot!(render_html(&example(), Locale::Fr).into_string());
    }

    #[test]
    fn amounts_are_written_as_each_language_writes_them() {
        assert_eq!(hours(12.5, Locale::Fr), "12,5 h");
        assert_eq!(hours(12.5, Locale::En), "12.5 h");
        assert_eq!(euros(1234.5, Locale::Fr), "1\u{202f}234,50\u{a0}€");
        assert_eq!(euros(1234567.0, Locale::En), "€1,234,567.00");
        assert_eq!(euros(0.05, Locale::En), "€0.05");
        assert_eq!(euros(999.0, Locale::Fr), "999,00\u{a0}€");
    }

    #[test]
    fn the_printable_sheet_in_english() {
        insta::assert_snapshot!(render_html(&example(), Locale::En).into_string());
    }
}
