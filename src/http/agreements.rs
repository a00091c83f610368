//! Recording an agreement (to a mission or to an agenda): the one place where consent is bound
//! to content. The caller locks the project's document and reads the section; this checks the
//! hash the client saw against it, refuses empty content, stores the agreement with the
//! canonical text, audits it, and signs its receipt in the same transaction.

use chrono::{SubsecRound, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::models::{Agreement, NewAuditEvent};
use crate::db::schema::agreements;
use crate::http::ApiError;
use crate::workflow::receipts::{self, ConsentFacts};
use crate::workflow::signing::Signer;

/// The section being agreed to, as the server reads it now (document locked).
pub struct Section<'a> {
    /// `mission` or `agenda`.
    pub subject: &'static str,
    /// The mission's organization, or the agenda's meeting.
    pub subject_id: Uuid,
    pub current_hash: &'a str,
    /// The canonical JSON that `current_hash` is the hash of.
    pub canonical: String,
    pub is_empty: bool,
}

/// Who agrees, for which organization, to what they read.
pub struct Consent {
    pub project_id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub claimed_hash: String,
    /// `agree` or `object` (already checked).
    pub decision: String,
    pub comment: Option<String>,
}

/// An agreement as recorded, with its signed receipt (a compact JWS).
pub struct Recorded {
    pub agreement: Agreement,
    pub receipt: String,
}

pub fn record(
    conn: &mut PgConnection,
    signer: &Signer,
    section: Section<'_>,
    consent: Consent,
) -> Result<Recorded, ApiError> {
    if section.current_hash != consent.claimed_hash.trim() {
        return Err(ApiError::conflict(
            "stale_content",
            format!(
                "the {} changed since you read it; read it again before agreeing",
                section.subject
            ),
        )
        .with("content_hash", json!(section.current_hash)));
    }
    if section.is_empty {
        return Err(ApiError::conflict(
            "empty_content",
            format!(
                "the {} is empty: write it before agreeing to it",
                section.subject
            ),
        ));
    }
    let agreement = Agreement {
        id: Uuid::new_v4(),
        project_id: consent.project_id,
        organization_id: consent.organization_id,
        subject: section.subject.into(),
        subject_id: section.subject_id,
        content_hash: section.current_hash.to_owned(),
        content: section.canonical,
        decision: consent.decision,
        comment: consent.comment,
        user_id: consent.user_id,
        // As stored: the answer, later reads and the receipt show the same instant.
        created_at: Utc::now().trunc_subsecs(6),
    };
    diesel::insert_into(agreements::table)
        .values(&agreement)
        .execute(conn)?;
    NewAuditEvent {
        project_id: Some(agreement.project_id),
        actor_user_id: Some(agreement.user_id),
        actor_organization_id: Some(agreement.organization_id),
        action: "agreement.recorded",
        organization_id: Some(agreement.organization_id),
        details: json!({
            "subject": agreement.subject,
            "subject_id": agreement.subject_id,
            "decision": agreement.decision,
            "content_hash": agreement.content_hash,
        }),
    }
    .record(conn)?;
    let facts = ConsentFacts::agreement(&agreement)
        .ok_or_else(|| anyhow::anyhow!("an agreement of unknown subject {}", agreement.subject))?;
    let receipt = receipts::sign(conn, signer, facts)?.jws;
    Ok(Recorded { agreement, receipt })
}
