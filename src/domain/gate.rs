//! The concertation gate (DESIGN.md, "The gate"): what must hold before a meeting is convened.
//!
//! [`unmet`] is a pure function from [`GateState`] — the partners with their status, each
//! accepted partner's mission hash and latest agreements, the agenda, the chosen slot, `now`,
//! and the evidence of the latest concertation record — to every rule that does not hold,
//! named by partner where a partner is at fault. An empty list means the meeting may be
//! convened. The rules, in the order they are reported:
//!
//! | # | rule | code |
//! | - | ---- | ---- |
//! | 1 | at least two accepted partners (the initiator and one more) | `too_few_partners` |
//! | 2 | no invited partner is still without an answer | `partner_not_answered` (per partner) |
//! | 3 | every accepted partner agreed to the current text of its own mission | `mission_not_agreed` (per partner) |
//! | 4 | the agenda is not empty… | `agenda_empty` |
//! |   | …and every accepted partner agreed to its current content | `agenda_not_agreed` (per partner) |
//! | 5 | a slot is chosen… | `no_slot_chosen` |
//! |   | …and it starts after `now` | `slot_in_past` |
//! | 6 | a concertation record exists… | `concertation_not_recorded` |
//! |   | …and nothing it covers changed since | `concertation_stale` (per partner, or for the agenda, slot or notice) |
//! | 7 | the convocation leaves the project's minimum notice, or every accepted partner agreed to the short notice | `notice_too_short` (per partner) |
//! |   | every accepted partner has someone to represent it | `no_representative` (per partner) |
//!
//! An agreement counts only when it is the partner's *latest* decision on that subject, that
//! decision is `agree`, and it was given to the content that is current now
//! ([`content::agreement_counts`]). `agenda_not_agreed` is not reported while the agenda is
//! empty (there is nothing to agree to yet: `agenda_empty` says so).
//!
//! Recording the concertation needs rules 1–5 ([`upstream_unmet`]); its [`Evidence`] freezes
//! what they were checked against. Rule 6 compares that evidence with the current one: a new or
//! departed accepted partner, a changed mission, a changed agenda, a changed slot or a changed
//! minimum notice makes the record stale. A fresh agreement to the same content does not
//! (nothing agreed to changed).
//!
//! Rule 7 is about the moment of sending, so only the convocation checks it ([`unmet`]): the
//! notice is counted in calendar days of the meeting's zone from `now`
//! ([`partners_time::notice_days`]); a short-notice agreement binds to the meeting, its start and
//! the notice asked ([`content::canonical_short_notice`]), so another slot asks again.

use crate::domain::state::text_state;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::content::{self, agreement_counts};
use crate::domain::partners_time::{self, NoticeCheck};
use crate::domain::partnership::PartnershipStatus;

/// A rule of the gate, with the stable code of API.md.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "RuleCode")]
pub enum Rule {
    TooFewPartners,
    PartnerNotAnswered,
    MissionNotAgreed,
    AgendaEmpty,
    AgendaNotAgreed,
    NoSlotChosen,
    SlotInPast,
    ConcertationNotRecorded,
    ConcertationStale,
    NoticeTooShort,
    NoRepresentative,
}

impl Rule {
    /// The code clients switch on.
    pub fn code(self) -> &'static str {
        match self {
            Rule::TooFewPartners => "too_few_partners",
            Rule::PartnerNotAnswered => "partner_not_answered",
            Rule::MissionNotAgreed => "mission_not_agreed",
            Rule::AgendaEmpty => "agenda_empty",
            Rule::AgendaNotAgreed => "agenda_not_agreed",
            Rule::NoSlotChosen => "no_slot_chosen",
            Rule::SlotInPast => "slot_in_past",
            Rule::ConcertationNotRecorded => "concertation_not_recorded",
            Rule::ConcertationStale => "concertation_stale",
            Rule::NoticeTooShort => "notice_too_short",
            Rule::NoRepresentative => "no_representative",
        }
    }
}

