//! Secrets handed to users (magic-link tokens, session and API tokens): 256 random bits, shown
//! once in hex, stored only as their SHA-256. A slow password hash is not needed here: the
//! secrets are random and long, so their hash cannot be brute-forced.

use rand::RngExt;
use sha2::{Digest, Sha256};

/// A new random token, as 64 hex characters.
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// What the database stores for a token.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&format!(" {a}\n")));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 32);
    }
}
