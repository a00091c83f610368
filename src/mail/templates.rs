//! The emails' words, in French (the default) and English: pure functions from data to text.
//!
//! Readers are coordinators and field staff, not technicians: short sentences, what happens
//! next, and what does *not* happen (a consultation commits nobody). Every piece of user text
//! is escaped in the HTML version (`html-escape`); the plain-text version carries it as is.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attribute, encode_text as escape};
use url::Url;

use crate::domain::Locale;

/// A rendered email, before it becomes RFC 5322 bytes in [`super::enqueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// How long a login link stays valid, as API.md promises.
const LOGIN_LINK_MINUTES: u32 = 30;

/// The magic link that logs a user in.
pub fn login_link(locale: Locale, link: &Url) -> Rendered {
    let (subject, intro, button, validity, ignore) = match locale {
        Locale::Fr => (
            "Votre lien de connexion à Amont".to_owned(),
            "Pour vous connecter à Amont, ouvrez ce lien :",
            "Me connecter à Amont",
            format!("Ce lien ne sert qu’une fois et reste valable {LOGIN_LINK_MINUTES} minutes."),
            "Si vous n’avez pas demandé à vous connecter, ignorez simplement ce message : \
             sans ce lien, personne ne peut se connecter à votre place.",
        ),
        Locale::En => (
            "Your Amont sign-in link".to_owned(),
            "To sign in to Amont, open this link:",
            "Sign in to Amont",
            format!("This link works once and expires after {LOGIN_LINK_MINUTES} minutes."),
            "If you did not ask to sign in, just ignore this message: without this link, \
             nobody can sign in in your place.",
        ),
    };
    let text = format!(
        "{hello}\n\n{intro}\n{link}\n\n{validity}\n\n{ignore}\n\n{signature}\n",
        hello = hello(locale),
        signature = signature(locale),
    );
    let mut body = String::new();
    text_paragraph(&mut body, hello(locale));
    text_paragraph(&mut body, intro);
    button_link(&mut body, link, button);
    text_paragraph(&mut body, &validity);
    text_paragraph(&mut body, ignore);
    text_paragraph(&mut body, signature(locale));
    let html = page(locale, &subject, &body);
    Rendered {
        subject,
        text,
        html,
    }
}

/// What a consultation email says: who consults which organization about which project.
#[derive(Debug, Clone)]
pub struct Consultation<'a> {
    pub project_title: &'a str,
    pub project_summary: &'a str,
    /// The initiator organization.
    pub initiator_name: &'a str,
    /// The person who invited.
    pub inviter_name: &'a str,
    /// The invited organization.
    pub organization_name: &'a str,
    pub proposed_role: Option<&'a str>,
    /// The consultation link (it logs the contact in).
    pub link: &'a Url,
}

/// The email to an invited organization's contact: a consultation about a project, never a
/// meeting invitation (no calendar part).
pub fn consultation(locale: Locale, c: &Consultation<'_>) -> Rendered {
    let summary = c.project_summary.trim();
    let role = c.proposed_role.map(str::trim).filter(|r| !r.is_empty());
    let words = ConsultationWords::new(locale, c);

    let mut text = format!(
        "{}\n\n{}\n\n{}\n",
        hello(locale),
        words.invited,
        words.no_commitment
    );
    if !summary.is_empty() {
        let _ = write!(text, "\n{}\n{summary}\n", words.summary_heading);
    }
    if let Some(role) = role {
        let _ = write!(text, "\n{}\n{role}\n", words.role_heading);
    }
    let _ = write!(
        text,
        "\n{}\n{}\n\n{}\n\n{}\n\n{}\n",
        words.open, c.link, words.not_a_meeting, words.personal, words.signature
    );

    let mut body = String::new();
    text_paragraph(&mut body, hello(locale));
    paragraph(&mut body, &words.invited_html);
    text_paragraph(&mut body, &words.no_commitment);
    if !summary.is_empty() {
        heading(&mut body, &words.summary_heading);
        paragraph(&mut body, &multiline(summary));
    }
    if let Some(role) = role {
        heading(&mut body, &words.role_heading);
        paragraph(&mut body, &multiline(role));
    }
    text_paragraph(&mut body, &words.open);
    button_link(&mut body, c.link, &words.button);
    text_paragraph(&mut body, &words.not_a_meeting);
    text_paragraph(&mut body, &words.personal);
    text_paragraph(&mut body, &words.signature);
    let html = page(locale, &words.subject, &body);
    Rendered {
        subject: words.subject,
        text,
        html,
    }
}

