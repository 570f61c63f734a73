//! The one enforcement point. Every protected operation calls [`require`] inside its
//! transaction: the account must still be active and its token issued after the last
//! password reset, and the domain's access policy (default deny) must allow the permission
//! on the subject.

use domain::access::{authorize, Actor, Permission, Subject};
use persistence::PgConnection;

use super::principal::Principal;
use crate::problem::ApiError;

pub fn require(conn: &mut PgConnection, who: &Principal, permission: Permission, subject: &Subject) -> Result<Actor, ApiError> {
    let actor = require_active(conn, who)?;
    authorize(&actor, permission, subject).map_err(ApiError::Forbidden)?;
    Ok(actor)
}

/// Only checks that the account behind the token may still act (for operations any signed-in
/// user may do, such as reading their own account).
pub fn require_active(conn: &mut PgConnection, who: &Principal) -> Result<Actor, ApiError> {
    let state = persistence::users::access_state(conn, who.user_id)?
        .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))?;
    if state.status != domain::user::UserStatus::Active {
        return Err(ApiError::Unauthenticated("the account is disabled".into()));
    }
    if who.issued_at_ms < state.tokens_valid_after.timestamp_millis() {
        return Err(ApiError::Unauthenticated("the token was issued before the password was reset; sign in again".into()));
    }
    // Role and scope come from the account as it is now, not as the token remembers it.
    Ok(Actor { user_id: who.user_id, role: state.role, scope: state.scope })
}
