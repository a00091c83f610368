//! Partners' time: the notice a convocation leaves, and the hours each partner gives.
//!
//! Time is the scarcest thing partners give. A convocation must leave the project's minimum
//! notice (`min_notice_days`, 14 by default), counted in the meeting's own calendar: "14 days'
//! notice" means the meeting falls on a date at least 14 days after the day the convocation is
//! sent, in the meeting's time zone — so a change of clocks in between changes nothing (24-hour
//! arithmetic would make a fortnight across the March change 13 days and 23 hours).
//!
//! Hours are counted in minutes and shown in hours: a meeting of 90 minutes attended by two
//! people of one organization is 3 hours given by that organization.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::domain::input::InputError;
use crate::domain::state::text_state;

text_state! {
    /// Whether a convened person came to a held meeting.
    #[schemars(rename = "AttendanceStatus")]
    pub enum Attendance {
        Present => "present",
        Absent => "absent",
        Excused => "excused",
    }
}

/// The notice a project asks for when nothing else was set.
pub const DEFAULT_MIN_NOTICE_DAYS: u32 = 14;

/// The longest notice a project may ask for (a year): more is surely a mistake.
pub const MAX_MIN_NOTICE_DAYS: u32 = 365;

/// The largest yearly budget a partner may declare for one project: 2,000 hours is more than a
/// full-time year.
pub const MAX_HOURS_PER_YEAR: u32 = 2_000;

/// The largest hourly value accepted, in euros.
pub const MAX_HOURLY_VALUE_EUR: u32 = 1_000;

/// The days of notice a convocation sent at `sent_at` leaves before a meeting starting at
/// `starts_at`, counted in calendar days of the meeting's time zone (0: the same day; negative:
/// the meeting is past).
pub fn notice_days(sent_at: DateTime<Utc>, starts_at: DateTime<Utc>, zone: Tz) -> i64 {
    let sent = sent_at.with_timezone(&zone).date_naive();
    let starts = starts_at.with_timezone(&zone).date_naive();
    (starts - sent).num_days()
}

/// What the notice rule says of a convocation sent now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeCheck {
    /// Days of notice the convocation would leave.
    pub days_left: i64,
    /// Days the project asks for.
    pub required: u32,
    /// Accepted partners that have not agreed to the short notice (empty when the notice is
    /// long enough).
    pub missing_agreements: Vec<Uuid>,
}

impl NoticeCheck {
    /// Whether the convocation may go as far as the notice is concerned: enough notice, or every
    /// accepted partner agreed to the short one.
    pub fn met(&self) -> bool {
        self.missing_agreements.is_empty()
    }

    /// Whether the notice is shorter than the project asks.
    pub fn is_short(&self) -> bool {
        self.days_left < i64::from(self.required)
    }
}

/// The notice rule: short notice is acceptable only when every accepted partner agreed to it
/// for this meeting.
pub fn check_notice(
    days_left: i64,
    required: u32,
    accepted_partners: &[Uuid],
    agreed: &[Uuid],
) -> NoticeCheck {
    let missing_agreements = if days_left >= i64::from(required) {
        Vec::new()
    } else {
        accepted_partners
            .iter()
            .filter(|org| !agreed.contains(org))
            .copied()
            .collect()
    };
    NoticeCheck {
        days_left,
        required,
        missing_agreements,
    }
}

/// A project's minimum notice, parsed.
pub fn parse_min_notice_days(field: &'static str, days: i64) -> Result<u32, InputError> {
    if !(0..=i64::from(MAX_MIN_NOTICE_DAYS)).contains(&days) {
        return Err(InputError {
            field,
            message: format!("between 0 and {MAX_MIN_NOTICE_DAYS} days"),
        });
    }
    Ok(days as u32)
}

/// Who represents a partner at a meeting when its members named nobody: those of its members who
/// answered the poll; else the consultation's contact, when a member; else the member who
/// accepted the partnership. Never someone who is not a member (any more).
pub fn default_representatives(
    members: &[Uuid],
    poll_answerers: &[Uuid],
    contact: Option<Uuid>,
    accepted_by: Option<Uuid>,
) -> Vec<Uuid> {
    let answered: Vec<Uuid> = members
        .iter()
        .filter(|m| poll_answerers.contains(m))
        .copied()
        .collect();
    if !answered.is_empty() {
        return answered;
    }
    [contact, accepted_by]
        .into_iter()
        .flatten()
        .find(|person| members.contains(person))
        .into_iter()
        .collect()
}

