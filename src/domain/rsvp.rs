//! An attendee's answer to a convocation, as iCalendar's PARTSTAT (RFC 5545 §3.2.12).
//!
//! The links of the email and the API say `accepted`, `tentative` or `declined`; the attendee's
//! row and the invitation say `ACCEPTED`, `TENTATIVE`, `DECLINED` (or `NEEDS-ACTION` before any
//! answer, which is not an answer one can give).

/// What an attendee can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    Tentative,
    Declined,
}

impl Answer {
    /// In the order a form shows them.
    pub const ALL: [Answer; 3] = [Answer::Accepted, Answer::Tentative, Answer::Declined];

    /// The word of links, forms and the API.
    pub fn parse(word: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == word)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Accepted => "accepted",
            Answer::Tentative => "tentative",
            Answer::Declined => "declined",
        }
    }

    /// The PARTSTAT stored and written in invitations.
    pub fn partstat(self) -> &'static str {
        match self {
            Answer::Accepted => "ACCEPTED",
            Answer::Tentative => "TENTATIVE",
            Answer::Declined => "DECLINED",
        }
    }

    /// The answer a stored PARTSTAT records, if it is one (`NEEDS-ACTION` is not).
    pub fn from_partstat(partstat: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.partstat() == partstat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_partstats_round_trip() {
        for answer in Answer::ALL {
            assert_eq!(Answer::parse(answer.as_str()), Some(answer));
            assert_eq!(Answer::from_partstat(answer.partstat()), Some(answer));
        }
        for refused in ["", "ACCEPTED", "maybe", "needs-action", " accepted"] {
            assert_eq!(Answer::parse(refused), None, "{refused:?}");
        }
        assert_eq!(Answer::from_partstat("NEEDS-ACTION"), None);
    }
}
