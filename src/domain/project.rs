//! A project's lifecycle: `draft` (being written by its initiator) → `concertation` (partners
//! consulted: the first invitation) → `active` (a first meeting convened) → `closed` (ended by
//! its initiator). Each step is a conditional update from the states listed here.

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
    pub fn from(self) -> &'static [&'static str] {
        match self {
            ProjectEvent::Consulted => &["draft"],
            ProjectEvent::Convened => &["draft", "concertation"],
            ProjectEvent::Closed => &["draft", "concertation", "active"],
        }
    }

    pub fn to(self) -> &'static str {
        match self {
            ProjectEvent::Consulted => "concertation",
            ProjectEvent::Convened => "active",
            ProjectEvent::Closed => "closed",
        }
    }
}

/// Whether the project still takes new invitations and meetings.
pub fn is_open(status: &str) -> bool {
    status != "closed"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_only_moves_forward() {
        assert!(ProjectEvent::Consulted.from().contains(&"draft"));
        assert!(
            !ProjectEvent::Consulted.from().contains(&"active"),
            "a later invitation keeps it active"
        );
        assert!(!ProjectEvent::Convened.from().contains(&"closed"));
        assert!(!ProjectEvent::Closed.from().contains(&"closed"));
        assert_eq!(ProjectEvent::Convened.to(), "active");
        assert!(is_open("active"));
        assert!(!is_open("closed"));
    }
}
