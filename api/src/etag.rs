//! Optimistic concurrency: mutable records carry a version, sent as a strong `ETag`; an
//! update must send it back in `If-Match` (428 without, 412 when the record moved on).

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;

use crate::problem::ApiError;

pub fn etag(version: i32) -> HeaderValue {
    // Digits between quotes are always a valid header value.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The version the client says it is changing. A value that is not one of our ETags
/// (`"7"`, or weak `W/"7"`) is a malformed request (400), not a stale version (412).
pub fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    version_in(req.headers().get(header::IF_MATCH))
}

/// The version an `If-Match` value names (apart from the request, for the property tests).
fn version_in(raw: Option<&HeaderValue>) -> Result<i32, ApiError> {
    let raw = raw.ok_or(ApiError::PreconditionRequired)?;
    let malformed = || ApiError::BadRequest {
        code: "invalid_if_match",
        detail: "If-Match must be the ETag the record was read with, such as \"7\"".into(),
    };
    let s = raw.to_str().map_err(|_| malformed())?;
    let s = s.strip_prefix("W/").unwrap_or(s);
    let digits = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or_else(malformed)?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    // Well-formed but beyond any version a record reaches: a version that never was (412).
    let n: u64 = digits.parse().map_err(|_| malformed())?;
    i32::try_from(n).map_err(|_| ApiError::PreconditionFailed)
}

/// `If-Match` where it is needed only to replace (a PUT that may create): absent or empty
/// is none.
pub fn if_match_optional(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    match req.headers().get(header::IF_MATCH) {
        Some(v) if !v.is_empty() => Ok(Some(if_match(req)?)),
        _ => Ok(None),
    }
}

/// For a PUT that may create: replacing what exists needs its version; creating needs none.
pub fn check_replace(current: Option<i32>, expected: Option<i32>) -> Result<(), ApiError> {
    match current {
        Some(v) => check(v, expected.ok_or(ApiError::PreconditionRequired)?),
        None => Ok(()),
    }
}

/// Refuses the change unless the client saw the current version.
pub fn check(current: i32, expected: i32) -> Result<(), ApiError> {
    if current == expected {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn our_etags_and_only_those() {
        let v = |s: &str| version_in(Some(&HeaderValue::from_str(s).unwrap()));
        assert_eq!(v("\"7\"").unwrap(), 7);
        assert_eq!(v("W/\"7\"").unwrap(), 7);
        assert_eq!(v(&format!("\"{}\"", etag(41).to_str().unwrap().trim_matches('"'))).unwrap(), 41);
        assert!(matches!(v("\"9999999999\""), Err(ApiError::PreconditionFailed)));
        for bad in ["7", "\"\"", "\"-1\"", "\"7", "*", "\"٧\"", "\"99999999999\""] {
            assert!(matches!(v(bad), Err(ApiError::BadRequest { .. })), "{bad}");
        }
        assert!(matches!(version_in(None), Err(ApiError::PreconditionRequired)));
    }

    proptest! {
        /// Whatever bytes a client sends as If-Match, the answer is a version or a refusal.
        #[test]
        fn any_if_match_is_a_version_or_a_refusal(
            bytes in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..40),
                "(W/)?\"[0-9é০]{0,12}\"?".prop_map(String::into_bytes),
            ]
        ) {
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                if let Ok(n) = version_in(Some(&value)) {
                    prop_assert!(n >= 0);
                }
            }
        }
    }
}
