//! What the API answers about getting in and about oneself: `Session`, `Me`, `UserEnvelope`,
//! `Message` of the OpenAPI document.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::{OrganizationView, UserView};
use crate::db::models::User;
use crate::workflow::sessions::{Arrival, Belonging, LoggedIn};

/// `Session`: the user a link logged in, their token, and what the link did besides.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionView {
    pub user: UserView,
    /// The session's token, usable as `Authorization: Bearer <api_token>`.
    pub api_token: String,
    /// Present when a consultation link was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<ContactArrivalView>,
    /// Present when a colleague's invitation was used: the organization joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined: Option<JoinedView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ContactArrivalView {
    pub project_id: Uuid,
    pub organization_id: Uuid,
    /// Whether the contact is a member of the consulted organization.
    pub member: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct JoinedView {
    pub organization_id: Uuid,
    pub name: String,
}

impl From<&LoggedIn> for SessionView {
    fn from(logged_in: &LoggedIn) -> Self {
        let (consultation, joined) = match &logged_in.arrival {
            Arrival::Login => (None, None),
            Arrival::Contact(arrived) => (
                Some(ContactArrivalView {
                    project_id: arrived.project_id,
                    organization_id: arrived.organization_id,
                    member: arrived.member,
                }),
                None,
            ),
            Arrival::Member(org) => (
                None,
                Some(JoinedView {
                    organization_id: org.id,
                    name: org.name.clone(),
                }),
            ),
        };
        SessionView {
            user: UserView::from(&logged_in.user),
            api_token: logged_in.token.clone(),
            consultation,
            joined,
        }
    }
}

/// `Me`: the user, their organizations with their role, those they may join at once, and their
/// requests to join that wait for an admin.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MeView {
    pub user: UserView,
    pub organizations: Vec<OrganizationView>,
    pub joinable: Vec<OrganizationView>,
    pub pending: Vec<PendingRequestView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PendingRequestView {
    pub organization: OrganizationView,
    pub requested_at: DateTime<Utc>,
}

impl MeView {
    pub fn new(user: &User, belonging: &Belonging) -> Self {
        MeView {
            user: UserView::from(user),
            organizations: belonging
                .organizations
                .iter()
                .map(|(org, role)| OrganizationView::with_role(org, *role))
                .collect(),
            joinable: belonging
                .joinable
                .iter()
                .map(OrganizationView::from)
                .collect(),
            pending: belonging
                .pending
                .iter()
                .map(|(request, org)| PendingRequestView {
                    organization: OrganizationView::from(org),
                    requested_at: request.requested_at,
                })
                .collect(),
        }
    }
}

/// `UserEnvelope`: `{"user": …}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserEnvelope {
    pub user: UserView,
}

/// `Message`: a sentence for people, when there is nothing else to say.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MessageView {
    pub message: &'static str,
}
