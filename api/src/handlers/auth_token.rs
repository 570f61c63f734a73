//! `POST /api/v1/auth/token`: the password, refresh-token and client-credentials grants, and
//! `POST /api/v1/auth/revoke` to sign out. Failed attempts are throttled per account name and
//! recorded (they commit even though the request fails); every token issued is audited.

use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::id::{RefreshTokenId, TokenFamilyId};
use domain::user::AccountKind;
use persistence::audit::{self, AuditActor, AuditEntry};
use persistence::refresh_tokens::{self, NewRefreshToken};
use persistence::users::UserRow;
use persistence::{login_failures, users, PgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::password;
use crate::auth::tokens::{hash_refresh_token, new_refresh_token};
use actix_web::http::header;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::extract::{declared_length, read_body, ApiJson, BodyError};
use crate::middleware::request_id;
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;

/// A token request as JSON; `grant_type` says which fields it carries.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
#[schema(example = json!({"grant_type": "password", "username": "rahima.upz400", "password": "correct horse battery"}))]
pub enum TokenRequest {
    /// A person signs in.
    Password { username: String, password: String },
    /// Exchange a refresh token for new tokens; the old refresh token stops working.
    RefreshToken { refresh_token: String },
    /// A service account (an integrator) signs in. The client credentials may come instead in
    /// an `Authorization: Basic` header (`client_secret_basic`).
    ClientCredentials { client_id: String, client_secret: String },
}

/// The grants this endpoint issues tokens for.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[schema(example = "client_credentials")]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
    RefreshToken,
    ClientCredentials,
}

/// A token request as RFC 6749 clients send it (`application/x-www-form-urlencoded`). The
/// client credentials of the client-credentials grant may come in an `Authorization: Basic`
/// header instead (`client_secret_basic`). Other parameters (`scope`) are ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "dss-reports", "client_secret": "a long service secret"}))]
pub struct TokenForm {
    #[schema(value_type = GrantType)]
    pub grant_type: Option<String>,
    /// For the password grant.
    pub username: Option<String>,
    /// For the password grant.
    pub password: Option<String>,
    /// For the refresh-token grant.
    pub refresh_token: Option<String>,
    /// For the client-credentials grant (`client_secret_post`).
    pub client_id: Option<String>,
    /// For the client-credentials grant (`client_secret_post`).
    pub client_secret: Option<String>,
    /// Accepted and ignored: an account's reach is its role and scope.
    pub scope: Option<String>,
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Reads the request as RFC 6749 §4 and §2.3.1 describe it: the parameters from a form or
/// JSON body, the client credentials from the body or a Basic header (not both).
fn token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let essence = crate::extract::media_type(req);
    let mut params: TokenForm = if essence == FORM {
        serde_urlencoded::from_bytes(body).map_err(|e| ApiError::BadRequest {
            code: "invalid_request",
            detail: format!("the form body could not be read: {e}"),
        })?
    } else if crate::extract::is_json_type(&essence) {
        crate::extract::parse_json(body).map_err(|e| match e {
            BodyError::Fields(errors) => invalid_request(errors),
            other => ApiError::BadRequest { code: "malformed_json", detail: other.to_string() },
        })?
    } else {
        return Err(ApiError::UnsupportedMediaType(format!("send the body as {FORM} or application/json")));
    };
    let Some(grant) = params.grant_type.take() else {
        return Err(invalid_request(vec![FieldError::coded("grant_type", "required", "is required")]));
    };
    let mut errors = vec![];
    let mut field = |name: &'static str, value: Option<String>| -> String {
        match value {
            Some(v) if !v.is_empty() && v.len() <= 1024 => v,
            Some(_) => {
                errors.push(FieldError::coded(name, "invalid_length", "must be 1 to 1024 bytes"));
                String::new()
            }
            None => {
                errors.push(FieldError::coded(name, "required", "is required"));
                String::new()
            }
        }
    };
    let request = match grant.as_str() {
        "password" => {
            TokenRequest::Password { username: field("username", params.username), password: field("password", params.password) }
        }
        "refresh_token" => TokenRequest::RefreshToken { refresh_token: field("refresh_token", params.refresh_token) },
        "client_credentials" => {
            // Only this grant authenticates a client; Swagger UI sends an empty Basic pair
            // with the password grant, which is not client authentication.
            let (id, secret) = match basic_credentials(req)? {
                Some(_) if params.client_secret.is_some() => {
                    return Err(ApiError::BadRequest {
                        code: "invalid_request",
                        detail: "send the client credentials either in the Authorization header or in the body, not both".into(),
                    })
                }
                Some((id, secret)) => (Some(id), Some(secret)),
                None => (params.client_id, params.client_secret),
            };
            TokenRequest::ClientCredentials { client_id: field("client_id", id), client_secret: field("client_secret", secret) }
        }
        other => {
            return Err(ApiError::BadRequest {
                code: "unsupported_grant_type",
                detail: format!("grant_type {other:?} is not supported; use password, refresh_token or client_credentials"),
            }
            .oauth("unsupported_grant_type"))
        }
    };
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(invalid_request(errors))
    }
}

