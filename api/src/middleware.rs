//! Request context: gives every request an id (the caller's `X-Request-Id` when it is sane,
//! else a new UUIDv7), returns it on every response, and makes every error response a
//! problem document carrying that id, including the ones actix produces itself (an unknown
//! route, a wrong method). 500s and 503s are logged here with their cause and the id. A
//! panic below it is answered too, with a 500 problem: a bug must not drop the connection.

use std::panic::AssertUnwindSafe;

use actix_web::body::{self, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_util::FutureExt;

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
    // A panic (the hook counted and located it) unwound the request with it: what answers is
    // an error, which actix renders on the same connection.
    let res = match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res?.map_into_boxed_body(),
        Err(_) => {
            log::error!("request {id} failed with 500: the handler panicked at {}", crate::panics::take_location());
            return Err(Panicked(id).into());
        }
    };
    let mut res = if res.status().is_client_error() || res.status().is_server_error() { as_problem(res, &id).await } else { res };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    Ok(res.map_into_left_body())
}

/// A request whose handler panicked, by its id: answered with the generic 500 problem (the
/// panic's message may quote input, so it is never in the answer).
#[derive(Debug, thiserror::Error)]
#[error("the handler panicked")]
pub struct Panicked(pub String);

impl ResponseError for Panicked {
    fn error_response(&self) -> HttpResponse {
        let mut p = generic_problem(StatusCode::INTERNAL_SERVER_ERROR);
        p.request_id = Some(self.0.clone());
        let mut res = HttpResponse::InternalServerError();
        res.content_type(PROBLEM_JSON);
        if let Ok(v) = HeaderValue::from_str(&self.0) {
            res.insert_header((REQUEST_ID, v));
        }
        // (An error skips the default headers on its way out: these are theirs.)
        res.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff")).insert_header((header::CACHE_CONTROL, "no-store"));
        res.json(p)
    }
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
    let res = next.call(req).await;
    // An error is a panic `request_context` answered; its route went with the request.
    let (route, status, id) = match &res {
        Ok(res) => (
            res.request().match_pattern().unwrap_or_else(|| "(no route)".to_owned()),
            res.status().as_u16(),
            res.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-"),
        ),
        Err(e) => (
            "(panicked)".to_owned(),
            e.as_response_error().status_code().as_u16(),
            e.as_error::<Panicked>().map_or("-", |p| p.0.as_str()),
        ),
    };
    let seconds = started.elapsed().as_secs_f64();
    crate::metrics::observe_request(method.as_str(), &route, status, seconds);
    if route != "/health/live" {
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
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::dev::Service;
    use actix_web::middleware::from_fn;
    use actix_web::test::{init_service, TestRequest};
    use actix_web::{web, App, HttpServer};
    use proptest::prelude::*;

    /// A handler with the bug of issue 30: a byte split inside `é`, the input in the message.
    async fn boom() -> HttpResponse {
        #[allow(clippy::disallowed_methods)] // the bug this test is about
        let (mobile, _) = std::hint::black_box("01712345678é").split_at(12);
        HttpResponse::Ok().body(mobile.to_owned())
    }

    fn app() -> App<
        impl actix_web::dev::ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = Error,
            InitError = (),
        >,
    > {
        App::new()
            .route("/boom", web::get().to(boom))
            .route("/fine", web::get().to(|| async { HttpResponse::Ok().body("fine") }))
            .wrap(from_fn(request_context))
            .wrap(from_fn(access_log))
    }

    #[actix_web::test]
    async fn a_panicking_handler_is_answered_with_a_problem_and_counted() {
        crate::panics::install_test_hook();
        let before = crate::metrics::panics_counted();
        let app = init_service(app()).await;
        let req = TestRequest::get().uri("/boom").insert_header((REQUEST_ID, "issue-30")).to_request();
        let Err(e) = app.call(req).await else { panic!("the panic was not caught") };
        // (What actix's dispatcher sends for an error that reaches it.)
        let res = e.error_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers().get(header::CONTENT_TYPE).unwrap(), PROBLEM_JSON);
        assert_eq!(res.headers().get(&REQUEST_ID).unwrap(), "issue-30");
        let body = body::to_bytes(res.into_body()).await.unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((doc["status"].as_u64(), doc["code"].as_str()), (Some(500), Some("internal_error")));
        assert_eq!(doc["request_id"], "issue-30");
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("0171234") && !text.contains("char boundary"), "the panic's message stays out: {text}");
        assert!(crate::metrics::panics_counted() > before);
    }

    /// Over a real socket: the panic's answer arrives, and the connection serves the next request.
    #[actix_web::test]
    async fn a_panic_does_not_drop_the_connection() {
        use std::io::{Read, Write};
        crate::panics::install_test_hook();
        let server = HttpServer::new(app).workers(1).disable_signals().bind(("127.0.0.1", 0)).unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let answers = web::block(move || -> std::io::Result<String> {
            let mut conn = std::net::TcpStream::connect(addr)?;
            conn.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
            conn.write_all(b"GET /boom HTTP/1.1\r\nHost: t\r\nX-Request-Id: r1\r\n\r\n")?;
            let mut first = Vec::new();
            let mut buf = [0u8; 4096];
            while !String::from_utf8_lossy(&first).contains("\"request_id\":\"r1\"") {
                let n = conn.read(&mut buf)?;
                if n == 0 {
                    return Err(std::io::Error::other(format!("closed after {:?}", String::from_utf8_lossy(&first))));
                }
                first.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"GET /fine HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")?;
            let mut second = String::new();
            conn.read_to_string(&mut second)?;
            Ok(format!("{}\n---\n{second}", String::from_utf8_lossy(&first)))
        })
        .await
        .unwrap()
        .unwrap();
        handle.stop(true).await;
        let (first, second) = answers.split_once("\n---\n").unwrap();
        assert!(first.starts_with("HTTP/1.1 500"), "{first}");
        assert!(first.to_ascii_lowercase().contains("content-type: application/problem+json"), "{first}");
        assert!(first.to_ascii_lowercase().contains("x-request-id: r1"), "{first}");
        assert!(second.starts_with("HTTP/1.1 200") && second.ends_with("fine"), "{second}");
    }

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