/// One unmet rule; partner rules name the organization at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Unmet {
    pub rule: Rule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
}

impl Unmet {
    fn general(rule: Rule) -> Self {
        Unmet {
            rule,
            organization_id: None,
            organization_name: None,
        }
    }

    fn of(rule: Rule, organization_id: Uuid, organization_name: &str) -> Self {
        Unmet {
            rule,
            organization_id: Some(organization_id),
            organization_name: Some(organization_name.to_owned()),
        }
    }
}

text_state! {
    /// An agreement's decision.
    #[schemars(rename = "AgreementDecision")]
    pub enum Decision {
        Agree => "agree",
        Object => "object",
    }
}

/// A partner's latest agreement on a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub agreement_id: Uuid,
    pub content_hash: String,
    pub decision: Decision,
}

impl Consent {
    /// Whether this consent backs `current_hash`: an agreement (not an objection) to it.
    pub fn backs(&self, current_hash: &str) -> bool {
        self.decision == Decision::Agree && agreement_counts(&self.content_hash, current_hash)
    }
}

/// One partnership of the project as the gate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerState {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub status: PartnershipStatus,
    /// The hash of the partner's mission as it is now.
    pub mission_hash: String,
    /// The partner's latest decision on its mission.
    pub mission_consent: Option<Consent>,
    /// The partner's latest decision on this meeting's agenda.
    pub agenda_consent: Option<Consent>,
    /// The partner's latest decision on this meeting's short notice.
    pub short_notice_consent: Option<Consent>,
    /// How many people would be convened for it (chosen by its members, or its default).
    pub representatives: usize,
}

/// Everything the gate looks at, for one meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct GateState {
    /// Every partnership of the project, in the order the unmet rules should name them.
    pub partners: Vec<PartnerState>,
    pub agenda_items: usize,
    pub agenda_hash: String,
    /// The chosen slot's start, if one is chosen.
    pub starts_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    /// The evidence of the latest concertation record, if there is one.
    pub record: Option<Evidence>,
    /// What rule 7 counts with.
    pub notice: Notice,
}

/// The meeting and the project's minimum notice, as rule 7 reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub meeting_id: uuid::Uuid,
    /// The meeting's time zone: notice is counted in its calendar days.
    pub zone: Tz,
    pub min_notice_days: u32,
}

impl GateState {
    /// The hash a short-notice agreement binds to for the chosen slot (`None` without one).
    pub fn short_notice_hash(&self) -> Option<String> {
        let starts_at = self.starts_at?;
        Some(content::short_notice_hash(
            self.notice.meeting_id,
            starts_at,
            self.notice.min_notice_days,
        ))
    }

    /// Rule 7's notice, as a convocation sent `now` would leave it (`None` without a slot, or
    /// with a slot already past: `slot_in_past` says so).
    pub fn notice_check(&self) -> Option<NoticeCheck> {
        let starts_at = self.starts_at.filter(|start| *start > self.now)?;
        let hash = self.short_notice_hash()?;
        let days_left = partners_time::notice_days(self.now, starts_at, self.notice.zone);
        let partners: Vec<Uuid> = accepted(self).map(|p| p.organization_id).collect();
        let agreed: Vec<Uuid> = accepted(self)
            .filter(|p| {
                p.short_notice_consent
                    .as_ref()
                    .is_some_and(|c| c.backs(&hash))
            })
            .map(|p| p.organization_id)
            .collect();
        Some(partners_time::check_notice(
            days_left,
            self.notice.min_notice_days,
            &partners,
            &agreed,
        ))
    }
}

/// What a concertation record covers: frozen in it, compared with the current state later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The accepted partners, sorted by organization id.
    pub partners: Vec<EvidencePartner>,
    pub agenda_hash: String,
    pub starts_at: Option<DateTime<Utc>>,
    /// The project's minimum notice when the record was made (absent from records made before
    /// the notice existed: they are not made stale by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_notice_days: Option<u32>,
}

