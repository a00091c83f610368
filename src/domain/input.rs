//! Input parsed at the edge into types that cannot hold a bad value ("parse, don't validate").

use std::fmt;

use crate::domain::gate::Decision;

/// Why a piece of input was refused, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for InputError {}

fn refuse(field: &'static str, message: impl Into<String>) -> InputError {
    InputError {
        field,
        message: message.into(),
    }
}

/// An email address, trimmed and lowercased (addresses are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InputError> {
        let candidate = raw.trim().to_lowercase();
        if candidate.len() > 254 {
            return Err(refuse(field, "an email address has at most 254 characters"));
        }
        // Only plain addresses: no display name, no line break that could reach a header.
        if candidate.contains(['<', '>', '\r', '\n', ' ', ',']) {
            return Err(refuse(field, "not a plain email address"));
        }
        email_address::EmailAddress::parse_with_options(
            &candidate,
            email_address::Options::default().without_display_text(),
        )
        .map_err(|e| refuse(field, format!("not a valid email address ({e})")))?;
        if !candidate.contains('@') || candidate.ends_with('@') {
            return Err(refuse(field, "not a valid email address"));
        }
        Ok(EmailAddress(candidate))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, a default display name for people who never set one.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A one-line text (a name, a title): trimmed, not empty, at most `max` characters, no control
/// characters.
pub fn line(field: &'static str, raw: &str, max: usize) -> Result<String, InputError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(refuse(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(refuse(field, format!("at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(refuse(
            field,
            "must be a single line without control characters",
        ));
    }
    Ok(text.to_owned())
}

/// An optional one-line text: absent or blank gives `None`.
pub fn optional_line(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, InputError> {
    optional(raw, |text| line(field, text, max))
}

/// `None` for an absent or blank text, else what `parse` makes of it, trimmed.
fn optional(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<String, InputError>,
) -> Result<Option<String>, InputError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse(text).map(Some),
    }
}

/// A multi-line text (a summary, a comment): at most `max` characters; line breaks and tabs are
/// allowed, other control characters are not.
pub fn paragraph(field: &'static str, raw: &str, max: usize) -> Result<String, InputError> {
    if raw.chars().count() > max {
        return Err(refuse(field, format!("at most {max} characters")));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(refuse(field, "contains control characters"));
    }
    Ok(raw.to_owned())
}

/// An optional multi-line text (a comment): absent or blank gives `None`, else trimmed.
pub fn optional_paragraph(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, InputError> {
    optional(raw, |text| paragraph(field, text, max))
}

/// What someone answers when asked to agree to a text (a mission, an agenda, a short notice):
/// `agree` or `object`, with a comment of up to 2,000 characters.
pub fn agreement_answer(
    decision: &str,
    comment: Option<&str>,
) -> Result<(Decision, Option<String>), InputError> {
    let decision =
        Decision::parse(decision).ok_or_else(|| refuse("decision", "agree or object"))?;
    Ok((decision, optional_paragraph("comment", comment, 2000)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_normalized_and_checked() {
        let email = EmailAddress::parse("email", "  Claire.Martin@CAF.fr ").unwrap();
        assert_eq!(email.as_str(), "claire.martin@caf.fr");
        assert_eq!(email.local_part(), "claire.martin");
        for bad in [
            "",
            "claire",
            "claire@",
            "@caf.fr",
            "Claire <claire@caf.fr>",
            "a@b.fr\r\nBcc: x@y.fr",
            "a@b.fr, c@d.fr",
        ] {
            let err = EmailAddress::parse("email", bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
        }
    }

    #[test]
    fn lines_are_trimmed_bounded_and_single() {
        assert_eq!(
            line("title", "  Projet jeunesse ", 50).unwrap(),
            "Projet jeunesse"
        );
        assert!(line("title", "   ", 50).is_err());
        assert!(line("title", "a\nb", 50).is_err());
        assert!(line("title", &"é".repeat(51), 50).is_err());
        assert_eq!(
            line("title", &"é".repeat(50), 50).unwrap().chars().count(),
            50
        );
        assert_eq!(optional_line("role", Some("  "), 10).unwrap(), None);
        assert_eq!(optional_line("role", None, 10).unwrap(), None);
        assert_eq!(
            optional_line("role", Some(" pilote "), 10).unwrap(),
            Some("pilote".into())
        );
    }

    #[test]
    fn paragraphs_allow_line_breaks_only() {
        assert!(paragraph("summary", "Ligne 1\nLigne 2\tfin", 100).is_ok());
        assert!(paragraph("summary", "bell\u{7}", 100).is_err());
        assert!(paragraph("summary", &"x".repeat(101), 100).is_err());
        assert_eq!(
            optional_paragraph("comment", Some("  \n "), 10).unwrap(),
            None
        );
        assert_eq!(
            optional_paragraph("comment", Some(" a\nb "), 10).unwrap(),
            Some("a\nb".into())
        );
    }
}
