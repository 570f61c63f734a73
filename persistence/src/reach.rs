//! How far a lister's scope reaches, as the repositories filter by it. The API maps the
//! actor's `domain::access::Scope` to this once (`api::scoping`).

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    All,
    Division(i32),
    District(i32),
    Upazila(i32),
    Facility(Uuid),
    Partner(Uuid),
}
