//! Cross-origin access for browser front ends served from other origins (a ministry portal,
//! a Vite dev server). Only the origins in `SHEBA_CORS_ORIGINS` may call the API from a
//! browser; with none configured, no other origin may. Preflights are answered before
//! routing, so every route (and every problem document) works the same way.

use std::fmt;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error};

use crate::idempotency::REPLAYED;
use crate::middleware::REQUEST_ID;
use crate::state::AppState;

/// Request headers a browser may send on a cross-origin call.
pub const ALLOWED_HEADERS: [&str; 5] = ["authorization", "content-type", "if-match", "idempotency-key", "accept-language"];

/// The origins allowed to call the API from a browser, each `scheme://host[:port]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

/// Why a configured origin was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidOrigin(pub String);

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for InvalidOrigin {}

impl AllowedOrigins {
    /// Parses a comma-separated list (`https://portal.example.gov.bd,http://localhost:5173`).
    /// A browser sends an origin as scheme, host and port only, so that is all an entry may
    /// hold; a wildcard is refused, since the API answers with personal data.
    pub fn parse(list: &str) -> Result<Self, InvalidOrigin> {
        let mut out: Vec<String> = vec![];
        for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let origin = normalise(raw)?;
            if !out.contains(&origin) {
                out.push(origin);
            }
        }
        Ok(AllowedOrigins(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, origin: &[u8]) -> bool {
        self.0.iter().any(|o| o.as_bytes() == origin)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

fn normalise(raw: &str) -> Result<String, InvalidOrigin> {
    let bad = |why: &str| InvalidOrigin(format!("SHEBA_CORS_ORIGINS: {raw:?} {why}"));
    if raw == "*" || raw == "null" {
        return Err(bad("is not allowed: list each origin (scheme://host[:port])"));
    }
    let s = raw.strip_suffix('/').unwrap_or(raw);
    let (scheme, rest) = s.split_once("://").ok_or_else(|| bad("needs a scheme: http://host or https://host"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("must be http or https"));
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ', '*']) {
        return Err(bad("must be scheme://host[:port] with no path, query or wildcard"));
    }
    let (host, port) = match rest.strip_prefix('[') {
        // An IPv6 literal: [::1] or [::1]:8080.
        Some(v6) => {
            let (addr, after) = v6.split_once(']').ok_or_else(|| bad("has an invalid host"))?;
            if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                return Err(bad("has an invalid host"));
            }
            match after {
                "" => (addr, None),
                p => (addr, Some(p.strip_prefix(':').ok_or_else(|| bad("has an invalid port"))?)),
            }
        }
        None => match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        },
    };
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')) {
        return Err(bad("has an invalid host"));
    }
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |n| n == 0) {
            return Err(bad("has an invalid port"));
        }
    }
    Ok(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

/// The CORS middleware for these origins: preflights answered for every route, the headers
/// our clients send allowed, and the headers they must read exposed.
pub fn cors(origins: &AllowedOrigins) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER, REQUEST_ID, REPLAYED])
        .max_age(3600)
        // A request from another origin is answered without CORS headers, and the browser
        // then withholds the answer; same-origin pages (Swagger UI) send an Origin too.
        .block_on_origin_mismatch(false);
    for o in origins.iter() {
        cors = cors.allowed_origin(o);
    }
    cors
}

/// `Cross-Origin-Resource-Policy`: `cross-origin` for an allowed origin, so that a front end
/// there may read what it fetched; `same-origin` for everyone else.
pub async fn resource_policy(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let allowed = match (req.headers().get(header::ORIGIN), req.app_data::<web::Data<AppState>>()) {
        (Some(origin), Some(state)) => state.cors_origins.contains(origin.as_bytes()),
        _ => false,
    };
    let mut res = next.call(req).await?;
    let policy = if allowed { "cross-origin" } else { "same-origin" };
    res.headers_mut().insert(HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static(policy));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_list_of_origins() {
        let o = AllowedOrigins::parse(" http://localhost:5173, https://Portal.Example.gov.bd/ ,,http://localhost:5173").unwrap();
        assert_eq!(o.iter().collect::<Vec<_>>(), ["http://localhost:5173", "https://portal.example.gov.bd"]);
        assert!(o.contains(b"http://localhost:5173"));
        assert!(!o.contains(b"http://localhost:5174"));
        assert!(AllowedOrigins::parse("").unwrap().is_empty());
        assert!(AllowedOrigins::parse("http://[::1]:8080,http://[::1]").is_ok());
    }

    #[test]
    fn refuses_what_a_browser_never_sends_as_an_origin() {
        for bad in [
            "*",
            "null",
            "localhost:5173",
            "ftp://x",
            "https://x/path",
            "https://*.gov.bd",
            "http://x:0",
            "http://x:99999",
            "https://",
            "http://[::1",
            "http://[::1]x",
        ] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
