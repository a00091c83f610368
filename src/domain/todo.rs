//! What a person has to do: the things Amont waits for from them, one click from done.
//!
//! The list is made from what is stored (`workflow::todo`); this module says what kinds of
//! things there are, and in which order a person should see them: what has a date first, the
//! soonest first (overdue things are therefore on top), then what has none, by kind — answering
//! a consultation before anything that follows from it.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

/// A kind of thing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "TodoKind")]
pub enum TodoKind {
    /// Answer a consultation (accept or decline, for one's organization).
    Consultation,
    /// Decide on someone's request to join one's organization (admins).
    JoinRequest,
    /// Answer a meeting's poll.
    Poll,
    /// Agree to one's organization's mission as it is written now.
    MissionAgreement,
    /// Agree to a meeting's agenda as it is written now.
    AgendaAgreement,
    /// Agree to a meeting's short notice.
    ShortNoticeAgreement,
    /// Answer a convocation.
    Rsvp,
    /// Do an action one's organization owns.
    Action,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "TodoItem")]
pub struct TodoItem {
    pub kind: TodoKind,
    /// The project it belongs to (none for a request to join an organization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    /// The organization it is done for (or whose request it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// What it is about: the meeting's or the action's title, the person asking to join, the
    /// project's title for a consultation or a mission.
    pub title: String,
    /// When it is due, if it has a date (an action's due day at midnight UTC, a meeting's start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// Where in the app it is done (a path).
    pub url: String,
}

/// Puts the items in the order a person should see them (see the module's documentation).
pub fn ordered(mut items: Vec<TodoItem>) -> Vec<TodoItem> {
    items.sort_by(|a, b| {
        let by_due = match (a.due, b.due) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_due
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.project_title.cmp(&b.project_title))
            .then_with(|| a.title.cmp(&b.title))
    });
    items
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn item(kind: TodoKind, title: &str, due: Option<DateTime<Utc>>) -> TodoItem {
        TodoItem {
            kind,
            project_id: Some(Uuid::nil()),
            project_title: Some("Accueil jeunes".into()),
            meeting_id: None,
            organization_id: None,
            organization_name: None,
            title: title.into(),
            due,
            url: "/".into(),
        }
    }

    #[test]
    fn dated_things_come_first_soonest_first_then_by_kind() {
        let day = |d| Utc.with_ymd_and_hms(2026, 12, d, 0, 0, 0).unwrap();
        let items = vec![
            item(TodoKind::Action, "Chiffrer le poste", Some(day(20))),
            item(TodoKind::MissionAgreement, "Accueil jeunes", None),
            item(TodoKind::Rsvp, "Comité de lancement", Some(day(3))),
            item(TodoKind::Consultation, "Accueil jeunes", None),
            item(TodoKind::Action, "Relancer la CAF", Some(day(1))),
        ];
        let titles: Vec<_> = ordered(items).into_iter().map(|i| i.title).collect();
        assert_eq!(
            titles,
            [
                "Relancer la CAF",
                "Comité de lancement",
                "Chiffrer le poste",
                "Accueil jeunes",
                "Accueil jeunes",
            ]
        );
    }

    #[test]
    fn kinds_are_written_as_the_contract_says() {
        let words: Vec<_> = [
            TodoKind::Consultation,
            TodoKind::JoinRequest,
            TodoKind::Poll,
            TodoKind::MissionAgreement,
            TodoKind::AgendaAgreement,
            TodoKind::ShortNoticeAgreement,
            TodoKind::Rsvp,
            TodoKind::Action,
        ]
        .iter()
        .map(|k| serde_json::to_value(k).unwrap())
        .collect();
        assert_eq!(
            words,
            [
                "consultation",
                "join_request",
                "poll",
                "mission_agreement",
                "agenda_agreement",
                "short_notice_agreement",
                "rsvp",
                "action"
            ]
        );
    }
}