/// The most people a partner may name to represent it at one meeting.
pub const MAX_REPRESENTATIVES: usize = 20;

/// A partner's yearly time budget for a project, and the value of an hour of its time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeBudget {
    pub hours_per_year: u32,
    /// In euro cents, when the partner values its time (contributions in kind).
    pub hourly_value_cents: Option<u32>,
}

impl TimeBudget {
    /// Parses a budget: whole hours from 0 to 2,000 a year, an hourly value from 0 to 1,000 €
    /// (cents at most).
    pub fn parse(hours_per_year: f64, hourly_value_eur: Option<f64>) -> Result<Self, InputError> {
        if !hours_per_year.is_finite()
            || hours_per_year < 0.0
            || hours_per_year > f64::from(MAX_HOURS_PER_YEAR)
            || hours_per_year.fract() != 0.0
        {
            return Err(InputError {
                field: "hours_per_year",
                message: format!("a whole number of hours between 0 and {MAX_HOURS_PER_YEAR}"),
            });
        }
        let hourly_value_cents = match hourly_value_eur {
            None => None,
            Some(eur)
                if eur.is_finite()
                    && (0.0..=f64::from(MAX_HOURLY_VALUE_EUR)).contains(&eur)
                    && ((eur * 100.0).round() - eur * 100.0).abs() < 1e-6 =>
            {
                Some((eur * 100.0).round() as u32)
            }
            Some(_) => {
                return Err(InputError {
                    field: "hourly_value_eur",
                    message: format!(
                        "an amount in euros between 0 and {MAX_HOURLY_VALUE_EUR}, to the cent"
                    ),
                });
            }
        };
        Ok(TimeBudget {
            hours_per_year: hours_per_year as u32,
            hourly_value_cents,
        })
    }
}

/// One meeting as time counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingTime {
    pub starts_at: DateTime<Utc>,
    pub zone: Tz,
    pub duration_minutes: u32,
    /// Per organization, how many of its people are convened.
    pub convened: BTreeMap<Uuid, u32>,
    /// Per organization, how many of its people were present (held meetings only).
    pub present: BTreeMap<Uuid, u32>,
}

impl MeetingTime {
    /// The year the meeting counts in (its date in its own zone).
    pub fn year(&self) -> i32 {
        self.starts_at.with_timezone(&self.zone).year()
    }

    fn minutes(&self, counts: &BTreeMap<Uuid, u32>, organization: Uuid) -> u64 {
        u64::from(self.duration_minutes)
            * u64::from(counts.get(&organization).copied().unwrap_or(0))
    }

    /// Minutes the organization is asked for (duration × its convened people).
    pub fn planned_minutes(&self, organization: Uuid) -> u64 {
        self.minutes(&self.convened, organization)
    }

    /// Minutes the organization gave (duration × its people present).
    pub fn attended_minutes(&self, organization: Uuid) -> u64 {
        self.minutes(&self.present, organization)
    }
}

/// Minutes as hours, to the hundredth (what tables and CSV show).
pub fn hours(minutes: u64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// The value of `minutes` at `hourly_value_cents`, in cents, rounded to the cent.
pub fn value_cents(minutes: u64, hourly_value_cents: u32) -> u64 {
    (minutes * u64::from(hourly_value_cents) + 30) / 60
}

/// One partner's time in a project.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerTime {
    pub organization: Uuid,
    pub planned_minutes: u64,
    pub attended_minutes: u64,
    pub budget: Option<TimeBudget>,
}

impl PartnerTime {
    /// The value of the time given (attended), when the partner set an hourly value.
    pub fn value_cents(&self) -> Option<u64> {
        self.budget
            .and_then(|b| b.hourly_value_cents)
            .map(|rate| value_cents(self.attended_minutes, rate))
    }
}

/// Each partner's planned and attended time over `meetings`.
pub fn time_given(
    partners: &[(Uuid, Option<TimeBudget>)],
    meetings: &[MeetingTime],
) -> Vec<PartnerTime> {
    partners
        .iter()
        .map(|&(organization, budget)| PartnerTime {
            organization,
            planned_minutes: meetings
                .iter()
                .map(|m| m.planned_minutes(organization))
                .sum(),
            attended_minutes: meetings
                .iter()
                .map(|m| m.attended_minutes(organization))
                .sum(),
            budget,
        })
        .collect()
}

/// A partner a meeting would take past its yearly budget.
#[derive(Debug, Clone, PartialEq)]
pub struct OverBudget {
    pub organization: Uuid,
    /// Hours planned in the meeting's year, this meeting included.
    pub hours_planned: f64,
    pub hours_budget: u32,
}

