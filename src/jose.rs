//! Signatures that anyone can check: compact JWS (RFC 7515) with `alg` `EdDSA` (Ed25519, RFC
//! 8037), and the JWK set that publishes the public keys.
//!
//! This is the only module that touches the JOSE library (`jsonwebtoken`, on its RustCrypto
//! backend) and the Ed25519 one (`ed25519-dalek`, for keys: generation from our own random
//! bytes, PKCS#8 DER for the database, PEM for `AMONT_SIGNING_KEY_FILE`). Nothing here reads a
//! clock or the database: [`verify`] is a pure function of a token and a key set, so the server,
//! `amont verify` and the tests check a signature the same way.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The `typ` of every JWS Amont signs: the payload is a JSON claims set (`iss`, `jti`, `iat`).
pub const TYPE: &str = "JWT";

/// A key that signs: an Ed25519 key pair and its `kid`.
#[derive(Clone)]
pub struct KeyPair {
    signing: Arc<SigningKey>,
    kid: String,
}

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyPair {
    /// A new key from 256 random bits.
    pub fn generate() -> KeyPair {
        let secret: [u8; 32] = rand::rng().random();
        KeyPair::from_signing(SigningKey::from_bytes(&secret))
    }

    /// A key from its PKCS#8 DER form (as the database keeps it).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<KeyPair, KeyError> {
        SigningKey::from_pkcs8_der(der)
            .map(KeyPair::from_signing)
            .map_err(|e| KeyError(format!("not an Ed25519 PKCS#8 key ({e})")))
    }

    /// A key from a PEM file's text (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey
    /// -algorithm ed25519` writes it).
    pub fn from_pem(text: &str) -> Result<KeyPair, KeyError> {
        SigningKey::from_pkcs8_pem(text.trim())
            .map(KeyPair::from_signing)
            .map_err(|e| KeyError(format!("not an Ed25519 private key in PKCS#8 PEM ({e})")))
    }

    fn from_signing(signing: SigningKey) -> KeyPair {
        let kid = kid_of(&signing.verifying_key().to_bytes());
        KeyPair {
            signing: Arc::new(signing),
            kid,
        }
    }

    /// The PKCS#8 DER form, to store.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, KeyError> {
        self.signing
            .to_pkcs8_der()
            .map(|document| document.as_bytes().to_vec())
            .map_err(|e| KeyError(format!("cannot encode the key ({e})")))
    }

    /// The public key's 32 bytes.
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The key's identifier: its RFC 7638 thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as a compact JWS whose header names this key.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        let der = self.to_pkcs8_der()?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(TYPE.into());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&der))
            .map_err(|e| KeyError(format!("cannot sign ({e})")))
    }
}

impl fmt::Debug for KeyPair {
    /// Never the private key, even in a debug print of the settings.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "KeyPair {{ kid: {:?} }}", self.kid)
    }
}

/// The public JWK of an Ed25519 key: `kty` `OKP`, `crv` `Ed25519`, with its `kid`, for signing
/// with `EdDSA`.
pub fn jwk(public_key: &[u8; 32]) -> Jwk {
    let mut jwk = bare_jwk(public_key);
    jwk.common.key_id = Some(kid_of(public_key));
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(KeyAlgorithm::EdDSA);
    jwk
}

fn bare_jwk(public_key: &[u8; 32]) -> Jwk {
    Jwk {
        common: CommonParameters::default(),
        algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: URL_SAFE_NO_PAD.encode(public_key),
        }),
    }
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of a public key's JWK.
pub fn kid_of(public_key: &[u8; 32]) -> String {
    match bare_jwk(public_key).thumbprint(ThumbprintHash::SHA256) {
        Ok(thumbprint) => thumbprint,
        // The library computes it for every Ed25519 JWK; the fallback only keeps this total.
        Err(_) => URL_SAFE_NO_PAD.encode(public_key),
    }
}

/// A key set from public keys.
pub fn key_set<'a>(public_keys: impl IntoIterator<Item = &'a [u8; 32]>) -> JwkSet {
    JwkSet {
        keys: public_keys.into_iter().map(jwk).collect(),
    }
}

