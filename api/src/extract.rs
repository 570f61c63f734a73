//! Request parsing that fails the way our clients need: a JSON body that is not JSON gets a
//! 400 saying where it broke, a body of the wrong shape a 422 naming the field, the wrong
//! content type a 415, an oversized body a 413, all as problem documents.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{error, web, FromRequest, HttpRequest, ResponseError};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::problem::{problem, problem_response, ApiError, FieldError};

/// The largest JSON body accepted, unless configured otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Limits for [`ApiJson`], set as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body, parsed and then validated with `validator`.
pub struct ApiJson<T>(pub T);

/// Problems of the body itself, which are not the caller's fields.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("send the body as application/json")]
    ContentType,
    #[error("the body exceeds {0} bytes")]
    TooLarge(usize),
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error("the body could not be read")]
    Read,
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
}

impl ResponseError for BodyError {
    fn status_code(&self) -> StatusCode {
        match self {
            BodyError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Syntax { .. } | BodyError::Read => StatusCode::BAD_REQUEST,
            BodyError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let status = self.status_code();
        let p = match self {
            BodyError::ContentType => problem(
                status,
                "unsupported_media_type",
                "Unsupported media type",
                "অসমর্থিত কনটেন্ট টাইপ",
                self.to_string(),
                vec![],
            ),
            BodyError::TooLarge(_) => {
                problem(status, "payload_too_large", "Request body too large", "অনুরোধের আকার খুব বড়", self.to_string(), vec![])
            }
            BodyError::Syntax { .. } | BodyError::Read => {
                problem(status, "malformed_json", "Malformed JSON", "JSON সঠিক নয়", self.to_string(), vec![])
            }
            BodyError::Fields(errors) => return ApiError::Validation(errors.clone()).error_response(),
        };
        problem_response(&p)
    }
}

/// The essence of the request's media type: lower case, without parameters (`text/csv` for
/// `text/CSV; charset=utf-8`); empty when there is none.
pub fn media_type(req: &HttpRequest) -> String {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Whether a media type's essence (lower case, no parameters) is JSON.
pub fn is_json_type(essence: &str) -> bool {
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Turns `validator`'s nested errors into flat `field` paths.
pub fn validation_field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    fn walk(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
        for (field, kind) in errors.errors() {
            let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
            match kind {
                ValidationErrorsKind::Field(list) => {
                    for e in list {
                        let message = e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| match e.code.as_ref() {
                            "length" => "has an invalid length".to_owned(),
                            "range" => "is out of range".to_owned(),
                            other => format!("is invalid ({other})"),
                        });
                        let code = match e.code.as_ref() {
                            "length" => "invalid_length",
                            "range" => "out_of_range",
                            "required" => "required",
                            "email" | "url" | "regex" => "invalid_format",
                            _ => "invalid",
                        };
                        out.push(FieldError::coded(path.clone(), code, message));
                    }
                }
                ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        walk(&format!("{path}[{i}]"), inner, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// Parses `bytes` as `T`, classifying failures as syntax (400) or shape (422, with the path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let syntax = |inner: serde_json::Error| BodyError::Syntax {
        line: inner.line(),
        column: inner.column(),
        message: inner.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
    };
    // The usual body parses straight into its type; only a refused one is read again, as a
    // value, to let integer-valued numbers through and to name the failing field.
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => return Ok(v),
        Err(e) if e.classify() != serde_json::error::Category::Data => return Err(syntax(e)),
        Err(_) => {}
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(syntax)?;
    integers_as_integers(&mut value);
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let raw = inner.to_string();
                    let message = raw.split(" at line ").next().unwrap_or(&raw).to_owned();
                    // A missing field is reported at its parent; name the field itself.
                    let field = match message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
                        Some(name) if path == "." => name.to_owned(),
                        Some(name) => format!("{path}.{name}"),
                        None if path == "." => "body".to_owned(),
                        None => path,
                    };
                    // serde's wording is stable enough to classify: missing, unknown variant, type.
                    let code = if message.starts_with("missing field") {
                        "required"
                    } else if message.starts_with("unknown variant") {
                        "unknown_code"
                    } else if message.starts_with("invalid type") {
                        "invalid_type"
                    } else if message.contains("out of range") || message.starts_with("invalid value: integer") {
                        "out_of_range"
                    } else {
                        "invalid_format"
                    };
                    Err(BodyError::Fields(vec![FieldError::coded(field, code, message)]))
                }
                _ => Err(syntax(inner)),
            }
        }
    }
}

