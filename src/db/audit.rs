//! The audit trail: one builder for every event, instead of a struct literal per call site.
//!
//! ```ignore
//! audit::event("partnership.accepted")
//!     .project(project_id)
//!     .by(user_id, Some(organization_id))
//!     .organization(organization_id)
//!     .details(json!({"comment": comment}))
//!     .record(conn)?;
//! ```

use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::db::models::NewAuditEvent;

/// An audit event being built; nothing is written until [`Event::record`].
#[must_use = "an audit event is written only by `record`"]
#[derive(Debug, Clone)]
pub struct Event(NewAuditEvent);

/// Starts an event of `action` (a stable dotted name: `membership.approved`).
pub fn event(action: &'static str) -> Event {
    Event(NewAuditEvent {
        project_id: None,
        actor_user_id: None,
        actor_organization_id: None,
        action,
        organization_id: None,
        details: Value::Object(Default::default()),
    })
}

impl Event {
    /// The project it happened in.
    pub fn project(mut self, project_id: Uuid) -> Self {
        self.0.project_id = Some(project_id);
        self
    }

    /// Who did it, and for which organization they acted.
    pub fn by(mut self, user_id: Uuid, acting_for: Option<Uuid>) -> Self {
        self.0.actor_user_id = Some(user_id);
        self.0.actor_organization_id = acting_for;
        self
    }

    /// The organization it concerns.
    pub fn organization(mut self, organization_id: Uuid) -> Self {
        self.0.organization_id = Some(organization_id);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.0.details = details;
        self
    }

    pub fn record(self, conn: &mut PgConnection) -> QueryResult<()> {
        self.0.record(conn)
    }
}