/// One accepted partner in the evidence: the content it agreed to and the agreements that say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EvidencePartner {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub mission_hash: String,
    pub mission_agreement_id: Option<Uuid>,
    pub agenda_agreement_id: Option<Uuid>,
}

fn accepted(state: &GateState) -> impl Iterator<Item = &PartnerState> {
    state
        .partners
        .iter()
        .filter(|p| p.status == PartnershipStatus::Accepted)
}

/// The evidence of the current state (what a record made now would freeze).
pub fn evidence(state: &GateState) -> Evidence {
    let mut partners: Vec<EvidencePartner> = accepted(state)
        .map(|p| EvidencePartner {
            organization_id: p.organization_id,
            organization_name: p.organization_name.clone(),
            mission_hash: p.mission_hash.clone(),
            mission_agreement_id: p.mission_consent.as_ref().map(|c| c.agreement_id),
            agenda_agreement_id: p.agenda_consent.as_ref().map(|c| c.agreement_id),
        })
        .collect();
    partners.sort_by_key(|p| p.organization_id);
    Evidence {
        partners,
        agenda_hash: state.agenda_hash.clone(),
        starts_at: state.starts_at,
        min_notice_days: Some(state.notice.min_notice_days),
    }
}

/// Rules 1 to 5: what must hold to record the concertation.
pub fn upstream_unmet(state: &GateState) -> Vec<Unmet> {
    let mut unmet = Vec::new();
    if accepted(state).count() < 2 {
        unmet.push(Unmet::general(Rule::TooFewPartners));
    }
    for p in &state.partners {
        if p.status == PartnershipStatus::Invited {
            unmet.push(Unmet::of(
                Rule::PartnerNotAnswered,
                p.organization_id,
                &p.organization_name,
            ));
        }
    }
    for p in accepted(state) {
        if !p
            .mission_consent
            .as_ref()
            .is_some_and(|c| c.backs(&p.mission_hash))
        {
            unmet.push(Unmet::of(
                Rule::MissionNotAgreed,
                p.organization_id,
                &p.organization_name,
            ));
        }
    }
    unmet.extend(agenda_unmet(state, accepted(state)));
    match state.starts_at {
        None => unmet.push(Unmet::general(Rule::NoSlotChosen)),
        Some(start) if start <= state.now => unmet.push(Unmet::general(Rule::SlotInPast)),
        Some(_) => {}
    }
    unmet
}

/// Rule 4 for `partners`: the agenda is not empty and each of them agreed to its current content.
fn agenda_unmet<'a>(
    state: &GateState,
    partners: impl Iterator<Item = &'a PartnerState>,
) -> Vec<Unmet> {
    if state.agenda_items == 0 {
        return vec![Unmet::general(Rule::AgendaEmpty)];
    }
    partners
        .filter(|p| {
            !p.agenda_consent
                .as_ref()
                .is_some_and(|c| c.backs(&state.agenda_hash))
        })
        .map(|p| {
            Unmet::of(
                Rule::AgendaNotAgreed,
                p.organization_id,
                &p.organization_name,
            )
        })
        .collect()
}

/// What must hold to send a convened meeting's attendees its current agenda (API.md, "The
/// convened agenda is frozen"): rule 4 again, for the accepted partners among the meeting's
/// attendees (`attendees`: their organizations). A partner accepted after the convocation is
/// not convened to this meeting, so it is not asked; one that left since is not either.
pub fn agenda_update_unmet(state: &GateState, attendees: &[Uuid]) -> Vec<Unmet> {
    agenda_unmet(
        state,
        accepted(state).filter(|p| attendees.contains(&p.organization_id)),
    )
}

/// Whether the live agenda is no longer the one the attendees were sent. Told by the hash the
/// agreements bound to when it was kept at the convocation (`convened_hash`); for a meeting
/// convened before it was kept, by whether the lines sent (`sent_lines_differ`) differ.
pub fn agenda_changed_since_convocation(
    convened_hash: Option<&str>,
    live_hash: &str,
    sent_lines_differ: impl FnOnce() -> bool,
) -> bool {
    match convened_hash {
        Some(hash) => hash != live_hash,
        None => sent_lines_differ(),
    }
}