/// JSON Schema counts `738.0` as an integer, so the contract's integers allow it; serde does
/// not. Integer-valued numbers (exactly representable) become integers before the types see them.
fn integers_as_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0) {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        Value::Object(map) => map.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

/// The length the body declares (`Content-Length`), if it declares one.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// The whole body, within `limit` (413 past it).
pub async fn read_body<S>(declared: Option<usize>, payload: &mut S, limit: usize) -> Result<web::BytesMut, actix_web::Error>
where
    S: futures_util::Stream<Item = Result<web::Bytes, error::PayloadError>> + Unpin,
{
    let mut body = web::BytesMut::new();
    stream_body(declared, payload, limit, |chunk| {
        body.extend_from_slice(chunk);
        Ok(())
    })
    .await?;
    Ok(body)
}

/// Hands the body to `sink` chunk by chunk, refusing (413) one longer than `limit` by its
/// declared length before reading anything, or by what arrives.
pub async fn stream_body<S>(
    declared: Option<usize>,
    payload: &mut S,
    limit: usize,
    mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<(), actix_web::Error>
where
    S: futures_util::Stream<Item = Result<web::Bytes, error::PayloadError>> + Unpin,
{
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge(limit).into());
    }
    let mut size = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Read)?;
        size += chunk.len();
        if size > limit {
            return Err(BodyError::TooLarge(limit).into());
        }
        sink(&chunk).map_err(ApiError::internal)?;
    }
    Ok(())
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ApiJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map(|l| l.0).unwrap_or(DEFAULT_MAX_BODY_BYTES);
        let json = is_json_type(&media_type(req));
        let declared = declared_length(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(BodyError::ContentType.into());
            }
            let body = read_body(declared, &mut payload, limit).await?;
            let value: T = parse_json(&body)?;
            value.validate().map_err(|e| BodyError::Fields(validation_field_errors(&e)))?;
            Ok(ApiJson(value))
        })
    }
}

/// Query strings that do not parse get a 400 problem naming the parameter.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let detail = match &err {
            error::QueryPayloadError::Deserialize(e) => format!("invalid query parameter: {e}"),
            other => format!("invalid query string: {other}"),
        };
        let p = problem(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "Invalid query parameter",
            "কোয়েরি প্যারামিটার সঠিক নয়",
            detail,
            vec![],
        );
        error::InternalError::from_response(err, problem_response(&p)).into()
    })
}

/// A path segment that does not parse (a malformed id) names no resource: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let p = problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            "পাওয়া যায়নি",
            "there is no resource at this path (malformed identifier)".into(),
            vec![],
        );
        error::InternalError::from_response(err, problem_response(&p)).into()
    })
}

/// Refuses a file upload that is not sent as `text/csv` (415), before anything reads it.
pub fn require_csv(req: &HttpRequest, what: &str) -> Result<(), ApiError> {
    if media_type(req) == "text/csv" {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!("send {what} as text/csv")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        due: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Inner>,
    }

    #[test]
    fn syntax_errors_say_where() {
        match parse_json::<Body>(b"{\"name\": \"x\",\n \"items\": [}") {
            Err(BodyError::Syntax { line, column, .. }) => assert_eq!((line, column), (2, 12)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_json::<Body>(b""), Err(BodyError::Syntax { .. })));
    }

    #[test]
    fn integer_valued_numbers_are_integers() {
        let b: Body = parse_json(b"{\"name\": \"a\", \"items\": [{\"due\": 7.0}, {\"due\": 1e2}]}").unwrap();
        assert_eq!(b.items.iter().map(|i| i.due).collect::<Vec<_>>(), [7, 100]);
        match parse_json::<Body>(b"{\"name\": \"a\", \"items\": [{\"due\": 7.5}]}") {
            Err(BodyError::Fields(f)) => assert_eq!((f[0].field.as_str(), f[0].code), ("items[0].due", "invalid_type")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        let fields = |r: Result<Body, BodyError>| match r {
            Err(BodyError::Fields(f)) => f.into_iter().map(|f| f.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(parse_json(b"{\"items\": []}")), ["name"]);
        assert_eq!(fields(parse_json(b"{\"name\": 3, \"items\": []}")), ["name"]);
        assert_eq!(fields(parse_json(b"{\"name\": \"a\", \"items\": [{\"due\": 1}, {\"due\": -1}]}")), ["items[1].due"]);
        assert_eq!(fields(parse_json(b"{\"name\": \"a\", \"items\": [{}]}")), ["items[0].due"]);
        assert_eq!(fields(parse_json(b"[]")), ["body"]);
    }

    proptest::proptest! {
        /// Whatever body arrives, it parses or is refused (400 or 422), never a panic.
        #[test]
        fn any_body_parses_or_is_refused(
            body in proptest::prop_oneof![
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
                "[{}\\[\\]\"a-z:,0-9.eé -]{0,80}".prop_map(String::into_bytes),
                "\\{\"name\": \"[^\"]{0,10}\", \"items\": \\[(\\{\"due\": -?[0-9.e]{0,8}\\},? ?){0,3}\\]\\}".prop_map(String::into_bytes),
            ]
        ) {
            let _ = parse_json::<Body>(&body);
            let _ = parse_json::<serde_json::Value>(&body);
        }
    }
}
