//! The one error type at the HTTP edge and its RFC 9457 `application/problem+json` shape.
//! Domain refusals and storage failures map here; causes of 500s are logged with the request
//! id (by the request-context middleware) and never sent to the client.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::access::Denial;
use serde::Serialize;
use utoipa::ToSchema;

/// Base of every problem `type` URI; the suffix is the stable problem code.
pub const PROBLEM_BASE: &str = "https://sheba.example/problems/";

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"field": "username", "code": "invalid_length", "message": "must be 3 to 64 characters long"}))]
pub struct FieldError {
    /// JSON path of the field (`scope`, `interventions[2].due_date`).
    pub field: String,
    /// What is wrong, stable, so a front end can say it in its own words (and in Bangla).
    #[schema(value_type = FieldErrorCode)]
    pub code: &'static str,
    /// What is wrong, in English.
    pub message: String,
}

/// The stable codes of a field error.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "required")]
pub enum FieldErrorCode {
    /// The field is missing (or empty).
    Required,
    /// A value of the wrong JSON type.
    InvalidType,
    /// Too short or too long (text or list).
    InvalidLength,
    /// A number or date outside its allowed range.
    OutOfRange,
    /// Not one of the field's codes.
    UnknownCode,
    /// Malformed: an identifier, a number, a date or a scope that does not parse.
    InvalidFormat,
    /// It names a record that does not exist (or that you may not see).
    NotFound,
    /// Well-formed but not acceptable here (a date in the future, a wrong combination).
    Invalid,
    /// It contradicts what is recorded (a receipt already posted with another amount).
    Conflict,
    /// A named rule refused it; the message starts with the rule's id.
    Refused,
}

impl FieldError {
    /// A field error whose code is `invalid`; see [`FieldError::coded`] for the others.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::coded(field, "invalid", message)
    }

    /// A field error with one of [`FieldErrorCode`]'s codes.
    pub fn coded(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(FIELD_ERROR_CODES.contains(&code), "{code} is not a field error code");
        FieldError { field: field.into(), code, message: message.into() }
    }
}

/// Every [`FieldErrorCode`] as written.
pub const FIELD_ERROR_CODES: &[&str] = &[
    "required",
    "invalid_type",
    "invalid_length",
    "out_of_range",
    "unknown_code",
    "invalid_format",
    "not_found",
    "invalid",
    "conflict",
    "refused",
];

