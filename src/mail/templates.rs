//! The emails' words, in French (the default) and English: pure functions from data to text.
//!
//! Readers are coordinators and field staff, not technicians: short sentences, what happens
//! next, and what does *not* happen (a consultation commits nobody). Each message is a list of
//! blocks (`super::blocks`) rendered once to plain text and once to HTML, where every piece of
//! user text is escaped; each message's French and English sentences sit side by side in its
//! `…Words`.

use url::Url;

use super::blocks::{Block, Item, Span, para, plain, render, render_signed, strong};
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

/// The login link's sentences.
struct LoginWords {
    subject: &'static str,
    intro: &'static str,
    button: &'static str,
    validity: String,
    ignore: &'static str,
}

impl LoginWords {
    fn new(locale: Locale) -> Self {
        match locale {
            Locale::Fr => LoginWords {
                subject: "Votre lien de connexion à Amont",
                intro: "Pour vous connecter à Amont, ouvrez ce lien :",
                button: "Me connecter à Amont",
                validity: format!(
                    "Ce lien ne sert qu’une fois et reste valable {LOGIN_LINK_MINUTES} minutes."
                ),
                ignore: "Si vous n’avez pas demandé à vous connecter, ignorez simplement ce \
                         message : sans ce lien, personne ne peut se connecter à votre place.",
            },
            Locale::En => LoginWords {
                subject: "Your Amont sign-in link",
                intro: "To sign in to Amont, open this link:",
                button: "Sign in to Amont",
                validity: format!(
                    "This link works once and expires after {LOGIN_LINK_MINUTES} minutes."
                ),
                ignore: "If you did not ask to sign in, just ignore this message: without this \
                         link, nobody can sign in in your place.",
            },
        }
    }
}