/// The consultation's sentences in one language; `invited_html` is `invited` with the user
/// text escaped and the names emphasized.
struct ConsultationWords {
    subject: String,
    invited: String,
    invited_html: String,
    no_commitment: String,
    summary_heading: String,
    role_heading: String,
    open: String,
    button: String,
    not_a_meeting: String,
    personal: String,
    signature: String,
}

impl ConsultationWords {
    fn new(locale: Locale, c: &Consultation<'_>) -> Self {
        let strong = |s: &str| format!("<strong>{}</strong>", escape(s));
        let (title, inviter, initiator, organization) = (
            c.project_title.trim(),
            c.inviter_name.trim(),
            c.initiator_name.trim(),
            c.organization_name.trim(),
        );
        match locale {
            Locale::Fr => ConsultationWords {
                subject: format!("Vous êtes consulté·e sur le projet « {title} »"),
                invited: format!(
                    "{inviter} ({initiator}) souhaite associer votre structure, {organization}, \
                     au projet « {title} » et vous consulte avant toute décision."
                ),
                invited_html: format!(
                    "{} ({}) souhaite associer votre structure, {}, au projet « {} » et vous \
                     consulte avant toute décision.",
                    escape(inviter),
                    escape(initiator),
                    strong(organization),
                    strong(title)
                ),
                no_commitment: String::from(
                    "Rien n’est engagé pour votre structure tant que vous n’avez pas donné votre \
                     accord : vous pouvez accepter, décliner, ou proposer des changements à la \
                     mission envisagée.",
                ),
                summary_heading: "Le projet en quelques mots :".into(),
                role_heading: "Le rôle envisagé pour votre structure :".into(),
                open: "Pour lire le projet, en discuter et donner votre réponse, ouvrez ce lien :"
                    .into(),
                button: "Voir le projet".into(),
                not_a_meeting: "Ce message n’est pas une convocation : aucune réunion n’est \
                                fixée sans votre accord."
                    .into(),
                personal: "Ce lien vous connecte directement à Amont : merci de ne pas le \
                           transférer. Un collègue peut demander son propre accès."
                    .into(),
                signature: format!("L’équipe Amont, pour {initiator}"),
            },
            Locale::En => ConsultationWords {
                subject: format!("You are consulted on the project “{title}”"),
                invited: format!(
                    "{inviter} ({initiator}) would like your organization, {organization}, to \
                     take part in the project “{title}” and is consulting you before anything is decided."
                ),
                invited_html: format!(
                    "{} ({}) would like your organization, {}, to take part in the project “{}” \
                     and is consulting you before anything is decided.",
                    escape(inviter),
                    escape(initiator),
                    strong(organization),
                    strong(title)
                ),
                no_commitment: String::from(
                    "Nothing commits your organization until you agree: you can accept, decline, \
                     or suggest changes to the proposed mission.",
                ),
                summary_heading: "The project in a few words:".into(),
                role_heading: "The role proposed for your organization:".into(),
                open: "To read the project, discuss it and give your answer, open this link:"
                    .into(),
                button: "See the project".into(),
                not_a_meeting: "This message is not a meeting invitation: no meeting is set \
                                without your agreement."
                    .into(),
                personal: "This link signs you in to Amont directly: please do not forward it. \
                           A colleague can ask for their own access."
                    .into(),
                signature: format!("The Amont team, for {initiator}"),
            },
        }
    }
}

