//! A project's lifecycle: `draft` (being written by its initiator) → `concertation` (partners
//! consulted: the first invitation) → `active` (a first meeting convened) → `closed` (ended by
//! its initiator). Each step is a conditional update from the states listed here.

use crate::domain::state::text_state;

text_state! {
    pub enum ProjectStatus {
        Draft => "draft",
        Concertation => "concertation",
        Active => "active",
        Closed => "closed",
    }
}

impl ProjectStatus {
    /// Whether the project still takes new invitations and meetings.
    pub fn is_open(self) -> bool {
        self != ProjectStatus::Closed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectEvent {
    /// A first organization is invited.
    Consulted,
    /// A first meeting is convened.
    Convened,
    /// The initiator closes the project.
    Closed,
}

impl ProjectEvent {
    /// The states the project moves from on this event (others stay as they are).
    pub fn from(self) -> &'static [ProjectStatus] {
        use ProjectStatus::*;
        match self {
            ProjectEvent::Consulted => &[Draft],
            ProjectEvent::Convened => &[Draft, Concertation],
            ProjectEvent::Closed => &[Draft, Concertation, Active],
        }
    }

    pub fn to(self) -> ProjectStatus {
        match self {
            ProjectEvent::Consulted => ProjectStatus::Concertation,
            ProjectEvent::Convened => ProjectStatus::Active,
            ProjectEvent::Closed => ProjectStatus::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_only_moves_forward() {
        use ProjectStatus::*;
        assert!(ProjectEvent::Consulted.from().contains(&Draft));
        assert!(
            !ProjectEvent::Consulted.from().contains(&Active),
            "a later invitation keeps it active"
        );
        assert!(!ProjectEvent::Convened.from().contains(&Closed));
        assert!(!ProjectEvent::Closed.from().contains(&Closed));
        assert_eq!(ProjectEvent::Convened.to(), Active);
        assert!(Active.is_open());
        assert!(!Closed.is_open());
        assert_eq!(ProjectStatus::parse("concertation"), Some(Concertation));
        assert_eq!(ProjectStatus::parse("Closed"), None);
    }
}
