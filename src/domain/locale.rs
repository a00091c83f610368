//! The two languages of Amont: French (the default) and English.

use serde::{Deserialize, Serialize};

use crate::domain::input::InputError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    /// `fr` or `en` (as stored in `users.locale`); anything else is not a locale of ours.
    pub fn parse(code: &str) -> Option<Locale> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The language a client named in `field`: `fr` or `en`, anything else is refused.
    pub fn named(field: &'static str, code: &str) -> Result<Locale, InputError> {
        Locale::parse(code).ok_or_else(|| InputError {
            field,
            message: "fr or en".to_owned(),
        })
    }

    /// The language a client named in `field` if any (see `named`), else `otherwise` (the
    /// profile's, the browser's).
    pub fn named_or(
        field: &'static str,
        code: Option<&str>,
        otherwise: impl FnOnce() -> Locale,
    ) -> Result<Locale, InputError> {
        code.map_or_else(|| Ok(otherwise()), |code| Locale::named(field, code))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// The first of our languages named in an `Accept-Language` header, by order of preference
    /// (q-values honoured); French when none is named.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut ranked: Vec<(f32, usize, Locale)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let primary = tag.split('-').next()?;
                let locale = Locale::parse(primary)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (quality > 0.0).then_some((quality, position, locale))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes() {
        assert_eq!(Locale::parse("fr"), Some(Locale::Fr));
        assert_eq!(Locale::parse(" EN "), Some(Locale::En));
        assert_eq!(Locale::parse("de"), None);
        assert_eq!(Locale::default(), Locale::Fr);
    }

    #[test]
    fn accept_language_prefers_the_highest_quality_of_ours() {
        assert_eq!(
            Locale::from_accept_language("en-GB,en;q=0.9,fr;q=0.8"),
            Locale::En
        );
        assert_eq!(
            Locale::from_accept_language("de-DE,fr;q=0.5,en;q=0.7"),
            Locale::En
        );
        assert_eq!(Locale::from_accept_language("fr-FR"), Locale::Fr);
        assert_eq!(Locale::from_accept_language("de, es"), Locale::Fr);
        assert_eq!(Locale::from_accept_language(""), Locale::Fr);
        assert_eq!(Locale::from_accept_language("en;q=0, fr"), Locale::Fr);
    }
}