fn invalid_request(errors: Vec<FieldError>) -> ApiError {
    let detail = match errors.as_slice() {
        [one] => format!("{}: {}", one.field, one.message),
        many => format!("{} parameters are missing or invalid", many.len()),
    };
    // Kept as a validation problem (per-field errors), answered with RFC 6749's 400.
    ApiError::InvalidRequest { detail, errors }
}

/// `Authorization: Basic` client credentials (RFC 6749 §2.3.1: each part form-encoded, then
/// the pair in Base64). A Bearer or other scheme is not client authentication and is ignored.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::InvalidClient)?;
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ApiError::InvalidClient)?;
    let decoded = String::from_utf8(decoded).map_err(|_| ApiError::InvalidClient)?;
    let (id, secret) = decoded.split_once(':').ok_or(ApiError::InvalidClient)?;
    let unform = |s: &str| -> Result<String, ApiError> {
        let spaced = s.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced).decode_utf8().map(|c| c.into_owned()).map_err(|_| ApiError::InvalidClient)
    };
    Ok(Some((unform(id)?, unform(secret)?)))
}

/// The RFC 6749 §5.2 `error` for a failure of the token endpoint.
fn oauth_error(e: ApiError) -> ApiError {
    let code = match &e {
        ApiError::InvalidClient => "invalid_client",
        ApiError::InvalidGrant { .. } | ApiError::TooManyRequests { .. } => "invalid_grant",
        ApiError::Unavailable(_) => "temporarily_unavailable",
        ApiError::Internal(_) => "server_error",
        _ => "invalid_request",
    };
    e.oauth(code)
}

/// Tokens for the caller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "rt_Q2hhbmdlTWVJbkFub3RoZXJMaWZlVGltZQ"
}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// For the password and refresh grants; use it once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A refresh token to revoke.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"refresh_token": "rt_Q2hhbmdlTWVJbkFub3RoZXJMaWZlVGltZQ"}))]
pub struct RevokeRequest {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub refresh_token: String,
}

/// What happened, decided inside the transaction. A failure is committed (its throttling
/// record and audit row must stay) and only then turned into an error response.
enum Outcome {
    Issued(TokenResponse),
    Refused(ApiError),
}

fn invalid_grant(detail: &str) -> ApiError {
    ApiError::InvalidGrant { code: "invalid_grant", detail: detail.to_owned() }
}

/// Get tokens: sign in with a password, refresh, or authenticate a service account. Speaks
/// OAuth2 as client libraries do (RFC 6749): a form body or JSON, client credentials in the
/// body or an `Authorization: Basic` header, and errors with `error` and `error_description`
/// beside the problem fields.
#[utoipa::path(operation_id = "create_token", tag = "auth",
    request_body(content(
        (TokenForm = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    params(("Authorization" = Option<String>, Header, description = "`Basic` client credentials for the client-credentials grant (client_secret_basic)", pattern = "^Basic [A-Za-z0-9+/=]+$")),
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"), ("X-Request-Id" = String, description = "The request's id"))),
        (status = 400, description = "invalid_grant (wrong username or password; refresh token invalid, used or revoked), invalid_request (missing or malformed parameters, malformed JSON) or unsupported_grant_type", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_client: wrong client credentials", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"sheba\"`"))),
        (status = 415, description = "Neither a form nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the name may try again"))),
    ))]
