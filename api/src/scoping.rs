//! The subject an operation on "everything I can see" is authorised against. (Lists filter
//! by the actor's `Scope` itself: the repositories take it.)

use domain::access::{Scope, Subject};
use persistence::PgConnection;

use crate::problem::ApiError;

/// The subject "everything within my own scope", for authorising a list.
pub fn own_subject(conn: &mut PgConnection, scope: Scope) -> Result<Subject, ApiError> {
    Ok(match scope {
        Scope::National => Subject::National,
        _ => Subject::Scope(crate::accounts::place_scope(conn, scope)?),
    })
}