/// Which iTIP message a convocation email accompanies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvocationKind {
    /// The first convocation (`METHOD:REQUEST`, SEQUENCE 0).
    Request,
    /// A change of time, place or title (`METHOD:REQUEST`, SEQUENCE + 1).
    Update,
    /// The cancellation (`METHOD:CANCEL`).
    Cancel,
}

/// The attendee's personal answer links.
#[derive(Debug, Clone)]
pub struct RsvpLinks {
    pub accepted: Url,
    pub tentative: Url,
    pub declined: Url,
}

/// What a convocation email says. Times are written out in the meeting's zone beforehand
/// (`calendar::local_time`), the agenda is the one convened.
#[derive(Debug, Clone)]
pub struct Convocation<'a> {
    pub kind: ConvocationKind,
    pub meeting_title: &'a str,
    pub project_title: &'a str,
    /// `Name (Organization)` of the person who convenes.
    pub organizer: &'a str,
    pub when: &'a str,
    pub location: Option<&'a str>,
    pub video_url: Option<&'a str>,
    pub agenda: &'a [crate::calendar::AgendaLine],
    /// None for a cancellation.
    pub rsvp: Option<&'a RsvpLinks>,
}

struct ConvocationWords {
    subject: String,
    intro: String,
    when: &'static str,
    place: &'static str,
    video: &'static str,
    agenda: &'static str,
    led_by: &'static str,
    answer: &'static str,
    accept: &'static str,
    tentative: &'static str,
    decline: &'static str,
    calendar_note: &'static str,
}

impl ConvocationWords {
    fn new(locale: Locale, c: &Convocation<'_>) -> Self {
        let (title, organizer, project) = (
            c.meeting_title.trim(),
            c.organizer.trim(),
            c.project_title.trim(),
        );
        match locale {
            Locale::Fr => ConvocationWords {
                subject: match c.kind {
                    ConvocationKind::Request => format!("Convocation : {title}"),
                    ConvocationKind::Update => format!("Modification : {title}"),
                    ConvocationKind::Cancel => format!("Annulation : {title}"),
                },
                intro: match c.kind {
                    ConvocationKind::Request => format!(
                        "{organizer} vous convoque à la réunion « {title} » du projet « {project} ». \
                         La concertation préalable entre partenaires a été menée et enregistrée."
                    ),
                    ConvocationKind::Update => format!(
                        "{organizer} a modifié la réunion « {title} » du projet « {project} ». \
                         Voici les informations à jour."
                    ),
                    ConvocationKind::Cancel => format!(
                        "{organizer} a annulé la réunion « {title} » du projet « {project} »."
                    ),
                },
                when: "Quand :",
                place: "Lieu :",
                video: "Visio :",
                agenda: "Ordre du jour :",
                led_by: "animé par",
                answer: "Votre réponse :",
                accept: "Je viendrai",
                tentative: "Peut-être",
                decline: "Je ne viendrai pas",
                calendar_note: "L’invitation jointe (invite.ics) s’ajoute à votre agenda ; \
                                répondre depuis votre agenda prévient directement l’organisateur.",
            },
            Locale::En => ConvocationWords {
                subject: match c.kind {
                    ConvocationKind::Request => format!("Meeting invitation: {title}"),
                    ConvocationKind::Update => format!("Meeting changed: {title}"),
                    ConvocationKind::Cancel => format!("Meeting cancelled: {title}"),
                },
                intro: match c.kind {
                    ConvocationKind::Request => format!(
                        "{organizer} invites you to the meeting “{title}” of the project \
                         “{project}”. The partners’ prior concertation was held and recorded."
                    ),
                    ConvocationKind::Update => format!(
                        "{organizer} changed the meeting “{title}” of the project “{project}”. \
                         Here is the updated information."
                    ),
                    ConvocationKind::Cancel => format!(
                        "{organizer} cancelled the meeting “{title}” of the project “{project}”."
                    ),
                },
                when: "When:",
                place: "Where:",
                video: "Video:",
                agenda: "Agenda:",
                led_by: "led by",
                answer: "Your answer:",
                accept: "I will come",
                tentative: "Maybe",
                decline: "I will not come",
                calendar_note: "The attached invitation (invite.ics) adds the meeting to your \
                                calendar; answering from your calendar tells the organizer directly.",
            },
        }
    }
}

