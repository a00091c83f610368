//! Asking people (API.md, "Asking people, and what each person has to do"): the pure rules of
//! who still owes what on a meeting's gate, when a person's pending notices go out as one email,
//! and when a partner may be reminded.
//!
//! - [`pending`]: each partner (not the initiator) with something to do — answer the
//!   consultation, answer the poll, agree to its mission, agree to the agenda.
//! - [`send_now`]: a person's pending notices of one project go out together, at most once per
//!   window ([`COALESCING_WINDOW`] unless configured); "daily" notices wait for the next
//!   morning, "off" ones are dropped.
//! - [`may_remind`], [`auto_reminder_due`]: one reminder per partner per [`REMINDER_INTERVAL`];
//!   the automatic one from two days before the poll's `respond_by`.

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::domain::gate::{GateState, Rule, upstream_unmet};
use crate::domain::partnership::PartnershipStatus;
use crate::domain::state::text_state;

/// At most one email per person and project in this window (the default of
/// `AMONT_NOTICE_WINDOW`).
pub const COALESCING_WINDOW: Duration = Duration::minutes(15);
/// At most one reminder per partner (and meeting) in this interval.
pub const REMINDER_INTERVAL: Duration = Duration::hours(24);
/// Automatic reminders start this many days before `respond_by`.
pub const AUTO_REMINDER_DAYS: u64 = 2;
/// The hour (Paris time) at which "daily" notices go out.
pub const DAILY_HOUR: u32 = 7;

text_state! {
    /// How a person wants to hear about one kind of notice.
    #[schemars(rename = "NotificationPreference")]
    pub enum Preference {
        Immediate => "immediate",
        Daily => "daily",
        Off => "off",
    }
}

text_state! {
    /// The kinds of notice a person chooses for: what is asked of them, and news of what others
    /// did. Convocations and login links are not notices: they are always sent.
    pub enum Category {
        Requests => "requests",
        Updates => "updates",
    }
}

text_state! {
    /// What a notice tells.
    pub enum Event {
        /// A meeting's poll has its first slot: answer it.
        PollOpened => "poll_opened",
        /// A poll gained slots: answer them.
        PollSlotsAdded => "poll_slots_added",
        /// The organization's mission waits for its agreement.
        MissionWaiting => "mission_waiting",
        /// A meeting's agenda waits for the organization's agreement.
        AgendaWaiting => "agenda_waiting",
        /// The organization's agreement stopped counting: the text changed.
        AgreementVoided => "agreement_voided",
        /// A partner answered the consultation (to the initiator).
        PartnerAnswered => "partner_answered",
        /// The gate is satisfied: the concertation can be recorded (to the initiator).
        GateSatisfied => "gate_satisfied",
        /// The initiator (or the poll's date) reminds a partner of what it still owes.
        Reminder => "reminder",
    }
}

impl Event {
    /// The preference that governs this notice.
    pub fn category(self) -> Category {
        match self {
            Event::PartnerAnswered | Event::GateSatisfied => Category::Updates,
            _ => Category::Requests,
        }
    }
}

/// A person's preferences; the default is immediate for both kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preferences {
    pub requests: Preference,
    pub updates: Preference,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            requests: Preference::Immediate,
            updates: Preference::Immediate,
        }
    }
}

impl Preferences {
    pub fn of(&self, category: Category) -> Preference {
        match category {
            Category::Requests => self.requests,
            Category::Updates => self.updates,
        }
    }
}

/// One notice waiting to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub id: i64,
    pub category: Category,
    pub created_at: DateTime<Utc>,
}

/// What to do with a person's waiting notices of one project, now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Sent in one email now (empty: no email).
    pub send: Vec<i64>,
    /// Closed without an email: their kind is turned off.
    pub drop: Vec<i64>,
}

/// The first [`DAILY_HOUR`] (Paris time) strictly after `at`: when a "daily" notice is due.
pub fn next_morning(at: DateTime<Utc>) -> DateTime<Utc> {
    let paris = at.with_timezone(&chrono_tz::Europe::Paris);
    let hour = NaiveTime::from_hms_opt(DAILY_HOUR, 0, 0).unwrap_or_default();
    let mut day = paris.date_naive();
    loop {
        let candidate = chrono_tz::Europe::Paris
            .from_local_datetime(&day.and_time(hour))
            .earliest()
            .map(|t| t.with_timezone(&Utc));
        if let Some(candidate) = candidate.filter(|c| *c > at) {
            return candidate;
        }
        day = day.checked_add_days(Days::new(1)).unwrap_or(day);
    }
}

