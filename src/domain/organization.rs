//! Who speaks for an organization: how organizations are told apart, and the rules of
//! membership.
//!
//! Every consent Amont records is worth what the rule "who may act for this organization" is
//! worth, so nobody becomes a member by being named: the contact of a consultation becomes a
//! member only of an organization the invitation itself created (it has nobody yet); anyone else
//! asks to join, and an admin decides — unless their address is at one of the organization's
//! verified domains. An organization always keeps one admin.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::domain::input::InputError;
use crate::domain::state::text_state;

/// The key two organization names share when a person would take them for the same
/// institution: "CAF des Yvelines", "caf des yvelines", "C.A.F. des Yvelînes" and
/// "CAF  des-Yvelines" all give `cafdesyvelines`. Letters lose their accents (compatibility
/// decomposition, then combining marks dropped), ligatures are spelled out, case is folded,
/// and everything that is not a letter or a digit (spaces, punctuation, dashes, quotes) goes.
/// A name made only of such characters keeps its lowercase trimmed self, so it still has a key.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        for lower in c.to_lowercase() {
            match lower {
                'œ' => key.push_str("oe"),
                'æ' => key.push_str("ae"),
                'ß' => key.push_str("ss"),
                c if c.is_alphanumeric() => key.push(c),
                _ => {}
            }
        }
    }
    if key.is_empty() {
        name.trim().to_lowercase()
    } else {
        key
    }
}

/// A French company number (SIREN): nine digits whose Luhn checksum holds (spaces, as it is
/// usually written — "180 035 024" — are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siren(String);

impl Siren {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InputError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 9 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(InputError {
                field,
                message: "a SIREN has nine digits".into(),
            });
        }
        if !luhn(&digits) {
            return Err(InputError {
                field,
                message: "this is not a valid SIREN (its check digit does not match)".into(),
            });
        }
        Ok(Siren(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Mail domains anyone can have an address at: verifying one would let the whole world join.
const PUBLIC_MAIL_DOMAINS: [&str; 24] = [
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.fr",
    "hotmail.com",
    "hotmail.fr",
    "outlook.com",
    "outlook.fr",
    "live.com",
    "live.fr",
    "msn.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "neuf.fr",
    "laposte.net",
    "bbox.fr",
    "gmx.fr",
    "protonmail.com",
    "proton.me",
];

/// A domain an organization vouches for: a person whose login address is at it may join at
/// once. Lowercase, at least two labels, each of letters, digits and inner dashes (IDNs in
/// their ASCII `xn--` form), not a public mail provider.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailDomain(String);

impl MailDomain {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InputError> {
        let domain = raw
            .trim()
            .trim_start_matches('@')
            .trim_end_matches('.')
            .to_lowercase();
        let refuse = |message: &str| InputError {
            field,
            message: format!("{domain:?}: {message}"),
        };
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |label: &&str| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if domain.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(refuse("not a mail domain (for example caf78.fr)"));
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(refuse("not a mail domain (for example caf78.fr)"));
        }
        if PUBLIC_MAIL_DOMAINS.contains(&domain.as_str()) {
            return Err(refuse(
                "a public mail provider: anyone can have an address there",
            ));
        }
        Ok(MailDomain(domain))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `email` (already lowercased) is an address at this domain exactly.
    pub fn holds(&self, email: &str) -> bool {
        email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain == self.0)
    }
}

text_state! {
    /// A member's role in an organization.
    #[schemars(rename = "MembershipRole")]
    pub enum Role {
        Admin => "admin",
        Member => "member",
    }
}

/// What following a consultation link does for its contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactArrival {
    /// The organization has no member yet (the invitation created it): the contact becomes its
    /// first admin.
    FirstAdmin,
    /// The organization already has members: the contact is not one of them. They may read the
    /// consultation and ask to join.
    Reader,
}

/// The rule for a consultation's contact, from how many active members the organization has.
pub fn contact_arrival(active_members: i64) -> ContactArrival {
    if active_members == 0 {
        ContactArrival::FirstAdmin
    } else {
        ContactArrival::Reader
    }
}

/// How a join request starts: at once for an address at a verified domain, else waiting for an
/// admin.
pub fn join_starts_active<'a>(
    email: &str,
    mut verified: impl Iterator<Item = &'a MailDomain>,
) -> bool {
    verified.any(|domain| domain.holds(email))
}

/// Why a change of the members would leave the organization without an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastAdmin;

