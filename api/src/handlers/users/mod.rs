//! User administration for system administrators: create, list, read, disable, enable,
//! reset a password. An administrator sees and manages only accounts within their own
//! scope, and can hand out only authority they hold.

pub mod create;
pub mod get;
pub mod list;
pub mod me;
pub mod password;
pub mod status;

use actix_web::HttpResponse;
use domain::access::{PlacedScope, Subject};
use persistence::users::UserRow;
use persistence::PgConnection;

use crate::etag::etag;
use crate::problem::ApiError;
use crate::views::UserView;

/// The access subject of an existing account: its scope, placed in the hierarchy.
pub(crate) fn subject_of(conn: &mut PgConnection, user: &UserRow) -> Result<Subject, ApiError> {
    let placed: PlacedScope = crate::accounts::place_scope(conn, user.scope)?;
    Ok(Subject::Scope(placed))
}

/// A user in a response, with its `ETag`.
pub(crate) fn user_response(mut builder: actix_web::HttpResponseBuilder, user: &UserRow) -> HttpResponse {
    builder.insert_header((actix_web::http::header::ETAG, etag(user.version))).json(UserView::from(user))
}

crate::pipeline::record!(UserRow {
    id: domain::id::UserId,
    kind: "user",
    noun: "user",
    lock: persistence::users::find_for_update,
    subject: |r, conn| subject_of(conn, r),
    summary: |r| UserView::from(r).to_json(),
});

/// The answer to every change: the account.
pub(crate) fn answer(_: &mut PgConnection, _: &crate::auth::principal::Principal, u: &UserRow) -> Result<UserView, ApiError> {
    Ok(UserView::from(u))
}
