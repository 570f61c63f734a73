//! `Idempotency-Key` for creates: a retried create (a lost response on a bad mobile link)
//! returns the first response instead of creating a second record. See
//! `persistence::idempotency` for how concurrent retries are serialised.

use std::future::{ready, Ready};

use actix_web::http::header::{HeaderName, HeaderValue, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use persistence::idempotency::{self, Claim};
use persistence::PgConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::problem::ApiError;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Marks a response that replays the first answer to an `Idempotency-Key`.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The optional `Idempotency-Key` header: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(IdempotencyKey::of(req.headers().get(&IDEMPOTENCY_KEY)).map_err(Into::into))
    }
}

impl IdempotencyKey {
    /// The key in a header value, if one was sent (apart from the request, for the property tests).
    fn of(value: Option<&HeaderValue>) -> Result<Self, ApiError> {
        match value {
            None => Ok(IdempotencyKey(None)),
            Some(v) => v
                .to_str()
                .ok()
                .filter(|s| !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic()))
                .map(|s| IdempotencyKey(Some(s.to_owned())))
                .ok_or_else(|| ApiError::BadRequest {
                    code: "invalid_idempotency_key",
                    detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
                }),
        }
    }
}

/// A stored response to send again.
#[derive(Debug, Clone)]
pub struct Replay {
    pub status: u16,
    pub body: serde_json::Value,
    pub location: Option<String>,
}

impl Replay {
    pub fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK)).json(self.body);
        if let Some(loc) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            res.headers_mut().insert(LOCATION, loc);
        }
        res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
        res
    }
}

/// A fingerprint of what the request asks for (never of secrets it carries).
pub fn fingerprint(parts: &[&str]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().to_vec()
}

/// Claims the key at the start of the create's transaction; `Some` means answer with the replay.
pub fn begin(
    conn: &mut PgConnection,
    actor: Uuid,
    key: &IdempotencyKey,
    fingerprint: &[u8],
    ttl: std::time::Duration,
) -> Result<Option<Replay>, ApiError> {
    let Some(key) = &key.0 else { return Ok(None) };
    let expire_before = Utc::now() - chrono::Duration::from_std(ttl).map_err(ApiError::internal)?;
    match idempotency::claim(conn, actor, key, fingerprint, expire_before)? {
        Claim::New => Ok(None),
        Claim::Replay { status, body, location } => Ok(Some(Replay { status, body, location })),
        Claim::Mismatch => Err(ApiError::Conflict {
            code: "idempotency_key_reused",
            detail: "this Idempotency-Key was used for a different request".into(),
        }),
    }
}

/// Stores the response under the key, in the same transaction as the create.
pub fn finish(
    conn: &mut PgConnection,
    actor: Uuid,
    key: &IdempotencyKey,
    status: u16,
    body: &serde_json::Value,
    location: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(key) = &key.0 {
        idempotency::complete(conn, actor, key, status, body, location)?;
    }
    Ok(())
}

/// What a create made: its body, where it lives, and the `ETag` of a mutable record.
pub struct Created<T> {
    pub body: T,
    pub location: Option<String>,
    pub etag: Option<HeaderValue>,
}

/// Runs a create in one transaction under the caller's `Idempotency-Key` (when sent): a retry
/// of the same request gets the first answer back, a different request under the same key a
/// 409, and the record and its stored answer commit together.
pub async fn create<T, F>(
    state: &crate::state::AppState,
    actor: domain::id::UserId,
    key: IdempotencyKey,
    fingerprint: Vec<u8>,
    status: StatusCode,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut PgConnection) -> Result<Created<T>, ApiError> + Send + 'static,
{
    let ttl = state.idempotency_ttl;
    let actor = actor.0;
    let outcome = crate::unit_of_work::transact(state, move |conn| {
        if let Some(replay) = begin(conn, actor, &key, &fingerprint, ttl)? {
            return Ok(Err(replay));
        }
        let created = work(conn)?;
        let body = serde_json::to_value(&created.body).map_err(ApiError::internal)?;
        finish(conn, actor, &key, status.as_u16(), &body, created.location.as_deref())?;
        Ok(Ok((body, created.location, created.etag)))
    })
    .await?;
    Ok(match outcome {
        Ok((body, location, etag)) => {
            let mut res = HttpResponse::build(status);
            if let Some(l) = location {
                res.insert_header((LOCATION, l));
            }
            if let Some(e) = etag {
                res.insert_header((actix_web::http::header::ETAG, e));
            }
            res.json(body)
        }
        Err(replay) => replay.into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_are_visible_ascii() {
        let key = |s: &str| IdempotencyKey::of(Some(&HeaderValue::from_str(s).unwrap())).map(|k| k.0);
        assert_eq!(key("order-7").unwrap().as_deref(), Some("order-7"));
        assert!(key("two words").is_err());
        assert!(key(&"k".repeat(256)).is_err());
        assert!(IdempotencyKey::of(None).unwrap().0.is_none());
        assert!(IdempotencyKey::of(Some(&HeaderValue::from_bytes("কী".as_bytes()).unwrap())).is_err());
    }

    proptest! {
        /// Whatever bytes arrive as Idempotency-Key, the answer is a key or a refusal.
        #[test]
        fn any_key_is_a_key_or_a_refusal(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                if let Ok(IdempotencyKey(Some(k))) = IdempotencyKey::of(Some(&value)) {
                    prop_assert!(k.len() <= 255 && k.is_ascii());
                }
            }
        }
    }
}