/// Why a JWS does not verify, in words a funder can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotVerified {
    #[error("it is not a compact JWS (three base64url parts separated by dots): {0}")]
    Malformed(String),
    #[error("it is signed with {0}, and Amont accepts only EdDSA (Ed25519)")]
    Algorithm(String),
    #[error("its header names no key (kid)")]
    NoKeyId,
    #[error("its key {0} is not in the published key set")]
    UnknownKey(String),
    #[error("the key {0} of the key set is not an Ed25519 public key")]
    BadKey(String),
    #[error(
        "the signature does not match the content: it was altered after signing, or signed by \
         another key"
    )]
    Signature,
    #[error("the signed content is not what Amont signs: {0}")]
    Content(String),
}

impl NotVerified {
    /// A stable code for machines (`?format=json`, the tests).
    pub fn code(&self) -> &'static str {
        match self {
            NotVerified::Malformed(_) => "malformed",
            NotVerified::Algorithm(_) => "algorithm",
            NotVerified::NoKeyId => "no_kid",
            NotVerified::UnknownKey(_) => "unknown_kid",
            NotVerified::BadKey(_) => "bad_key",
            NotVerified::Signature => "bad_signature",
            NotVerified::Content(_) => "unexpected_content",
        }
    }
}

/// What a JWS that verifies says.
#[derive(Debug, Clone)]
pub struct Verified<T> {
    pub kid: String,
    pub claims: T,
}

/// Checks a compact JWS against a key set: `EdDSA` only, the header's `kid` in the set, the
/// signature over exactly the bytes received; then reads the payload as `T`. No claim is
/// checked for time (receipts and attestations do not expire).
pub fn verify<T: DeserializeOwned>(token: &str, keys: &JwkSet) -> Result<Verified<T>, NotVerified> {
    let token = token.trim();
    if token.split('.').count() != 3 {
        return Err(NotVerified::Malformed(format!(
            "{} part(s) instead of 3",
            token.split('.').count()
        )));
    }
    let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
        // An algorithm this library does not know at all ("none", say) fails to parse.
        ErrorKind::Json(_) => NotVerified::Malformed(format!("unreadable header ({e})")),
        _ => NotVerified::Malformed(e.to_string()),
    })?;
    if header.alg != Algorithm::EdDSA {
        return Err(NotVerified::Algorithm(format!("{:?}", header.alg)));
    }
    let kid = header.kid.ok_or(NotVerified::NoKeyId)?;
    let jwk = keys
        .find(&kid)
        .ok_or_else(|| NotVerified::UnknownKey(kid.clone()))?;
    let public_key = ed25519_public_key(jwk).ok_or_else(|| NotVerified::BadKey(kid.clone()))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_ed_der(&public_key.to_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature | ErrorKind::Base64(_) => NotVerified::Signature,
        ErrorKind::InvalidAlgorithm => NotVerified::Algorithm(format!("{:?}", header.alg)),
        _ => NotVerified::Malformed(e.to_string()),
    })?;
    let claims =
        serde_json::from_value(data.claims).map_err(|e| NotVerified::Content(e.to_string()))?;
    Ok(Verified { kid, claims })
}