/// Every unmet rule (1 to 7): what must hold to send the convocation. Empty: ready.
pub fn unmet(state: &GateState) -> Vec<Unmet> {
    let mut unmet = upstream_unmet(state);
    match &state.record {
        None => unmet.push(Unmet::general(Rule::ConcertationNotRecorded)),
        Some(record) => unmet.extend(stale(record, &evidence(state))),
    }
    unmet.extend(time_unmet(state));
    unmet
}

/// Rule 7: a partner that has not agreed to a short notice, and one with nobody to convene.
fn time_unmet(state: &GateState) -> Vec<Unmet> {
    let missing = state
        .notice_check()
        .map(|check| check.missing_agreements)
        .unwrap_or_default();
    let short = accepted(state)
        .filter(|p| missing.contains(&p.organization_id))
        .map(|p| {
            Unmet::of(
                Rule::NoticeTooShort,
                p.organization_id,
                &p.organization_name,
            )
        });
    let nobody = accepted(state).filter(|p| p.representatives == 0).map(|p| {
        Unmet::of(
            Rule::NoRepresentative,
            p.organization_id,
            &p.organization_name,
        )
    });
    short.chain(nobody).collect()
}

fn find(list: &[EvidencePartner], id: Uuid) -> Option<&EvidencePartner> {
    list.iter().find(|p| p.organization_id == id)
}

