//! Views of "asking people": reminders and notification preferences.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::db::asking::Reminder;
use crate::domain::asking::{self, Owed, Preference, Preferences, SkipReason};
use crate::workflow::asking::ReminderOutcome;

/// A partner reminded (or skipped) and what it still owes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReminderEntry {
    pub organization_id: Uuid,
    pub rules: Vec<Owed>,
    /// For a skipped partner: why (`reminded_recently`, `no_member`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<SkipReason>,
    /// For a partner skipped as reminded recently: when it may be reminded again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_at: Option<DateTime<Utc>>,
}

impl From<&ReminderOutcome> for ReminderEntry {
    fn from(o: &ReminderOutcome) -> Self {
        ReminderEntry {
            organization_id: o.organization_id,
            rules: o.rules.clone(),
            reason: o.reason,
            next_at: o.next_at,
        }
    }
}

/// `POST /api/meetings/{id}/reminders`: who was reminded, who was skipped (reminded within 24
/// hours, or without any member to email).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Reminders {
    pub reminded: Vec<ReminderEntry>,
    pub skipped: Vec<ReminderEntry>,
}

/// A reminder sent about a meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReminderSent {
    pub organization_id: Uuid,
    pub rules: Vec<Owed>,
    pub automatic: bool,
    pub sent_at: DateTime<Utc>,
    /// When this partner may be reminded again.
    pub next_allowed_at: DateTime<Utc>,
}

impl From<&Reminder> for ReminderSent {
    fn from(r: &Reminder) -> Self {
        ReminderSent {
            organization_id: r.organization_id,
            rules: serde_json::from_value(r.rules.clone()).unwrap_or_default(),
            automatic: r.automatic,
            sent_at: r.sent_at,
            next_allowed_at: r.sent_at + asking::REMINDER_INTERVAL,
        }
    }
}

/// `GET/PUT /api/me/notifications`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NotificationPreferences {
    pub requests: Preference,
    pub updates: Preference,
}

impl From<Preferences> for NotificationPreferences {
    fn from(p: Preferences) -> Self {
        NotificationPreferences {
            requests: p.requests,
            updates: p.updates,
        }
    }
}