#[post("/auth/token")]
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request_id = request_id(&req);
    let limit = state.body_limit;
    let body = read_body(declared_length(&req), &mut payload, limit).await.map_err(|e| {
        oauth_error(if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(limit)
        } else {
            ApiError::BadRequest { code: "invalid_request", detail: "the body could not be read".into() }
        })
    })?;
    let request = token_request(&req, &body).map_err(oauth_error)?;
    let st = state.clone();
    let outcome = transact(&state, move |conn| {
        let now = Utc::now();
        match request {
            TokenRequest::Password { username, password } => {
                sign_in(conn, &st, &username, &password, AccountKind::Person, now, &request_id)
            }
            TokenRequest::ClientCredentials { client_id, client_secret } => {
                sign_in(conn, &st, &client_id, &client_secret, AccountKind::Service, now, &request_id)
            }
            TokenRequest::RefreshToken { refresh_token } => refresh(conn, &st, &refresh_token, now, &request_id),
        }
    })
    .await
    .map_err(oauth_error)?;
    match outcome {
        Outcome::Issued(tokens) => {
            Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).insert_header(("Pragma", "no-cache")).json(tokens))
        }
        Outcome::Refused(e) => Err(oauth_error(e)),
    }
}

fn sign_in(
    conn: &mut PgConnection,
    state: &AppState,
    name: &str,
    secret: &str,
    kind: AccountKind,
    now: DateTime<Utc>,
    request_id: &str,
) -> Result<Outcome, ApiError> {
    let name = name.trim().to_lowercase();
    let failures = login_failures::recent(conn, &name, now - state.throttle.window, i64::from(state.throttle.max_failures))?;
    if let Err(wait) = state.throttle.check(&failures, now) {
        return Ok(Outcome::Refused(ApiError::TooManyRequests { retry_after_secs: wait.num_seconds().max(1) }));
    }
    let user = users::find_by_username(conn, &name)?.filter(|u| u.kind == kind);
    let verified = match &user {
        Some(u) => password::verify(&u.password_hash, secret),
        None => {
            password::verify_dummy(secret);
            false
        }
    };
    let user_id = user.as_ref().map(|u| u.id);
    let refuse = |conn: &mut PgConnection, reason: &str| -> Result<Outcome, ApiError> {
        login_failures::record(conn, &name, now, now - state.throttle.window)?;
        audit::record(
            conn,
            AuditEntry {
                actor: &AuditActor { id: user_id, label: name.clone() },
                action: "auth.sign_in_failed",
                entity_type: "user",
                entity_id: user_id.map(|id| id.to_string()).unwrap_or_else(|| name.clone()),
                before: None,
                after: Some(serde_json::json!({"reason": reason, "grant": kind})),
                request_id: Some(request_id),
            },
        )?;
        Ok(Outcome::Refused(if kind == AccountKind::Service {
            ApiError::InvalidClient
        } else {
            invalid_grant("the username or password is wrong")
        }))
    };
    let Some(user) = user.filter(|_| verified) else {
        return refuse(conn, "wrong_credentials");
    };
    if user.status != domain::user::UserStatus::Active {
        return Ok(Outcome::Refused(ApiError::InvalidGrant {
            code: "account_disabled",
            detail: "this account is disabled; ask your administrator".into(),
        }));
    }
    login_failures::clear(conn, &name)?;
    let refresh_family = (kind == AccountKind::Person).then(|| TokenFamilyId(Uuid::now_v7()));
    issue(conn, state, &user, refresh_family, now, request_id, "auth.sign_in")
}

