use actix_web::get;
use actix_web::{web, HttpResponse};
use domain::access::Permission;
use persistence::users::UserFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::UserView;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only accounts with this role.
    #[param(value_type = Option<crate::codes::RoleCode>)]
    pub role: Option<String>,
    /// `active` or `disabled`.
    #[param(value_type = Option<crate::codes::UserStatusCode>)]
    pub status: Option<String>,
    /// `person` or `service`.
    #[param(value_type = Option<crate::codes::AccountKindCode>)]
    pub kind: Option<String>,
    /// Usernames starting with this text.
    pub username_prefix: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Accounts within the caller's scope, in creation order.
#[utoipa::path(operation_id = "list_users", tag = "users",
    params(UserQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = ListPage<UserView>),
        (status = 400, description = "Bad cursor or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/users")]
pub async fn list_users(state: web::Data<AppState>, who: Principal, q: web::Query<UserQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = UserFilter {
        role: crate::codes::check_filter("role", &q.role, domain::access::Role::parse)?,
        status: crate::codes::check_filter("status", &q.status, domain::user::UserStatus::parse)?,
        kind: crate::codes::check_filter("kind", &q.kind, domain::user::AccountKind::parse)?,
        username_prefix: q.username_prefix.map(|p| p.to_lowercase()),
    };
    let page = read(&state, move |conn| {
        // The role must allow reading accounts in the caller's own scope; what is listed is
        // then bounded by the scope the account has now.
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadUsers, &own)?;
        Ok(persistence::users::list(conn, actor.scope, &filter, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |u| UserView::from(&u))))
}