/// What changed between a record's evidence and now: one `concertation_stale` per partner
/// that joined, left or whose mission changed, one for the agenda, one for the slot.
fn stale(record: &Evidence, current: &Evidence) -> Vec<Unmet> {
    let mut unmet = Vec::new();
    for now in &current.partners {
        let changed = find(&record.partners, now.organization_id)
            .is_none_or(|then| then.mission_hash != now.mission_hash);
        if changed {
            unmet.push(Unmet::of(
                Rule::ConcertationStale,
                now.organization_id,
                &now.organization_name,
            ));
        }
    }
    for then in &record.partners {
        if find(&current.partners, then.organization_id).is_none() {
            unmet.push(Unmet::of(
                Rule::ConcertationStale,
                then.organization_id,
                &then.organization_name,
            ));
        }
    }
    let notice_changed = record
        .min_notice_days
        .is_some_and(|days| Some(days) != current.min_notice_days);
    if record.agenda_hash != current.agenda_hash
        || record.starts_at != current.starts_at
        || notice_changed
    {
        unmet.push(Unmet::general(Rule::ConcertationStale));
    }
    unmet
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::content::{hash_canonical, mission_hash};

    fn org(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn agreed(hash: &str) -> Option<Consent> {
        Some(Consent {
            agreement_id: Uuid::new_v4(),
            content_hash: hash.to_owned(),
            decision: Decision::Agree,
        })
    }

    fn partner(n: u128, name: &str, status: PartnershipStatus, agenda: &str) -> PartnerState {
        let mission = mission_hash(org(n), &format!("Mission de {name}"));
        PartnerState {
            organization_id: org(n),
            organization_name: name.to_owned(),
            status,
            mission_consent: agreed(&mission),
            mission_hash: mission,
            agenda_consent: agreed(agenda),
            short_notice_consent: None,
            representatives: 1,
        }
    }

    fn notice() -> Notice {
        Notice {
            meeting_id: Uuid::from_u128(99),
            zone: chrono_tz::Europe::Paris,
            min_notice_days: 2,
        }
    }

    /// A state where every rule holds: two accepted partners who agreed to everything, a
    /// declined and a withdrawn one (answered: they do not hold anything up), a future slot,
    /// and a record made of this very state.
    fn ready() -> GateState {
        let agenda = hash_canonical("agenda v1");
        let mut state = GateState {
            partners: vec![
                partner(1, "MJC", PartnershipStatus::Accepted, &agenda),
                partner(2, "CAF", PartnershipStatus::Accepted, &agenda),
                partner(3, "Mairie", PartnershipStatus::Declined, &agenda),
                partner(4, "Club", PartnershipStatus::Withdrawn, &agenda),
            ],
            agenda_items: 2,
            agenda_hash: agenda,
            starts_at: Some(now() + Duration::days(2)),
            now: now(),
            record: None,
            notice: notice(),
        };
        state.record = Some(evidence(&state));
        state
    }

    fn rules(unmet: &[Unmet]) -> Vec<(Rule, Option<Uuid>)> {
        unmet.iter().map(|u| (u.rule, u.organization_id)).collect()
    }

    #[test]
    fn the_agenda_update_asks_only_the_accepted_attendees() {
        let mut state = ready();
        let attendees = [org(1), org(2)];
        assert_eq!(agenda_update_unmet(&state, &attendees), vec![]);
        // The agenda changed: both attendees must agree to the new text.
        state.agenda_hash = hash_canonical("agenda v2");
        assert_eq!(
            rules(&agenda_update_unmet(&state, &attendees)),
            vec![
                (Rule::AgendaNotAgreed, Some(org(1))),
                (Rule::AgendaNotAgreed, Some(org(2)))
            ]
        );
        // A partner accepted after the convocation is not an attendee: not asked, even
        // without any agreement; an invited one holds nothing up either.
        state.partners[0].agenda_consent = agreed(&state.agenda_hash);
        state.partners[1].agenda_consent = agreed(&state.agenda_hash);
        state.partners.push(PartnerState {
            agenda_consent: None,
            ..partner(5, "Centre social", PartnershipStatus::Accepted, "")
        });
        state.partners[2].status = PartnershipStatus::Invited;
        assert_eq!(agenda_update_unmet(&state, &attendees), vec![]);
        // An attendee that objects, or whose partnership ended since, is handled by status.
        state.partners[1].agenda_consent = Some(Consent {
            decision: Decision::Object,
            ..agreed(&state.agenda_hash).unwrap()
        });
        assert_eq!(
            rules(&agenda_update_unmet(&state, &attendees)),
            vec![(Rule::AgendaNotAgreed, Some(org(2)))]
        );
        state.partners[1].status = PartnershipStatus::Withdrawn;
        assert_eq!(agenda_update_unmet(&state, &attendees), vec![]);
        // An emptied agenda is never sent.
        state.agenda_items = 0;
        assert_eq!(
            rules(&agenda_update_unmet(&state, &attendees)),
            vec![(Rule::AgendaEmpty, None)]
        );
    }

    #[test]
    fn the_agenda_changed_since_the_convocation_by_hash_or_by_lines() {
        let (v1, v2) = (hash_canonical("agenda v1"), hash_canonical("agenda v2"));
        assert!(!agenda_changed_since_convocation(Some(&v1), &v1, || true));
        assert!(agenda_changed_since_convocation(Some(&v1), &v2, || false));
        assert!(agenda_changed_since_convocation(None, &v2, || true));
        assert!(!agenda_changed_since_convocation(None, &v2, || false));
    }

    #[test]
    fn a_ready_state_has_nothing_unmet() {
        assert_eq!(unmet(&ready()), vec![]);
        assert_eq!(upstream_unmet(&ready()), vec![]);
    }

    #[test]
    fn rule_codes_are_those_of_the_api() {
        let all = [
            (Rule::TooFewPartners, "too_few_partners"),
            (Rule::PartnerNotAnswered, "partner_not_answered"),
            (Rule::MissionNotAgreed, "mission_not_agreed"),
            (Rule::AgendaEmpty, "agenda_empty"),
            (Rule::AgendaNotAgreed, "agenda_not_agreed"),
            (Rule::NoSlotChosen, "no_slot_chosen"),
            (Rule::SlotInPast, "slot_in_past"),
            (Rule::ConcertationNotRecorded, "concertation_not_recorded"),
            (Rule::ConcertationStale, "concertation_stale"),
            (Rule::NoticeTooShort, "notice_too_short"),
            (Rule::NoRepresentative, "no_representative"),
        ];
        for (rule, code) in all {
            assert_eq!(rule.code(), code);
            assert_eq!(serde_json::to_value(rule).unwrap(), code);
        }
        let named = Unmet::of(Rule::MissionNotAgreed, org(2), "CAF");
        assert_eq!(
            serde_json::to_value(&named).unwrap(),
            serde_json::json!({"rule": "mission_not_agreed", "organization_id": org(2), "organization_name": "CAF"})
        );
        assert_eq!(
            serde_json::to_value(Unmet::general(Rule::AgendaEmpty)).unwrap(),
            serde_json::json!({"rule": "agenda_empty"})
        );
    }

    #[test]
    fn too_few_partners_alone() {
        let mut state = ready();
        state.partners[1].status = PartnershipStatus::Declined;
        state.record = Some(evidence(&state));
        assert_eq!(rules(&unmet(&state)), vec![(Rule::TooFewPartners, None)]);
        // No partner at all (a project with no accepted initiator cannot happen, but the rule
        // still holds).
        state.partners.clear();
        state.record = Some(evidence(&state));
        assert_eq!(rules(&unmet(&state)), vec![(Rule::TooFewPartners, None)]);
    }

    #[test]
    fn partner_not_answered_alone_names_each_invited_partner() {
        let mut state = ready();
        state.partners[2].status = PartnershipStatus::Invited;
        state.partners[3].status = PartnershipStatus::Invited;
        let found = unmet(&state);
        assert_eq!(
            rules(&found),
            vec![
                (Rule::PartnerNotAnswered, Some(org(3))),
                (Rule::PartnerNotAnswered, Some(org(4)))
            ]
        );
        assert_eq!(found[0].organization_name.as_deref(), Some("Mairie"));
    }

    #[test]
    fn mission_not_agreed_alone_missing_objected_or_outdated() {
        let mut state = ready();
        state.partners[1].mission_consent = None;
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::MissionNotAgreed, Some(org(2)))]
        );

        let mut state = ready();
        let hash = state.partners[1].mission_hash.clone();
        state.partners[1].mission_consent = Some(Consent {
            agreement_id: Uuid::new_v4(),
            content_hash: hash,
            decision: Decision::Object,
        });
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::MissionNotAgreed, Some(org(2)))]
        );

        // The text changed after the agreement: the agreement no longer counts, and the
        // record no longer covers the mission.
        let mut state = ready();
        state.partners[0].mission_hash = mission_hash(org(1), "un autre texte");
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::MissionNotAgreed, Some(org(1))),
                (Rule::ConcertationStale, Some(org(1)))
            ]
        );
    }

    #[test]
    fn missions_of_partners_that_are_not_accepted_do_not_count() {
        let mut state = ready();
        state.partners[2].mission_consent = None;
        state.partners[3].mission_hash = "sha256:changed".into();
        assert_eq!(unmet(&state), vec![]);
    }

    #[test]
    fn agenda_empty_alone_hides_agenda_agreements() {
        let mut state = ready();
        state.agenda_items = 0;
        state.agenda_hash = hash_canonical("empty agenda");
        for p in &mut state.partners {
            p.agenda_consent = None;
        }
        state.record = Some(evidence(&state));
        assert_eq!(rules(&unmet(&state)), vec![(Rule::AgendaEmpty, None)]);
    }

    #[test]
    fn agenda_not_agreed_alone_per_partner() {
        let mut state = ready();
        state.partners[0].agenda_consent = None;
        let agenda = state.agenda_hash.clone();
        state.partners[1].agenda_consent = Some(Consent {
            agreement_id: Uuid::new_v4(),
            content_hash: agenda,
            decision: Decision::Object,
        });
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::AgendaNotAgreed, Some(org(1))),
                (Rule::AgendaNotAgreed, Some(org(2)))
            ]
        );
    }

    #[test]
    fn an_agenda_change_voids_agreements_and_the_record() {
        let mut state = ready();
        state.agenda_hash = hash_canonical("agenda v2");
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::AgendaNotAgreed, Some(org(1))),
                (Rule::AgendaNotAgreed, Some(org(2))),
                (Rule::ConcertationStale, None)
            ]
        );
    }

    #[test]
    fn no_slot_chosen_alone() {
        let mut state = ready();
        state.starts_at = None;
        state.record = Some(evidence(&state));
        assert_eq!(rules(&unmet(&state)), vec![(Rule::NoSlotChosen, None)]);
    }

    #[test]
    fn slot_in_past_alone_including_now_itself() {
        for start in [now() - Duration::hours(1), now()] {
            let mut state = ready();
            state.starts_at = Some(start);
            state.record = Some(evidence(&state));
            assert_eq!(rules(&unmet(&state)), vec![(Rule::SlotInPast, None)]);
        }
        // A second ahead is in the future (with no notice asked: rule 7 would want days).
        let mut state = ready();
        state.notice.min_notice_days = 0;
        state.starts_at = Some(now() + Duration::seconds(1));
        state.record = Some(evidence(&state));
        assert_eq!(unmet(&state), vec![]);
    }

    #[test]
    fn concertation_not_recorded_alone_and_not_needed_upstream() {
        let mut state = ready();
        state.record = None;
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::ConcertationNotRecorded, None)]
        );
        assert_eq!(upstream_unmet(&state), vec![]);
    }

    #[test]
    fn concertation_stale_when_the_slot_changed() {
        let mut state = ready();
        state.starts_at = Some(now() + Duration::days(3));
        assert_eq!(rules(&unmet(&state)), vec![(Rule::ConcertationStale, None)]);
        assert_eq!(upstream_unmet(&state), vec![]);
    }

    #[test]
    fn concertation_stale_when_a_partner_joined_or_left() {
        // A third partner accepted (and agreed to everything) after the record.
        let mut state = ready();
        state.partners[2].status = PartnershipStatus::Accepted;
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::ConcertationStale, Some(org(3)))]
        );
        // A partner that was covered withdrew (and the two remaining still make the count).
        let mut state = ready();
        state.partners[2].status = PartnershipStatus::Accepted;
        state.record = Some(evidence(&state));
        state.partners[2].status = PartnershipStatus::Withdrawn;
        let found = unmet(&state);
        assert_eq!(rules(&found), vec![(Rule::ConcertationStale, Some(org(3)))]);
        assert_eq!(found[0].organization_name.as_deref(), Some("Mairie"));
    }

    #[test]
    fn a_new_agreement_to_the_same_content_is_not_a_change() {
        let mut state = ready();
        let hash = state.partners[0].mission_hash.clone();
        state.partners[0].mission_consent = agreed(&hash);
        let agenda = state.agenda_hash.clone();
        state.partners[1].agenda_consent = agreed(&agenda);
        assert_eq!(unmet(&state), vec![]);
    }

    #[test]
    fn malformed_hashes_never_count() {
        let mut state = ready();
        state.partners[0].mission_hash = "not-a-hash".into();
        state.partners[0].mission_consent = agreed("not-a-hash");
        state.record = Some(evidence(&state));
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::MissionNotAgreed, Some(org(1)))]
        );
    }

    #[test]
    fn every_rule_combined_in_order() {
        let agenda = hash_canonical("agenda");
        let state = GateState {
            partners: vec![
                PartnerState {
                    mission_consent: None,
                    agenda_consent: None,
                    ..partner(1, "MJC", PartnershipStatus::Accepted, &agenda)
                },
                partner(2, "CAF", PartnershipStatus::Invited, &agenda),
            ],
            agenda_items: 0,
            agenda_hash: agenda,
            starts_at: None,
            now: now(),
            record: None,
            notice: notice(),
        };
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::TooFewPartners, None),
                (Rule::PartnerNotAnswered, Some(org(2))),
                (Rule::MissionNotAgreed, Some(org(1))),
                (Rule::AgendaEmpty, None),
                (Rule::NoSlotChosen, None),
                (Rule::ConcertationNotRecorded, None),
            ]
        );

        // The other branch of each two-part rule, together with a stale record.
        let mut state = ready();
        let stale_record = evidence(&state);
        state.partners[0].agenda_consent = None;
        state.partners[1].mission_hash = mission_hash(org(2), "changed");
        state.starts_at = Some(now() - Duration::minutes(1));
        state.record = Some(stale_record);
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::MissionNotAgreed, Some(org(2))),
                (Rule::AgendaNotAgreed, Some(org(1))),
                (Rule::SlotInPast, None),
                (Rule::ConcertationStale, Some(org(2))),
                (Rule::ConcertationStale, None),
            ]
        );
    }

    #[test]
    fn evidence_is_sorted_and_round_trips_through_json() {
        let mut state = ready();
        state.partners.reverse();
        let evidence = evidence(&state);
        assert_eq!(
            evidence
                .partners
                .iter()
                .map(|p| p.organization_id)
                .collect::<Vec<_>>(),
            vec![org(1), org(2)]
        );
        let json = serde_json::to_value(&evidence).unwrap();
        let back: Evidence = serde_json::from_value(json).unwrap();
        assert_eq!(back, evidence);
    }

    #[test]
    fn short_notice_needs_every_accepted_partner_for_this_very_slot() {
        // `ready()` asks 2 days and leaves 2: enough. Asking 14 makes it short.
        let mut state = ready();
        state.notice.min_notice_days = 14;
        state.record = Some(evidence(&state));
        let check = state.notice_check().unwrap();
        assert_eq!((check.days_left, check.required), (2, 14));
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::NoticeTooShort, Some(org(1))),
                (Rule::NoticeTooShort, Some(org(2)))
            ]
        );
        // Not a rule for recording the concertation: it depends on when the convocation leaves.
        assert_eq!(upstream_unmet(&state), vec![]);
        let hash = state.short_notice_hash().unwrap();
        state.partners[0].short_notice_consent = agreed(&hash);
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::NoticeTooShort, Some(org(2)))]
        );
        // An objection does not count; the declined partner is never asked.
        state.partners[1].short_notice_consent = Some(Consent {
            decision: Decision::Object,
            ..agreed(&hash).unwrap()
        });
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::NoticeTooShort, Some(org(2)))]
        );
        state.partners[1].short_notice_consent = agreed(&hash);
        assert_eq!(unmet(&state), vec![]);
        // Another slot is another notice: the agreements given to the first one do not count
        // (and the record, made for the other slot, is stale).
        state.starts_at = Some(now() + Duration::days(3));
        assert_ne!(state.short_notice_hash().unwrap(), hash);
        assert_eq!(
            rules(&unmet(&state)),
            vec![
                (Rule::ConcertationStale, None),
                (Rule::NoticeTooShort, Some(org(1))),
                (Rule::NoticeTooShort, Some(org(2)))
            ]
        );
    }

    #[test]
    fn a_changed_minimum_notice_makes_the_record_stale() {
        let mut state = ready();
        state.notice.min_notice_days = 1;
        assert_eq!(rules(&unmet(&state)), vec![(Rule::ConcertationStale, None)]);
        // A record made before the notice existed is not made stale by it.
        let mut old = evidence(&ready());
        old.min_notice_days = None;
        let json = serde_json::to_value(&old).unwrap();
        assert!(json.get("min_notice_days").is_none());
        state.record = Some(serde_json::from_value(json).unwrap());
        assert_eq!(unmet(&state), vec![]);
    }

    #[test]
    fn a_partner_with_nobody_to_convene_holds_the_convocation() {
        let mut state = ready();
        state.partners[1].representatives = 0;
        // Not accepted partners are never convened: their count does not matter.
        state.partners[2].representatives = 0;
        assert_eq!(
            rules(&unmet(&state)),
            vec![(Rule::NoRepresentative, Some(org(2)))]
        );
    }
}