/// Whether `target` (currently `current`) may stop being an admin — by leaving, being removed
/// or demoted — given how many admins the organization has.
pub fn may_stop_being_admin(current: Role, admins: i64) -> Result<(), LastAdmin> {
    if current == Role::Admin && admins <= 1 {
        Err(LastAdmin)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_share_a_key() {
        let key = name_key("CAF des Yvelines");
        assert_eq!(key, "cafdesyvelines");
        for same in [
            "caf des yvelines",
            "  CAF   des Yvelines ",
            "C.A.F. des Yvelines",
            "CAF des Yvelînes",
            "CAF-des-Yvelines",
            "CAF des Yvelines.",
            "ＣＡＦ des Yvelines",
            "CAF des « Yvelines »",
        ] {
            assert_eq!(name_key(same), key, "{same}");
        }
        assert_ne!(name_key("CAF des Yvelines – 78"), key);
        assert_ne!(name_key("CAF de l'Essonne"), key);
        assert_eq!(name_key("Œuvre des Écoles"), "oeuvredesecoles");
        assert_eq!(name_key("Straße"), "strasse");
        assert_eq!(name_key("Ville d’Élancourt"), name_key("Ville d'Elancourt"));
    }

    #[test]
    fn names_in_other_scripts_keep_distinct_keys() {
        assert_eq!(name_key("Москва"), "москва");
        assert_ne!(name_key("Москва"), name_key("Киев"));
        assert_eq!(name_key("..."), "...");
        assert_ne!(name_key("..."), name_key("---"));
    }

    #[test]
    fn sirens_have_nine_digits_and_a_luhn_checksum() {
        // SIRENs as published: the CNAF, the city of Trappes, La Poste.
        for good in ["180 035 024", "217806462", "356000000"] {
            let siren = Siren::parse("siren", good).unwrap();
            assert_eq!(siren.as_str().len(), 9, "{good}");
        }
        for bad in [
            "",
            "12345678",
            "1234567890",
            "18003502A",
            "180035025",
            "217806463",
        ] {
            let err = Siren::parse("siren", bad).unwrap_err();
            assert_eq!(err.field, "siren", "{bad}");
        }
    }

    #[test]
    fn verified_domains_are_real_and_not_public_providers() {
        assert_eq!(
            MailDomain::parse("domains", " @CAF78.fr. ")
                .unwrap()
                .as_str(),
            "caf78.fr"
        );
        assert!(MailDomain::parse("domains", "ville-trappes.fr").is_ok());
        assert!(MailDomain::parse("domains", "xn--lancourt-f1a.fr").is_ok());
        for bad in [
            "",
            "fr",
            "caf78",
            "-caf.fr",
            "caf-.fr",
            "caf..fr",
            "caf 78.fr",
            "1.2.3.4",
            "gmail.com",
            "Orange.FR",
            "caf78.fr/x",
            "a@caf78.fr",
        ] {
            assert!(MailDomain::parse("domains", bad).is_err(), "{bad}");
        }
        let caf = MailDomain::parse("domains", "caf78.fr").unwrap();
        assert!(caf.holds("sophie@caf78.fr"));
        assert!(!caf.holds("sophie@evil-caf78.fr"));
        assert!(!caf.holds("sophie@caf78.fr.evil.example"));
        assert!(!caf.holds("caf78.fr"));
    }

    #[test]
    fn the_contact_joins_only_an_organization_with_nobody() {
        assert_eq!(contact_arrival(0), ContactArrival::FirstAdmin);
        assert_eq!(contact_arrival(1), ContactArrival::Reader);
        assert_eq!(contact_arrival(40), ContactArrival::Reader);
    }

    #[test]
    fn joining_is_immediate_only_at_a_verified_domain() {
        let domains = [
            MailDomain::parse("d", "caf78.fr").unwrap(),
            MailDomain::parse("d", "cnaf.fr").unwrap(),
        ];
        assert!(join_starts_active("lea@cnaf.fr", domains.iter()));
        assert!(!join_starts_active("lea@caf78.fr.example", domains.iter()));
        assert!(!join_starts_active("lea@caf78.fr", [].iter()));
    }

    #[test]
    fn an_organization_keeps_its_last_admin() {
        assert_eq!(may_stop_being_admin(Role::Admin, 1), Err(LastAdmin));
        assert_eq!(may_stop_being_admin(Role::Admin, 2), Ok(()));
        assert_eq!(may_stop_being_admin(Role::Member, 1), Ok(()));
        assert_eq!(Role::parse("admin"), Some(Role::Admin));
        assert_eq!(Role::parse("owner"), None);
    }
}
