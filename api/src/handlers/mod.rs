//! HTTP handlers, one small module per resource. Each parses, authorises through
//! `auth::policy`, calls the domain, persists in one transaction and answers.

pub mod allowances;
pub mod areas;
pub mod audit_events;
pub mod auth_token;
pub mod capitation;
pub mod cases;
pub mod contacts;
pub mod directory;
pub mod disability;
pub mod documents;
pub mod facilities;
pub mod geo;
pub mod health;
pub mod hospital;
pub mod households;
pub mod imports;
pub mod institutions;
pub mod microcredit;
pub mod persons;
pub mod programmes;
pub mod reference;
pub mod reports;
pub mod supervision;
pub mod users;
pub mod voluntary;

/// A step's day in `field`: not in the future (Asia/Dhaka), not before `previous` (the step it
/// follows). The rule is the domain's; this reads the clock and names the field.
pub(crate) fn step_day(
    field: &str,
    on: chrono::NaiveDate,
    previous: Option<chrono::NaiveDate>,
) -> Result<(), crate::problem::ApiError> {
    domain::time::check_day(on, previous, microcredit::today()).map_err(|r| crate::problem::ApiError::day(field, r))
}
