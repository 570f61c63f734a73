//! The caller, from the `Authorization: Bearer` header. A handler that takes a `Principal`
//! cannot run for an anonymous caller; what the caller may do is decided by
//! [`super::policy::require`].

use std::future::{ready, Ready};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, FromRequest, HttpRequest};
use domain::access::{Role, Scope};
use domain::id::UserId;
use domain::user::AccountKind;
use persistence::audit::AuditActor;

use super::tokens::TokenService;
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
    let token = bearer_token(req.headers().get(header::AUTHORIZATION))?;
    Ok(Principal { request_id: crate::middleware::request_id(req), ..verified(&state.tokens, token)? })
}

/// The token of an `Authorization: Bearer` value.
fn bearer_token(value: Option<&HeaderValue>) -> Result<&str, actix_web::Error> {
    let value = value.ok_or_else(|| unauthenticated("send a bearer token: Authorization: Bearer <access_token>"))?;
    let value = value.to_str().map_err(|_| unauthenticated("the Authorization header is not valid text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| unauthenticated("the Authorization header must use the Bearer scheme"))?
        .trim();
    Ok(token)
}

/// The caller a token names, when it verifies (without a request id: that is the request's).
fn verified(tokens: &TokenService, token: &str) -> Result<Principal, actix_web::Error> {
    let claims = tokens.verify(token).map_err(|e| {
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
        request_id: String::new(),
    })
}

impl Principal {
    /// Appends this caller's audit row for a change (or sensitive read), in the transaction
    /// of `conn`: one call shape for every handler.
    /// Records a list read of personal data: the filter asked and the ids returned.
    pub fn audit_list<I: ToString>(
        &self,
        conn: &mut persistence::PgConnection,
        entity_type: &str,
        filter: &impl serde::Serialize,
        returned: impl IntoIterator<Item = I>,
    ) -> Result<(), ApiError> {
        let filter = serde_json::to_value(filter).map_err(ApiError::internal)?;
        let returned = returned.into_iter().map(|id| id.to_string()).collect();
        persistence::audit::record_list(conn, &self.audit_actor(), entity_type, filter, returned, Some(&self.request_id))?;
        Ok(())
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::{Claims, AUDIENCE, ISSUER};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use proptest::prelude::*;

    const KEY: [u8; 32] = [7; 32];

    fn tokens() -> TokenService {
        TokenService::new(&KEY, chrono::Duration::minutes(15), chrono::Duration::days(14))
    }

    #[test]
    fn bearer_tokens_and_their_callers() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(bearer_token(Some(&v("Bearer abc "))).unwrap(), "abc");
        assert!(bearer_token(Some(&v("Basic abc"))).is_err());
        assert!(bearer_token(None).is_err());
        let svc = tokens();
        let (t, _) = svc
            .issue_access(uuid::Uuid::nil().into(), "u", Role::Auditor, Scope::National, AccountKind::Person, chrono::Utc::now())
            .unwrap();
        assert_eq!(verified(&svc, &t).unwrap().role, Role::Auditor);
        assert!(verified(&svc, "not.a.token").is_err());
    }

    /// A JWT's three parts, each any bytes, encoded as a JWT encodes them.
    fn jwt_shaped() -> impl Strategy<Value = String> {
        let part = prop::collection::vec(any::<u8>(), 0..80);
        let header =
            prop_oneof![Just(br#"{"alg":"HS256","typ":"JWT"}"#.to_vec()), Just(br#"{"alg":"none"}"#.to_vec()), part.clone()];
        (header, part.clone(), part).prop_map(|(h, p, s)| {
            format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(h), URL_SAFE_NO_PAD.encode(p), URL_SAFE_NO_PAD.encode(s))
        })
    }

    proptest! {
        /// Whatever arrives as Authorization, the answer is a token or a 401.
        #[test]
        fn any_authorization_value_is_a_token_or_a_refusal(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                let _ = bearer_token(Some(&value));
            }
        }

        /// Whatever a token holds, decoding it gives a caller or a 401.
        #[test]
        fn any_token_is_a_caller_or_a_refusal(
            token in prop_oneof![prop::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter), jwt_shaped()]
        ) {
            let _ = verified(&tokens(), &token);
        }

        /// A token we signed with claims no server wrote (a role, scope or kind that does not
        /// parse, any name) is a caller or a 401 too.
        #[test]
        fn signed_odd_claims_are_a_caller_or_a_refusal(
            name in any::<String>(),
            role in prop_oneof![Just("auditor".to_owned()), any::<String>()],
            scope in prop_oneof![Just("national".to_owned()), "(division|facility|district):[0-9০-৯é-]{0,40}", any::<String>()],
            kind in prop_oneof![Just("person".to_owned()), any::<String>()],
            iat_ms in any::<i64>(),
        ) {
            let now = chrono::Utc::now().timestamp();
            let claims = Claims {
                sub: uuid::Uuid::nil(),
                name,
                role,
                scope,
                kind,
                iss: ISSUER.to_owned(),
                aud: AUDIENCE.to_owned(),
                iat: now,
                iat_ms,
                exp: now + 600,
                jti: uuid::Uuid::nil(),
            };
            let key = jsonwebtoken::EncodingKey::from_secret(&KEY);
            let token = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap();
            let _ = verified(&tokens(), &token);
        }
    }
}
