//! The emails of "who speaks for an organization", in French and English: an organization's
//! admins told about a consultation and about a request to join, the person told of the
//! decision, a colleague invited by an admin. They go at once (never coalesced).

use url::Url;

use super::blocks::{Block, para, plain, render, strong};
use super::templates::Rendered;
use crate::domain::Locale;

/// An admin is told that their organization is consulted on a project.
pub struct ConsultationNotice<'a> {
    pub organization_name: &'a str,
    pub initiator_name: &'a str,
    pub project_title: &'a str,
    /// The named contact, as the initiator typed it.
    pub contact_email: &'a str,
    pub link: &'a Url,
}

pub fn consultation_notice(locale: Locale, n: &ConsultationNotice<'_>) -> Rendered {
    let (subject, blocks) = match locale {
        Locale::Fr => (
            format!(
                "{} consulte {} sur un projet",
                n.initiator_name, n.organization_name
            ),
            vec![
                Block::Para(vec![
                    strong(n.initiator_name),
                    plain(" consulte "),
                    strong(n.organization_name),
                    plain(" sur le projet « "),
                    strong(n.project_title),
                    plain(" »."),
                ]),
                para(format!(
                    "La personne désignée comme contact est {}. Elle reçoit la consultation, \
                     mais ne peut pas répondre au nom de {} sans être membre : c’est à vous, \
                     administrateur·rice, de l’accepter si elle en fait la demande.",
                    n.contact_email, n.organization_name
                )),
                para(format!(
                    "Les membres de {} peuvent lire le projet et répondre à la consultation (accepter ou décliner). Rien n’est engagé tant que personne n’a répondu.",
                    n.organization_name
                )),
                Block::Button {
                    link: n.link.clone(),
                    label: "Voir la consultation".into(),
                },
            ],
        ),
        Locale::En => (
            format!(
                "{} consults {} on a project",
                n.initiator_name, n.organization_name
            ),
            vec![
                Block::Para(vec![
                    strong(n.initiator_name),
                    plain(" consults "),
                    strong(n.organization_name),
                    plain(" on the project “"),
                    strong(n.project_title),
                    plain("”."),
                ]),
                para(format!(
                    "The contact they named is {}. That person receives the consultation but \
                     cannot answer for {} without being a member: as an admin, you decide if \
                     they ask to join.",
                    n.contact_email, n.organization_name
                )),
                para(format!(
                    "Members of {} can read the project and answer the consultation (accept or decline). Nothing is committed until someone answers.",
                    n.organization_name
                )),
                Block::Button {
                    link: n.link.clone(),
                    label: "See the consultation".into(),
                },
            ],
        ),
    };
    render(locale, subject, &blocks)
}

/// An admin is told that someone asks to join their organization.
pub struct JoinRequest<'a> {
    pub organization_name: &'a str,
    pub requester_name: &'a str,
    pub requester_email: &'a str,
    pub link: &'a Url,
}

pub fn join_request(locale: Locale, r: &JoinRequest<'_>) -> Rendered {
    let who = format!("{} ({})", r.requester_name, r.requester_email);
    let (subject, blocks) = match locale {
        Locale::Fr => (
            format!("Demande pour rejoindre {}", r.organization_name),
            vec![
                Block::Para(vec![
                    strong(who),
                    plain(" demande à rejoindre "),
                    strong(r.organization_name),
                    plain(" sur Amont."),
                ]),
                para(format!(
                    "Tant qu’un·e administrateur·rice n’a pas accepté, cette personne ne voit \
                     aucun projet de {} et ne peut rien accepter ni approuver en son nom. \
                     Acceptez seulement si vous la connaissez.",
                    r.organization_name
                )),
                Block::Button {
                    link: r.link.clone(),
                    label: "Voir la demande".into(),
                },
            ],
        ),
        Locale::En => (
            format!("Request to join {}", r.organization_name),
            vec![
                Block::Para(vec![
                    strong(who),
                    plain(" asks to join "),
                    strong(r.organization_name),
                    plain(" on Amont."),
                ]),
                para(format!(
                    "Until an admin approves, this person sees none of {}'s projects and can \
                     neither accept nor agree to anything on its behalf. Approve only if you \
                     know them.",
                    r.organization_name
                )),
                Block::Button {
                    link: r.link.clone(),
                    label: "See the request".into(),
                },
            ],
        ),
    };
    render(locale, subject, &blocks)
}

/// The person who asked is told what an admin decided.
pub struct MembershipDecision<'a> {
    pub organization_name: &'a str,
    pub approved: bool,
    pub link: &'a Url,
}

