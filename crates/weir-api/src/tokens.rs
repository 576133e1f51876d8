//! Weir's own short-lived tokens: the web console's session cookie, and the
//! Flink dashboard's presigned URL and the session it opens.
//!
//! A token is `<access key id>.<expiry, unix seconds>.<HMAC-SHA256 hex>`,
//! the MAC taken over the token's purpose, its subject (an application name,
//! say), the key id and the expiry. The MAC key is derived from the secret
//! access key the token was issued under, so that:
//! - only a holder of a key pair can get one (by signing in or by a signed
//!   `CreateApplicationPresignedUrl`);
//! - tokens survive a restart of Weir, and changing the key pair revokes every
//!   token issued under the old one;
//! - a token for one purpose or subject is worthless for another.
//!
//! With authentication off there is no secret: a random key made at start-up
//! signs under the key id `-`, so dashboard URLs still cannot be forged, and
//! die with the process.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The key id tokens carry when authentication is off.
pub const ANONYMOUS: &str = "-";

/// What a token is good for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The web console's session cookie.
    Console,
    /// A presigned Flink dashboard URL: opens a session, briefly valid.
    DashboardUrl,
    /// The cookie of an open Flink dashboard session.
    DashboardSession,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Console => "console",
            Purpose::DashboardUrl => "dashboard-url",
            Purpose::DashboardSession => "dashboard-session",
        }
    }
}

/// Why a token was refused (said to the client in these words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token was issued for a key this server does not accept")]
    UnknownKey,
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token expired")]
    Expired,
}