/// Decides, for one person and one project: `waiting` notices, the person's `preferences`, and
/// when the last email about this project went to them. Nothing goes out within `window`
/// ([`COALESCING_WINDOW`] by default) of the last email; after it, as soon as one notice is due
/// (immediate: at once; daily: from the next morning), every waiting notice not turned off goes
/// in the same email — what happened meanwhile joins it.
pub fn send_now(
    waiting: &[Waiting],
    preferences: Preferences,
    last_sent: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Duration,
) -> Outcome {
    let (off, on): (Vec<&Waiting>, Vec<&Waiting>) = waiting
        .iter()
        .partition(|w| preferences.of(w.category) == Preference::Off);
    let drop = off.iter().map(|w| w.id).collect();
    if last_sent.is_some_and(|last| now < last + window) {
        return Outcome { send: vec![], drop };
    }
    let due = on.iter().any(|w| match preferences.of(w.category) {
        Preference::Immediate => true,
        Preference::Daily => now >= next_morning(w.created_at),
        Preference::Off => false,
    });
    Outcome {
        send: if due {
            on.iter().map(|w| w.id).collect()
        } else {
            vec![]
        },
        drop,
    }
}

text_state! {
    /// What a partner still owes on a meeting, as a reminder names it.
    #[schemars(rename = "PendingRule")]
    pub enum Owed {
        /// Its answer to the consultation (gate rule `partner_not_answered`).
        #[serde(rename = "partner_not_answered")]
        PartnerNotAnswered => "partner_not_answered",
        /// An answer to the poll: none of its members answered (no slot chosen yet).
        #[serde(rename = "poll_not_answered")]
        PollNotAnswered => "poll_not_answered",
        /// Its agreement to the current text of its mission (`mission_not_agreed`).
        #[serde(rename = "mission_not_agreed")]
        MissionNotAgreed => "mission_not_agreed",
        /// Its agreement to the current agenda (`agenda_not_agreed`).
        #[serde(rename = "agenda_not_agreed")]
        AgendaNotAgreed => "agenda_not_agreed",
        /// Its agreement to a convocation at short notice (`notice_too_short`).
        #[serde(rename = "notice_too_short")]
        ShortNoticeNotAgreed => "notice_too_short",
    }
}

/// A partner and what it still owes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub organization_id: Uuid,
    pub owed: Vec<Owed>,
}

/// Every partner other than the initiator with something pending on the meeting: the gate's
/// partner rules (1–5) that name it, its agreement to a short notice (rule 7), and the poll when slots are proposed, none is chosen and
/// none of its members answered (`poll_answered`: the organizations of which someone did;
/// `has_slots`: whether the poll has slots). Partners in the gate's order.
pub fn pending(
    state: &GateState,
    initiator: Uuid,
    has_slots: bool,
    poll_answered: &[Uuid],
) -> Vec<Pending> {
    let unmet = upstream_unmet(state);
    let short = state
        .notice_check()
        .map(|check| check.missing_agreements)
        .unwrap_or_default();
    let mut out = Vec::new();
    for partner in &state.partners {
        let id = partner.organization_id;
        if id == initiator || !partner.status.takes_part() {
            continue;
        }
        let mut owed = Vec::new();
        for u in unmet.iter().filter(|u| u.organization_id == Some(id)) {
            let rule = match u.rule {
                Rule::PartnerNotAnswered => Owed::PartnerNotAnswered,
                Rule::MissionNotAgreed => Owed::MissionNotAgreed,
                Rule::AgendaNotAgreed => Owed::AgendaNotAgreed,
                _ => continue,
            };
            if !owed.contains(&rule) {
                owed.push(rule);
            }
        }
        if short.contains(&id) {
            owed.push(Owed::ShortNoticeNotAgreed);
        }
        if partner.status == PartnershipStatus::Accepted
            && has_slots
            && state.starts_at.is_none()
            && !poll_answered.contains(&id)
        {
            owed.push(Owed::PollNotAnswered);
        }
        owed.sort_by_key(|o| Owed::ALL.iter().position(|x| x == o));
        if !owed.is_empty() {
            out.push(Pending {
                organization_id: id,
                owed,
            });
        }
    }
    out
}

text_state! {
    /// Why a partner with something pending was not reminded.
    pub enum SkipReason {
        /// Reminded less than [`REMINDER_INTERVAL`] ago.
        #[serde(rename = "reminded_recently")]
        RemindedRecently => "reminded_recently",
        /// Nobody in Amont speaks for it yet (no member account): no email could reach it.
        #[serde(rename = "no_member")]
        NoMember => "no_member",
    }
}

/// Whether a partner last reminded at `last` may be reminded again at `now`; otherwise the
/// earliest time it may.
pub fn may_remind(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
    match last {
        Some(last) if now < last + REMINDER_INTERVAL => Err(last + REMINDER_INTERVAL),
        _ => Ok(()),
    }
}

