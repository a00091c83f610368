//! The instance's signing keys: which key signs now, the published set, rotation.
//!
//! By default the key is made on first start and kept in the database (`signing_keys`), so that
//! every instance of a deployment signs with the same key and a restore brings it back. With
//! `AMONT_SIGNING_KEY_FILE` the key is the file's, and only its public half is stored: it joins
//! the published set like any other key. A rotation retires the database key and makes another;
//! no key ever leaves the set, so everything an older key signed keeps verifying.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jsonwebtoken::jwk::JwkSet;
use serde::Serialize;

use super::Refusal;
use crate::config::Settings;
use crate::db::proof::{self as store, FROM_DATABASE, FROM_FILE, SigningKeyRow};
use crate::jose::{self, KeyPair};

/// Signs for this instance: its name (`iss`, the base URL) and where its key comes from.
#[derive(Debug, Clone)]
pub struct Signer {
    issuer: String,
    file_key: Option<KeyPair>,
}

/// A signature made: the JWS and the key that made it.
#[derive(Debug, Clone)]
pub struct Signed {
    pub kid: String,
    pub jws: String,
}

impl Signer {
    pub fn new(settings: &Settings) -> Signer {
        Signer {
            issuer: issuer(settings),
            file_key: settings.signing_key_file.as_ref().map(|f| f.key.clone()),
        }
    }

    /// The `iss` of everything this instance signs.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key that signs now: the file's, or the database's (made when there is none yet).
    pub fn key(&self, conn: &mut PgConnection) -> Result<KeyPair, Refusal> {
        match &self.file_key {
            Some(key) => {
                // Published from its first use on, and kept after the file changes.
                store::insert_key(conn, &public_row(key, FROM_FILE, None))?;
                Ok(key.clone())
            }
            None => database_key(conn),
        }
    }

    /// Signs `claims` with the key that signs now.
    pub fn sign<T: Serialize>(
        &self,
        conn: &mut PgConnection,
        claims: &T,
    ) -> Result<Signed, Refusal> {
        let key = self.key(conn)?;
        let jws = key.sign(claims).map_err(anyhow::Error::from)?;
        Ok(Signed {
            kid: key.kid().to_owned(),
            jws,
        })
    }
}

/// `iss`: the base URL without its trailing slash.
pub fn issuer(settings: &Settings) -> String {
    settings.base_url.as_str().trim_end_matches('/').to_owned()
}

fn public_row(key: &KeyPair, source: &str, private_key: Option<Vec<u8>>) -> SigningKeyRow {
    SigningKeyRow {
        kid: key.kid().to_owned(),
        public_key: key.public_key().to_vec(),
        private_key,
        source: source.to_owned(),
        created_at: Utc::now(),
        retired_at: None,
    }
}

/// The active database key, made (under a lock, so only once) when there is none.
fn database_key(conn: &mut PgConnection) -> Result<KeyPair, Refusal> {
    if let Some(row) = store::active_database_key(conn)? {
        return from_row(&row);
    }
    store::lock_keys(conn)?;
    if let Some(row) = store::active_database_key(conn)? {
        return from_row(&row);
    }
    let key = KeyPair::generate();
    let der = key.to_pkcs8_der().map_err(anyhow::Error::from)?;
    store::insert_key(conn, &public_row(&key, FROM_DATABASE, Some(der)))?;
    tracing::info!(kid = key.kid(), "signing key created");
    Ok(key)
}

fn from_row(row: &SigningKeyRow) -> Result<KeyPair, Refusal> {
    let der = row.private_key.as_deref().ok_or_else(|| {
        anyhow::anyhow!(
            "signing key {} has no private part in the database",
            row.kid
        )
    })?;
    Ok(KeyPair::from_pkcs8_der(der).map_err(anyhow::Error::from)?)
}

/// At start-up: the signing key exists (made on the first start), and a key file's public half
/// is published.
pub fn ensure(conn: &mut PgConnection, signer: &Signer) -> Result<String, Refusal> {
    conn.transaction(|conn| Ok(signer.key(conn)?.kid().to_owned()))
}

/// The public keys, every one ever used: `GET /.well-known/jwks.json`.
pub fn key_set(conn: &mut PgConnection) -> Result<JwkSet, Refusal> {
    let rows = store::all_keys(conn)?;
    let keys: Vec<[u8; 32]> = rows
        .iter()
        .filter_map(|row| <[u8; 32]>::try_from(row.public_key.as_slice()).ok())
        .collect();
    Ok(jose::key_set(keys.iter()))
}

/// A key as `amont keys list` shows it.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub kid: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

pub fn keys(conn: &mut PgConnection) -> Result<Vec<KeyInfo>, Refusal> {
    Ok(store::all_keys(conn)?
        .into_iter()
        .map(|row| KeyInfo {
            kid: row.kid,
            source: row.source,
            created_at: row.created_at,
            retired_at: row.retired_at,
        })
        .collect())
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub retired: Option<String>,
    pub created: String,
}

/// Retires the database key and makes a new one; the retired key stays published. Refused while
/// a key file is set: its key signs, so a new database key would sign nothing (replace the file
/// instead: the old file key stays published too).
pub fn rotate(conn: &mut PgConnection, signer: &Signer) -> Result<Rotation, Refusal> {
    if signer.file_key.is_some() {
        return Err(Refusal::conflict(
            "key_from_file",
            "the signing key comes from AMONT_SIGNING_KEY_FILE: put a new key in that file to \
             rotate it (the old one stays published)",
        ));
    }
    conn.transaction(|conn| {
        store::lock_keys(conn)?;
        let retired = store::retire_database_key(conn, Utc::now())?;
        let created = database_key(conn)?.kid().to_owned();
        Ok(Rotation { retired, created })
    })
}
