//! The availability poll: tallies per slot and the suggested slot, scored by institution.
//!
//! Each person answers `yes`, `maybe` or `no` per candidate slot; a person counts for every
//! accepted partner organization they belong to. A partner is *covered* at a slot when at least
//! one of its members answered `yes`, *reachable* when one answered `yes` or `maybe`, and
//! *missing* when nobody of it answered either (nobody available, even tentatively).
//!
//! # The ordering ([`suggest`])
//!
//! Slots that start at or before `now` are never suggested, nor slots nobody answered `yes` or
//! `maybe` to. Among the others, a slot ranks higher than another by the first of these that
//! differs:
//!
//! 1. every accepted partner is covered (all institutions can come) — before anything else, so a
//!    slot with fewer votes but every partner present beats one with more votes and a partner
//!    missing;
//! 2. more partners covered;
//! 3. more partners reachable (a `maybe` breaks ties between institutions);
//! 4. more `yes` answers in all;
//! 5. more `maybe` answers in all;
//! 6. fewer `no` answers;
//! 7. the earlier start;
//! 8. the smaller slot id (so the suggestion is deterministic).

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::state::text_state;

text_state! {
    /// A person's answer for a slot.
    pub enum Availability {
        Yes => "yes",
        Maybe => "maybe",
        No => "no",
    }
}

/// One person's answer for a slot, with the accepted partners that person belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub organizations: Vec<Uuid>,
    pub answer: Availability,
}

/// A candidate slot and the answers given for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ballots: Vec<Ballot>,
}

/// The tally of one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub yes: usize,
    pub maybe: usize,
    pub no: usize,
    /// Partners with at least one `yes`.
    pub covered: usize,
    /// Partners with at least one `yes` or `maybe`.
    pub reachable: usize,
    /// Whether every accepted partner is covered.
    pub all_covered: bool,
    /// Partners nobody of which answered `yes` or `maybe`, in the order given.
    pub missing: Vec<Uuid>,
}

/// The accepted `partners` none of whose members answered the poll at all — not the same as
/// partners nobody of which is available on a slot (they may all have answered "no").
/// `answered_by` holds, for each person who answered, the partners they belong to.
pub fn unanswered(partners: &[Uuid], answered_by: &[Vec<Uuid>]) -> Vec<Uuid> {
    partners
        .iter()
        .filter(|p| !answered_by.iter().any(|orgs| orgs.contains(p)))
        .copied()
        .collect()
}

/// Tallies one slot for the accepted `partners`.
pub fn tally(partners: &[Uuid], ballots: &[Ballot]) -> Tally {
    let count = |a: Availability| ballots.iter().filter(|b| b.answer == a).count();
    let orgs_answering = |answers: &[Availability]| -> HashSet<Uuid> {
        ballots
            .iter()
            .filter(|b| answers.contains(&b.answer))
            .flat_map(|b| b.organizations.iter().copied())
            .collect()
    };
    let with_yes = orgs_answering(&[Availability::Yes]);
    let with_any = orgs_answering(&[Availability::Yes, Availability::Maybe]);
    let covered = partners.iter().filter(|p| with_yes.contains(p)).count();
    Tally {
        yes: count(Availability::Yes),
        maybe: count(Availability::Maybe),
        no: count(Availability::No),
        covered,
        reachable: partners.iter().filter(|p| with_any.contains(p)).count(),
        all_covered: !partners.is_empty() && covered == partners.len(),
        missing: partners
            .iter()
            .filter(|p| !with_any.contains(p))
            .copied()
            .collect(),
    }
}

/// Compares two tallied slots: `Less` means `a` ranks before (is better than) `b`.
fn rank(a: (&Candidate, &Tally), b: (&Candidate, &Tally)) -> Ordering {
    let ((sa, ta), (sb, tb)) = (a, b);
    tb.all_covered
        .cmp(&ta.all_covered)
        .then(tb.covered.cmp(&ta.covered))
        .then(tb.reachable.cmp(&ta.reachable))
        .then(tb.yes.cmp(&ta.yes))
        .then(tb.maybe.cmp(&ta.maybe))
        .then(ta.no.cmp(&tb.no))
        .then(sa.starts_at.cmp(&sb.starts_at))
        .then(sa.id.cmp(&sb.id))
}