/// A convocation, its update or its cancellation, sent with the iCalendar object.
pub fn convocation(locale: Locale, c: &Convocation<'_>) -> Rendered {
    let words = ConvocationWords::new(locale, c);
    let mut text = format!(
        "{}\n\n{}\n\n{} {}\n",
        hello(locale),
        words.intro,
        words.when,
        c.when
    );
    let mut body = String::new();
    text_paragraph(&mut body, hello(locale));
    text_paragraph(&mut body, &words.intro);
    let mut facts = format!("<strong>{}</strong> {}", escape(words.when), escape(c.when));
    if let Some(location) = c.location.map(str::trim).filter(|l| !l.is_empty()) {
        let _ = writeln!(text, "{} {location}", words.place);
        let _ = write!(
            facts,
            "<br>\n<strong>{}</strong> {}",
            escape(words.place),
            escape(location)
        );
    }
    if let Some(video) = c.video_url {
        let _ = writeln!(text, "{} {video}", words.video);
        let _ = write!(
            facts,
            "<br>\n<strong>{}</strong> <a href=\"{}\">{}</a>",
            escape(words.video),
            attribute(video),
            escape(video)
        );
    }
    paragraph(&mut body, &facts);
    if !c.agenda.is_empty() && c.kind != ConvocationKind::Cancel {
        let _ = writeln!(text, "\n{}", words.agenda);
        heading(&mut body, words.agenda);
        body.push_str("<ol style=\"margin:0 0 16px;\">\n");
        for item in c.agenda {
            let lead = item
                .lead
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty());
            let _ = write!(text, "- {} ({} min)", item.title.trim(), item.duration_min);
            let _ = write!(
                body,
                "<li>{} ({} min)",
                escape(item.title.trim()),
                item.duration_min
            );
            if let Some(lead) = lead {
                let _ = write!(text, " — {} {lead}", words.led_by);
                let _ = write!(body, " — {} {}", escape(words.led_by), escape(lead));
            }
            text.push('\n');
            let notes = item.notes.trim();
            if !notes.is_empty() {
                for line in notes.lines() {
                    let _ = writeln!(text, "  {line}");
                }
                let _ = write!(
                    body,
                    "<br>\n<span style=\"color:#52606d;\">{}</span>",
                    multiline(notes)
                );
            }
            body.push_str("</li>\n");
        }
        body.push_str("</ol>\n");
    }
    if let Some(rsvp) = c.rsvp {
        let _ = writeln!(
            text,
            "\n{}\n{}: {}\n{}: {}\n{}: {}",
            words.answer,
            words.accept,
            rsvp.accepted,
            words.tentative,
            rsvp.tentative,
            words.decline,
            rsvp.declined
        );
        heading(&mut body, words.answer);
        let links = [
            (&rsvp.accepted, words.accept),
            (&rsvp.tentative, words.tentative),
            (&rsvp.declined, words.decline),
        ];
        let shown: Vec<String> = links
            .iter()
            .map(|(url, label)| {
                format!(
                    "<a href=\"{}\" style=\"display:inline-block;margin:0 8px 8px 0;padding:8px 14px;\
                     background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px;\">{}</a>",
                    attribute(url.as_str()),
                    escape(label)
                )
            })
            .collect();
        paragraph(&mut body, &shown.join("\n"));
        let _ = writeln!(text, "\n{}", words.calendar_note);
        text_paragraph(&mut body, words.calendar_note);
    }
    let _ = writeln!(text, "\n{}", signature(locale));
    text_paragraph(&mut body, signature(locale));
    let html = page(locale, &words.subject, &body);
    Rendered {
        subject: words.subject,
        text,
        html,
    }
}