/// The Ed25519 key of a JWK, checked (32 bytes, a point on the curve) before the JOSE library
/// sees it: a short `x` from a key set someone else wrote must be a clear refusal, not a crash.
fn ed25519_public_key(jwk: &Jwk) -> Option<VerifyingKey> {
    let AlgorithmParameters::OctetKeyPair(params) = &jwk.algorithm else {
        return None;
    };
    if params.curve != EllipticCurve::Ed25519 {
        return None;
    }
    let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(&params.x).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The payload of a compact JWS, read without checking anything: to say what a token that does
/// not verify claims to be. Never use it to decide.
pub fn unverified_claims(token: &str) -> Option<serde_json::Value> {
    jsonwebtoken::dangerous::insecure_decode_claims(token.trim()).ok()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Claims {
        iss: String,
        n: u32,
    }

    fn claims() -> Claims {
        Claims {
            iss: "https://amont.example.org".into(),
            n: 7,
        }
    }

    /// One byte of the part `index` (0 header, 1 payload, 2 signature) changed, still base64url.
    fn tamper(token: &str, index: usize) -> String {
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut bytes = URL_SAFE_NO_PAD.decode(&parts[index]).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        parts[index] = URL_SAFE_NO_PAD.encode(bytes);
        parts.join(".")
    }

    #[test]
    fn a_signed_token_verifies_with_its_key_and_says_what_was_signed() {
        let key = KeyPair::generate();
        let token = key.sign(&claims()).unwrap();
        let set = key_set([&key.public_key()]);
        let verified: Verified<Claims> = verify(&token, &set).unwrap();
        assert_eq!(verified.kid, key.kid());
        assert_eq!(verified.claims, claims());
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], key.kid());
    }

    #[test]
    fn a_byte_changed_anywhere_does_not_verify() {
        let key = KeyPair::generate();
        let token = key.sign(&claims()).unwrap();
        let set = key_set([&key.public_key()]);
        assert_eq!(
            verify::<Claims>(&tamper(&token, 1), &set).unwrap_err(),
            NotVerified::Signature
        );
        assert_eq!(
            verify::<Claims>(&tamper(&token, 2), &set).unwrap_err(),
            NotVerified::Signature
        );
        // A header changed: either unreadable or no longer what was signed.
        assert!(verify::<Claims>(&tamper(&token, 0), &set).is_err());
    }

    #[test]
    fn another_key_or_an_unknown_kid_does_not_verify() {
        let ours = KeyPair::generate();
        let theirs = KeyPair::generate();
        let set = key_set([&ours.public_key()]);
        let foreign = theirs.sign(&claims()).unwrap();
        assert_eq!(
            verify::<Claims>(&foreign, &set).unwrap_err(),
            NotVerified::UnknownKey(theirs.kid().to_owned())
        );
        // Their signature under our kid: the set has the kid, the signature is not ours.
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(ours.kid().to_owned());
        let der = theirs.to_pkcs8_der().unwrap();
        let posing =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ed_der(&der)).unwrap();
        assert_eq!(
            verify::<Claims>(&posing, &set).unwrap_err(),
            NotVerified::Signature
        );
    }

    #[test]
    fn other_algorithms_and_shapes_are_refused_with_their_reason() {
        let key = KeyPair::generate();
        let set = key_set([&key.public_key()]);
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(b"secret").unwrap(),
        )
        .unwrap();
        assert_eq!(verify::<Claims>(&hs, &set).unwrap_err().code(), "algorithm");
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"iss":"x","n":1}"#)
        );
        assert_eq!(
            verify::<Claims>(&none, &set).unwrap_err().code(),
            "malformed"
        );
        assert_eq!(
            verify::<Claims>("abc", &set).unwrap_err().code(),
            "malformed"
        );
        assert_eq!(verify::<Claims>("", &set).unwrap_err().code(), "malformed");
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = None;
        let der = key.to_pkcs8_der().unwrap();
        let anonymous =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ed_der(&der)).unwrap();
        assert_eq!(
            verify::<Claims>(&anonymous, &set).unwrap_err(),
            NotVerified::NoKeyId
        );
        // Signed and verified, but not the shape asked for.
        let other = key.sign(&json!({"something": "else"})).unwrap();
        assert_eq!(
            verify::<Claims>(&other, &set).unwrap_err().code(),
            "unexpected_content"
        );
    }

    #[test]
    fn a_key_set_with_a_broken_key_refuses_instead_of_crashing() {
        let key = KeyPair::generate();
        let token = key.sign(&claims()).unwrap();
        let mut set = key_set([&key.public_key()]);
        if let AlgorithmParameters::OctetKeyPair(params) = &mut set.keys[0].algorithm {
            params.x = "AAAA".into();
        }
        assert_eq!(
            verify::<Claims>(&token, &set).unwrap_err(),
            NotVerified::BadKey(key.kid().to_owned())
        );
    }

    #[test]
    fn keys_round_trip_through_pkcs8_and_pem_and_keep_their_kid() {
        let key = KeyPair::generate();
        let again = KeyPair::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap();
        assert_eq!(again.kid(), key.kid());
        // RFC 8037 appendix A.1: the example key, its PEM (RFC 8410 form) and its thumbprint
        // (appendix A.3).
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n\
                   -----END PRIVATE KEY-----\n";
        let rfc = KeyPair::from_pem(pem).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(rfc.public_key()),
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        );
        assert_eq!(rfc.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert!(KeyPair::from_pem("not a key").is_err());
        assert!(format!("{rfc:?}").contains(rfc.kid()));
        assert!(!format!("{rfc:?}").contains("MC4C"));
    }

    #[test]
    fn the_published_key_is_an_okp_ed25519_jwk() {
        let key = KeyPair::generate();
        let value = serde_json::to_value(jwk(&key.public_key())).unwrap();
        assert_eq!(value["kty"], "OKP");
        assert_eq!(value["crv"], "Ed25519");
        assert_eq!(value["alg"], "EdDSA");
        assert_eq!(value["use"], "sig");
        assert_eq!(value["kid"], key.kid());
        assert!(value.get("d").is_none(), "no private part");
    }
}
