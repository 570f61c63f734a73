//! The caller, from the `Authorization: Bearer` header. A handler that takes a `Principal`
//! cannot run for an anonymous caller; what the caller may do is decided by
//! [`super::policy::require`].

use std::future::{ready, Ready};

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use domain::access::{Role, Scope};
use domain::id::UserId;
use domain::user::AccountKind;
use persistence::audit::AuditActor;

use crate::problem::ApiError;
use crate::state::AppState;

/// A caller whose token verified. Whether the account is still active is checked against the
/// database by the policy, inside the request's transaction.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    pub kind: AccountKind,
    /// When the token was issued (milliseconds since the epoch), to refuse tokens issued
    /// before a password reset or a disable.
    pub issued_at_ms: i64,
    pub request_id: String,
}

impl Principal {
    pub fn audit_actor(&self) -> AuditActor {
        AuditActor { id: Some(self.user_id), label: self.username.clone() }
    }
}

fn unauthenticated(detail: &str) -> actix_web::Error {
    ApiError::Unauthenticated(detail.to_owned()).into()
}

impl FromRequest for Principal {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(principal(req))
    }
}

fn principal(req: &HttpRequest) -> Result<Principal, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("state missing"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthenticated("send a bearer token: Authorization: Bearer <access_token>"))?;
    let value = value.to_str().map_err(|_| unauthenticated("the Authorization header is not valid text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| unauthenticated("the Authorization header must use the Bearer scheme"))?
        .trim();
    let claims = state.tokens.verify(token).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::ExpiredSignature => unauthenticated("the access token has expired; refresh it"),
            _ => unauthenticated("the access token is invalid"),
        }
    })?;
    let role = claims.role.parse::<Role>().map_err(|_| unauthenticated("the access token is invalid"))?;
    let scope = claims.scope.parse::<Scope>().map_err(|_| unauthenticated("the access token is invalid"))?;
    let kind = AccountKind::parse(&claims.kind).ok_or_else(|| unauthenticated("the access token is invalid"))?;
    Ok(Principal {
        user_id: UserId(claims.sub),
        username: claims.name,
        role,
        scope,
        kind,
        issued_at_ms: claims.iat_ms,
        request_id: crate::middleware::request_id(req),
    })
}

impl Principal {
    /// Appends this caller's audit row for a change (or sensitive read), in the transaction
    /// of `conn`: one call shape for every handler.
    pub fn audit(
        &self,
        conn: &mut persistence::PgConnection,
        action: &str,
        entity_type: &str,
        entity_id: impl ToString,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), ApiError> {
        persistence::audit::record(
            conn,
            persistence::audit::AuditEntry {
                actor: &self.audit_actor(),
                action,
                entity_type,
                entity_id: entity_id.to_string(),
                before,
                after,
                request_id: Some(&self.request_id),
            },
        )?;
        Ok(())
    }
}