/// One action in a follow-up digest.
#[derive(Debug, Clone)]
pub struct DigestItem<'a> {
    pub project_title: &'a str,
    pub title: &'a str,
    pub organization_name: &'a str,
    pub due_on: chrono::NaiveDate,
    pub overdue: bool,
}

/// The daily follow-up digest: the open actions of the recipient's organizations that are late
/// or due within a week, late ones first.
pub fn digest(locale: Locale, items: &[DigestItem<'_>], link: &Url) -> Rendered {
    let late = items.iter().filter(|i| i.overdue).count();
    let (subject, intro, late_heading, soon_heading, due, open) = match locale {
        Locale::Fr => (
            match late {
                0 => format!("Suivi : {} action(s) à échéance cette semaine", items.len()),
                n => format!("Suivi : {n} action(s) en retard"),
            },
            "Voici les actions de votre organisation qui arrivent à échéance dans les sept jours ou sont en retard.",
            "En retard",
            "À échéance dans les sept jours",
            "échéance le",
            "Mettre à jour une action (faite, annulée) :",
        ),
        Locale::En => (
            match late {
                0 => format!("Follow-up: {} action(s) due this week", items.len()),
                n => format!("Follow-up: {n} overdue action(s)"),
            },
            "Here are your organization's actions that are due within seven days or overdue.",
            "Overdue",
            "Due within seven days",
            "due",
            "Update an action (done, cancelled):",
        ),
    };
    let date = |d: chrono::NaiveDate| match locale {
        Locale::Fr => d.format("%d/%m/%Y").to_string(),
        Locale::En => d.format("%Y-%m-%d").to_string(),
    };
    let line = |i: &DigestItem<'_>| {
        format!(
            "{} — {} ({}, {} {})",
            i.title,
            i.project_title,
            i.organization_name,
            due,
            date(i.due_on)
        )
    };
    let groups = [
        (
            late_heading,
            items.iter().filter(|i| i.overdue).collect::<Vec<_>>(),
        ),
        (
            soon_heading,
            items.iter().filter(|i| !i.overdue).collect::<Vec<_>>(),
        ),
    ];
    let mut text = format!("{}\n\n{intro}\n", hello(locale));
    let mut body = String::new();
    text_paragraph(&mut body, hello(locale));
    text_paragraph(&mut body, intro);
    for (heading_text, group) in &groups {
        if group.is_empty() {
            continue;
        }
        let _ = write!(text, "\n{heading_text}\n");
        heading(&mut body, heading_text);
        body.push_str("<ul style=\"margin:0 0 16px;padding-left:20px;\">\n");
        for item in group {
            let _ = writeln!(text, "- {}", line(item));
            let _ = writeln!(body, "<li>{}</li>", escape(&line(item)));
        }
        body.push_str("</ul>\n");
    }
    let _ = write!(text, "\n{open}\n{link}\n\n{}\n", signature(locale));
    text_paragraph(&mut body, open);
    button_link(&mut body, link, open.trim_end_matches([':', ' ']));
    text_paragraph(&mut body, signature(locale));
    let html = page(locale, &subject, &body);
    Rendered {
        subject,
        text,
        html,
    }
}

fn hello(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "Bonjour,",
        Locale::En => "Hello,",
    }
}

fn signature(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "L’équipe Amont",
        Locale::En => "The Amont team",
    }
}

/// The HTML document around a body: one narrow column, inline styles (what mail clients keep).
fn page(locale: Locale, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n<title>{title}</title>\n\
         </head>\n<body style=\"margin:0;padding:24px;background:#f6f6f4;\">\n\
         <div style=\"max-width:560px;margin:0 auto;padding:24px;background:#ffffff;\
         font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;\">\n\
         {body}</div>\n</body>\n</html>\n",
        lang = locale.as_str(),
        title = escape(title),
    )
}

