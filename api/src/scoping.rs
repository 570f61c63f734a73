//! Turning the actor's scope into what lists filter by, and into the subject an operation on
//! "everything I can see" is authorised against.

use domain::access::{Scope, Subject};
use persistence::reach::Reach;
use persistence::PgConnection;

use crate::problem::ApiError;

/// How far a list reaches for this scope.
pub fn reach(scope: Scope) -> Reach {
    match scope {
        Scope::National => Reach::All,
        Scope::Division(d) => Reach::Division(d.0),
        Scope::District(d) => Reach::District(d.0),
        Scope::Upazila(u) => Reach::Upazila(u.0),
        Scope::Facility(f) => Reach::Facility(f),
        Scope::Partner(p) => Reach::Partner(p),
    }
}

/// The subject "everything within my own scope", for authorising a list.
pub fn own_subject(conn: &mut PgConnection, scope: Scope) -> Result<Subject, ApiError> {
    Ok(match scope {
        Scope::National => Subject::National,
        _ => Subject::Scope(crate::accounts::place_scope(conn, scope)?),
    })
}
