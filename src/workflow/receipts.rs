//! Consent receipts: every consent is signed in the transaction that records it, and the
//! receipt is returned with it.
//!
//! The callers are the places where consent is recorded — the acceptance of a partnership
//! (`workflow::partnerships`, and the initiator's at the project's creation), an agreement to a mission
//! or an agenda (`workflow::consent::record`) — each with one call to [`sign`] and the facts of
//! its consent; a short-notice agreement (`workflow::time`) is one more, with
//! [`ConsentKind::ShortNoticeAgreed`]. Consents recorded before receipts existed are signed by
//! [`sign_missing`], run after the migrations, with their original dates.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::Refusal;
use super::signing::Signer;
use crate::db::models::{Agreement, Partnership};
use crate::db::proof::{self as store, ReceiptRow};
use crate::domain::proof::{
    ACCEPT, Consent, ConsentKind, MeetingRef, OrganizationRef, Person, ProjectRef, ReceiptClaims,
};

/// A consent as stored, before it is signed.
#[derive(Debug, Clone)]
pub struct ConsentFacts {
    pub kind: ConsentKind,
    pub project_id: Uuid,
    pub organization_id: Uuid,
    /// Who gave it.
    pub user_id: Uuid,
    /// The row recording it (an agreement); `None` for an acceptance.
    pub record_id: Option<Uuid>,
    /// The meeting of an agenda or short-notice agreement.
    pub meeting_id: Option<Uuid>,
    pub content_hash: Option<String>,
    pub decision: String,
    pub at: DateTime<Utc>,
}

impl ConsentFacts {
    /// The acceptance of an accepted partnership (`None` when it is not accepted, or when who
    /// answered is unknown).
    pub fn acceptance(partnership: &Partnership) -> Option<ConsentFacts> {
        if partnership.status != crate::domain::partnership::PartnershipStatus::Accepted {
            return None;
        }
        Some(ConsentFacts {
            kind: ConsentKind::PartnershipAccepted,
            project_id: partnership.project_id,
            organization_id: partnership.organization_id,
            user_id: partnership.answered_by?,
            record_id: None,
            meeting_id: None,
            content_hash: None,
            decision: ACCEPT.into(),
            at: stored(partnership.answered_at?),
        })
    }

    /// An agreement to a mission or to an agenda.
    pub fn agreement(agreement: &Agreement) -> Option<ConsentFacts> {
        let (kind, meeting_id) = match agreement.subject.as_str() {
            "mission" => (ConsentKind::MissionAgreed, None),
            "agenda" => (ConsentKind::AgendaAgreed, Some(agreement.subject_id)),
            "short_notice" => (ConsentKind::ShortNoticeAgreed, Some(agreement.subject_id)),
            _ => return None,
        };
        Some(ConsentFacts {
            kind,
            project_id: agreement.project_id,
            organization_id: agreement.organization_id,
            user_id: agreement.user_id,
            record_id: Some(agreement.id),
            meeting_id,
            content_hash: Some(agreement.content_hash.clone()),
            decision: agreement.decision.clone(),
            at: stored(agreement.created_at),
        })
    }
}

/// An instant as PostgreSQL stores it (microseconds), so that a receipt's `at` is the very value
/// the consent's row holds, even when the row was built in memory.
fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A signed receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: Uuid,
    pub jws: String,
}

/// Signs the receipt of one consent and stores it, in the caller's transaction.
pub fn sign(
    conn: &mut PgConnection,
    signer: &Signer,
    facts: ConsentFacts,
) -> Result<Receipt, Refusal> {
    let names = store::names(
        conn,
        facts.project_id,
        facts.organization_id,
        facts.user_id,
        facts.meeting_id,
    )?;
    let now = Utc::now();
    let claims = ReceiptClaims {
        iss: signer.issuer().to_owned(),
        jti: Uuid::new_v4(),
        iat: now.timestamp(),
        consent: Consent {
            kind: facts.kind,
            project: ProjectRef {
                id: facts.project_id,
                title: names.project_title,
            },
            organization: OrganizationRef {
                id: facts.organization_id,
                name: names.organization_name,
            },
            by: Person {
                user_id: facts.user_id,
                display_name: names.display_name,
            },
            meeting: facts
                .meeting_id
                .zip(names.meeting_title)
                .map(|(id, title)| MeetingRef { id, title }),
            content_hash: facts.content_hash.clone(),
            decision: facts.decision.clone(),
            at: facts.at,
        },
    };
    let signed = signer.sign(conn, &claims)?;
    store::insert_receipt(
        conn,
        &ReceiptRow {
            id: claims.jti,
            kind: facts.kind.as_str().to_owned(),
            project_id: facts.project_id,
            organization_id: facts.organization_id,
            record_id: facts.record_id,
            meeting_id: facts.meeting_id,
            user_id: facts.user_id,
            content_hash: facts.content_hash,
            decision: facts.decision,
            at: facts.at,
            kid: signed.kid,
            jws: signed.jws.clone(),
            signed_at: now,
        },
    )?;
    Ok(Receipt {
        id: claims.jti,
        jws: signed.jws,
    })
}

/// Signs a receipt for every consent that has none (of every project, or of one): current
/// acceptances and every agreement, each with its original date. Idempotent; returns how many
/// it signed.
pub fn sign_missing(
    conn: &mut PgConnection,
    signer: &Signer,
    project_id: Option<Uuid>,
) -> Result<usize, Refusal> {
    conn.transaction(|conn| {
        let mut facts: Vec<ConsentFacts> = Vec::new();
        for partnership in store::acceptances_without_receipt(conn, project_id)? {
            match ConsentFacts::acceptance(&partnership) {
                Some(f) => facts.push(f),
                None => tracing::warn!(
                    project_id = %partnership.project_id,
                    organization_id = %partnership.organization_id,
                    "an accepted partnership names nobody who accepted: no receipt"
                ),
            }
        }
        facts.extend(
            store::agreements_without_receipt(conn, project_id)?
                .iter()
                .filter_map(ConsentFacts::agreement),
        );
        let signed = facts.len();
        for f in facts {
            sign(conn, signer, f)?;
        }
        if signed > 0 {
            tracing::info!(signed, "receipts signed for earlier consents");
        }
        Ok(signed)
    })
}