/// Appends a paragraph whose content is already HTML.
fn paragraph(out: &mut String, html: &str) {
    let _ = writeln!(out, "<p style=\"margin:0 0 16px;\">{html}</p>");
}

/// Appends a paragraph of plain text, escaped.
fn text_paragraph(out: &mut String, text: &str) {
    paragraph(out, &escape(text));
}

fn heading(out: &mut String, text: &str) {
    let _ = writeln!(
        out,
        "<p style=\"margin:0 0 4px;font-weight:bold;\">{}</p>",
        escape(text)
    );
}

/// A link shown as a button, followed by the address itself for clients that hide buttons.
fn button_link(out: &mut String, link: &Url, label: &str) {
    let href = attribute(link.as_str());
    let shown = escape(link.as_str());
    let _ = writeln!(
        out,
        "<p style=\"margin:0 0 8px;\"><a href=\"{href}\" style=\"display:inline-block;\
         padding:10px 18px;background:#1d4ed8;color:#ffffff;text-decoration:none;\
         border-radius:4px;\">{}</a></p>\n\
         <p style=\"margin:0 0 16px;font-size:13px;color:#52606d;word-break:break-all;\">\
         <a href=\"{href}\" style=\"color:#52606d;\">{shown}</a></p>",
        escape(label)
    );
}

