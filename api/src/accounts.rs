//! Creating accounts, shared by the API (`POST /api/v1/users`) and the command line
//! (`sheba user create`) so both apply the same rules and both leave an audit row.

use domain::access::{PlacedScope, Role, Scope};
use domain::geo::{DistrictId, DivisionId, UpazilaId};
use domain::id::UserId;
use domain::user::{parse_display_name, AccountKind, NewPassword, Username};
use persistence::audit::{self, AuditActor, AuditEntry};
use persistence::users::{self, NewUserRow, UserRow};
use persistence::PgConnection;
use uuid::Uuid;

use crate::auth::password;
use crate::problem::{ApiError, FieldError};
use crate::views::UserView;

/// An account request whose every field parsed.
#[derive(Debug)]
pub struct NewAccount {
    pub username: Username,
    pub display_name: String,
    pub kind: AccountKind,
    pub role: Role,
    pub scope: Scope,
    pub password: NewPassword,
}

/// The raw fields of an account request, as typed by a person or sent by a client.
pub struct AccountInput<'a> {
    pub username: &'a str,
    pub display_name: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub role: &'a str,
    pub scope: &'a str,
    pub password: &'a str,
}

impl NewAccount {
    /// Parses every field and reports all that fail at once.
    pub fn parse(input: &AccountInput<'_>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let username =
            Username::parse(input.username).map_err(|e| errors.push(FieldError::coded("username", "invalid_format", e.0))).ok();
        let display_name = match input.display_name {
            Some(d) => {
                parse_display_name(d).map_err(|e| errors.push(FieldError::coded("display_name", "invalid_format", e.0))).ok()
            }
            None => username.as_ref().map(|u| u.to_string()),
        };
        let kind = match input.kind {
            None => Some(AccountKind::Person),
            Some(k) => AccountKind::parse(k).or_else(|| {
                errors.push(FieldError::coded("kind", "unknown_code", "must be `person` or `service`"));
                None
            }),
        };
        let role = input
            .role
            .parse::<Role>()
            .map_err(|_| errors.push(FieldError::coded("role", "unknown_code", "is not a known role")))
            .ok();
        let scope = input
            .scope
            .parse::<Scope>()
            .map_err(|e| errors.push(FieldError::coded("scope", "invalid_format", e.to_string())))
            .ok();
        if let (Some(role), Some(scope)) = (role, scope) {
            if !role.allows_scope(&scope) {
                errors.push(FieldError::new("scope", format!("a {role} cannot have scope {scope}")));
            }
        }
        if role == Some(Role::Integrator) && kind == Some(AccountKind::Person) {
            errors.push(FieldError::new("kind", "integrators are service accounts (kind `service`)"));
        }
        let password =
            NewPassword::parse(input.password).map_err(|e| errors.push(FieldError::coded("password", "invalid", e.0))).ok();
        match (username, display_name, kind, role, scope, password) {
            (Some(username), Some(display_name), Some(kind), Some(role), Some(scope), Some(password)) if errors.is_empty() => {
                Ok(NewAccount { username, display_name, kind, role, scope, password })
            }
            _ => Err(errors),
        }
    }
}

/// Places a scope in the hierarchy; an area that does not exist is a field error.
pub fn place_scope(conn: &mut PgConnection, scope: Scope) -> Result<PlacedScope, ApiError> {
    let area = match scope {
        Scope::National | Scope::Facility(_) | Scope::Partner(_) => None,
        Scope::Division(id) => Some(persistence::geo::division_path(conn, DivisionId(id.0))?),
        Scope::District(id) => Some(persistence::geo::district_path(conn, DistrictId(id.0))?),
        Scope::Upazila(id) => Some(persistence::geo::upazila_path(conn, UpazilaId(id.0))?),
    };
    match area {
        Some(None) => Err(ApiError::field_coded("scope", "not_found", format!("{scope} does not exist"))),
        Some(Some(path)) => Ok(PlacedScope { scope, area: Some(path) }),
        None => Ok(PlacedScope { scope, area: None }),
    }
}

/// Stores the account and its audit row. The caller has authorised the creation and placed
/// the scope; a taken username is a 409.
pub fn create(
    conn: &mut PgConnection,
    actor: &AuditActor,
    request_id: Option<&str>,
    account: &NewAccount,
    placed: &PlacedScope,
) -> Result<UserRow, ApiError> {
    let hash = password::hash(account.password.expose()).map_err(ApiError::internal)?;
    let (facility, partner) = match placed.scope {
        Scope::Facility(f) => (Some(f), None),
        Scope::Partner(p) => (None, Some(p)),
        _ => (None, None),
    };
    let row = NewUserRow {
        id: UserId(Uuid::now_v7()),
        username: account.username.as_str(),
        display_name: &account.display_name,
        kind: account.kind,
        role: account.role,
        scope: placed.scope,
        scope_division_id: placed.area.map(|a| a.division.0),
        scope_district_id: placed.area.and_then(|a| a.district).map(|d| d.0),
        scope_upazila_id: placed.area.and_then(|a| a.upazila).map(|u| u.0),
        scope_facility_id: facility,
        scope_partner_id: partner,
        password_hash: &hash,
    };
    let user = users::insert(conn, row)?.ok_or_else(|| ApiError::Conflict {
        code: "username_taken",
        detail: format!("the username {} is already in use", account.username),
    })?;
    audit::record(
        conn,
        AuditEntry {
            actor,
            action: "user.create",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(UserView::from(&user).to_json()),
            request_id,
        },
    )?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(role: &'a str, scope: &'a str, kind: Option<&'a str>) -> AccountInput<'a> {
        AccountInput { username: "rahima", display_name: None, kind, role, scope, password: "correct horse battery" }
    }

    #[test]
    fn reports_every_bad_field() {
        let bad = AccountInput {
            username: "x",
            display_name: Some(""),
            kind: Some("robot"),
            role: "king",
            scope: "moon",
            password: "short",
        };
        let fields: Vec<String> = NewAccount::parse(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["username", "display_name", "kind", "role", "scope", "password"]);
    }

    #[test]
    fn role_must_fit_scope_and_integrators_are_services() {
        assert!(NewAccount::parse(&input("upazila_officer", "upazila:1", None)).is_ok());
        let e = NewAccount::parse(&input("upazila_officer", "national", None)).unwrap_err();
        assert_eq!(e[0].field, "scope");
        let e = NewAccount::parse(&input("integrator", "national", None)).unwrap_err();
        assert_eq!(e[0].field, "kind");
        assert!(NewAccount::parse(&input("integrator", "national", Some("service"))).is_ok());
    }
}