/// The partners that `meeting` would take past their budget for its year, given the other
/// meetings already planned (convened or held).
pub fn over_budget(
    meeting: &MeetingTime,
    others: &[MeetingTime],
    budgets: &[(Uuid, TimeBudget)],
) -> Vec<OverBudget> {
    let year = meeting.year();
    budgets
        .iter()
        .filter_map(|&(organization, budget)| {
            let before: u64 = others
                .iter()
                .filter(|m| m.year() == year)
                .map(|m| m.planned_minutes(organization))
                .sum();
            let total = before + meeting.planned_minutes(organization);
            (total > u64::from(budget.hours_per_year) * 60).then(|| OverBudget {
                organization,
                hours_planned: hours(total),
                hours_budget: budget.hours_per_year,
            })
        })
        .collect()
}

/// The hours per ISO week a person spends in meetings, from `(start, duration)` pairs, in
/// their time zone: `(monday, hours)` in week order.
pub fn hours_per_week(meetings: &[(DateTime<Utc>, u32)], zone: Tz) -> Vec<(NaiveDate, f64)> {
    let mut weeks: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for &(starts_at, minutes) in meetings {
        let date = starts_at.with_timezone(&zone).date_naive();
        let monday = date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
        *weeks.entry(monday).or_default() += u64::from(minutes);
    }
    weeks.into_iter().map(|(w, m)| (w, hours(m))).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;
    use chrono_tz::{America::Cayenne, Pacific::Noumea};

    use super::*;

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Paris
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn notice_counts_calendar_days_across_the_clock_changes() {
        // Spring forward (29 March 2026): a fortnight is 13 days 23 hours, still 14 days.
        let sent = paris(2026, 3, 15, 10, 0);
        let meeting = paris(2026, 3, 29, 10, 0);
        assert_eq!((meeting - sent).num_hours(), 335);
        assert_eq!(notice_days(sent, meeting, Paris), 14);
        // Fall back (25 October 2026): 14 days 1 hour, still 14 days.
        let sent = paris(2026, 10, 18, 10, 0);
        let meeting = paris(2026, 11, 1, 10, 0);
        assert_eq!((meeting - sent).num_hours(), 337);
        assert_eq!(notice_days(sent, meeting, Paris), 14);
        // Late in the evening, early in the morning: calendar days, not hours.
        assert_eq!(
            notice_days(paris(2026, 3, 15, 23, 50), paris(2026, 3, 29, 8, 0), Paris),
            14
        );
        assert_eq!(
            notice_days(paris(2026, 3, 16, 0, 10), paris(2026, 3, 29, 23, 0), Paris),
            13
        );
        // The meeting's own zone decides the dates: 20:00 in Paris is the next day in Nouméa.
        let sent = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(); // 20:00 Nouméa
        let meeting = Utc.with_ymd_and_hms(2026, 6, 14, 22, 0, 0).unwrap(); // 15 June 09:00
        assert_eq!(notice_days(sent, meeting, Noumea), 14);
        assert_eq!(notice_days(sent, meeting, Cayenne), 13);
        // In Paris the meeting is on 15 June at 00:00: reversed, 14 days in the past.
        assert_eq!(notice_days(meeting, sent, Paris), -14);
    }

    #[test]
    fn representatives_default_to_who_answered_then_the_contact_then_who_accepted() {
        let [a, b, c, gone] = [1, 2, 3, 4].map(Uuid::from_u128);
        let members = [a, b, c];
        assert_eq!(
            default_representatives(&members, &[c, gone, a], Some(b), Some(b)),
            [a, c]
        );
        assert_eq!(
            default_representatives(&members, &[gone], Some(b), Some(c)),
            [b]
        );
        // A contact who is not a member (or left) does not count; who accepted does.
        assert_eq!(
            default_representatives(&members, &[], Some(gone), Some(c)),
            [c]
        );
        assert_eq!(
            default_representatives(&members, &[], None, Some(gone)),
            Vec::<Uuid>::new()
        );
        assert_eq!(
            default_representatives(&[], &[a], Some(a), Some(a)),
            Vec::<Uuid>::new()
        );
    }

    #[test]
    fn short_notice_needs_every_accepted_partner() {
        let (mjc, caf, ville) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let partners = [mjc, caf, ville];
        let enough = check_notice(14, 14, &partners, &[]);
        assert!(enough.met() && !enough.is_short());
        let short = check_notice(9, 14, &partners, &[mjc, caf]);
        assert!(short.is_short() && !short.met());
        assert_eq!(short.missing_agreements, [ville]);
        let agreed = check_notice(9, 14, &partners, &[ville, caf, mjc]);
        assert!(agreed.is_short() && agreed.met());
        assert!(check_notice(0, 0, &partners, &[]).met());
    }

    #[test]
    fn budgets_and_rates_are_bounded() {
        assert_eq!(
            TimeBudget::parse(120.0, Some(35.5)).unwrap(),
            TimeBudget {
                hours_per_year: 120,
                hourly_value_cents: Some(3550)
            }
        );
        assert_eq!(TimeBudget::parse(0.0, None).unwrap().hours_per_year, 0);
        for (hours, field) in [
            (-1.0, "hours_per_year"),
            (2000.5, "hours_per_year"),
            (2001.0, "hours_per_year"),
            (f64::NAN, "hours_per_year"),
        ] {
            assert_eq!(TimeBudget::parse(hours, None).unwrap_err().field, field);
        }
        for rate in [-0.01, 1000.01, 12.345, f64::INFINITY] {
            assert_eq!(
                TimeBudget::parse(10.0, Some(rate)).unwrap_err().field,
                "hourly_value_eur",
                "{rate}"
            );
        }
        assert!(parse_min_notice_days("min_notice_days", -1).is_err());
        assert!(parse_min_notice_days("min_notice_days", 366).is_err());
        assert_eq!(parse_min_notice_days("min_notice_days", 0).unwrap(), 0);
    }

    fn meeting(
        starts_at: DateTime<Utc>,
        minutes: u32,
        convened: &[(Uuid, u32)],
        present: &[(Uuid, u32)],
    ) -> MeetingTime {
        MeetingTime {
            starts_at,
            zone: Paris,
            duration_minutes: minutes,
            convened: convened.iter().copied().collect(),
            present: present.iter().copied().collect(),
        }
    }

    #[test]
    fn hours_are_duration_times_people() {
        let (caf, ville) = (Uuid::from_u128(2), Uuid::from_u128(3));
        let meetings = [
            meeting(
                paris(2026, 12, 3, 9, 0),
                90,
                &[(caf, 2), (ville, 1)],
                &[(caf, 1), (ville, 1)],
            ),
            meeting(paris(2027, 1, 14, 14, 0), 45, &[(caf, 1)], &[]),
        ];
        let budget = TimeBudget::parse(40.0, Some(30.0)).unwrap();
        let given = time_given(&[(caf, Some(budget)), (ville, None)], &meetings);
        assert_eq!(given[0].planned_minutes, 225);
        assert_eq!(given[0].attended_minutes, 90);
        assert_eq!(hours(given[0].planned_minutes), 3.75);
        assert_eq!(given[0].value_cents(), Some(4500));
        assert_eq!(given[1].planned_minutes, 90);
        assert_eq!(given[1].value_cents(), None);
        assert_eq!(hours(20), 0.33);
        assert_eq!(value_cents(20, 3550), 1183);
    }

    #[test]
    fn a_meeting_past_the_budget_of_its_year_is_named() {
        let caf = Uuid::from_u128(2);
        let budget = TimeBudget::parse(3.0, None).unwrap();
        let earlier = [
            meeting(paris(2026, 11, 5, 9, 0), 120, &[(caf, 1)], &[]),
            // Another year does not count.
            meeting(paris(2027, 1, 5, 9, 0), 600, &[(caf, 1)], &[]),
        ];
        let fits = meeting(paris(2026, 12, 3, 9, 0), 60, &[(caf, 1)], &[]);
        assert!(over_budget(&fits, &earlier, &[(caf, budget)]).is_empty());
        let too_much = meeting(paris(2026, 12, 3, 9, 0), 90, &[(caf, 1)], &[]);
        assert_eq!(
            over_budget(&too_much, &earlier, &[(caf, budget)]),
            [OverBudget {
                organization: caf,
                hours_planned: 3.5,
                hours_budget: 3
            }]
        );
    }

    #[test]
    fn hours_per_week_group_by_monday_in_the_persons_zone() {
        let weeks = hours_per_week(
            &[
                (paris(2026, 11, 30, 9, 0), 90),
                (paris(2026, 12, 6, 23, 30), 60), // still Sunday of that week in Paris
                (paris(2026, 12, 7, 0, 30), 30),
            ],
            Paris,
        );
        assert_eq!(
            weeks,
            [
                (NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), 2.5),
                (NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), 0.5)
            ]
        );
    }
}
