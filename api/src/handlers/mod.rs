//! HTTP handlers, one small module per resource. Each parses, authorises through
//! `auth::policy`, calls the domain, persists in one transaction and answers.

pub mod allowances;
pub mod areas;
pub mod audit_events;
pub mod auth_token;
pub mod capitation;
pub mod cases;
pub mod contacts;
pub mod disability;
pub mod facilities;
pub mod geo;
pub mod health;
pub mod hospital;
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