/// An RFC 9457 problem document, the body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://sheba.example/problems/validation-failed",
    "title": "The request has invalid fields",
    "title_bn": "অনুরোধের কিছু তথ্য সঠিক নয়",
    "status": 422,
    "detail": "1 field is invalid",
    "code": "validation_failed",
    "request_id": "01936f5e-8a4b-7c3d-9e2f-0a1b2c3d4e5f",
    "rule": null,
    "existing_id": null,
    "errors": [{"field": "username", "message": "must be 3 to 64 characters long"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; stable, so clients can branch on it.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    /// The title in Bangla.
    pub title_bn: String,
    pub status: u16,
    pub detail: String,
    /// The problem code, the last segment of `type`.
    pub code: String,
    /// The `X-Request-Id` of the request, to quote when reporting a fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The record that already holds a unique identifier (on a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// The domain rule that refused the request (`reintegration.guardian_not_perpetrator`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Per-field validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On the token endpoint only: the RFC 6749 §5.2 error code, for OAuth2 client libraries.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::codes::OAuthErrorCode>)]
    pub error: Option<&'static str>,
    /// On the token endpoint only: RFC 6749's human-readable explanation (the `detail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("{} invalid fields", .0.len())]
    Validation(Vec<FieldError>),
    /// Missing or invalid parameters where the protocol asks for 400 (OAuth2's token endpoint).
    #[error("{detail}")]
    InvalidRequest { detail: String, errors: Vec<FieldError> },
    #[error("the body exceeds {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(Denial),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("If-Match is required")]
    PreconditionRequired,
    #[error("the record changed")]
    PreconditionFailed,
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: i64 },
    #[error("{detail}")]
    InvalidGrant { code: &'static str, detail: String },
    #[error("invalid client credentials")]
    InvalidClient,
    #[error("{detail}")]
    Duplicate { code: &'static str, detail: String, existing_id: String },
    #[error("refused by rule {}", .0.rule)]
    Refused(domain::rule::RuleRefusal),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The embedded cluster died and its supervisor is starting it again.
    #[error("the embedded database is being restarted (attempt {attempt})")]
    DatabaseRestarting { attempt: u32 },
    #[error("internal error: {0}")]
    Internal(String),
    /// A failure on the token endpoint, carrying its RFC 6749 `error` code beside the problem.
    #[error("{inner}")]
    OAuth { error: &'static str, inner: Box<ApiError> },
}

/// The cause of a 500, carried in the response's extensions so the middleware can log it next
/// to the request id without it ever reaching the body.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl ApiError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    /// A 422 for one field, with its code (`not_found`, `unknown_code`, ...).
    pub fn field_coded(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::coded(field, code, message)])
    }

    /// A step's day refused by `domain::time::check_day`, as the field's error.
    pub fn day(field: &str, refusal: domain::time::DayRefusal) -> Self {
        ApiError::field_coded(field, "out_of_range", refusal.message())
    }

    /// The code, titles and detail of the problem document.
    fn describe(&self) -> (&'static str, &'static str, &'static str, String) {
        match self {
            ApiError::BadRequest { code, detail } => (code, "Bad request", "অনুরোধটি সঠিক নয়", detail.clone()),
            ApiError::Validation(errors) => (
                "validation_failed",
                "The request has invalid fields",
                "অনুরোধের কিছু তথ্য সঠিক নয়",
                match errors.len() {
                    1 => format!("{}: {}", errors[0].field, errors[0].message),
                    n => format!("{n} fields are invalid"),
                },
            ),
            ApiError::InvalidRequest { detail, .. } => (
                "invalid_request",
                "The request has missing or invalid parameters",
                "অনুরোধের কিছু তথ্য নেই বা সঠিক নয়",
                detail.clone(),
            ),
            ApiError::PayloadTooLarge(_) => {
                ("payload_too_large", "Request body too large", "অনুরোধের আকার খুব বড়", self.to_string())
            }
            ApiError::Unauthenticated(detail) => {
                ("unauthenticated", "Authentication required", "প্রমাণীকরণ প্রয়োজন", detail.clone())
            }
            ApiError::Forbidden(denial) => (denial.code(), denial.label().en, denial.label().bn, denial.label().en.to_owned()),
            ApiError::NotFound(what) => ("not_found", "Not found", "পাওয়া যায়নি", format!("{what} was not found")),
            ApiError::Conflict { code, detail } => (code, "Conflict", "দ্বন্দ্ব", detail.clone()),
            ApiError::UnsupportedMediaType(detail) => {
                ("unsupported_media_type", "Unsupported media type", "অসমর্থিত কনটেন্ট টাইপ", detail.clone())
            }
            ApiError::PreconditionRequired => (
                "precondition_required",
                "If-Match header required",
                "If-Match হেডার প্রয়োজন",
                "send the record's current ETag in If-Match so a concurrent change is not overwritten".into(),
            ),
            ApiError::PreconditionFailed => (
                "precondition_failed",
                "The record has changed",
                "তথ্যটি ইতিমধ্যে পরিবর্তিত হয়েছে",
                "the record was changed since you read it; fetch it again and reapply your change".into(),
            ),
            ApiError::TooManyRequests { retry_after_secs } => (
                "too_many_attempts",
                "Too many failed attempts",
                "অনেকবার ব্যর্থ চেষ্টা",
                format!("too many failed sign-in attempts; try again in {retry_after_secs} seconds"),
            ),
            ApiError::InvalidGrant { code, detail } => (code, "Invalid grant", "অনুমোদন সঠিক নয়", detail.clone()),
            ApiError::InvalidClient => (
                "invalid_client",
                "Invalid client credentials",
                "ক্লায়েন্টের পরিচয় সঠিক নয়",
                "the client id or secret is wrong".into(),
            ),
            ApiError::Refused(_) | ApiError::Duplicate { .. } | ApiError::OAuth { .. } => unreachable!("described in to_problem"),
            ApiError::Unavailable(_) => (
                "service_unavailable",
                "Service temporarily unavailable",
                "সেবাটি সাময়িকভাবে বন্ধ",
                "the service cannot reach a ready database; retry shortly".into(),
            ),
            ApiError::DatabaseRestarting { attempt } => (
                "service_unavailable",
                "Service temporarily unavailable",
                "সেবাটি সাময়িকভাবে বন্ধ",
                format!("the database stopped and is being restarted (attempt {attempt}); retry shortly"),
            ),
            ApiError::Internal(_) => (
                "internal_error",
                "Internal server error",
                "সার্ভারের অভ্যন্তরীণ ত্রুটি",
                "an unexpected error occurred; quote the request id when reporting it".into(),
            ),
        }
    }

    /// This error as the token endpoint answers it: with an RFC 6749 `error` code.
    pub fn oauth(self, error: &'static str) -> Self {
        match self {
            already @ ApiError::OAuth { .. } => already,
            inner => ApiError::OAuth { error, inner: Box::new(inner) },
        }
    }

    pub fn to_problem(&self) -> Problem {
        if let ApiError::OAuth { error, inner } = self {
            let mut p = inner.to_problem();
            p.error = Some(error);
            p.error_description = Some(p.detail.clone());
            return p;
        }
        if let ApiError::Refused(r) = self {
            let mut p = problem(self.status_code(), &r.code(), r.label.en, r.label.bn, r.label.en.to_owned(), vec![]);
            p.rule = Some(r.rule.to_owned());
            return p;
        }
        if let ApiError::Duplicate { code, detail, existing_id } = self {
            let mut p = problem(self.status_code(), code, "Already recorded", "ইতিমধ্যে নথিভুক্ত", detail.clone(), vec![]);
            p.existing_id = Some(existing_id.clone());
            return p;
        }
        let (code, title, title_bn, detail) = self.describe();
        let errors = match self {
            ApiError::Validation(errors) | ApiError::InvalidRequest { errors, .. } => errors.clone(),
            _ => vec![],
        };
        problem(self.status_code(), code, title, title_bn, detail, errors)
    }
}