/// The keys tokens are signed with, by access key id.
pub struct Tokens {
    keys: HashMap<String, [u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Tokens {
    /// Tokens for the key pairs the API accepts: (access key id, secret).
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Tokens {
        let keys = pairs
            .into_iter()
            .map(|(id, secret)| (id, derive(&secret)))
            .collect();
        Tokens { keys }
    }

    /// Whether `secret` is the secret access key of `key_id` (the console's
    /// sign-in), compared in constant time.
    pub fn check_secret(&self, key_id: &str, secret: &str) -> bool {
        let Some(known) = self.keys.get(key_id) else {
            return false;
        };
        let tag = |key: &[u8; 32]| {
            let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
            mac.update(b"sign-in");
            mac
        };
        tag(&derive(secret))
            .verify_slice(&tag(known).finalize().into_bytes())
            .is_ok()
    }

    /// For a server without authentication: one random key, id [`ANONYMOUS`].
    pub fn anonymous() -> Tokens {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Tokens {
            keys: HashMap::from([(ANONYMOUS.to_string(), key)]),
        }
    }

    fn mac(
        &self,
        purpose: Purpose,
        subject: &str,
        key_id: &str,
        expires: i64,
    ) -> Option<HmacSha256> {
        let key = self.keys.get(key_id)?;
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        // Lengths first, so that no two (subject, key id) pairs share a message.
        for part in [purpose.label(), subject, key_id] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.update(&expires.to_be_bytes());
        Some(mac)
    }

    /// A token for `subject`, issued under `key_id`, valid until `expires`
    /// (unix seconds). `None` when the key is not one of ours.
    pub fn issue(
        &self,
        purpose: Purpose,
        subject: &str,
        key_id: &str,
        expires: i64,
    ) -> Option<String> {
        let mac = self.mac(purpose, subject, key_id, expires)?;
        Some(format!(
            "{key_id}.{expires}.{}",
            hex::encode(mac.finalize().into_bytes())
        ))
    }

    /// Checks a token for `subject` at `now` (unix seconds); returns the
    /// access key id it was issued under.
    pub fn check(
        &self,
        purpose: Purpose,
        subject: &str,
        token: &str,
        now: i64,
    ) -> Result<String, TokenError> {
        // The key id may contain dots; the expiry and signature cannot.
        let mut parts = token.rsplitn(3, '.');
        let (Some(sig), Some(expires), Some(key_id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let expires: i64 = expires.parse().map_err(|_| TokenError::Malformed)?;
        let sig = hex::decode(sig).map_err(|_| TokenError::Malformed)?;
        let mac = self
            .mac(purpose, subject, key_id, expires)
            .ok_or(TokenError::UnknownKey)?;
        // Constant time; checked before the expiry so that a forger learns
        // nothing from which refusal comes back.
        mac.verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        if now > expires {
            return Err(TokenError::Expired);
        }
        Ok(key_id.to_string())
    }

    /// Whether `key_id` is one tokens can be issued under.
    pub fn knows(&self, key_id: &str) -> bool {
        self.keys.contains_key(key_id)
    }
}

/// The token key of a secret access key: a key of its own, never the secret
/// itself, so that a token's MAC says nothing that helps forge a SigV4
/// signature.
fn derive(secret: &str) -> [u8; 32] {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"weir-tokens-v1");
    mac.finalize().into_bytes().into()
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new([
            ("AKID.ONE".to_string(), "secret-one".to_string()),
            ("AKIDTWO".to_string(), "secret-two".to_string()),
        ])
    }

    #[test]
    fn a_token_checks_for_its_purpose_subject_and_time_only() {
        let t = tokens();
        let token = t
            .issue(Purpose::DashboardUrl, "app", "AKID.ONE", 1000)
            .unwrap();
        assert_eq!(
            t.check(Purpose::DashboardUrl, "app", &token, 999).unwrap(),
            "AKID.ONE"
        );
        assert_eq!(
            t.check(Purpose::DashboardUrl, "app", &token, 1000).unwrap(),
            "AKID.ONE"
        );
        assert_eq!(
            t.check(Purpose::DashboardUrl, "app", &token, 1001),
            Err(TokenError::Expired)
        );
        assert_eq!(
            t.check(Purpose::DashboardSession, "app", &token, 999),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            t.check(Purpose::DashboardUrl, "other", &token, 999),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn tampered_forged_and_foreign_tokens_are_refused() {
        let t = tokens();
        let token = t.issue(Purpose::Console, "", "AKIDTWO", 5000).unwrap();
        // A later expiry with the old signature.
        let stretched = token.replacen(".5000.", ".9000.", 1);
        assert_eq!(
            t.check(Purpose::Console, "", &stretched, 10),
            Err(TokenError::BadSignature)
        );
        // The other key's id with this key's signature.
        let swapped = token.replacen("AKIDTWO", "AKID.ONE", 1);
        assert_eq!(
            t.check(Purpose::Console, "", &swapped, 10),
            Err(TokenError::BadSignature)
        );
        let unknown = token.replacen("AKIDTWO", "NOPE", 1);
        assert_eq!(
            t.check(Purpose::Console, "", &unknown, 10),
            Err(TokenError::UnknownKey)
        );
        for bad in ["", "x", "a.b", "AKIDTWO.5000.zz", "AKIDTWO.soon.00"] {
            assert_eq!(
                t.check(Purpose::Console, "", bad, 10),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
        // Another server's keys (another secret) do not accept it.
        let other = Tokens::new([("AKIDTWO".to_string(), "rotated".to_string())]);
        assert_eq!(
            other.check(Purpose::Console, "", &token, 10),
            Err(TokenError::BadSignature)
        );
        assert!(t.issue(Purpose::Console, "", "NOPE", 5000).is_none());
    }

    #[test]
    fn secrets_are_checked_against_their_key_id() {
        let t = tokens();
        assert!(t.check_secret("AKIDTWO", "secret-two"));
        assert!(!t.check_secret("AKIDTWO", "secret-one"));
        assert!(!t.check_secret("AKIDTWO", ""));
        assert!(!t.check_secret("NOPE", "secret-two"));
    }

    #[test]
    fn anonymous_tokens_are_signed_by_a_key_of_the_process() {
        let a = Tokens::anonymous();
        let token = a
            .issue(Purpose::DashboardSession, "app", ANONYMOUS, 100)
            .unwrap();
        assert!(a
            .check(Purpose::DashboardSession, "app", &token, 50)
            .is_ok());
        assert_eq!(
            Tokens::anonymous().check(Purpose::DashboardSession, "app", &token, 50),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = axum::http::HeaderMap::new();
        h.append("cookie", "a=1; weir_console=tok.1.ab".parse().unwrap());
        h.append("cookie", "b=2".parse().unwrap());
        assert_eq!(cookie(&h, "weir_console"), Some("tok.1.ab"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