/// The magic link that logs a user in.
pub fn login_link(locale: Locale, link: &Url) -> Rendered {
    let w = LoginWords::new(locale);
    render(
        locale,
        w.subject,
        &[
            Block::Link {
                lead: w.intro.into(),
                link: link.clone(),
                label: w.button.into(),
            },
            para(w.validity),
            para(w.ignore),
        ],
    )
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

/// The consultation's sentences in one language; `invited` emphasizes the names.
struct ConsultationWords {
    subject: String,
    invited: Vec<Span>,
    no_commitment: &'static str,
    summary_heading: &'static str,
    role_heading: &'static str,
    open: &'static str,
    button: &'static str,
    not_a_meeting: &'static str,
    personal: &'static str,
    signature: String,
}

impl ConsultationWords {
    fn new(locale: Locale, c: &Consultation<'_>) -> Self {
        let (title, inviter, initiator, organization) = (
            c.project_title.trim(),
            c.inviter_name.trim(),
            c.initiator_name.trim(),
            c.organization_name.trim(),
        );
        match locale {
            Locale::Fr => ConsultationWords {
                subject: format!("Vous êtes consulté·e sur le projet « {title} »"),
                invited: vec![
                    plain(format!(
                        "{inviter} ({initiator}) souhaite associer votre structure, "
                    )),
                    strong(organization),
                    plain(", au projet « "),
                    strong(title),
                    plain(" » et vous consulte avant toute décision."),
                ],
                no_commitment: "Rien n’est engagé pour votre structure tant que vous n’avez pas \
                                donné votre accord : vous pouvez accepter, décliner, ou proposer \
                                des changements à la mission envisagée.",
                summary_heading: "Le projet en quelques mots :",
                role_heading: "Le rôle envisagé pour votre structure :",
                open: "Pour lire le projet, en discuter et donner votre réponse, ouvrez ce lien :",
                button: "Voir le projet",
                not_a_meeting: "Ce message n’est pas une convocation : aucune réunion n’est \
                                fixée sans votre accord.",
                personal: "Ce lien vous connecte directement à Amont : merci de ne pas le \
                           transférer. Un collègue peut demander son propre accès.",
                signature: format!("L’équipe Amont, pour {initiator}"),
            },
            Locale::En => ConsultationWords {
                subject: format!("You are consulted on the project “{title}”"),
                invited: vec![
                    plain(format!(
                        "{inviter} ({initiator}) would like your organization, "
                    )),
                    strong(organization),
                    plain(", to take part in the project “"),
                    strong(title),
                    plain("” and is consulting you before anything is decided."),
                ],
                no_commitment: "Nothing commits your organization until you agree: you can \
                                accept, decline, or suggest changes to the proposed mission.",
                summary_heading: "The project in a few words:",
                role_heading: "The role proposed for your organization:",
                open: "To read the project, discuss it and give your answer, open this link:",
                button: "See the project",
                not_a_meeting: "This message is not a meeting invitation: no meeting is set \
                                without your agreement.",
                personal: "This link signs you in to Amont directly: please do not forward it. \
                           A colleague can ask for their own access.",
                signature: format!("The Amont team, for {initiator}"),
            },
        }
    }
}

/// The email to an invited organization's contact: a consultation about a project, never a
/// meeting invitation (no calendar part).
pub fn consultation(locale: Locale, c: &Consultation<'_>) -> Rendered {
    let summary = c.project_summary.trim();
    let role = c.proposed_role.map(str::trim).filter(|r| !r.is_empty());
    let w = ConsultationWords::new(locale, c);
    let mut blocks = vec![Block::Para(w.invited), para(w.no_commitment)];
    if !summary.is_empty() {
        blocks.push(Block::Heading(w.summary_heading.into()));
        blocks.push(Block::Para(vec![Span::Lines(summary.into())]));
    }
    if let Some(role) = role {
        blocks.push(Block::Heading(w.role_heading.into()));
        blocks.push(Block::Para(vec![Span::Lines(role.into())]));
    }
    blocks.extend([
        Block::Link {
            lead: w.open.into(),
            link: c.link.clone(),
            label: w.button.into(),
        },
        para(w.not_a_meeting),
        para(w.personal),
    ]);
    render_signed(locale, w.subject, &blocks, w.signature)
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
    let w = ConvocationWords::new(locale, c);
    let mut facts = vec![strong(w.when), plain(format!(" {}", c.when))];
    if let Some(location) = c.location.map(str::trim).filter(|l| !l.is_empty()) {
        facts.extend([Span::Break, strong(w.place), plain(format!(" {location}"))]);
    }
    if let Some(video) = c.video_url {
        facts.extend([
            Span::Break,
            strong(w.video),
            plain(" "),
            Span::Address(video.into()),
        ]);
    }
    let mut blocks = vec![para(w.intro.as_str()), Block::Para(facts)];
    if !c.agenda.is_empty() && c.kind != ConvocationKind::Cancel {
        blocks.push(Block::Heading(w.agenda.into()));
        blocks.push(Block::List {
            numbered: true,
            items: c.agenda.iter().map(|item| agenda_item(&w, item)).collect(),
        });
    }
    if let Some(rsvp) = c.rsvp {
        blocks.extend([
            Block::Heading(w.answer.into()),
            Block::Choices(vec![
                (w.accept.into(), rsvp.accepted.clone()),
                (w.tentative.into(), rsvp.tentative.clone()),
                (w.decline.into(), rsvp.declined.clone()),
            ]),
            para(w.calendar_note),
        ]);
    }
    render(locale, w.subject, &blocks)
}

/// An item of the convened agenda: its title, its length, who leads it, its notes under it.
fn agenda_item(w: &ConvocationWords, item: &crate::calendar::AgendaLine) -> Item {
    let mut text = format!("{} ({} min)", item.title.trim(), item.duration_min);
    if let Some(lead) = item
        .lead
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        text.push_str(&format!(" — {} {lead}", w.led_by));
    }
    Item {
        text,
        notes: item.notes.trim().to_owned(),
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

/// The digest's sentences.
struct DigestWords {
    subject: String,
    intro: &'static str,
    late_heading: &'static str,
    soon_heading: &'static str,
    due: &'static str,
    open: &'static str,
    button: &'static str,
}

impl DigestWords {
    /// `late` of the `count` actions are overdue.
    fn new(locale: Locale, count: usize, late: usize) -> Self {
        // The subject counts the overdue actions when there are some, else all of them.
        let counted = if late == 0 { count } else { late };
        let actions = plural(locale, counted, "action", "actions");
        match locale {
            Locale::Fr => DigestWords {
                subject: match late {
                    0 => format!("Suivi : {count} {actions} à échéance cette semaine"),
                    n => format!("Suivi : {n} {actions} en retard"),
                },
                intro: "Voici les actions de votre organisation qui arrivent à échéance dans les \
                        sept jours ou sont en retard.",
                late_heading: "En retard",
                soon_heading: "À échéance dans les sept jours",
                due: "échéance le",
                open: "Mettre à jour une action (faite, annulée) :",
                button: "Mettre à jour une action (faite, annulée)",
            },
            Locale::En => DigestWords {
                subject: match late {
                    0 => format!("Follow-up: {count} {actions} due this week"),
                    n => format!("Follow-up: {n} overdue {actions}"),
                },
                intro: "Here are your organization's actions that are due within seven days or \
                        overdue.",
                late_heading: "Overdue",
                soon_heading: "Due within seven days",
                due: "due",
                open: "Update an action (done, cancelled):",
                button: "Update an action (done, cancelled)",
            },
        }
    }
}

/// The singular or the plural for `n` things: French counts 0 and 1 as singular, English only 1.
fn plural(locale: Locale, n: usize, one: &'static str, many: &'static str) -> &'static str {
    let singular = match locale {
        Locale::Fr => n <= 1,
        Locale::En => n == 1,
    };
    if singular { one } else { many }
}

/// The daily follow-up digest: the open actions of the recipient's organizations that are late
/// or due within a week, late ones first.
pub fn digest(locale: Locale, items: &[DigestItem<'_>], link: &Url) -> Rendered {
    let late = items.iter().filter(|i| i.overdue).count();
    let w = DigestWords::new(locale, items.len(), late);
    let date = |d: chrono::NaiveDate| match locale {
        Locale::Fr => d.format("%d/%m/%Y").to_string(),
        Locale::En => d.format("%Y-%m-%d").to_string(),
    };
    let line = |i: &DigestItem<'_>| Item {
        text: format!(
            "{} — {} ({}, {} {})",
            i.title,
            i.project_title,
            i.organization_name,
            w.due,
            date(i.due_on)
        ),
        notes: String::new(),
    };
    let mut blocks = vec![para(w.intro)];
    for (heading, overdue) in [(w.late_heading, true), (w.soon_heading, false)] {
        let group: Vec<Item> = items
            .iter()
            .filter(|i| i.overdue == overdue)
            .map(line)
            .collect();
        if !group.is_empty() {
            blocks.push(Block::Heading(heading.into()));
            blocks.push(Block::List {
                numbered: false,
                items: group,
            });
        }
    }
    blocks.push(Block::Link {
        lead: w.open.into(),
        link: link.clone(),
        label: w.button.into(),
    });
    render(locale, w.subject, &blocks)
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

    fn digest_items(late: usize, soon: usize) -> Vec<DigestItem<'static>> {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let late = (0..late).map(|i| DigestItem {
            project_title: "Été des jeunes 2027",
            title: "Envoyer le budget",
            organization_name: "CAF du Rhône",
            due_on: day(1 + i as u32),
            overdue: true,
        });
        let soon = (0..soon).map(|i| DigestItem {
            project_title: "Été des jeunes 2027",
            title: "Réserver la salle <B>",
            organization_name: "MJC des Quatre Vents",
            due_on: day(8 + i as u32),
            overdue: false,
        });
        late.chain(soon).collect()
    }

    fn actions_link() -> Url {
        Url::parse("https://amont.example.org/actions").unwrap()
    }

    #[test]
    fn digest_fr() {
        let items = digest_items(1, 2);
        insta::assert_snapshot!(shown(digest(Locale::Fr, &items, &actions_link())));
    }

    #[test]
    fn digest_en() {
        let items = digest_items(2, 1);
        insta::assert_snapshot!(shown(digest(Locale::En, &items, &actions_link())));
    }

    #[test]
    fn the_digest_counts_in_words() {
        use Locale::{En, Fr};
        for (locale, late, soon, subject) in [
            (Fr, 1, 0, "Suivi : 1 action en retard"),
            (Fr, 2, 3, "Suivi : 2 actions en retard"),
            (Fr, 0, 1, "Suivi : 1 action à échéance cette semaine"),
            (Fr, 0, 4, "Suivi : 4 actions à échéance cette semaine"),
            (En, 1, 2, "Follow-up: 1 overdue action"),
            (En, 3, 0, "Follow-up: 3 overdue actions"),
            (En, 0, 1, "Follow-up: 1 action due this week"),
            (En, 0, 2, "Follow-up: 2 actions due this week"),
        ] {
            let items = digest_items(late, soon);
            assert_eq!(digest(locale, &items, &actions_link()).subject, subject);
        }
    }
}