/// The suggested slot (see the module documentation for the ordering), if any qualifies.
pub fn suggest(partners: &[Uuid], slots: &[Candidate], now: DateTime<Utc>) -> Option<Uuid> {
    slots
        .iter()
        .filter(|s| s.starts_at > now)
        .map(|s| (s, tally(partners, &s.ballots)))
        .filter(|(_, t)| t.yes + t.maybe > 0)
        .min_by(|a, b| rank((a.0, &a.1), (b.0, &b.1)))
        .map(|(s, _)| s.id)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn a_partner_that_answered_no_everywhere_has_answered() {
        let (mjc, caf, ville) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        // Someone of the CAF answered (no to every slot); nobody of the town did.
        let answered_by = vec![vec![mjc], vec![caf]];
        assert_eq!(unanswered(&[mjc, caf, ville], &answered_by), [ville]);
        assert_eq!(unanswered(&[mjc, caf], &answered_by), Vec::<Uuid>::new());
        // A person in two partners answers for both.
        assert_eq!(
            unanswered(&[caf, ville], &[vec![caf, ville]]),
            Vec::<Uuid>::new()
        );
    }
    use Availability::{Maybe, No, Yes};

    fn org(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn ballot(orgs: &[u128], answer: Availability) -> Ballot {
        Ballot {
            organizations: orgs.iter().map(|n| org(*n)).collect(),
            answer,
        }
    }

    fn slot(id: u128, days: i64, ballots: Vec<Ballot>) -> Candidate {
        Candidate {
            id: Uuid::from_u128(1000 + id),
            starts_at: now() + Duration::days(days),
            ballots,
        }
    }

    fn partners() -> Vec<Uuid> {
        vec![org(1), org(2), org(3)]
    }

    #[test]
    fn tallies_count_people_and_institutions() {
        let t = tally(
            &partners(),
            &[
                ballot(&[1], Yes),
                ballot(&[1], Yes),
                ballot(&[2], Maybe),
                ballot(&[3], No),
                // Someone who is not in an accepted partner counts as a person only.
                ballot(&[], Yes),
            ],
        );
        assert_eq!((t.yes, t.maybe, t.no), (3, 1, 1));
        assert_eq!((t.covered, t.reachable, t.all_covered), (1, 2, false));
        assert_eq!(t.missing, vec![org(3)]);
    }

    #[test]
    fn one_person_in_two_partners_covers_both() {
        let t = tally(&[org(1), org(2)], &[ballot(&[1, 2], Yes)]);
        assert!(t.all_covered);
        assert_eq!((t.yes, t.covered), (1, 2));
    }

    #[test]
    fn every_institution_present_beats_more_votes() {
        let crowded = slot(
            1,
            1,
            vec![
                ballot(&[1], Yes),
                ballot(&[1], Yes),
                ballot(&[1], Yes),
                ballot(&[2], Yes),
                ballot(&[2], Yes),
            ],
        );
        let everyone = slot(
            2,
            2,
            vec![ballot(&[1], Yes), ballot(&[2], Yes), ballot(&[3], Yes)],
        );
        assert_eq!(
            suggest(&partners(), &[crowded, everyone.clone()], now()),
            Some(everyone.id)
        );
    }

    #[test]
    fn more_institutions_covered_beats_more_people() {
        let two_orgs = slot(1, 2, vec![ballot(&[1], Yes), ballot(&[2], Yes)]);
        let one_org = slot(
            2,
            1,
            vec![ballot(&[1], Yes), ballot(&[1], Yes), ballot(&[1], Yes)],
        );
        assert_eq!(
            suggest(&partners(), &[one_org, two_orgs.clone()], now()),
            Some(two_orgs.id)
        );
    }

    #[test]
    fn a_maybe_breaks_ties_between_institutions() {
        let base = vec![ballot(&[1], Yes), ballot(&[2], Yes)];
        let plain = slot(1, 1, base.clone());
        let mut with_maybe = base;
        with_maybe.push(ballot(&[3], Maybe));
        let with_maybe = slot(2, 2, with_maybe);
        assert_eq!(
            suggest(&partners(), &[plain, with_maybe.clone()], now()),
            Some(with_maybe.id)
        );
    }

    #[test]
    fn then_people_then_maybes_then_fewer_noes_then_earlier() {
        let p = [org(1)];
        let more_yes = slot(1, 3, vec![ballot(&[1], Yes), ballot(&[], Yes)]);
        let fewer_yes = slot(2, 1, vec![ballot(&[1], Yes)]);
        assert_eq!(
            suggest(&p, &[fewer_yes.clone(), more_yes.clone()], now()),
            Some(more_yes.id)
        );

        let with_maybe = slot(3, 3, vec![ballot(&[1], Yes), ballot(&[], Maybe)]);
        assert_eq!(
            suggest(&p, &[fewer_yes.clone(), with_maybe.clone()], now()),
            Some(with_maybe.id)
        );

        let with_no = slot(4, 1, vec![ballot(&[1], Yes), ballot(&[], No)]);
        let late = slot(5, 5, vec![ballot(&[1], Yes)]);
        assert_eq!(suggest(&p, &[with_no, late.clone()], now()), Some(late.id));

        let early = slot(6, 2, vec![ballot(&[1], Yes)]);
        assert_eq!(
            suggest(&p, &[late.clone(), early.clone()], now()),
            Some(early.id)
        );

        // Same start, same answers: the smaller id, whatever the input order.
        let twin_a = slot(7, 2, vec![ballot(&[1], Yes)]);
        let mut twin_b = slot(8, 2, vec![ballot(&[1], Yes)]);
        twin_b.starts_at = twin_a.starts_at;
        assert_eq!(
            suggest(&p, &[twin_b.clone(), twin_a.clone()], now()),
            Some(twin_a.id)
        );
    }

    #[test]
    fn past_and_unanswered_slots_are_never_suggested() {
        let past = slot(1, -1, vec![ballot(&[1], Yes), ballot(&[2], Yes)]);
        let at_now = Candidate {
            starts_at: now(),
            ..slot(2, 0, vec![ballot(&[1], Yes)])
        };
        let only_no = slot(3, 1, vec![ballot(&[1], No)]);
        let silent = slot(4, 1, vec![]);
        assert_eq!(
            suggest(&partners(), &[past, at_now, only_no, silent], now()),
            None
        );
        assert_eq!(suggest(&partners(), &[], now()), None);
    }

    #[test]
    fn answers_parse() {
        for a in [Yes, Maybe, No] {
            assert_eq!(Availability::parse(a.as_str()), Some(a));
        }
        assert_eq!(Availability::parse("YES"), None);
    }
}
