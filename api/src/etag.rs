//! Optimistic concurrency: mutable records carry a version, sent as a strong `ETag`; an
//! update must send it back in `If-Match` (428 without, 412 when the record moved on).

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;

use crate::problem::ApiError;

pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits and quotes are valid")
}

/// The version the client says it is changing.
pub fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let raw = req.headers().get(header::IF_MATCH).ok_or(ApiError::PreconditionRequired)?;
    let s = raw.to_str().map_err(|_| ApiError::PreconditionFailed)?.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).and_then(|v| v.parse().ok()).ok_or(ApiError::PreconditionFailed)
}

/// Refuses the change unless the client saw the current version.
pub fn check(current: i32, expected: i32) -> Result<(), ApiError> {
    if current == expected {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}