/// Builds a problem document.
pub fn problem(status: StatusCode, code: &str, title: &str, title_bn: &str, detail: String, errors: Vec<FieldError>) -> Problem {
    Problem {
        kind: format!("{PROBLEM_BASE}{}", code.replace('_', "-")),
        title: title.to_owned(),
        title_bn: title_bn.to_owned(),
        status: status.as_u16(),
        detail,
        code: code.to_owned(),
        request_id: None,
        rule: None,
        existing_id: None,
        errors,
        error: None,
        error_description: None,
    }
}

/// The response for a problem document.
pub fn problem_response(p: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).content_type(PROBLEM_JSON).json(p)
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } | ApiError::InvalidGrant { .. } | ApiError::InvalidRequest { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated(_) | ApiError::InvalidClient => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } | ApiError::Duplicate { .. } => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Refused(r) => match r.class {
                domain::rule::RuleClass::Conflict => StatusCode::CONFLICT,
                domain::rule::RuleClass::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            },
            ApiError::Unavailable(_) | ApiError::DatabaseRestarting { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::OAuth { inner, .. } => inner.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = problem_response(&self.to_problem());
        self.add_headers(&mut res);
        res
    }
}

impl ApiError {
    /// The headers an error's status calls for (`WWW-Authenticate`, `Retry-After`), and the
    /// cause of a 5xx for the log.
    fn add_headers(&self, res: &mut HttpResponse) {
        let headers = res.headers_mut();
        match self {
            ApiError::OAuth { inner, .. } => inner.add_headers(res),
            ApiError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"sheba\""));
            }
            ApiError::InvalidClient => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"sheba\""));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::Unavailable(cause) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                res.extensions_mut().insert(InternalCause(cause.clone()));
            }
            ApiError::DatabaseRestarting { attempt } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                res.extensions_mut()
                    .insert(InternalCause(format!("the embedded PostgreSQL is being restarted (attempt {attempt})")));
            }
            ApiError::Internal(cause) => {
                res.extensions_mut().insert(InternalCause(cause.clone()));
            }
            _ => {}
        }
    }
}

impl From<domain::case::Refusal> for ApiError {
    fn from(r: domain::case::Refusal) -> Self {
        ApiError::Refused(r.into())
    }
}

impl From<domain::rule::RuleRefusal> for ApiError {
    fn from(r: domain::rule::RuleRefusal) -> Self {
        ApiError::Refused(r)
    }
}

/// PostgreSQL's words for a session ended by the server's shutdown or crash (SQLSTATE classes
/// 57P and 08), and libpq's for a connection that broke.
fn connection_lost(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "the database system is",
        "could not receive data from server",
        "could not send data to server",
        "no connection to the server",
        "connection to server",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, info) => {
                ApiError::Unavailable(info.message().to_owned())
            }
            // The server went away under the statement (stopped, crashed, or being started
            // again): the same as no connection, and the client may retry.
            Error::DatabaseError(_, info) if connection_lost(info.message()) => ApiError::Unavailable(info.message().to_owned()),
            // PostgreSQL text cannot hold a NUL character; that is bad input, not a fault.
            Error::DatabaseError(_, info)
                if info.message().contains("invalid byte sequence") || info.message().contains("0x00") =>
            {
                ApiError::BadRequest { code: "invalid_text", detail: "text must not contain NUL characters".into() }
            }
            // A date or number beyond what PostgreSQL stores (year 300000, say) is bad input.
            Error::DatabaseError(_, info) if info.message().contains("out of range") => ApiError::BadRequest {
                code: "value_out_of_range",
                detail: "a date or number in the request is out of range".into(),
            },
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => ApiError::Conflict {
                code: "concurrent_update",
                detail: "a concurrent change interfered; retry the request".into(),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}
