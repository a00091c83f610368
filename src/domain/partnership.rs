//! Partnership states and transitions.
//!
//! An organization is a partner of a project only once it has *accepted* an invitation:
//!
//! ```text
//! invited ──accept──▶ accepted ──withdraw──▶ withdrawn
//!    │ └──decline──▶ declined                     │
//!    └───withdraw──▶ withdrawn                    │
//! declined / withdrawn ──reinvite──▶ invited ◀────┘
//! ```
//!
//! The storage layer turns a transition into a conditional update
//! (`UPDATE … WHERE status = ANY(from)`), so two concurrent answers cannot both win.

use crate::domain::state::text_state;

text_state! {
    pub enum PartnershipStatus {
        Invited => "invited",
        Accepted => "accepted",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
}

impl PartnershipStatus {
    /// Whether members of an organization in this state take part in the project (see it,
    /// co-edit the document): invited organizations are consulted, accepted ones are partners.
    pub fn takes_part(self) -> bool {
        matches!(
            self,
            PartnershipStatus::Invited | PartnershipStatus::Accepted
        )
    }

    /// Whether the organization has answered (or the question is closed).
    pub fn answered(self) -> bool {
        !matches!(self, PartnershipStatus::Invited)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The invited organization accepts.
    Accept,
    /// The invited organization declines.
    Decline,
    /// The initiator withdraws an invitation or ends a partnership.
    Withdraw,
    /// The initiator invites again an organization that declined or was withdrawn.
    Reinvite,
}

impl Transition {
    /// The states the transition may start from.
    pub fn from(self) -> &'static [PartnershipStatus] {
        use PartnershipStatus::*;
        match self {
            Transition::Accept | Transition::Decline => &[Invited],
            Transition::Withdraw => &[Invited, Accepted],
            Transition::Reinvite => &[Declined, Withdrawn],
        }
    }

    /// The state it leads to.
    pub fn to(self) -> PartnershipStatus {
        match self {
            Transition::Accept => PartnershipStatus::Accepted,
            Transition::Decline => PartnershipStatus::Declined,
            Transition::Withdraw => PartnershipStatus::Withdrawn,
            Transition::Reinvite => PartnershipStatus::Invited,
        }
    }

    /// The audit action recorded for it.
    pub fn audit_action(self) -> &'static str {
        match self {
            Transition::Accept => "partnership.accepted",
            Transition::Decline => "partnership.declined",
            Transition::Withdraw => "partnership.withdrawn",
            Transition::Reinvite => "partnership.reinvited",
        }
    }
}

/// The state after `transition`, or `None` when it is not allowed from `current`.
pub fn apply(current: PartnershipStatus, transition: Transition) -> Option<PartnershipStatus> {
    transition
        .from()
        .contains(&current)
        .then(|| transition.to())
}

#[cfg(test)]
mod tests {
    use super::PartnershipStatus::*;
    use super::*;

    const TRANSITIONS: [Transition; 4] = [
        Transition::Accept,
        Transition::Decline,
        Transition::Withdraw,
        Transition::Reinvite,
    ];

    #[test]
    fn every_transition_from_every_state() {
        let expected = |state, transition| match (state, transition) {
            (Invited, Transition::Accept) => Some(Accepted),
            (Invited, Transition::Decline) => Some(Declined),
            (Invited | Accepted, Transition::Withdraw) => Some(Withdrawn),
            (Declined | Withdrawn, Transition::Reinvite) => Some(Invited),
            _ => None,
        };
        for &state in PartnershipStatus::ALL {
            for transition in TRANSITIONS {
                assert_eq!(
                    apply(state, transition),
                    expected(state, transition),
                    "{state:?} --{transition:?}-->"
                );
            }
        }
    }

    #[test]
    fn an_answer_is_final_until_reinvited() {
        assert_eq!(apply(Accepted, Transition::Decline), None);
        assert_eq!(apply(Declined, Transition::Accept), None);
        assert_eq!(apply(Withdrawn, Transition::Accept), None);
        assert_eq!(apply(Accepted, Transition::Accept), None, "accepting twice");
    }

    #[test]
    fn only_invited_and_accepted_take_part() {
        assert!(Invited.takes_part());
        assert!(Accepted.takes_part());
        assert!(!Declined.takes_part());
        assert!(!Withdrawn.takes_part());
        assert!(!Invited.answered());
        assert!(Declined.answered());
    }

    #[test]
    fn status_names_round_trip() {
        for &state in PartnershipStatus::ALL {
            assert_eq!(PartnershipStatus::parse(state.as_str()), Some(state));
        }
        assert_eq!(PartnershipStatus::parse("pending"), None);
    }
}