/// User text as HTML: escaped, its line breaks kept.
fn multiline(text: &str) -> String {
    text.lines()
        .map(|line| escape(line).to_string())
        .collect::<Vec<_>>()
        .join("<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> Url {
        Url::parse("https://amont.example.org/login?token=T0K3N&next=%2Fprojects%2F42").unwrap()
    }

    fn example(link: &Url) -> Consultation<'_> {
        Consultation {
            project_title: "Été des jeunes 2027",
            project_summary: "Des activités d’été pour les 11-17 ans du quartier des Érables.\n\
                              Trois semaines en juillet, avec les familles.",
            initiator_name: "Maison des jeunes de Villeneuve",
            inviter_name: "Amélie Durand",
            organization_name: "CAF du Rhône",
            proposed_role: Some("Co-financement et relais auprès des familles"),
            link,
        }
    }

    /// A rendered email as a reviewer reads it.
    fn shown(r: Rendered) -> String {
        format!(
            "Subject: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
            r.subject, r.text, r.html
        )
    }

    #[test]
    fn login_link_fr() {
        insta::assert_snapshot!(shown(login_link(Locale::Fr, &link())));
    }

    #[test]
    fn login_link_en() {
        insta::assert_snapshot!(shown(login_link(Locale::En, &link())));
    }

    #[test]
    fn consultation_fr() {
        let link = link();
        insta::assert_snapshot!(shown(consultation(Locale::Fr, &example(&link))));
    }

    #[test]
    fn consultation_en() {
        let link = link();
        insta::assert_snapshot!(shown(consultation(Locale::En, &example(&link))));
    }

    #[test]
    fn consultation_without_summary_or_role_leaves_them_out() {
        let link = link();
        let c = Consultation {
            project_summary: "  ",
            proposed_role: None,
            ..example(&link)
        };
        let rendered = consultation(Locale::Fr, &c);
        assert!(
            !rendered.text.contains("quelques mots"),
            "{}",
            rendered.text
        );
        assert!(
            !rendered.text.contains("rôle envisagé"),
            "{}",
            rendered.text
        );
        assert!(!rendered.html.contains("quelques mots"));
    }

    #[test]
    fn user_text_is_escaped_in_html() {
        let link = link();
        let hostile = "<script>alert(\"x\")</script> & <b onmouseover='y'>";
        let c = Consultation {
            project_title: hostile,
            project_summary: hostile,
            initiator_name: hostile,
            inviter_name: hostile,
            organization_name: hostile,
            proposed_role: Some(hostile),
            link: &link,
        };
        for locale in [Locale::Fr, Locale::En] {
            let rendered = consultation(locale, &c);
            assert!(!rendered.html.contains("<script"), "{}", rendered.html);
            assert!(!rendered.html.contains("<b "), "{}", rendered.html);
            assert!(
                rendered.html.contains(
                    "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; &lt;b onmouseover='y'&gt;"
                ),
                "{}",
                rendered.html
            );
            // The plain text is not HTML: it carries the words as they were typed.
            assert!(rendered.text.contains(hostile));
        }
    }

    fn rsvp_links() -> RsvpLinks {
        let base = "https://amont.example.org/rsvp/0123abcd?answer=";
        RsvpLinks {
            accepted: Url::parse(&format!("{base}accepted")).unwrap(),
            tentative: Url::parse(&format!("{base}tentative")).unwrap(),
            declined: Url::parse(&format!("{base}declined")).unwrap(),
        }
    }

    fn agenda() -> Vec<crate::calendar::AgendaLine> {
        vec![
            crate::calendar::AgendaLine {
                title: "Tour de table".into(),
                duration_min: 15,
                lead: Some("MJC des Quatre Vents".into()),
                notes: String::new(),
            },
            crate::calendar::AgendaLine {
                title: "Budget 2027".into(),
                duration_min: 45,
                lead: None,
                notes: "Chiffres 2026\nProposition".into(),
            },
        ]
    }

    fn a_convocation<'a>(
        kind: ConvocationKind,
        agenda: &'a [crate::calendar::AgendaLine],
        rsvp: Option<&'a RsvpLinks>,
    ) -> Convocation<'a> {
        Convocation {
            kind,
            meeting_title: "Comité de pilotage",
            project_title: "Été des jeunes 2027",
            organizer: "Inès Martin (MJC des Quatre Vents)",
            when: "jeudi 3 décembre 2026, 10:00–11:30 (Europe/Paris, UTC+01:00)",
            location: Some("Salle du conseil"),
            video_url: Some("https://visio.example.org/ete?a=1&b=2"),
            agenda,
            rsvp,
        }
    }

    #[test]
    fn convocation_request_fr() {
        let (agenda, links) = (agenda(), rsvp_links());
        let c = a_convocation(ConvocationKind::Request, &agenda, Some(&links));
        insta::assert_snapshot!(shown(convocation(Locale::Fr, &c)));
    }

    #[test]
    fn convocation_update_en() {
        let (agenda, links) = (agenda(), rsvp_links());
        let c = a_convocation(ConvocationKind::Update, &agenda, Some(&links));
        insta::assert_snapshot!(shown(convocation(Locale::En, &c)));
    }

    #[test]
    fn convocation_cancel_fr() {
        let agenda = agenda();
        let c = a_convocation(ConvocationKind::Cancel, &agenda, None);
        let rendered = convocation(Locale::Fr, &c);
        assert!(!rendered.text.contains("/rsvp/"));
        insta::assert_snapshot!(shown(rendered));
    }

    #[test]
    fn convocation_escapes_user_text() {
        let hostile = "<script>x</script> & \"q\"";
        let mut agenda = agenda();
        agenda[0].title = hostile.into();
        agenda[0].notes = hostile.into();
        agenda[0].lead = Some(hostile.into());
        let links = rsvp_links();
        let c = Convocation {
            meeting_title: hostile,
            project_title: hostile,
            organizer: hostile,
            location: Some(hostile),
            video_url: Some("https://v.example.org/\"><script>"),
            ..a_convocation(ConvocationKind::Request, &agenda, Some(&links))
        };
        let html = convocation(Locale::En, &c).html;
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;x&lt;/script&gt; &amp;"),
            "{html}"
        );
    }

    #[test]
    fn links_are_escaped_in_attributes() {
        let html = login_link(Locale::Fr, &link()).html;
        assert!(
            html.contains(
                "href=\"https://amont.example.org/login?token=T0K3N&amp;next=%2Fprojects%2F42\""
            ),
            "{html}"
        );
        assert!(!html.contains("token=T0K3N&next"));
    }
}
