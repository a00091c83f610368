//! After the meeting: decisions with each partner's position, action items and their states,
//! what is overdue, and what a daily digest contains.

use std::collections::HashSet;

use crate::domain::state::text_state;
use chrono::{DateTime, Days, NaiveDate, Utc};
use uuid::Uuid;

text_state! {
    pub enum DecisionStatus {
        Adopted => "adopted",
        Rejected => "rejected",
        Deferred => "deferred",
    }
}

text_state! {
    /// A partner's position on a decision.
    #[schemars(rename = "PositionKind")]
    pub enum Position {
        Consent => "consent",
        Objection => "objection",
        Abstention => "abstention",
    }
}

/// Why a decision's positions were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PositionError {
    /// A position for an organization that is not an accepted partner of the project.
    NotAPartner(Uuid),
    /// Two positions for the same organization.
    Duplicate(Uuid),
}

/// A decision may record positions only for accepted partners, one each.
pub fn check_positions(accepted: &[Uuid], positions: &[Uuid]) -> Result<(), PositionError> {
    let accepted: HashSet<&Uuid> = accepted.iter().collect();
    let mut seen = HashSet::new();
    for org in positions {
        if !accepted.contains(org) {
            return Err(PositionError::NotAPartner(*org));
        }
        if !seen.insert(*org) {
            return Err(PositionError::Duplicate(*org));
        }
    }
    Ok(())
}

/// Whether a decision was recorded before its meeting started (allowed, and said so wherever
/// the decision is shown): recorded before `starts_at`, or while the meeting had no time yet.
pub fn recorded_before_meeting(
    recorded_at: DateTime<Utc>,
    starts_at: Option<DateTime<Utc>>,
) -> bool {
    starts_at.is_none_or(|start| recorded_at < start)
}

text_state! {
    pub enum ActionStatus {
        Open => "open",
        Done => "done",
        Cancelled => "cancelled",
    }
}

impl ActionStatus {
    /// The states an action may move to `self` from: an open action is done or cancelled; a done
    /// or cancelled one may be reopened (a mistake, or work that resumes).
    pub fn allowed_from(self) -> &'static [ActionStatus] {
        match self {
            Self::Open => &[Self::Done, Self::Cancelled],
            Self::Done | Self::Cancelled => &[Self::Open],
        }
    }
}

/// Whether an action is late on `today`: open, and its due date passed.
pub fn is_overdue(status: ActionStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == ActionStatus::Open && due_on < today
}

/// How far ahead the digest looks.
pub const DIGEST_HORIZON_DAYS: u64 = 7;

/// Whether an action belongs in the digest of `today`: open, and due within the horizon or
/// overdue.
pub fn in_digest(status: ActionStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    let horizon = today
        .checked_add_days(Days::new(DIGEST_HORIZON_DAYS))
        .unwrap_or(NaiveDate::MAX);
    status == ActionStatus::Open && due_on <= horizon
}

/// Whether a person gets a digest today: something to say, and none sent today yet.
pub fn digest_due(last_sent_on: Option<NaiveDate>, today: NaiveDate, items: usize) -> bool {
    items > 0 && last_sent_on.is_none_or(|last| last < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_decision_before_the_start_or_without_a_time_is_recorded_before_the_meeting() {
        let start: DateTime<Utc> = "2026-12-03T09:00:00Z".parse().unwrap();
        let second = chrono::Duration::seconds(1);
        assert!(recorded_before_meeting(start - second, Some(start)));
        assert!(!recorded_before_meeting(start, Some(start)));
        assert!(!recorded_before_meeting(start + second, Some(start)));
        assert!(recorded_before_meeting(start, None));
    }

    #[test]
    fn positions_only_for_accepted_partners_once_each() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(check_positions(&[a, b], &[a, b]), Ok(()));
        assert_eq!(check_positions(&[a, b], &[]), Ok(()));
        assert_eq!(
            check_positions(&[a, b], &[a, c]),
            Err(PositionError::NotAPartner(c))
        );
        assert_eq!(
            check_positions(&[a, b], &[b, b]),
            Err(PositionError::Duplicate(b))
        );
        assert_eq!(
            check_positions(&[], &[a]),
            Err(PositionError::NotAPartner(a))
        );
    }

    #[test]
    fn action_transitions() {
        use ActionStatus::*;
        let allowed = |from: ActionStatus, to: ActionStatus| to.allowed_from().contains(&from);
        assert!(allowed(Open, Done));
        assert!(allowed(Open, Cancelled));
        assert!(allowed(Done, Open));
        assert!(allowed(Cancelled, Open));
        assert!(!allowed(Done, Cancelled));
        assert!(!allowed(Cancelled, Done));
        for &s in ActionStatus::ALL {
            assert!(!allowed(s, s), "{s:?} to itself is not a change");
            assert_eq!(ActionStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn overdue_means_open_and_past_due() {
        assert!(is_overdue(ActionStatus::Open, day(9), day(10)));
        assert!(
            !is_overdue(ActionStatus::Open, day(10), day(10)),
            "due today is not late"
        );
        assert!(!is_overdue(ActionStatus::Done, day(1), day(10)));
        assert!(!is_overdue(ActionStatus::Cancelled, day(1), day(10)));
    }

    #[test]
    fn digest_selects_due_within_seven_days_or_overdue() {
        let today = day(10);
        assert!(in_digest(ActionStatus::Open, day(1), today), "overdue");
        assert!(in_digest(ActionStatus::Open, day(10), today), "due today");
        assert!(
            in_digest(ActionStatus::Open, day(17), today),
            "in seven days"
        );
        assert!(
            !in_digest(ActionStatus::Open, day(18), today),
            "in eight days"
        );
        assert!(!in_digest(ActionStatus::Done, day(9), today));
        assert!(!in_digest(ActionStatus::Cancelled, day(9), today));
    }

    #[test]
    fn at_most_one_digest_a_day_and_none_when_nothing_to_say() {
        assert!(digest_due(None, day(10), 1));
        assert!(digest_due(Some(day(9)), day(10), 2));
        assert!(!digest_due(Some(day(10)), day(10), 3));
        assert!(!digest_due(None, day(10), 0));
    }

    #[test]
    fn names_round_trip() {
        for &s in DecisionStatus::ALL {
            assert_eq!(DecisionStatus::parse(s.as_str()), Some(s));
        }
        for &p in Position::ALL {
            assert_eq!(Position::parse(p.as_str()), Some(p));
        }
        assert_eq!(Position::parse("veto"), None);
    }
}
