//! Verification of what Amont signed — a consent receipt or an attestation — against a key set,
//! with no database: the verification page, `amont verify` and the tests share it.
//!
//! An attestation verifies when its own signature does; each receipt it carries is then checked
//! on its own (signature, and that it is about the attested project, the organization it is
//! listed under, by the same issuer), so that one bad receipt is reported as such.

use jsonwebtoken::jwk::JwkSet;
use serde_json::Value;

use crate::domain::proof::{ATTESTATION_KIND, AttestationClaims, ReceiptClaims};
use crate::jose::{self, NotVerified};

/// A signed document that verifies.
#[derive(Debug, Clone)]
pub enum Checked {
    Receipt {
        kid: String,
        claims: Box<ReceiptClaims>,
    },
    Attestation {
        kid: String,
        claims: Box<AttestationClaims>,
        receipts: Vec<ReceiptCheck>,
    },
}

/// One receipt carried by an attestation, checked.
#[derive(Debug, Clone)]
pub struct ReceiptCheck {
    /// The index of the partner it is listed under.
    pub partner: usize,
    pub jws: String,
    pub result: Result<ReceiptClaims, NotVerified>,
}

/// Checks a compact JWS that should be a receipt or an attestation.
pub fn check(token: &str, keys: &JwkSet) -> Result<Checked, NotVerified> {
    let verified = jose::verify::<Value>(token, keys)?;
    let kind = verified.claims["kind"].as_str().unwrap_or_default();
    if kind == ATTESTATION_KIND {
        let claims: AttestationClaims = serde_json::from_value(verified.claims)
            .map_err(|e| NotVerified::Content(e.to_string()))?;
        let receipts = receipts_of(&claims, keys);
        return Ok(Checked::Attestation {
            kid: verified.kid,
            claims: Box::new(claims),
            receipts,
        });
    }
    let claims: ReceiptClaims =
        serde_json::from_value(verified.claims).map_err(|e| NotVerified::Content(e.to_string()))?;
    Ok(Checked::Receipt {
        kid: verified.kid,
        claims: Box::new(claims),
    })
}

/// Checks an attestation (a receipt where an attestation is expected does not pass).
pub fn check_attestation(
    token: &str,
    keys: &JwkSet,
) -> Result<(AttestationClaims, Vec<ReceiptCheck>), NotVerified> {
    match check(token, keys)? {
        Checked::Attestation {
            claims, receipts, ..
        } => Ok((*claims, receipts)),
        Checked::Receipt { .. } => Err(NotVerified::Content(
            "a consent receipt, not an attestation".into(),
        )),
    }
}

fn receipts_of(claims: &AttestationClaims, keys: &JwkSet) -> Vec<ReceiptCheck> {
    let mut out = Vec::new();
    for (index, partner) in claims.partners.iter().enumerate() {
        for jws in &partner.receipts {
            let result = jose::verify::<ReceiptClaims>(jws, keys).and_then(|v| {
                let receipt = v.claims;
                if receipt.iss != claims.iss {
                    Err(NotVerified::Content(format!(
                        "the receipt was issued by {}, the attestation by {}",
                        receipt.iss, claims.iss
                    )))
                } else if receipt.consent.project.id != claims.project.id {
                    Err(NotVerified::Content(
                        "the receipt is about another project".into(),
                    ))
                } else if receipt.consent.organization.id != partner.organization.id {
                    Err(NotVerified::Content(
                        "the receipt is about another organization".into(),
                    ))
                } else {
                    Ok(receipt)
                }
            });
            out.push(ReceiptCheck {
                partner: index,
                jws: jws.clone(),
                result,
            });
        }
    }
    out
}

/// The JWS in a saved file: the compact JWS itself (a downloaded receipt), or a JSON object
/// holding it under `jws` (the verification page's `?format=json`) or `receipt`.
pub fn token_in(text: &str) -> Option<String> {
    let text = text.trim();
    if text.starts_with('{') {
        let value: Value = serde_json::from_str(text).ok()?;
        return ["jws", "receipt"]
            .iter()
            .find_map(|key| value[key].as_str())
            .map(str::to_owned);
    }
    Some(text.to_owned())
}

/// What a document that verifies attests, in English, for `amont verify`.
pub fn describe(checked: &Checked) -> String {
    let mut out = String::new();
    match checked {
        Checked::Receipt { kid, claims } => {
            let c = &claims.consent;
            out.push_str(&format!(
                "Valid consent receipt, signed by {} (key {kid}).\n",
                claims.iss
            ));
            out.push_str(&format!(
                "  {} — {} ({}) for {}: {} on {}\n",
                c.kind.as_str(),
                c.by.display_name,
                c.organization.name,
                c.project.title,
                c.decision,
                c.at.to_rfc3339()
            ));
            if let Some(meeting) = &c.meeting {
                out.push_str(&format!("  meeting: {}\n", meeting.title));
            }
            if let Some(hash) = &c.content_hash {
                out.push_str(&format!("  text: {hash}\n"));
            }
            out.push_str(&format!("  receipt id: {}\n", claims.jti));
        }
        Checked::Attestation {
            kid,
            claims,
            receipts,
        } => {
            out.push_str(&format!(
                "Valid attestation, signed by {} (key {kid}).\n",
                claims.iss
            ));
            out.push_str(&format!(
                "  Project “{}”, initiated by {}, attested by {} on {}.\n",
                claims.project.title,
                claims.initiator.name,
                claims.by.display_name,
                claims.at.to_rfc3339()
            ));
            out.push_str(&format!("  Live check: {}\n", claims.url));
            for (index, partner) in claims.partners.iter().enumerate() {
                out.push_str(&format!(
                    "  Partner {}{}: mission {} ({})\n",
                    partner.organization.name,
                    if partner.is_initiator {
                        " (initiator)"
                    } else {
                        ""
                    },
                    if partner.mission_agreed {
                        "agreed"
                    } else {
                        "not agreed"
                    },
                    partner.mission_hash
                ));
                for receipt in receipts.iter().filter(|r| r.partner == index) {
                    match &receipt.result {
                        Ok(r) => out.push_str(&format!(
                            "    ✔ {} — {} by {} on {}\n",
                            r.consent.kind.as_str(),
                            r.consent.decision,
                            r.consent.by.display_name,
                            r.consent.at.to_rfc3339()
                        )),
                        Err(e) => out.push_str(&format!("    ✖ a receipt does not verify: {e}\n")),
                    }
                }
            }
            for meeting in &claims.meetings {
                out.push_str(&format!(
                    "  Meeting “{}” ({})",
                    meeting.title, meeting.status
                ));
                if let Some(record) = &meeting.concertation {
                    out.push_str(&format!(
                        ", concertation recorded on {}",
                        record.recorded_at.to_rfc3339()
                    ));
                }
                out.push('\n');
            }
            out.push_str(
                "  This says what was true when attested; the live check says what still holds today.\n",
            );
        }
    }
    out
}