fn refresh(
    conn: &mut PgConnection,
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
    request_id: &str,
) -> Result<Outcome, ApiError> {
    let Some(stored) = refresh_tokens::find_for_update(conn, &hash_refresh_token(token))? else {
        return Ok(Outcome::Refused(invalid_grant("the refresh token is not valid")));
    };
    if stored.revoked_at.is_some() {
        return Ok(Outcome::Refused(invalid_grant("the refresh token was revoked; sign in again")));
    }
    if stored.used_at.is_some() {
        // A rotated token came back: someone holds a copy. Revoke the whole family.
        refresh_tokens::revoke_family(conn, stored.family_id, now)?;
        audit::record(
            conn,
            AuditEntry {
                actor: &AuditActor { id: Some(stored.user_id), label: format!("user:{}", stored.user_id) },
                action: "auth.refresh_token_replayed",
                entity_type: "user",
                entity_id: stored.user_id.to_string(),
                before: None,
                after: Some(serde_json::json!({"family_id": stored.family_id})),
                request_id: Some(request_id),
            },
        )?;
        return Ok(Outcome::Refused(invalid_grant(
            "the refresh token was already used; every session from it is revoked; sign in again",
        )));
    }
    if stored.expires_at <= now {
        return Ok(Outcome::Refused(invalid_grant("the refresh token has expired; sign in again")));
    }
    let user = users::find(conn, stored.user_id)?.ok_or_else(|| ApiError::internal("refresh token without user"))?;
    if user.status != domain::user::UserStatus::Active {
        return Ok(Outcome::Refused(ApiError::InvalidGrant {
            code: "account_disabled",
            detail: "this account is disabled; ask your administrator".into(),
        }));
    }
    refresh_tokens::mark_used(conn, stored.id, now)?;
    issue(conn, state, &user, Some(stored.family_id), now, request_id, "auth.refresh")
}

fn issue(
    conn: &mut PgConnection,
    state: &AppState,
    user: &UserRow,
    refresh_family: Option<TokenFamilyId>,
    now: DateTime<Utc>,
    request_id: &str,
    action: &str,
) -> Result<Outcome, ApiError> {
    let (access_token, expires_in) =
        state.tokens.issue_access(user.id, &user.username, user.role, user.scope, user.kind, now).map_err(ApiError::internal)?;
    let refresh_token = match refresh_family {
        None => None,
        Some(family_id) => {
            let (token, hash) = new_refresh_token();
            refresh_tokens::insert(
                conn,
                NewRefreshToken {
                    id: RefreshTokenId(Uuid::now_v7()),
                    user_id: user.id,
                    family_id,
                    token_hash: &hash,
                    issued_at: now,
                    expires_at: now + state.tokens.refresh_ttl,
                },
            )?;
            Some(token)
        }
    };
    audit::record(
        conn,
        AuditEntry {
            actor: &AuditActor { id: Some(user.id), label: user.username.clone() },
            action,
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({"refresh_family": refresh_family})),
            request_id: Some(request_id),
        },
    )?;
    Ok(Outcome::Issued(TokenResponse { access_token, token_type: "Bearer".into(), expires_in, refresh_token }))
}

/// Sign out: revoke a refresh token and every token rotated from the same sign-in. Answers
/// 204 whether or not the token was known (RFC 7009), so it reveals nothing.
#[utoipa::path(operation_id = "revoke_token", tag = "auth",
    request_body = RevokeRequest,
    responses(
        (status = 204, description = "Revoked (or unknown)"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/auth/revoke")]
pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    let request_id = request_id(&req);
    transact(&state, move |conn| {
        let now = Utc::now();
        if let Some(stored) = refresh_tokens::find_for_update(conn, &hash_refresh_token(&body.0.refresh_token))? {
            if refresh_tokens::revoke_family(conn, stored.family_id, now)? > 0 {
                audit::record(
                    conn,
                    AuditEntry {
                        actor: &AuditActor { id: Some(stored.user_id), label: format!("user:{}", stored.user_id) },
                        action: "auth.revoke",
                        entity_type: "user",
                        entity_id: stored.user_id.to_string(),
                        before: None,
                        after: Some(serde_json::json!({"family_id": stored.family_id})),
                        request_id: Some(&request_id),
                    },
                )?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
