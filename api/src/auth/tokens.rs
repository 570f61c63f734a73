//! Access tokens (short-lived HS256 JWTs) and refresh tokens (random, stored hashed, rotated
//! on every use). The signing key comes from configuration; the embedded default generates
//! one in the data directory on first start.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ISSUER: &str = "sheba";
pub const AUDIENCE: &str = "sheba-api";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: Uuid,
    /// The username, for logs and the audit trail.
    pub name: String,
    pub role: String,
    pub scope: String,
    /// `person` or `service`.
    pub kind: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    /// Issue time in milliseconds, finer than `iat`, so a token issued just before a password
    /// reset is told apart from one issued just after it.
    pub iat_ms: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// Issues and checks tokens.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
}

/// The smallest signing key we accept: 256 bits, the size of the HS256 output.
pub const MIN_KEY_BYTES: usize = 32;

impl TokenService {
    pub fn new(key: &[u8], access_ttl: chrono::Duration, refresh_ttl: chrono::Duration) -> Self {
        assert!(key.len() >= MIN_KEY_BYTES, "JWT signing key shorter than {MIN_KEY_BYTES} bytes");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud", "iss"]);
        validation.leeway = 5;
        TokenService {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            access_ttl,
            refresh_ttl,
        }
    }

    /// Signs an access token; returns it with its lifetime in seconds.
    pub fn issue_access(
        &self,
        sub: domain::id::UserId,
        name: &str,
        role: domain::access::Role,
        scope: domain::access::Scope,
        kind: domain::user::AccountKind,
        now: DateTime<Utc>,
    ) -> Result<(String, i64), jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: sub.0,
            name: name.to_owned(),
            role: role.code().to_owned(),
            scope: scope.to_string(),
            kind: kind.code().to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            exp: (now + self.access_ttl).timestamp(),
            jti: Uuid::now_v7(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, self.access_ttl.num_seconds()))
    }

    /// Checks signature, algorithm (HS256 only: `none` and others are refused), issuer,
    /// audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims)
    }
}

/// A new random refresh token (256 bits, URL-safe) and the hash we store.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    use base64::Engine;
    let token = format!("rt_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(key: &[u8]) -> TokenService {
        TokenService::new(key, chrono::Duration::minutes(15), chrono::Duration::days(14))
    }

    #[test]
    fn round_trip_and_wrong_key() {
        let a = svc(&[7u8; 32]);
        let (t, ttl) = a
            .issue_access(
                Uuid::nil().into(),
                "u",
                domain::access::Role::Auditor,
                domain::access::Scope::National,
                domain::user::AccountKind::Person,
                Utc::now(),
            )
            .unwrap();
        assert_eq!(ttl, 900);
        assert_eq!(a.verify(&t).unwrap().role, "auditor");
        assert!(svc(&[8u8; 32]).verify(&t).is_err());
    }

    #[test]
    fn expired_tokens_fail() {
        let a = svc(&[7u8; 32]);
        let (t, _) = a
            .issue_access(
                Uuid::nil().into(),
                "u",
                domain::access::Role::Auditor,
                domain::access::Scope::National,
                domain::user::AccountKind::Person,
                Utc::now() - chrono::Duration::hours(1),
            )
            .unwrap();
        assert!(a.verify(&t).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_refresh_token(&a), ha);
        assert_eq!(ha.len(), 32);
    }
}
