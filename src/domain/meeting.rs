//! A meeting's lifecycle.
//!
//! ```text
//! planning ──convene──▶ convened ──hold──▶ held
//!    │                     │
//!    └──────cancel─────────┴──cancel──▶ cancelled
//! ```
//!
//! The storage layer turns each step into a conditional update from the states it allows, so a
//! meeting is convened once, held once, and never convened after it was cancelled.

use chrono_tz::Tz;

use crate::domain::state::text_state;

/// A meeting's time zone from its stored IANA name; Paris (the product's home) for a name this
/// build of the zone database does not know.
pub fn zone_or_paris(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Europe::Paris)
}

text_state! {
    pub enum MeetingStatus {
        Planning => "planning",
        Convened => "convened",
        Cancelled => "cancelled",
        Held => "held",
    }
}

/// A step of a meeting's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingStep {
    Convene,
    Cancel,
    Hold,
}

impl MeetingStep {
    /// The states this step moves a meeting from.
    pub fn from(self) -> &'static [MeetingStatus] {
        use MeetingStatus::*;
        match self {
            MeetingStep::Convene => &[Planning],
            MeetingStep::Cancel => &[Planning, Convened],
            MeetingStep::Hold => &[Convened],
        }
    }

    pub fn to(self) -> MeetingStatus {
        match self {
            MeetingStep::Convene => MeetingStatus::Convened,
            MeetingStep::Cancel => MeetingStatus::Cancelled,
            MeetingStep::Hold => MeetingStatus::Held,
        }
    }
}

impl MeetingStatus {
    /// Whether attendees have been sent the meeting (an update or a cancellation then reaches them).
    pub fn was_convened(self) -> bool {
        matches!(self, MeetingStatus::Convened | MeetingStatus::Held)
    }

    /// Whether decisions may be recorded for it.
    pub fn takes_decisions(self) -> bool {
        self.was_convened()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_only_move_forward() {
        use MeetingStatus::*;
        for &state in MeetingStatus::ALL {
            for step in [MeetingStep::Convene, MeetingStep::Cancel, MeetingStep::Hold] {
                if step.from().contains(&state) {
                    assert_ne!(step.to(), state, "{step:?} from {state}");
                }
            }
        }
        assert!(!MeetingStep::Convene.from().contains(&Cancelled));
        assert!(!MeetingStep::Hold.from().contains(&Planning));
        assert!(!MeetingStep::Cancel.from().contains(&Held));
        assert!(Held.takes_decisions() && Convened.takes_decisions());
        assert!(!Planning.takes_decisions() && !Cancelled.takes_decisions());
    }
}