/// Whether the automatic reminder before `respond_by` is due at `now` for a partner: from the
/// start of the day [`AUTO_REMINDER_DAYS`] before it (in the meeting's zone) to the end of
/// `respond_by`, once (`already`: an automatic reminder was sent for this meeting), and not
/// within [`REMINDER_INTERVAL`] of another reminder.
pub fn auto_reminder_due(
    respond_by: NaiveDate,
    zone: Tz,
    now: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
    already: bool,
) -> bool {
    let today = now.with_timezone(&zone).date_naive();
    let from = respond_by
        .checked_sub_days(Days::new(AUTO_REMINDER_DAYS))
        .unwrap_or(respond_by);
    !already && (from..=respond_by).contains(&today) && may_remind(last, now).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gate::{Consent, Decision, PartnerState};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn waiting(id: i64, category: Category, created_at: &str) -> Waiting {
        Waiting {
            id,
            category,
            created_at: at(created_at),
        }
    }

    #[test]
    fn immediate_notices_go_at_once_and_together() {
        let w = [
            waiting(1, Category::Requests, "2027-03-01T10:00:00Z"),
            waiting(2, Category::Updates, "2027-03-01T10:01:00Z"),
        ];
        let out = send_now(
            &w,
            Preferences::default(),
            None,
            at("2027-03-01T10:01:00Z"),
            COALESCING_WINDOW,
        );
        assert_eq!(out.send, vec![1, 2]);
        assert!(out.drop.is_empty());
    }

    /// The last email went at 10:00 and a request waits since 10:00:30: with `window`, nothing
    /// goes at `still_held` and the request goes at `goes_at`.
    fn held_by_window(window: Duration, still_held: &str, goes_at: &str) {
        let w = [waiting(3, Category::Requests, "2027-03-01T10:00:30Z")];
        let last = Some(at("2027-03-01T10:00:00Z"));
        let p = Preferences::default();
        assert!(
            send_now(&w, p, last, at(still_held), window)
                .send
                .is_empty()
        );
        assert_eq!(send_now(&w, p, last, at(goes_at), window).send, vec![3]);
    }

    #[test]
    fn nothing_goes_within_fifteen_minutes_of_the_last_email() {
        held_by_window(
            COALESCING_WINDOW,
            "2027-03-01T10:14:59Z",
            "2027-03-01T10:15:00Z",
        );
    }

    #[test]
    fn a_configured_window_replaces_the_fifteen_minutes() {
        held_by_window(
            Duration::seconds(60),
            "2027-03-01T10:00:59Z",
            "2027-03-01T10:01:00Z",
        );
    }

    #[test]
    fn daily_notices_wait_for_the_morning_unless_an_immediate_one_carries_them() {
        let p = Preferences {
            requests: Preference::Immediate,
            updates: Preference::Daily,
        };
        // 10:00 UTC = 11:00 Paris (winter): next morning is 06:00 UTC the day after.
        let daily = waiting(1, Category::Updates, "2027-03-01T10:00:00Z");
        assert!(
            send_now(
                &[daily],
                p,
                None,
                at("2027-03-02T05:59:00Z"),
                COALESCING_WINDOW
            )
            .send
            .is_empty()
        );
        assert_eq!(
            send_now(
                &[daily],
                p,
                None,
                at("2027-03-02T06:00:00Z"),
                COALESCING_WINDOW
            )
            .send,
            vec![1]
        );
        let both = [
            daily,
            waiting(2, Category::Requests, "2027-03-01T11:00:00Z"),
        ];
        assert_eq!(
            send_now(
                &both,
                p,
                None,
                at("2027-03-01T11:00:00Z"),
                COALESCING_WINDOW
            )
            .send,
            vec![1, 2]
        );
    }

    #[test]
    fn turned_off_notices_are_dropped_and_never_sent() {
        let p = Preferences {
            requests: Preference::Off,
            updates: Preference::Immediate,
        };
        let w = [
            waiting(1, Category::Requests, "2027-03-01T10:00:00Z"),
            waiting(2, Category::Updates, "2027-03-01T10:00:00Z"),
        ];
        let out = send_now(&w, p, None, at("2027-03-01T10:00:00Z"), COALESCING_WINDOW);
        assert_eq!(out.send, vec![2]);
        assert_eq!(out.drop, vec![1]);
        let out = send_now(
            &w[..1],
            p,
            None,
            at("2027-03-01T10:00:00Z"),
            COALESCING_WINDOW,
        );
        assert_eq!(
            out,
            Outcome {
                send: vec![],
                drop: vec![1]
            }
        );
    }

    #[test]
    fn next_morning_follows_paris_time_across_daylight_saving() {
        // Summer: 07:00 Paris = 05:00 UTC.
        assert_eq!(
            next_morning(at("2027-07-01T04:00:00Z")),
            at("2027-07-01T05:00:00Z")
        );
        assert_eq!(
            next_morning(at("2027-07-01T05:00:00Z")),
            at("2027-07-02T05:00:00Z")
        );
        assert_eq!(
            next_morning(at("2027-01-10T20:00:00Z")),
            at("2027-01-11T06:00:00Z")
        );
    }

    #[test]
    fn the_words_in_json_are_the_stored_words() {
        for owed in Owed::ALL {
            assert_eq!(serde_json::to_value(owed).unwrap(), owed.as_str());
        }
        for preference in Preference::ALL {
            assert_eq!(
                serde_json::to_value(preference).unwrap(),
                preference.as_str()
            );
        }
    }

    #[test]
    fn one_reminder_per_partner_per_day() {
        let last = at("2027-03-01T10:00:00Z");
        assert_eq!(may_remind(None, last), Ok(()));
        assert_eq!(
            may_remind(Some(last), at("2027-03-02T09:59:59Z")),
            Err(at("2027-03-02T10:00:00Z"))
        );
        assert_eq!(may_remind(Some(last), at("2027-03-02T10:00:00Z")), Ok(()));
    }

    #[test]
    fn the_automatic_reminder_runs_from_two_days_before_respond_by() {
        let by = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        let paris = chrono_tz::Europe::Paris;
        // 7 March 23:30 Paris is 22:30 UTC: too early; 8 March 00:00 Paris is due.
        assert!(!auto_reminder_due(
            by,
            paris,
            at("2027-03-07T22:30:00Z"),
            None,
            false
        ));
        assert!(auto_reminder_due(
            by,
            paris,
            at("2027-03-07T23:00:00Z"),
            None,
            false
        ));
        assert!(auto_reminder_due(
            by,
            paris,
            at("2027-03-10T22:00:00Z"),
            None,
            false
        ));
        assert!(!auto_reminder_due(
            by,
            paris,
            at("2027-03-10T23:00:00Z"),
            None,
            false
        ));
        // Once, and not on top of a recent reminder.
        assert!(!auto_reminder_due(
            by,
            paris,
            at("2027-03-08T12:00:00Z"),
            None,
            true
        ));
        let recent = Some(at("2027-03-08T09:00:00Z"));
        assert!(!auto_reminder_due(
            by,
            paris,
            at("2027-03-08T12:00:00Z"),
            recent,
            false
        ));
    }

    const MISSION: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const AGENDA: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn partner(n: u128, name: &str, status: PartnershipStatus, agreed: bool) -> PartnerState {
        let consent = |hash: &str| Consent {
            agreement_id: Uuid::new_v4(),
            content_hash: hash.to_owned(),
            decision: Decision::Agree,
        };
        PartnerState {
            organization_id: Uuid::from_u128(n),
            organization_name: name.to_owned(),
            status,
            mission_hash: MISSION.into(),
            mission_consent: agreed.then(|| consent(MISSION)),
            agenda_consent: agreed.then(|| consent(AGENDA)),
            short_notice_consent: None,
            representatives: 1,
        }
    }

    #[test]
    fn pending_names_what_each_partner_owes_and_never_the_initiator() {
        let initiator = partner(1, "initiator", PartnershipStatus::Accepted, false);
        let done = partner(2, "done", PartnershipStatus::Accepted, true);
        let late = partner(3, "late", PartnershipStatus::Accepted, false);
        let invited = partner(4, "invited", PartnershipStatus::Invited, false);
        let declined = partner(5, "declined", PartnershipStatus::Declined, false);
        let state = GateState {
            partners: vec![
                initiator.clone(),
                done.clone(),
                late.clone(),
                invited.clone(),
                declined,
            ],
            agenda_items: 1,
            agenda_hash: AGENDA.into(),
            starts_at: None,
            now: at("2027-03-01T10:00:00Z"),
            record: None,
            notice: crate::domain::gate::Notice {
                meeting_id: Uuid::from_u128(9),
                zone: chrono_tz::Europe::Paris,
                min_notice_days: 0,
            },
        };
        let found = pending(
            &state,
            initiator.organization_id,
            true,
            &[done.organization_id],
        );
        assert_eq!(
            found,
            vec![
                Pending {
                    organization_id: late.organization_id,
                    owed: vec![
                        Owed::PollNotAnswered,
                        Owed::MissionNotAgreed,
                        Owed::AgendaNotAgreed
                    ],
                },
                Pending {
                    organization_id: invited.organization_id,
                    owed: vec![Owed::PartnerNotAnswered],
                },
            ]
        );
        // Once a slot is chosen, the poll is no longer owed.
        let chosen = GateState {
            starts_at: Some(at("2027-04-01T10:00:00Z")),
            ..state
        };
        let found = pending(&chosen, initiator.organization_id, true, &[]);
        assert_eq!(
            found[0].owed,
            vec![Owed::MissionNotAgreed, Owed::AgendaNotAgreed]
        );
    }
}
