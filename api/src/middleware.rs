//! Request context: gives every request an id (the caller's `X-Request-Id` when it is sane,
//! else a new UUIDv7), returns it on every response, and makes every error response a
//! problem document carrying that id, including the ones actix produces itself (an unknown
//! route, a wrong method). 500s and 503s are logged here with their cause and the id.

use actix_web::body::{self, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};

use crate::problem::{problem, InternalCause, Problem, PROBLEM_JSON};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The request id of `req` (set by the middleware; empty outside it).
pub fn request_id(req: &HttpRequest) -> String {
    req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default()
}

fn accept_incoming(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| s.to_owned())
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, Error> {
    let id = req.headers().get(&REQUEST_ID).and_then(accept_incoming).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    // Handlers' and extractors' errors arrive here as responses; an `Err` can only come from
    // an inner middleware and is rendered by actix from its own (problem+json) ResponseError.
    let res = next.call(req).await?.map_into_boxed_body();
    let mut res = if res.status().is_client_error() || res.status().is_server_error() { as_problem(res, &id).await } else { res };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    Ok(res.map_into_left_body())
}

/// Rewrites an error response as a problem document with the request id.
async fn as_problem(res: ServiceResponse<BoxBody>, id: &str) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if status.is_server_error() {
        let cause = res.response().extensions().get::<InternalCause>().map(|c| c.0.clone());
        let cause = cause.or_else(|| res.response().error().map(|e| e.to_string())).unwrap_or_default();
        log::error!("request {id} failed with {status}: {cause}");
    }
    let is_problem =
        res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    let (req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let mut doc: serde_json::Value = if is_problem {
        match body::to_bytes(body).await.ok().and_then(|b| serde_json::from_slice(&b).ok()) {
            Some(doc) => doc,
            None => serde_json::to_value(generic_problem(status)).unwrap_or_default(),
        }
    } else {
        // Bodies actix wrote itself are plain text meant for developers; never pass them on.
        serde_json::to_value(generic_problem(status)).unwrap_or_default()
    };
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("request_id".into(), serde_json::Value::String(id.to_owned()));
    }
    let mut out = HttpResponse::build(status).content_type(PROBLEM_JSON).body(doc.to_string());
    for (name, value) in head.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    if status == StatusCode::UNAUTHORIZED && !out.headers().contains_key(header::WWW_AUTHENTICATE) {
        out.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"sheba\""));
    }
    ServiceResponse::new(req, out)
}

/// The problem for a status that no handler described (actix's own 404/405/413, a panic).
fn generic_problem(status: StatusCode) -> Problem {
    let (code, title, title_bn, detail) = match status.as_u16() {
        404 => ("not_found", "Not found", "পাওয়া যায়নি", "there is no resource at this path"),
        405 => ("method_not_allowed", "Method not allowed", "এই পদ্ধতি অনুমোদিত নয়", "this resource does not support the method"),
        413 => ("payload_too_large", "Request body too large", "অনুরোধের আকার খুব বড়", "the request body exceeds the limit"),
        415 => ("unsupported_media_type", "Unsupported media type", "অসমর্থিত কনটেন্ট টাইপ", "send the body as application/json"),
        400 => ("bad_request", "Bad request", "অনুরোধটি সঠিক নয়", "the request could not be understood"),
        401 => ("unauthenticated", "Authentication required", "প্রমাণীকরণ প্রয়োজন", "a valid bearer token is required"),
        403 => ("forbidden", "Forbidden", "অনুমতি নেই", "you may not do this"),
        s if s >= 500 => (
            "internal_error",
            "Internal server error",
            "সার্ভারের অভ্যন্তরীণ ত্রুটি",
            "an unexpected error occurred; quote the request id when reporting it",
        ),
        _ => ("client_error", "Request failed", "অনুরোধ ব্যর্থ হয়েছে", "the request could not be completed"),
    };
    problem(status, code, title, title_bn, detail.to_owned(), vec![])
}

/// The access log: one line per request naming the route's template
/// (`GET /api/v1/persons/{person_id}`), never the path or query as sent, so no name, ID
/// number or record id reaches the log (a search by name carries the name in its query).
/// No client address either: it can identify a person too.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    let route = res.request().match_pattern().unwrap_or_else(|| "(no route)".to_owned());
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    crate::metrics::observe_request(method.as_str(), &route, status, seconds);
    if route != "/health/live" {
        let id = res.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info!(
            target: "sheba::access",
            method = method.as_str(),
            route = route.as_str(),
            status,
            duration_ms = (seconds * 10_000.0).round() / 10.0,
            request_id = id,
            "request"
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a client sends as X-Request-Id, it is taken or replaced, never a panic.
        #[test]
        fn any_incoming_request_id_is_taken_or_replaced(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                if let Some(id) = accept_incoming(&value) {
                    prop_assert!(id.len() <= 64 && id.is_ascii());
                }
            }
        }
    }
}