pub fn membership_decision(locale: Locale, d: &MembershipDecision<'_>) -> Rendered {
    let (subject, blocks) = match (locale, d.approved) {
        (Locale::Fr, true) => (
            format!("Vous êtes membre de {}", d.organization_name),
            vec![
                Block::Para(vec![
                    plain("Votre demande a été acceptée : vous êtes maintenant membre de "),
                    strong(d.organization_name),
                    plain(" sur Amont, et pouvez agir pour elle dans ses projets."),
                ]),
                Block::Button {
                    link: d.link.clone(),
                    label: "Ouvrir Amont".into(),
                },
            ],
        ),
        (Locale::Fr, false) => (
            format!("Votre demande pour rejoindre {}", d.organization_name),
            vec![Block::Para(vec![
                plain("Votre demande pour rejoindre "),
                strong(d.organization_name),
                plain(
                    " n’a pas été acceptée. Si vous pensez que c’est une erreur, \
                     adressez-vous directement à ses responsables.",
                ),
            ])],
        ),
        (Locale::En, true) => (
            format!("You are a member of {}", d.organization_name),
            vec![
                Block::Para(vec![
                    plain("Your request was approved: you are now a member of "),
                    strong(d.organization_name),
                    plain(" on Amont, and can act for it in its projects."),
                ]),
                Block::Button {
                    link: d.link.clone(),
                    label: "Open Amont".into(),
                },
            ],
        ),
        (Locale::En, false) => (
            format!("Your request to join {}", d.organization_name),
            vec![Block::Para(vec![
                plain("Your request to join "),
                strong(d.organization_name),
                plain(
                    " was not approved. If you think this is a mistake, ask its \
                     people directly.",
                ),
            ])],
        ),
    };
    render(locale, subject, &blocks)
}

/// An admin adds a colleague: the link makes them a member.
pub struct ColleagueInvitation<'a> {
    pub organization_name: &'a str,
    pub inviter_name: &'a str,
    pub admin: bool,
    pub valid_days: i64,
    pub link: &'a Url,
}

pub fn colleague_invitation(locale: Locale, c: &ColleagueInvitation<'_>) -> Rendered {
    let (subject, blocks) = match locale {
        Locale::Fr => (
            format!("Rejoignez {} sur Amont", c.organization_name),
            vec![
                Block::Para(vec![
                    strong(c.inviter_name),
                    plain(" vous invite à rejoindre "),
                    strong(c.organization_name),
                    plain(if c.admin {
                        " sur Amont, comme administrateur·rice."
                    } else {
                        " sur Amont."
                    }),
                ]),
                para(
                    "Amont sert à préparer les projets entre partenaires avant toute \
                     convocation : chacun y accepte sa place et approuve sa mission.",
                ),
                Block::Button {
                    link: c.link.clone(),
                    label: format!("Rejoindre {}", c.organization_name),
                },
                para(format!(
                    "Ce lien est personnel et reste valable {} jours.",
                    c.valid_days
                )),
            ],
        ),
        Locale::En => (
            format!("Join {} on Amont", c.organization_name),
            vec![
                Block::Para(vec![
                    strong(c.inviter_name),
                    plain(" invites you to join "),
                    strong(c.organization_name),
                    plain(if c.admin {
                        " on Amont, as an admin."
                    } else {
                        " on Amont."
                    }),
                ]),
                para(
                    "Amont is where partners prepare a project before anyone is convened: \
                     each accepts its place and agrees to its mission.",
                ),
                Block::Button {
                    link: c.link.clone(),
                    label: format!("Join {}", c.organization_name),
                },
                para(format!(
                    "This link is personal and valid for {} days.",
                    c.valid_days
                )),
            ],
        ),
    };
    render(locale, subject, &blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> Url {
        "https://amont.example/organizations/1".parse().unwrap()
    }

    #[test]
    fn the_join_request_names_who_asks_and_what_approving_gives() {
        let link = link();
        for locale in [Locale::Fr, Locale::En] {
            let r = join_request(
                locale,
                &JoinRequest {
                    organization_name: "CAF <des> Yvelines",
                    requester_name: "Eve",
                    requester_email: "eve@evil.example",
                    link: &link,
                },
            );
            assert!(r.text.contains("Eve (eve@evil.example)"), "{}", r.text);
            assert!(r.text.contains("CAF <des> Yvelines"));
            assert!(r.html.contains("CAF &lt;des&gt; Yvelines"));
            assert!(r.text.contains(link.as_str()));
        }
    }

    #[test]
    fn decisions_and_invitations_in_both_languages() {
        let link = link();
        let yes = membership_decision(
            Locale::Fr,
            &MembershipDecision {
                organization_name: "CAF",
                approved: true,
                link: &link,
            },
        );
        assert_eq!(yes.subject, "Vous êtes membre de CAF");
        let no = membership_decision(
            Locale::En,
            &MembershipDecision {
                organization_name: "CAF",
                approved: false,
                link: &link,
            },
        );
        assert!(no.text.contains("was not approved"));
        assert!(!no.text.contains(link.as_str()));
        let invitation = colleague_invitation(
            Locale::Fr,
            &ColleagueInvitation {
                organization_name: "CAF",
                inviter_name: "Sophie",
                admin: true,
                valid_days: 7,
                link: &link,
            },
        );
        assert!(invitation.text.contains("comme administrateur·rice"));
        assert!(invitation.text.contains("7 jours"));
    }
}
